//! SC5 coverage: `docs/tls-coverage.md` names only rules that exist and
//! have examples, every SC5 rule is in it, and the rules find the insecure
//! cases of the evaluation set `bench/tls-eval/` (at least 90% per
//! language) without reporting its look-alikes (at least 95% precision).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::{json_of, skyscan};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rule ids (in backticks) of the last column of every table row of
/// the coverage document, with the row's text.
fn coverage_rows() -> Vec<(String, Vec<String>)> {
    let doc = std::fs::read_to_string(root().join("docs/tls-coverage.md")).unwrap();
    doc.lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|-") && !l.starts_with("| -"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').collect();
            let last = cells.last()?.trim();
            if last.eq_ignore_ascii_case("rule") || last.eq_ignore_ascii_case("rules") {
                return None;
            }
            let ids = last
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            Some((l.to_string(), ids))
        })
        .collect()
}

/// `(id, checklist item, example count)` of every built-in rule.
fn rules() -> Vec<(String, String, usize)> {
    let rules = skyscan::rules::RuleSet::builtin().unwrap();
    rules
        .rules()
        .iter()
        .map(|r| {
            (
                r.spec.id.clone(),
                r.spec.checklist.to_string(),
                r.spec.examples.len(),
            )
        })
        .collect()
}

#[test]
fn every_coverage_row_names_a_rule_with_examples() {
    let rules = rules();
    let rows = coverage_rows();
    assert!(rows.len() > 100, "the table has {} rows", rows.len());
    let mut named = BTreeSet::new();
    for (row, ids) in &rows {
        assert!(!ids.is_empty(), "a row names no rule: {row}");
        for id in ids {
            let rule = rules.iter().find(|r| &r.0 == id);
            let Some((_, _, examples)) = rule else {
                panic!("a row names `{id}`, which is no rule: {row}");
            };
            assert!(*examples > 0, "`{id}` has no example: {row}");
            named.insert(id.clone());
        }
    }
    for (id, checklist, _) in &rules {
        if checklist == "SC5" {
            assert!(
                named.contains(id),
                "SC5 rule `{id}` is not in docs/tls-coverage.md"
            );
        }
    }
}

/// The lines of `text` that a `tls-eval: insecure` marker points at (the
/// next non-blank line), 1-based.
fn marked_lines(text: &str) -> BTreeSet<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut marked = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        if line.contains("tls-eval: insecure") {
            let next = (i + 1..lines.len()).find(|&j| !lines[j].trim().is_empty());
            marked.insert(next.expect("a marker is followed by a line") + 1);
        }
    }
    marked
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn evaluation_set() {
    let set = root().join("bench/tls-eval");
    // The project's own configuration allowlists the set: an empty one.
    let config = tempfile::NamedTempFile::new().unwrap();
    let out = skyscan()
        .args(["scan", ".", "--format", "json", "--no-ignore", "--config"])
        .arg(config.path())
        .current_dir(&set)
        .output()
        .unwrap();
    let report = json_of(&out);
    let mut expected: BTreeSet<(String, usize)> = BTreeSet::new();
    let mut all = Vec::new();
    files(&set, &mut all);
    for path in all {
        let rel = path
            .strip_prefix(&set)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if !rel.contains('/') {
            continue; // the set's README
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        expected.extend(marked_lines(&text).into_iter().map(|l| (rel.clone(), l)));
    }
    let reported: BTreeMap<(String, usize), String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["checklist"] == "SC5")
        .map(|f| {
            // Paths are relative to the repository, not to the set.
            let path = f["path"].as_str().unwrap();
            let path = path.strip_prefix("bench/tls-eval/").unwrap_or(path);
            let key = (path.to_string(), f["line"].as_u64().unwrap() as usize);
            (key, f["rule_id"].as_str().unwrap().to_string())
        })
        .collect();
    let language = |path: &str| path.split('/').next().unwrap_or("").to_string();
    // language -> (expected, found, false positives)
    let mut table: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut problems = Vec::new();
    for key in &expected {
        let row = table.entry(language(&key.0)).or_default();
        row.0 += 1;
        if reported.contains_key(key) {
            row.1 += 1;
        } else {
            problems.push(format!("missed: {}:{}", key.0, key.1));
        }
    }
    for (key, rule) in &reported {
        if !expected.contains(key) {
            table.entry(language(&key.0)).or_default().2 += 1;
            problems.push(format!("false positive: {}:{} ({rule})", key.0, key.1));
        }
    }
    println!("| language | insecure cases | found | false positives | recall | precision |");
    println!("|---|---|---|---|---|---|");
    let mut failing = Vec::new();
    for (lang, (cases, found, fps)) in &table {
        let recall = *found as f64 / (*cases).max(1) as f64;
        let precision = *found as f64 / (found + fps).max(1) as f64;
        println!("| {lang} | {cases} | {found} | {fps} | {recall:.2} | {precision:.2} |");
        if recall < 0.9 || precision < 0.95 {
            failing.push(lang.clone());
        }
    }
    for p in &problems {
        println!("{p}");
    }
    assert!(expected.len() > 100, "{} insecure cases", expected.len());
    assert!(
        failing.is_empty(),
        "under 90% recall or 95% precision: {failing:?}"
    );
}
