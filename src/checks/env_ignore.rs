//! SC3, before anything is committed: a project that uses `.env` files (a
//! dotenv loader in its code or dependencies, an `.env.example`, an `.env`
//! file itself) must have `.gitignore` files that cover `.env`, `.env.local`
//! and `.env.*.local`, the files the vendor's documents keep keys in. The
//! scan notes each project directory whose ignore rules leave one of them
//! out, naming the missing patterns.
//!
//! Coverage is decided by git's own matching rules through the `ignore`
//! crate's gitignore matcher (`GitignoreBuilder`), not by comparing strings:
//! `.env*`, `*.local` or an ignored parent directory cover the files, a
//! later `!.env.local` uncovers one, and a deeper `.gitignore` overrides a
//! shallower one. Only the `.gitignore` files of the repository count:
//! `.git/info/exclude` and a global excludes file protect one clone, not
//! the teammate who clones it next.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ignore::gitignore::GitignoreBuilder;
use ignore::Match;

use crate::finding::Finding;
use crate::rules::{Check, Rule, RuleKind, RuleSet};

/// The files that must be ignored, with the pattern named when one is not
/// (`.env.development.local` stands for `.env.*.local`).
const MUST_IGNORE: &[(&str, &str)] = &[
    (".env", ".env"),
    (".env.local", ".env.local"),
    (".env.development.local", ".env.*.local"),
];

/// Why a directory is thought to use `.env` files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EnvUsage {
    /// The project directory, repository-relative (`""` for the top).
    pub dir: String,
    /// What shows it, for the message.
    pub evidence: String,
}

/// The rule of this check, when it is enabled.
pub fn rule(rules: &RuleSet) -> Option<&Rule> {
    rules
        .rules()
        .iter()
        .find(|r| matches!(r.kind, RuleKind::Check(Check::EnvIgnore)))
}

/// Strings that load a `.env` file, in code or in a dependency list.
const LOADERS: &[&str] = &[
    "load_dotenv",
    "dotenv_values",
    "dotenv/config",
    "dotenv.config(",
    "from 'dotenv'",
    "from \"dotenv\"",
    "require('dotenv')",
    "require(\"dotenv\")",
    "godotenv.",
    "Dotenv.load",
    "Dotenv::create",
    "python-dotenv",
    "\"dotenv\":",
    "joho/godotenv",
    "vlucas/phpdotenv",
    "gem 'dotenv",
    "gem \"dotenv",
    "@next/env",
];

/// Extensions and names of files that may load or depend on dotenv.
fn may_load_dotenv(name: &str) -> bool {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "py" | "js" | "ts" | "jsx" | "tsx" | "mjs" | "cjs" | "mts" | "cts" | "rb" | "php" | "go"
    ) || matches!(
        name,
        "package.json" | "pyproject.toml" | "Pipfile" | "Gemfile" | "go.mod" | "composer.json"
    ) || (name.starts_with("requirements") && name.ends_with(".txt"))
}

/// What a file says about the project's use of `.env` files: an env file
/// is evidence by its name (its directory is the project), a loader or a
/// dotenv dependency by its content (the repository's top is checked).
/// `text` is read only for files that may load dotenv.
pub fn usage_of(path: &str, text: Option<&[u8]>) -> Option<EnvUsage> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    if name == ".env" || (name.starts_with(".env.") && name.len() > 5) {
        return Some(EnvUsage {
            dir: dir.to_string(),
            evidence: format!("`{path}`"),
        });
    }
    if !may_load_dotenv(name) || crate::judge::is_test_path(path) {
        return None;
    }
    let text = text?;
    if memchr::memmem::find(text, b"dotenv").is_none()
        && memchr::memmem::find(text, b"@next/env").is_none()
    {
        return None;
    }
    LOADERS
        .iter()
        .any(|l| memchr::memmem::find(text, l.as_bytes()).is_some())
        .then(|| EnvUsage {
            dir: String::new(),
            evidence: format!("dotenv in `{path}`"),
        })
}

/// The notes for the project directories of `usages`: `gitignore(dir)`
/// gives the text of `dir/.gitignore` (repository-relative, `""` for the
/// top), if there is one.
pub fn findings(
    rule: &Rule,
    usages: &[EnvUsage],
    gitignore: &dyn Fn(&str) -> Option<String>,
) -> Vec<Finding> {
    // Each project directory is judged where it is; the note goes on the
    // nearest `.gitignore` that governs it (its own, an ancestor's, or the
    // top's), so one root cause is one note.
    let mut by_file: BTreeMap<String, (BTreeSet<&'static str>, BTreeSet<&str>)> = BTreeMap::new();
    let mut judged: BTreeMap<&str, Vec<&'static str>> = BTreeMap::new();
    for u in usages {
        let missing = judged
            .entry(u.dir.as_str())
            .or_insert_with(|| missing_patterns(&u.dir, gitignore));
        // `.env` alone left out while the local files are ignored is the
        // Next.js/Vite convention of committed defaults with keys in
        // `.env.local`: a committed `.env` holding a key is
        // `committed-env-file`'s finding.
        if missing.is_empty() || *missing == [".env"] {
            continue;
        }
        let owner = governing_dir(&u.dir, gitignore);
        let entry = by_file.entry(owner).or_default();
        entry.0.extend(missing.iter().copied());
        entry.1.insert(&u.evidence);
    }
    let mut out = Vec::new();
    for (dir, (missing, evidence)) in by_file {
        let dir = dir.as_str();
        let missing: Vec<&str> = MUST_IGNORE
            .iter()
            .map(|(_, p)| *p)
            .filter(|p| missing.contains(p))
            .collect();
        let at = if dir.is_empty() {
            ".gitignore".to_string()
        } else {
            format!("{dir}/.gitignore")
        };
        let exists = gitignore(dir).is_some();
        let mut f = Finding::for_file(rule, &at, "");
        let shown: Vec<&str> = evidence.iter().take(2).copied().collect();
        let more = evidence.len().saturating_sub(shown.len());
        let evidence = if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        };
        let list = missing
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        f.matched = list.clone();
        f.message = if exists {
            format!("the project uses .env files ({evidence}) but `{at}` does not ignore {list}: add them before a key is committed")
        } else {
            format!("the project uses .env files ({evidence}) but has no `{at}` ignoring {list}: add one before a key is committed")
        };
        f.fingerprint = crate::finding::fingerprint(&rule.fingerprint_id(), &at, &list);
        out.push(f);
    }
    out
}

/// The deepest directory from `dir` up that has a `.gitignore` (the top
/// when none has).
fn governing_dir(dir: &str, gitignore: &dyn Fn(&str) -> Option<String>) -> String {
    let mut d = dir;
    while !d.is_empty() {
        if gitignore(d).is_some() {
            return d.to_string();
        }
        d = d.rsplit_once('/').map_or("", |(parent, _)| parent);
    }
    String::new()
}

/// The patterns of `MUST_IGNORE` that the `.gitignore` files from the top
/// down to `dir` leave out, judged as git would: the deepest file with a
/// matching pattern decides, and within a file the last matching line.
fn missing_patterns(dir: &str, gitignore: &dyn Fn(&str) -> Option<String>) -> Vec<&'static str> {
    // A virtual root: the matcher only compares paths, it reads nothing.
    let root = PathBuf::from("/skyscan-virtual-root");
    let mut chain: Vec<String> = vec![String::new()];
    let mut acc = String::new();
    for part in dir.split('/').filter(|p| !p.is_empty()) {
        if !acc.is_empty() {
            acc.push('/');
        }
        acc.push_str(part);
        chain.push(acc.clone());
    }
    let matchers: Vec<_> = chain
        .iter()
        .filter_map(|d| {
            let text = gitignore(d)?;
            let base = if d.is_empty() {
                root.clone()
            } else {
                root.join(d)
            };
            let mut b = GitignoreBuilder::new(&base);
            for line in text.lines() {
                // A line git would reject is skipped, as git skips it.
                let _ = b.add_line(None, line);
            }
            b.build().ok()
        })
        .collect();
    let dir_path = if dir.is_empty() {
        root.clone()
    } else {
        root.join(dir)
    };
    MUST_IGNORE
        .iter()
        .filter(|(file, _)| !covered(&matchers, &dir_path.join(file)))
        .map(|(_, pattern)| *pattern)
        .collect()
}

fn covered(matchers: &[ignore::gitignore::Gitignore], path: &Path) -> bool {
    for m in matchers.iter().rev() {
        match m.matched_path_or_any_parents(path, false) {
            Match::Ignore(_) => return true,
            Match::Whitelist(_) => return false,
            Match::None => {}
        }
    }
    false
}

/// The check over an in-memory project (rule examples, tests): every file
/// is evidence or a `.gitignore`.
pub fn findings_for_files(rules: &RuleSet, files: &BTreeMap<String, String>) -> Vec<Finding> {
    let Some(rule) = rule(rules) else {
        return Vec::new();
    };
    let usages: Vec<EnvUsage> = files
        .iter()
        .filter_map(|(p, t)| usage_of(p, Some(t.as_bytes())))
        .collect();
    let gitignore = |dir: &str| {
        let key = if dir.is_empty() {
            ".gitignore".to_string()
        } else {
            format!("{dir}/.gitignore")
        };
        files.get(&key).cloned()
    };
    findings(rule, &usages, &gitignore)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing(ignores: &[(&str, &str)], dir: &str) -> Vec<&'static str> {
        let map: BTreeMap<String, String> = ignores
            .iter()
            .map(|(d, t)| (d.to_string(), t.to_string()))
            .collect();
        missing_patterns(dir, &|d: &str| map.get(d).cloned())
    }

    #[test]
    fn coverage_follows_gitignore_semantics() {
        assert!(missing(&[("", ".env*\n!.env.example\n")], "").is_empty());
        assert!(missing(&[("", ".env\n*.local\n")], "").is_empty());
        assert_eq!(
            missing(&[("", ".env\n")], ""),
            vec![".env.local", ".env.*.local"]
        );
        assert_eq!(
            missing(&[("", ".env*\n!.env.local\n")], ""),
            vec![".env.local"]
        );
        assert_eq!(missing(&[], ""), vec![".env", ".env.local", ".env.*.local"]);
        // a deeper file re-includes what the top ignores
        assert_eq!(
            missing(&[("", ".env*\n"), ("web", "!.env.local\n")], "web"),
            vec![".env.local"]
        );
        // the top's patterns reach subdirectories; an anchored one does not
        assert!(missing(&[("", ".env*\n")], "apps/web").is_empty());
        assert_eq!(
            missing(&[("", "/.env*\n")], "apps/web"),
            vec![".env", ".env.local", ".env.*.local"]
        );
        // an ignored directory covers everything in it
        assert!(missing(&[("", "secrets/\n")], "secrets").is_empty());
    }

    #[test]
    fn evidence_comes_from_env_files_and_loaders() {
        assert_eq!(usage_of("web/.env.example", None).unwrap().dir, "web");
        assert!(usage_of(".envrc", None).is_none());
        assert!(usage_of("src/env.ts", Some(b"export const env = {}")).is_none());
        let py = usage_of(
            "app/main.py",
            Some(b"from dotenv import load_dotenv\nload_dotenv()\n"),
        )
        .unwrap();
        assert_eq!(py.dir, "");
        assert!(usage_of(
            "package.json",
            Some(br#"{"dependencies": {"dotenv": "^16"}}"#)
        )
        .is_some());
        assert!(usage_of("tests/test_env.py", Some(b"load_dotenv()")).is_none());
    }
}
