//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice`
//! annotation per finding, shown inline on the pull request.
//!
//! GitHub keeps only the first 10 annotations of each kind that a step
//! prints (and 50 per job) and drops the rest without a word, so this
//! printer writes the most severe findings first, at most
//! [`PER_KIND`] of each kind, and ends with a plain line counting the ones
//! left out (the job summary and the SARIF report list them).

use std::io::{self, Write};

use super::Report;
use crate::rules::Severity;

/// Annotations of one kind (error, warning, notice) GitHub shows per step.
pub const PER_KIND: usize = 10;

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut shown = [0usize; 3];
    let mut left_out = 0;
    for f in report.most_severe_first() {
        let (command, kind) = match f.severity {
            Severity::Error => ("error", 0),
            Severity::Warning => ("warning", 1),
            Severity::Note => ("notice", 2),
        };
        if shown[kind] == PER_KIND {
            left_out += 1;
            continue;
        }
        shown[kind] += 1;
        let mut title = format!("{} ({}): {}", f.rule_id, f.checklist, f.rule_name);
        if let Some(v) = &f.verification {
            title.push_str(&format!(" [key {}]", v.status.as_str()));
        }
        writeln!(
            out,
            "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            escape_property(&f.path),
            f.line,
            f.end_line,
            f.column,
            f.end_column,
            escape_property(&title),
            escape_data(&f.message),
        )?;
    }
    if left_out > 0 {
        writeln!(
            out,
            "skyscan: {left_out} more finding{} not annotated (GitHub shows {PER_KIND} annotations of each kind per step): see the job summary or the SARIF report",
            if left_out == 1 { " is" } else { "s are" }
        )?;
    }
    Ok(())
}

/// Escaping for the message part of a workflow command.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a `key=value` property of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_command_syntax() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a,b:c"), "a%2Cb%3Ac");
    }
}
