//! A Markdown summary for CI job pages (GitHub's `$GITHUB_STEP_SUMMARY`):
//! the checklist table and the findings, most severe first (the same order
//! as the GitHub annotations, so what the annotation cap leaves out is
//! here), secrets masked as everywhere. The list stops at [`LISTED`] rows or
//! [`BUDGET`] bytes, well inside GitHub's 1 MiB per step.

use std::io::{self, Write};

use super::{checklist_summary, history_keys, ItemStatus, Report};
use crate::rules::Severity;

/// Findings listed in the summary at most; the rest are counted.
const LISTED: usize = 1000;
/// Bytes the rows of the findings table may take.
const BUDGET: usize = 512 * 1024;

pub fn write_markdown_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let findings = &report.output.findings;
    writeln!(
        out,
        "## skyscan: Skytells security checklist (`skyscan {}`)\n",
        report.mode.command()
    )?;
    writeln!(out, "| | Item | Status | Findings |\n|---|---|---|---|")?;
    for (item, status) in checklist_summary(report) {
        let (mark, text, n) = match status {
            ItemStatus::Pass => (":white_check_mark:", "pass", 0),
            ItemStatus::Fail(n) => (":x:", "fail", n),
            ItemStatus::NotChecked => (":heavy_minus_sign:", "not checked", 0),
        };
        writeln!(out, "| {mark} | {item} {} | {text} | {n} |", item.title())?;
    }
    if let Some(keys) = history_keys(report) {
        writeln!(out, "\nSC7 {keys}.")?;
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    writeln!(
        out,
        "\n**{} finding{}** ({} error, {} warning, {} note)\n",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note)
    )?;
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "| Severity | Rule | Location | Message |\n|---|---|---|---|"
    )?;
    let (mut listed, mut bytes) = (0, 0);
    for f in report.most_severe_first().into_iter().take(LISTED) {
        let row = format!(
            "| {} | `{}` ({}) | `{}:{}` | {} |\n",
            f.severity.as_str(),
            f.rule_id,
            f.checklist,
            f.path.replace('|', "\\|"),
            f.line,
            f.message.replace('|', "\\|").replace('\n', " ")
        );
        bytes += row.len();
        if bytes > BUDGET {
            break;
        }
        out.write_all(row.as_bytes())?;
        listed += 1;
    }
    if findings.len() > listed {
        writeln!(
            out,
            "\n…and {} more: the SARIF report has them all.",
            findings.len() - listed
        )?;
    }
    Ok(())
}
