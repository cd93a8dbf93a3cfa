//! Findings that are not one regex over content: rules about the file
//! itself (committed `.env` files, `.env` files git does not ignore), across files (one key in two
//! environments), over git history (keys left in history, old keys) and
//! over where a file ships (keys in a client bundle).

pub mod client_bundle;
pub mod env_files;
pub mod env_ignore;
pub mod history;
pub mod key_reuse;

use crate::finding::Finding;
use crate::rules::{Mode, RuleSet};

/// The checks over all the findings of one scan, run in one place for every
/// command, after the allowlist: the same key in several files (key reuse,
/// SC4) in a working-tree scan. History judges its keys across commits in
/// the scan itself (`checks::history`: it needs the walk's HEAD tree), and
/// a staged scan sees only the files of one commit, where a key in two of
/// them is already two findings.
pub fn across_files(rules: &RuleSet, mode: Mode, findings: &[Finding]) -> Vec<Finding> {
    match mode {
        Mode::Worktree => key_reuse::key_reuse_findings(rules, findings),
        Mode::History | Mode::Staged => Vec::new(),
    }
}
