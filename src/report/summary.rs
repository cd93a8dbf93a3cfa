//! The checklist summary: for each item SC1–SC10, whether this run checked
//! it and whether it passed.

use std::collections::BTreeSet;

use super::Report;
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
