//! SC3: `.env` files must be git-ignored, never committed. A rule with a
//! `path_regex` names the files; its `exclude_regex` names the safe ones
//! (`.env.example` and friends), which are only reported when they hold a
//! real credential. Whether a file is committed (tracked, or not ignored)
//! is the source's business: it calls this only for such files.

use std::collections::BTreeSet;

use crate::engine::filters;
use crate::finding::Finding;
use crate::rules::{RuleKind, RuleSet, Severity};

/// Path-rule findings for a committed file at `path`, given its text and the
/// findings its content produced. The severity says what the file holds: an
/// error when it holds secret-looking values (a credential rule's finding,
/// or a high-entropy value on a KEY/SECRET/TOKEN/PASSWORD name), a warning
/// for a file of plain settings.
pub fn env_file_findings(
    rules: &RuleSet,
    path: &str,
    content: &[Finding],
    text: &[u8],
) -> Vec<Finding> {
    let credential_lines: BTreeSet<usize> = content
        .iter()
        .filter(|f| f.secret.is_some())
        .map(|f| f.line)
        .collect();
    let secrets = secret_values(text, &credential_lines);
    let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    matching_rules(rules, path, !credential_lines.is_empty())
        .map(|rule| graded(Finding::for_file(rule, path, &first), secrets))
        .collect()
}

/// Path-rule findings for a path seen in git history; `holds_secret` says
/// whether any version of it held a credential.
pub fn env_file_findings_for_path(rules: &RuleSet, path: &str, holds_secret: bool) -> Vec<Finding> {
    matching_rules(rules, path, holds_secret)
        .map(|rule| {
            let mut f = Finding::for_file(rule, path, "");
            if !holds_secret {
                f.severity = Severity::Warning;
            }
            f
        })
        .collect()
}

/// Error with a count when the file holds secrets, warning otherwise.
fn graded(mut finding: Finding, secrets: usize) -> Finding {
    let name = finding.matched.clone();
    if secrets == 0 {
        finding.severity = Severity::Warning;
        finding.message = format!(
            "`{name}` is committed; it holds only plain settings today, but env files are where secrets end up: git-ignore it"
        );
    } else {
        finding.severity = Severity::Error;
        let values = if secrets == 1 { "value" } else { "values" };
        finding.message = format!(
            "`{name}` is committed with {secrets} secret-looking {values}: revoke them, git-ignore the file and remove it from history"
        );
    }
    finding
}

/// Lines of an env file that hold a secret-looking value: those a
/// credential rule reported (1-based line numbers in `credential_lines`),
/// and `NAME=value` lines whose name is a credential's and whose value is
/// long, random-looking and not a placeholder.
fn secret_values(text: &[u8], credential_lines: &BTreeSet<usize>) -> usize {
    let text = String::from_utf8_lossy(text);
    let mut count = 0;
    for (n, line) in text.lines().enumerate() {
        if credential_lines.contains(&(n + 1)) {
            count += 1;
            continue;
        }
        let line = line.trim_start();
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if name.starts_with('#') || !crate::judge::is_credential_name(name) {
            continue;
        }
        let value = value.split(" #").next().unwrap_or(value).trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        let random = value.len() >= 8
            && !value.starts_with("${")
            && !filters::is_placeholder(value)
            && filters::shannon_entropy(value) >= 3.0;
        if random {
            count += 1;
        }
    }
    count
}

fn matching_rules<'a>(
    rules: &'a RuleSet,
    path: &'a str,
    holds_secret: bool,
) -> impl Iterator<Item = &'a crate::rules::Rule> + 'a {
    rules.path_rules().filter(move |rule| match &rule.kind {
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
    rules.path_rules().any(|r| r.matches_path(path))
}
