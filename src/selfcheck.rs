//! The rules' self-check: every example must produce a finding of its rule
//! and every negative example must not, when scanned through the full
//! pipeline with every other rule present (so precedence between rules is
//! checked too). Run by `skyscan rules --check` and by the tests. It builds
//! scratch repositories for history examples, so it sits on top of every
//! other module, outside `rules` (which depends on nothing but `error`).

use std::collections::BTreeMap;

use crate::engine::{Matcher, Scratch};
use crate::error::Error;
use crate::finding::Finding;
use crate::judge::Project;
use crate::rules::{Example, ExampleCommit, Mode, Rule, RuleKind, RuleSet};
use crate::scan::{scan_file, ScanSettings};
use crate::source::history::{scan_history, HistoryOptions};
use crate::source::ScanContext;

/// A rule whose examples do not behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCheckFailure {
    pub rule: String,
    pub problem: String,
}

/// One example (or negative example) of a rule, scanned the way the
/// self-check scans it. The snapshot tests record the findings of every
/// example from here, so they see exactly what the check sees.
pub struct ExampleScan<'a> {
    pub rule: &'a Rule,
    /// True for an entry of `examples`, false for `negative_examples`.
    pub positive: bool,
    /// Where it was scanned: its path, or `(history)`, `(files)`.
    pub path: &'a str,
    /// The text scanned (empty for path, history and multi-file examples).
    pub text: &'a str,
    /// What the full pipeline found, secrets masked as in a report; or why
    /// the example could not be built.
    pub findings: Result<Vec<Finding>, String>,
}

/// Scan every example and negative example of every rule of `set`, each
/// with every rule of `set` present, in rule order.
pub fn scan_examples(set: &RuleSet) -> Vec<ExampleScan<'_>> {
    let matcher = Matcher::new(set.clone());
    let mut scratch = Scratch::default();
    let mut scans = Vec::new();
    for rule in set.rules() {
        let default_path = rule.spec.example_path.as_deref().unwrap_or("example.txt");
        let cases = rule
            .spec
            .examples
            .iter()
            .map(|e| (e, true))
            .chain(rule.spec.negative_examples.iter().map(|e| (e, false)));
        for (example, positive) in cases {
            let (path, text, findings) = match example {
                Example::History { commits } => (
                    "(history)",
                    "",
                    run_history_example(set, commits)
                        .map_err(|e| format!("could not build the example history: {e}")),
                ),
                // A bare string is a path for path rules, content otherwise.
                Example::Text(t) if matches!(rule.kind, RuleKind::Path { .. }) => {
                    (t.as_str(), "", Ok(scan(&matcher, &mut scratch, t, "")))
                }
                Example::Text(t) => (
                    default_path,
                    t.as_str(),
                    Ok(scan(&matcher, &mut scratch, default_path, t)),
                ),
                Example::File { path, text } => (
                    path.as_str(),
                    text.as_str(),
                    Ok(scan(&matcher, &mut scratch, path, text)),
                ),
                Example::Files { files } => {
                    let settings = ScanSettings {
                        project: Some(std::sync::Arc::new(Project::in_memory(files.clone()))),
                        ..ScanSettings::default()
                    };
                    let mut found: Vec<Finding> = files
                        .iter()
                        .flat_map(|(path, text)| {
                            scan_with(&matcher, &mut scratch, path, text, &settings)
                        })
                        .collect();
                    found.extend(crate::checks::across_files(set, Mode::Worktree, &found));
                    found.extend(crate::checks::env_ignore::findings_for_files(set, files));
                    ("(files)", "", Ok(found))
                }
            };
            scans.push(ExampleScan {
                rule,
                positive,
                path,
                text,
                findings,
            });
        }
    }
    scans
}

/// Check every rule of `set` against its examples.
pub fn check_rules(set: &RuleSet) -> Vec<RuleCheckFailure> {
    scan_examples(set)
        .iter()
        .filter_map(|scan| {
            problem_of(scan).map(|problem| RuleCheckFailure {
                rule: scan.rule.spec.id.clone(),
                problem,
            })
        })
        .collect()
}

/// What is wrong with one scanned example, if anything.
fn problem_of(scan: &ExampleScan<'_>) -> Option<String> {
    let id = &scan.rule.spec.id;
    let findings = match &scan.findings {
        Ok(findings) => findings,
        Err(problem) => return Some(problem.clone()),
    };
    // A decoder reports nothing itself: its examples hold a key found
    // through it.
    let matched = findings
        .iter()
        .any(|f| &f.rule_id == id || f.decoded.iter().any(|d| &d.rule == id));
    if matched == scan.positive {
        return None;
    }
    let (kind, verb) = if scan.positive {
        ("example", "does not match")
    } else {
        ("negative example", "matches")
    };
    Some(format!(
        "{kind} {verb} ({}): {}",
        scan.path,
        text_or_path(scan.text, scan.path)
    ))
}

fn scan(matcher: &Matcher, scratch: &mut Scratch, path: &str, text: &str) -> Vec<Finding> {
    scan_with(matcher, scratch, path, text, &ScanSettings::default())
}

fn scan_with(
    matcher: &Matcher,
    scratch: &mut Scratch,
    path: &str,
    text: &str,
    settings: &ScanSettings,
) -> Vec<Finding> {
    scan_file(matcher, path, text.as_bytes(), scratch, settings, true)
}

/// Build the commits of a history example in a scratch repository and
/// scan its history. Objects are written straight into the object database
/// (no index, no work tree): a blob per file, a tree per directory, a commit
/// per example commit.
fn run_history_example(set: &RuleSet, commits: &[ExampleCommit]) -> Result<Vec<Finding>, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::Git(e.to_string()))?;
    let root = dir.path();
    let git = |e: &dyn std::fmt::Display| Error::Git(format!("building a history example: {e}"));
    let repo = gix::init_bare(root).map_err(|e| git(&e))?;
    let now = crate::time::now();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut parent: Option<gix::ObjectId> = None;
    for (n, commit) in commits.iter().enumerate() {
        for (path, text) in &commit.files {
            files.insert(path.clone(), text.clone());
        }
        for path in &commit.delete {
            files.remove(path);
        }
        let tree = write_tree(&repo, &files, "").map_err(|e| git(&e))?;
        let time = format!("{} +0000", now - i64::from(commit.days_ago) * 86_400);
        let sig = gix::actor::SignatureRef {
            name: "Example Author".into(),
            email: "author@example.com".into(),
            time: &time,
        };
        let id = repo
            .commit_as(
                sig,
                sig,
                "HEAD",
                format!("example commit {n}"),
                tree,
                parent,
            )
            .map_err(|e| git(&e))?;
        parent = Some(id.detach());
    }
    let cx = ScanContext {
        threads: 1,
        ..ScanContext::new(set, Mode::History)
    };
    let opts = HistoryOptions {
        range: None,
        since: None,
        max_key_age_days: 90,
        now,
        all_objects: false,
    };
    Ok(scan_history(&cx, root, &opts)?.findings)
}

/// Write the tree of the directory `prefix` (empty for the root, else
/// ending in `/`) of `files` (path → content), and its subtrees.
fn write_tree(
    repo: &gix::Repository,
    files: &BTreeMap<String, String>,
    prefix: &str,
) -> Result<gix::ObjectId, gix::Error> {
    let mut entries = Vec::new();
    let mut dirs: Vec<&str> = Vec::new();
    for (path, text) in files.range(prefix.to_string()..) {
        let Some(rest) = path.strip_prefix(prefix) else {
            break;
        };
        match rest.split_once('/') {
            Some((dir, _)) => {
                if dirs.last() != Some(&dir) {
                    dirs.push(dir);
                }
            }
            None => entries.push(gix::objs::tree::Entry {
                mode: gix::objs::tree::EntryKind::Blob.into(),
                filename: rest.into(),
                oid: repo.write_blob(text.as_bytes())?.detach(),
            }),
        }
    }
    for dir in dirs {
        // Example paths are the rule packs' own, a few levels deep.
        let oid = write_tree(repo, files, &format!("{prefix}{dir}/"))?;
        entries.push(gix::objs::tree::Entry {
            mode: gix::objs::tree::EntryKind::Tree.into(),
            filename: dir.into(),
            oid,
        });
    }
    entries.sort();
    Ok(repo.write_object(gix::objs::Tree { entries })?.detach())
}

fn text_or_path<'a>(text: &'a str, path: &'a str) -> &'a str {
    if text.is_empty() {
        path
    } else {
        text.trim()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_pack;

    #[test]
    fn builtin_rules_pass_their_own_examples() {
        let set = RuleSet::builtin().unwrap();
        let failures = check_rules(&set);
        assert!(failures.is_empty(), "{failures:#?}");
    }

    /// A judged rule's negative examples must reach its judge: each rule
    /// with a judge has negative examples that its regex matches and only
    /// the judge turns down (otherwise the judge is untested).
    #[test]
    fn judges_are_exercised_by_negative_examples() {
        let set = RuleSet::builtin().unwrap();
        let matcher = Matcher::new(set.clone());
        let mut scratch = Scratch::default();
        let mut untested = Vec::new();
        for (index, rule) in set.rules().iter().enumerate() {
            if rule.judge.is_none() {
                continue;
            }
            let default_path = rule.spec.example_path.as_deref().unwrap_or("example.txt");
            let judged = rule
                .spec
                .negative_examples
                .iter()
                .filter(|e| {
                    let (path, text) = match e {
                        Example::Text(t) => (default_path, t.as_str()),
                        Example::File { path, text } => (path.as_str(), text.as_str()),
                        _ => return false,
                    };
                    matcher
                        .scan(path, text.as_bytes(), &mut scratch)
                        .iter()
                        .any(|m| m.rule == index)
                })
                .count();
            if judged == 0 {
                untested.push(rule.spec.id.clone());
            }
        }
        assert!(
            untested.is_empty(),
            "no negative example reaches the judge of {untested:?}"
        );
    }

    /// The checker itself must catch both kinds of broken example.
    #[test]
    fn checker_reports_broken_examples() {
        let pack = r#"
[[rules]]
id = "demo-insecure"
name = "demo"
checklist = "SC5"
severity = "warning"
precision = "high"
keywords = ["insecure"]
regex = 'insecure\s*=\s*true'
message = "demo"
what = "w"
why = "y"
fix = "f"
examples = ["insecure = true", "insecure = false"]
negative_examples = ["secure = true", "insecure=true"]
"#;
        let set = RuleSet::from_specs(parse_pack("demo.toml", pack).unwrap()).unwrap();
        let failures = check_rules(&set);
        assert_eq!(failures.len(), 2, "{failures:#?}");
        assert!(failures[0].problem.starts_with("example does not match"));
        assert!(failures[0].problem.contains("insecure = false"));
        assert!(failures[1].problem.starts_with("negative example matches"));
    }
}
