//! A Markdown summary for CI job pages (GitHub's `$GITHUB_STEP_SUMMARY`):
//! the checklist table and the first findings, secrets masked as everywhere.

use std::io::{self, Write};

use super::{checklist_summary, history_keys, ItemStatus, Report};
use crate::rules::Severity;

/// Findings listed in the summary; the rest are counted.
const LISTED: usize = 50;

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
    for f in findings.iter().take(LISTED) {
        writeln!(
            out,
            "| {} | `{}` ({}) | `{}:{}` | {} |",
            f.severity.as_str(),
            f.rule_id,
            f.checklist,
            f.path.replace('|', "\\|"),
            f.line,
            f.message.replace('|', "\\|").replace('\n', " ")
        )?;
    }
    if findings.len() > LISTED {
        writeln!(out, "\n…and {} more.", findings.len() - LISTED)?;
    }
    Ok(())
}
