//! Entry points for the fuzz targets in `fuzz/` and for the regression
//! tests that replay what they found. Each takes arbitrary bytes and must
//! neither panic nor leak: a secret that reaches any report in full is
//! turned into a panic, so the fuzzer reports it.

use std::sync::OnceLock;

use crate::checks::key_reuse::key_reuse_findings;
use crate::engine::{Matcher, Scratch};
use crate::report::{self, Format, Report};
use crate::rules::{Mode, RuleSet};
use crate::scan::{decode, scan_file, ScanSettings};
use crate::source::ScanOutput;

/// Paths the scanned bytes pretend to live at (chosen by the first byte),
/// so that path-scoped rules are exercised too.
const PATHS: &[&str] = &[
    ".env",
    ".env.production",
    "app/page.tsx",
    "src/client.py",
    "cmd/main.go",
    "Dockerfile",
    "src/Http.java",
    "config/prod.yml",
    // Paths where the judges (src/judge/) read the code around a match.
    "notebooks/guide.ipynb",
    "src/webhooks.ts",
    "tests/test_client.py",
    "web/.env.example",
    "src/routes/+page.svelte",
];

fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| Matcher::new(RuleSet::builtin().expect("built-in rules load")))
}

/// Scan `data` with every rule, then render every report format.
pub fn scan_and_report(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let path = PATHS[first as usize % PATHS.len()];
    let Some(text) = decode(rest) else {
        return;
    };
    let matcher = matcher();
    let mut scratch = Scratch::default();
    let mut findings = scan_file(
        matcher,
        path,
        &text,
        &mut scratch,
        &ScanSettings::default(),
        true,
    );
    // A second "environment" holding the same bytes exercises key reuse.
    let mut twin = scan_file(
        matcher,
        "deploy/staging.env",
        &text,
        &mut scratch,
        &ScanSettings::default(),
        true,
    );
    findings.append(&mut twin);
    let reuse = key_reuse_findings(matcher.rules(), &findings);
    findings.extend(reuse);
    let secrets: Vec<String> = findings.iter().filter_map(|f| f.secret.clone()).collect();
    let output = ScanOutput {
        findings,
        ..ScanOutput::default()
    };
    let report = Report {
        rules: matcher.rules(),
        output: &output,
        mode: Mode::Worktree,
        vcs: None,
        fail_on: None,
    };
    let mut rendered = Vec::new();
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let mut one = Vec::new();
        report::write(&report, format, &mut one, false).expect("writing to memory");
        if matches!(format, Format::Json | Format::Sarif) {
            serde_json::from_slice::<serde_json::Value>(&one).expect("valid JSON");
        }
        rendered.extend(one);
    }
    report::write_markdown_summary(&report, &mut rendered).expect("writing to memory");
    let rendered = String::from_utf8_lossy(&rendered);
    for secret in secrets {
        assert!(
            !rendered.contains(&secret),
            "a secret reached a report in full: {}",
            crate::finding::mask(&secret)
        );
    }
}

/// Parse `data` as a `.skyscan.toml`; errors are fine, panics are not.
pub fn parse_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rules = matcher().rules().clone();
    if let Ok((rules, _)) = crate::config::parse(text, std::path::Path::new(".skyscan.toml"), rules)
    {
        // Custom rules must also survive being used.
        let m = Matcher::new(rules);
        let mut scratch = Scratch::default();
        let _ = scan_file(
            &m,
            "a.py",
            text.as_bytes(),
            &mut scratch,
            &ScanSettings::default(),
            true,
        );
    }
}

/// Parse `data` as a raw git tree object.
pub fn parse_tree(data: &[u8]) {
    crate::source::history::parse_tree_entries(data);
}

/// Parse `data` as a git index file (the staged scan's reader), with its
/// cache-tree.
pub fn parse_index(data: &[u8]) {
    let _ = crate::source::index::parse_index_entries(data);
}
