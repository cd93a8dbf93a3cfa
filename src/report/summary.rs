//! The checklist summary: for each item SC1–SC10, whether this run checked
//! it and whether it passed; with `--verify`, how many of the keys left in
//! history (SC7) are live, revoked or unknown.

use std::collections::BTreeSet;

use super::Report;
use crate::finding::KeyStatus;
use crate::rules::ChecklistItem;

/// The state of one checklist item after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    Pass,
    Fail(usize),
    /// No rule of this run covers the item.
    NotChecked,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Pass => "pass",
            ItemStatus::Fail(_) => "fail",
            ItemStatus::NotChecked => "not-checked",
        }
    }
}

/// The SC7 keys of a verified run, by what their provider said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryKeys {
    pub live: usize,
    pub revoked: usize,
    pub unknown: usize,
}

impl std::fmt::Display for HistoryKeys {
    /// `keys: 1 live, 2 revoked (still to scrub), 0 unknown`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "keys: {} live, {} revoked (still to scrub), {} unknown",
            self.live, self.revoked, self.unknown
        )
    }
}

/// For a run with verification: the distinct keys behind SC7 findings
/// (keys gone from HEAD but still in history), counted by status. `None`
/// when no SC7 finding was verified.
pub fn history_keys(report: &Report) -> Option<HistoryKeys> {
    let mut seen = BTreeSet::new();
    let mut keys = HistoryKeys::default();
    let mut any = false;
    for f in &report.output.findings {
        if f.checklist_item != ChecklistItem(7) {
            continue;
        }
        let Some(v) = &f.verification else { continue };
        any = true;
        if !seen.insert(f.secret.as_deref().unwrap_or(&f.fingerprint)) {
            continue;
        }
        match v.status {
            KeyStatus::Live => keys.live += 1,
            KeyStatus::Revoked => keys.revoked += 1,
            KeyStatus::Unknown => keys.unknown += 1,
        }
    }
    any.then_some(keys)
}

/// Status of every checklist item, in order.
pub fn checklist_summary(report: &Report) -> Vec<(ChecklistItem, ItemStatus)> {
    let covered: BTreeSet<ChecklistItem> = report
        .rules
        .rules()
        .iter()
        .filter(|r| r.runs_in(report.mode))
        .map(|r| r.spec.checklist)
        .collect();
    ChecklistItem::ALL
        .iter()
        .map(|&item| {
            let n = report
                .output
                .findings
                .iter()
                .filter(|f| f.checklist_item == item)
                .count();
            let status = match (n, covered.contains(&item)) {
                (n, _) if n > 0 => ItemStatus::Fail(n),
                (_, true) => ItemStatus::Pass,
                (_, false) => ItemStatus::NotChecked,
            };
            (item, status)
        })
        .collect()
}
