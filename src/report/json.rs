//! The JSON printer: findings, checklist summary, statistics, warnings,
//! errors and the configuration file used, in one document, stable for
//! scripts.

use std::io::{self, Write};

use serde_json::json;

use super::{checklist_summary, Report, TOOL_NAME, TOOL_VERSION};

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let checklist: Vec<_> = checklist_summary(report)
        .into_iter()
        .map(|(item, status)| {
            json!({
                "id": item.to_string(),
                "title": item.title(),
                "status": status.as_str(),
                "findings": match status { super::ItemStatus::Fail(n) => n, _ => 0 },
            })
        })
        .collect();
    let doc = json!({
        "tool": { "name": TOOL_NAME, "version": TOOL_VERSION },
        "mode": report.mode.command(),
        "config": report.config.map(|p| p.display().to_string()),
        "findings": report.output.findings,
        "checklist": checklist,
        "stats": report.output.stats,
        "warnings": report.output.warnings,
        "errors": report.errors,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
