//! Where scanned bytes come from. Every source takes one [`ScanContext`]
//! (the rules of its mode, the per-file settings, the size cap, threads,
//! progress), its target and its own options; hands each file to the same
//! per-file pipeline (`scan::scan_file`); and returns a [`ScanOutput`]:
//!
//! - `worktree::scan_worktree(cx, roots, &WorktreeOptions)`
//! - `stdin::scan_stdin(cx, reader, name)`
//! - `staged::scan_staged(cx, path)`
//! - `history::scan_history(cx, path, &HistoryOptions)`
//!
//! The checks across the files of a scan run after it, in one place:
//! [`crate::checks::across_files`].

pub mod archive;
pub mod history;
pub mod staged;
pub mod stdin;
pub mod worktree;

use std::sync::atomic::AtomicU64;

use crate::engine::Matcher;
use crate::finding::Finding;
use crate::rules::{Mode, RuleSet};
use crate::scan::ScanSettings;

/// What every source is given: the configured rules, those of its mode
/// compiled once into a matcher, and how to scan.
pub struct ScanContext<'a> {
    /// Every configured rule (checks across files read them).
    pub rules: &'a RuleSet,
    /// The rules of the scan's mode, compiled.
    pub matcher: Matcher,
    /// Per-file settings: secrets shown, the verbose log, the project the
    /// judges read (a source may fill that in).
    pub settings: ScanSettings,
    /// Files and blobs larger than this are skipped with a warning.
    pub max_filesize: u64,
    /// Worker threads; 0 picks the number of cores.
    pub threads: usize,
    /// Draw a progress line on stderr when it is a terminal.
    pub progress: bool,
}

impl<'a> ScanContext<'a> {
    /// A context for a scan in `mode` with the rules of `rules` that apply
    /// to it, and defaults for the rest (fields to set as needed).
    pub fn new(rules: &'a RuleSet, mode: Mode) -> ScanContext<'a> {
        ScanContext {
            rules,
            matcher: Matcher::new(rules.for_mode(mode)),
            settings: ScanSettings::default(),
            max_filesize: 1 << 20,
            threads: 0,
            progress: false,
        }
    }
}

/// What a finished scan counted.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ScanStats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped_binary: u64,
    pub skipped_large: u64,
    /// Files or directories that could not be read.
    pub errors: u64,
}

/// The result of a scan: findings sorted by path and position, and the
/// warnings (unreadable or skipped files) the user should see.
#[derive(Debug, Clone, Default)]
pub struct ScanOutput {
    pub findings: Vec<Finding>,
    pub warnings: Vec<String>,
    pub stats: ScanStats,
}

impl ScanOutput {
    /// Add what another source found (findings, warnings, counts).
    pub fn merge(&mut self, other: ScanOutput) {
        self.warnings.extend(other.warnings);
        let (s, o) = (&mut self.stats, other.stats);
        s.files_scanned += o.files_scanned;
        s.bytes_scanned += o.bytes_scanned;
        s.skipped_binary += o.skipped_binary;
        s.skipped_large += o.skipped_large;
        s.errors += o.errors;
        self.add_findings(other.findings);
    }

    /// Add findings (from checks across files) and keep the order by path
    /// and position.
    pub fn add_findings(&mut self, findings: Vec<Finding>) {
        if findings.is_empty() {
            return;
        }
        self.findings.extend(findings);
        sort_findings(&mut self.findings);
    }
}

/// The order every report uses: path, line, column, rule.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule_id).cmp(&(&b.path, b.line, b.column, &b.rule_id))
    });
}

/// Counters that scanning threads share; `into_stats` when they are done.
#[derive(Default)]
pub(crate) struct Counters {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    pub binary: AtomicU64,
    pub large: AtomicU64,
    pub errors: AtomicU64,
}

impl Counters {
    pub fn into_stats(self) -> ScanStats {
        ScanStats {
            files_scanned: self.files.into_inner(),
            bytes_scanned: self.bytes.into_inner(),
            skipped_binary: self.binary.into_inner(),
            skipped_large: self.large.into_inner(),
            errors: self.errors.into_inner(),
        }
    }
}
