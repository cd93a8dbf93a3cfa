//! Snapshots (insta) of what every built-in rule's examples produce: each
//! example scanned as `skyscan rules --check` scans it (through
//! `skyscan::selfcheck::scan_examples`, with every other rule present), and
//! each finding recorded as rule id, place, masked snippet and message. One
//! snapshot per rule pack (`rules/<pack>.toml` →
//! `tests/it/snapshots/it__rule_examples__<pack>.snap`), so a change to a
//! pattern, a judge, the masking or a message shows up as a diff of the
//! pack it touches. The secrets the scan found must not be in the
//! recorded text: the snapshot holds what a report shows.

use std::fmt::Write;

use skyscan::finding::Finding;
use skyscan::rules::{parse_pack, RuleSet, BUILTIN_PACKS};
use skyscan::selfcheck::{scan_examples, ExampleScan};

/// One finding as the snapshot records it. A history finding's message
/// names the commit and its date, which change with every run (the example
/// commits are dated relative to today): those two are normalised.
fn record(out: &mut String, f: &Finding) {
    let provenance =
        regex::Regex::new(r"first committed in [0-9a-f]{7,64} by (.+?) on \d{4}-\d{2}-\d{2}")
            .unwrap();
    let message = provenance.replace_all(&f.message, "first committed in [commit] by $1 on [date]");
    writeln!(out, "    {} {}:{}:{}", f.rule_id, f.path, f.line, f.column).unwrap();
    if !f.snippet.trim().is_empty() {
        writeln!(out, "      snippet: {}", f.snippet.trim_end()).unwrap();
    }
    writeln!(out, "      message: {message}").unwrap();
}

/// The findings of one example, in a stable order, checked for leaks;
/// returns how many secrets were checked.
fn record_example(out: &mut String, n: usize, scan: &ExampleScan<'_>) -> usize {
    let id = &scan.rule.spec.id;
    let findings = scan
        .findings
        .as_ref()
        .unwrap_or_else(|e| panic!("{id}: {e}"));
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule_id).cmp(&(&b.path, b.line, b.column, &b.rule_id))
    });
    writeln!(out, "  example {n}: {}", scan.path).unwrap();
    let start = out.len();
    for f in sorted {
        record(out, f);
    }
    let recorded = &out[start..];
    let secrets: Vec<&str> = findings
        .iter()
        .filter_map(|f| f.secret.as_deref())
        .filter(|s| !s.is_empty())
        .collect();
    for secret in &secrets {
        assert!(
            !recorded.contains(secret),
            "{id}, example {n}: a secret is recorded in full:\n{recorded}"
        );
    }
    secrets.len()
}

/// Every example of every rule of one pack, in the pack's order; counts
/// the secrets checked for leaks in `secrets`.
fn pack_record(pack: &str, text: &str, scans: &[ExampleScan<'_>], secrets: &mut usize) -> String {
    let mut out = String::new();
    for spec in parse_pack(pack, text).expect("the pack parses") {
        let examples: Vec<&ExampleScan<'_>> = scans
            .iter()
            .filter(|s| s.positive && s.rule.spec.id == spec.id)
            .collect();
        assert!(!examples.is_empty(), "{} has no example", spec.id);
        writeln!(out, "{}", spec.id).unwrap();
        for (n, scan) in examples.into_iter().enumerate() {
            *secrets += record_example(&mut out, n + 1, scan);
        }
    }
    out
}

#[test]
fn every_rule_example_finding() {
    let set = RuleSet::builtin().expect("the built-in rules load");
    let scans = scan_examples(&set);
    assert_eq!(
        scans.iter().filter(|s| s.positive).count(),
        set.rules()
            .iter()
            .map(|r| r.spec.examples.len())
            .sum::<usize>(),
        "one scan per example"
    );
    let mut secrets = 0;
    for (pack, text) in BUILTIN_PACKS {
        let name = pack
            .strip_prefix("rules/")
            .and_then(|p| p.strip_suffix(".toml"))
            .expect("rules/<name>.toml");
        insta::assert_snapshot!(name, pack_record(pack, text, &scans, &mut secrets));
    }
    // The leak check saw the keys of the key rules' examples.
    assert!(secrets > 100, "only {secrets} secrets checked");
}
