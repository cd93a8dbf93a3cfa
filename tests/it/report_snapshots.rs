//! Snapshots (insta) of the sample project's report in every `--format`,
//! and of the Markdown `--summary`, so that any change to what a reader of
//! any format sees shows up as a reviewable diff in `tests/it/snapshots/`.
//!
//! `fixtures/sample-app` holds fixed keys (in `.env` and `client.py`), so the
//! masked text, the fingerprints and the positions are the same on every
//! run. What would still vary is normalised before the comparison: the
//! version skyscan reports itself as (it changes with every release), and
//! the metadata of the SARIF rules no result points at (cut to their ids:
//! the rules' own text is not this test's business). The scan runs in a
//! scratch copy with relative paths, and a check makes sure no absolute
//! temporary path reaches a snapshot. Every output is also checked to hold
//! no full fixture key.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::common::{copy_fixture, fixture, skyscan};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The fixture's keys, read from the fixture itself.
fn fixture_keys() -> Vec<String> {
    let key = regex::Regex::new(r"sk-[A-Za-z0-9]{32}").unwrap();
    let mut keys = Vec::new();
    for file in [".env", "client.py"] {
        let text = std::fs::read_to_string(fixture("sample-app").join(file)).unwrap();
        keys.extend(key.find_iter(&text).map(|m| m.as_str().to_string()));
    }
    assert_eq!(keys.len(), 2, "the fixture's two fixed keys: {keys:?}");
    keys
}

/// Standard output of `skyscan scan . <args>` in a copy of the sample
/// project, checked for leaks (full keys, the scratch directory's path).
fn scan_sample(args: &[&str]) -> String {
    let dir = copy_fixture("sample-app");
    let out = skyscan()
        .args(["scan", ".", "--color", "never"])
        .args(args)
        .current_dir(dir.path())
        .output()
        .expect("skyscan runs");
    let stdout = String::from_utf8(out.stdout).expect("the report is UTF-8");
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings at or above `warning`: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_leak(&stdout, dir.path());
    stdout
}

fn assert_no_leak(text: &str, scratch: &Path) {
    for key in fixture_keys() {
        assert!(!text.contains(&key), "a full key is in the report:\n{text}");
    }
    let scratch = scratch.to_string_lossy();
    assert!(
        !text.contains(scratch.as_ref()),
        "the scratch path {scratch} is in the report"
    );
}

/// The report in `format`, as text, for the formats with nothing to
/// normalise; the version must not be in them (or it would need to be).
fn text_report(format: &str) -> String {
    let text = scan_sample(&["--format", format]);
    assert!(!text.is_empty());
    assert!(
        !text.contains(&format!("{VERSION}\"")) && !text.contains(&format!(" {VERSION}")),
        "{format} names the version: normalise it\n{text}"
    );
    text
}

fn json_report(format: &str) -> Value {
    serde_json::from_str(&scan_sample(&["--format", format])).expect("the report is JSON")
}

/// Replace `value[key]` (which must be this build's version) by `[version]`.
fn redact_version(value: &mut Value, key: &str) {
    assert_eq!(value[key], VERSION, "{key} in {value}");
    value[key] = Value::from("[version]");
}

#[test]
fn human() {
    insta::assert_snapshot!("sample_app_human", text_report("human"));
}

#[test]
fn json() {
    let mut report = json_report("json");
    redact_version(&mut report["tool"], "version");
    insta::assert_json_snapshot!("sample_app_json", report);
}

#[test]
fn jsonl() {
    let text = text_report("jsonl");
    // Every line is a finding of its own.
    for line in text.lines() {
        let finding: Value = serde_json::from_str(line).expect("each line is JSON");
        assert!(finding["rule_id"].is_string(), "{line}");
    }
    insta::assert_snapshot!("sample_app_jsonl", text);
}

#[test]
fn sarif() {
    let mut report = json_report("sarif");
    let run = &mut report["runs"][0];
    let used: BTreeSet<u64> = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["ruleIndex"].as_u64().expect("ruleIndex"))
        .collect();
    let driver = &mut run["tool"]["driver"];
    redact_version(driver, "version");
    redact_version(driver, "semanticVersion");
    // Keep every rule's place (so `ruleIndex` still points at the right
    // entry) but only the metadata of the rules that results name.
    for (index, rule) in driver["rules"]
        .as_array_mut()
        .expect("rules")
        .iter_mut()
        .enumerate()
    {
        if !used.contains(&(index as u64)) {
            *rule = serde_json::json!({ "id": rule["id"].clone() });
        }
    }
    insta::assert_json_snapshot!("sample_app_sarif", report);
}

#[test]
fn github() {
    insta::assert_snapshot!("sample_app_github", text_report("github"));
}

#[test]
fn csv() {
    insta::assert_snapshot!("sample_app_csv", text_report("csv"));
}

/// The Markdown checklist summary `--summary FILE` appends (the job summary
/// of the GitHub Action); `--format` has no Markdown of its own.
#[test]
fn markdown_summary() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("summary.md");
    scan_sample(&["--format", "json", "--summary", file.to_str().unwrap()]);
    let summary = std::fs::read_to_string(&file).expect("the summary is written");
    assert_no_leak(&summary, dir.path());
    insta::assert_snapshot!("sample_app_summary_markdown", summary);
}
