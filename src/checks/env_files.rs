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
    matching_rules(rules, path, holds_secret)
        .map(|rule| Finding::for_file(rule, path, first_line))
        .collect()
}

/// Path-rule findings for a path seen in git history; `holds_secret` says
/// whether any version of it held a credential.
pub fn env_file_findings_for_path(rules: &RuleSet, path: &str, holds_secret: bool) -> Vec<Finding> {
    matching_rules(rules, path, holds_secret)
        .map(|rule| Finding::for_file(rule, path, ""))
        .collect()
}

fn matching_rules<'a>(
    rules: &'a RuleSet,
    path: &'a str,
    holds_secret: bool,
) -> impl Iterator<Item = &'a crate::rules::Rule> + 'a {
    rules.rules().iter().filter(move |rule| match &rule.kind {
        RuleKind::Path { safe, .. } => {
            rule.matches_path(path)
                && (holds_secret || !safe.as_ref().is_some_and(|s| s.is_match(path)))
        }
        RuleKind::Content { .. } | RuleKind::Check(_) => false,
    })
}

/// Cheap prefilter on file names, built once per scan: false when no path
/// rule can match a file of this name (a path rule's keywords must occur in
/// the name; a rule without keywords may match any name).
pub struct NameFilter {
    /// `None`: some path rule has no keywords, every name may match.
    keywords: Option<Vec<Vec<u8>>>,
}

impl NameFilter {
    pub fn new(rules: &RuleSet) -> NameFilter {
        let path_rules = rules
            .rules()
            .iter()
            .filter(|r| matches!(r.kind, RuleKind::Path { .. }));
        let mut keywords = Some(Vec::new());
        for rule in path_rules {
            match (&mut keywords, rule.spec.keywords.is_empty()) {
                (_, true) => keywords = None,
                (Some(list), false) => {
                    list.extend(rule.spec.keywords.iter().map(|k| k.as_bytes().to_vec()))
                }
                (None, false) => {}
            }
        }
        NameFilter { keywords }
    }

    pub fn may_match(&self, name: &[u8]) -> bool {
        match &self.keywords {
            None => true,
            Some(list) => list.iter().any(|k| memchr::memmem::find(name, k).is_some()),
        }
    }
}

/// True when some path rule could report this path: the sources use it to
/// decide which files need the (costlier) committed-or-not question.
pub fn is_env_candidate(rules: &RuleSet, path: &str) -> bool {
    rules.rules().iter().any(|r| r.matches_path(path))
}
