//! `skyscan rules`: listing, explaining, self-checking, and the README's
//! rule table, which must match what the rules say about themselves.

use crate::common::skyscan;
use predicates::prelude::*;

#[test]
fn rules_check_passes() {
    skyscan()
        .args(["rules", "--check"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 failures"));
}

#[test]
fn rules_lists_every_rule() {
    let out = skyscan().arg("rules").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for id in [
        "skytells-api-key",
        "public-env-secret",
        "committed-env-file",
        "curl-insecure",
        "python-getenv-api-key",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(id)),
            "{id} missing:\n{text}"
        );
    }
}

#[test]
fn rules_id_explains_one_rule() {
    skyscan()
        .args(["rules", "skytells-api-key"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("checklist: SC1"))
        .stdout(predicate::str::contains("Why:"))
        .stdout(predicate::str::contains("Fix:"))
        .stdout(predicate::str::contains("Negative examples:"))
        .stdout(predicate::str::contains("sk-your-api-key-here"));
}

/// A rule names the weaknesses its findings are instances of: its own CWE
/// when it has a narrower one than its practice, else its practice's; and
/// the vendor documents the practice comes from.
#[test]
fn rules_id_gives_the_rules_references() {
    skyscan()
        .args(["rules", "skytells-api-key"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "CWE-798: https://cwe.mitre.org/data/definitions/798.html",
        ))
        .stdout(predicate::str::contains("vendor documents: "));
    skyscan()
        .args(["rules", "skytells-plain-http"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("CWE-319"))
        .stdout(predicate::str::contains("CWE-295").not());
}

#[test]
fn unknown_rule_is_an_error() {
    skyscan()
        .args(["rules", "no-such-rule"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule `no-such-rule`"));
}

#[test]
fn readme_rule_table_matches_the_rules() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = "<!-- rules:start -->\n";
    let end = "<!-- rules:end -->";
    let a = readme.find(start).expect("README has a rules:start marker") + start.len();
    let b = readme.find(end).expect("README has a rules:end marker");
    let out = skyscan().args(["rules", "--markdown"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        &readme[a..b],
        table,
        "README rule table is stale: regenerate it with `skyscan rules --markdown`"
    );
}

#[test]
fn readme_checklist_table_matches_the_rules() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = "<!-- checklist:start -->\n";
    let end = "<!-- checklist:end -->";
    let a = readme
        .find(start)
        .expect("README has a checklist:start marker")
        + start.len();
    let b = readme.find(end).expect("README has a checklist:end marker");
    let out = skyscan().args(["rules", "--checklist"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        &readme[a..b],
        table,
        "README checklist table is stale: regenerate it with `skyscan rules --checklist`"
    );
}

#[test]
fn checklist_names_the_rules_of_each_practice_and_why_others_are_not_checked() {
    let out = skyscan().args(["rules", "--checklist"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let row = |needle: &str| {
        table
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no row for {needle}:\n{table}"))
            .to_string()
    };
    // The rule ids come from the rules' own `practice` and `checklist` fields.
    assert!(row("TLS 1.2 or later").contains("`go-old-tls-version`"));
    assert!(!row("Never disable TLS certificate validation").contains("old-tls-version"));
    assert!(row("Scoped keys").contains("`admin-key-in-automation`"));
    assert!(row("X-Skytells-Signature").contains("`python-signature-equality`"));
    assert!(row("allowlisted IP").contains("not checkable: account configuration"));
    assert!(row("Rate-limit predictions per user").contains("not checkable"));
    assert!(row("audit log of every prediction").contains("not checkable"));
    // `skyscan rules ID` names the practice too.
    let out = skyscan()
        .args(["rules", "go-old-tls-version"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("practice:  TLS 1.2 or later"), "{text}");
}

#[test]
fn keywords_are_listed_once_each() {
    let out = skyscan().args(["rules", "--keywords"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"sk-") && lines.contains(&"InsecureSkipVerify"));
    let mut dedup = lines.clone();
    dedup.dedup();
    assert_eq!(lines, dedup);
}
