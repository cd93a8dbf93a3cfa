//! SC3: `.env` files must be git-ignored, never committed. A rule with a
//! `path_regex` names the files; its `exclude_regex` names the safe ones
//! (`.env.example` and friends), which are only reported when they hold a
//! real credential. Whether a file is committed (tracked, or not ignored)
//! is the source's business: it calls this only for such files.

use crate::finding::Finding;
use crate::rules::{RuleKind, RuleSet};

/// Path-rule findings for a committed file at `path`, given the findings its
/// content produced and its first line (for the region).
pub fn env_file_findings(
    rules: &RuleSet,
    path: &str,
    content: &[Finding],
    first_line: &str,
) -> Vec<Finding> {
    let holds_secret = content.iter().any(|f| f.secret.is_some());
    rules
        .rules()
        .iter()
        .filter(|rule| match &rule.kind {
            RuleKind::Path { regex, safe } => {
                regex.is_match(path)
                    && rule.applies_to(path)
                    && (holds_secret || !safe.as_ref().is_some_and(|s| s.is_match(path)))
            }
            RuleKind::Content { .. } => false,
        })
        .map(|rule| Finding::for_file(rule, path, first_line))
        .collect()
}

/// True when some path rule could report this path: the sources use it to
/// decide which files need the (costlier) committed-or-not question.
pub fn is_env_candidate(rules: &RuleSet, path: &str) -> bool {
    rules
        .rules()
        .iter()
        .any(|r| matches!(&r.kind, RuleKind::Path { regex, .. } if regex.is_match(path)))
}
