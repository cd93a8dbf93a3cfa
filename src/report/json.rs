//! The JSON printer: findings, checklist summary, statistics, warnings,
//! errors and the configuration file used, in one document, stable for
//! scripts.

use std::io::{self, Write};

use serde_json::json;

use super::{checklist_summary, history_keys, Report, TOOL_NAME, TOOL_VERSION};

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let checklist: Vec<_> = checklist_summary(report)
        .into_iter()
        .map(|(item, status)| {
            let mut entry = json!({
                "id": item.to_string(),
                "title": item.title(),
                "status": status.as_str(),
                "findings": match status { super::ItemStatus::Fail(n) => n, _ => 0 },
            });
            if let (Some(keys), 7) = (history_keys(report), item.0) {
                entry["keys"] = json!({
                    "live": keys.live,
                    "revoked": keys.revoked,
                    "unknown": keys.unknown,
                });
            }
            entry
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
