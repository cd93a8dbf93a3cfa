//! Reports: one [`Report`] (findings, rules, checklist summary) rendered by
//! one printer per format. Every printer receives findings whose secrets
//! are already masked (unless `--show-secrets`), so no format can leak one.
//! The human printer styles its text with `anstyle`; whether the styles
//! reach the reader is decided by the stream it is given (an
//! `anstream::AutoStream`), never by the printer.

mod csv;
mod github;
mod human;
mod json;
mod jsonl;
mod markdown;
mod sarif;
mod summary;

pub use human::printable;
pub use markdown::write_markdown_summary;
pub use sarif::relative_uri;
pub use summary::{checklist_summary, history_keys, HistoryKeys, ItemStatus};

use std::io::{self, Write};
use std::path::Path;

use crate::finding::Finding;
use crate::rules::{Mode, RuleSet, Severity};
use crate::source::ScanOutput;

/// Output format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with the masked line and the fix, then the checklist.
    Human,
    /// One JSON document: findings, checklist, statistics, warnings.
    Json,
    /// One JSON finding per line (JSON Lines), for streaming.
    Jsonl,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations, one per finding.
    Github,
    /// A header and one row per finding.
    Csv,
}

/// Everything a printer needs.
pub struct Report<'a> {
    pub rules: &'a RuleSet,
    pub output: &'a ScanOutput,
    /// What was scanned.
    pub mode: Mode,
    /// The repository scanned, when there is one (SARIF
    /// `versionControlProvenance`).
    pub vcs: Option<VcsInfo>,
    /// Findings at or above this severity fail the run.
    pub fail_on: Option<Severity>,
    /// `--fail-on-live`: only a live key fails the run (instead of
    /// `fail_on`).
    pub fail_on_live: bool,
    /// The configuration file applied, if any.
    pub config: Option<&'a Path>,
    /// Inputs that could not be scanned at all (a path that does not exist).
    pub errors: &'a [String],
}

impl Report<'_> {
    /// Whether the run should exit with code 1.
    pub fn fails(&self) -> bool {
        if self.fail_on_live {
            return self.output.findings.iter().any(|f| {
                f.verification
                    .as_ref()
                    .is_some_and(|v| v.status == crate::finding::KeyStatus::Live)
            });
        }
        self.fail_on
            .is_some_and(|min| self.output.findings.iter().any(|f| f.severity >= min))
    }
}

impl<'a> Report<'a> {
    /// The findings, most severe first: by severity, then by the rule's
    /// `security-severity`, then in scan order. Printers that can show only
    /// some findings (GitHub annotations, the job summary) take them in
    /// this order.
    pub fn most_severe_first(&self) -> Vec<&'a Finding> {
        let weights: std::collections::HashMap<&str, f32> = self
            .rules
            .rules()
            .iter()
            .map(|r| (r.spec.id.as_str(), r.security_severity()))
            .collect();
        let mut keyed: Vec<(f32, &'a Finding)> = self
            .output
            .findings
            .iter()
            .map(|f| (weights.get(f.rule_id.as_str()).copied().unwrap_or(0.0), f))
            .collect();
        // Stable: findings of equal rank keep the scan's order.
        keyed.sort_by(|(wa, a), (wb, b)| b.severity.cmp(&a.severity).then(wb.total_cmp(wa)));
        keyed.into_iter().map(|(_, f)| f).collect()
    }
}

/// The repository a run looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcsInfo {
    /// The `origin` remote, without credentials, as an absolute URI.
    pub repository_uri: String,
    pub revision: Option<String>,
    pub branch: Option<String>,
}

/// Render `report` as `format` to `out`. `human` output carries ANSI
/// styles: give it an `anstream::AutoStream`, which strips them when colour
/// is off. The other formats never hold an escape sequence of ours.
pub fn write(report: &Report, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, out),
        Format::Json => json::write(report, out),
        Format::Jsonl => jsonl::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
        Format::Csv => csv::write(report, out),
    }
}

pub const TOOL_NAME: &str = "skyscan";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
pub const TOOL_URI: &str = "https://github.com/skyscan/skyscan";
