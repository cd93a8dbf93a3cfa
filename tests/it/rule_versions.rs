//! A rule's structure (everything in its pack entry that decides what it
//! reports: keywords, regex, paths, filters, judge, precedence...) is
//! recorded, with the rule's `version`, in `rules/versions.lock`. A change of
//! structure that the lock does not record fails here, so no change to what a
//! rule reports reaches a release without a decision, visible in the lock's
//! diff:
//!
//! - bump `version`: from 2 on the version is part of the rule's
//!   fingerprints, so old baselines stop hiding its findings (the rule now
//!   reports something else, or more);
//! - or keep it: the change only narrows what the rule reports, and findings
//!   a baseline accepted may stay accepted.
//!
//! `SKYSCAN_UPDATE_LOCK=1 cargo test --test it rule_versions` writes the lock.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const LOCK: &str = "rules/versions.lock";

/// Keys of a rule that describe it without changing what it reports.
const DESCRIPTIVE: &[&str] = &[
    "id",
    "name",
    "checklist",
    "practice",
    "severity",
    "precision",
    "security_severity",
    "message",
    "what",
    "why",
    "fix",
    "tags",
    "cwe",
    "note",
    "not_checkable",
    "examples",
    "negative_examples",
    "example_path",
    "version",
];

/// Rule id -> (version, hash of its structure), from the packs on disk.
fn structures() -> BTreeMap<String, (u64, String)> {
    let mut out = BTreeMap::new();
    let mut packs: Vec<_> = std::fs::read_dir(Path::new(ROOT).join("rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    packs.sort();
    for pack in packs {
        let table: toml::Table = std::fs::read_to_string(&pack).unwrap().parse().unwrap();
        let Some(rules) = table.get("rules").and_then(|r| r.as_array()) else {
            continue;
        };
        for rule in rules {
            let mut rule = rule.as_table().unwrap().clone();
            let id = rule["id"].as_str().unwrap().to_string();
            let version = rule
                .get("version")
                .map_or(1, |v| v.as_integer().unwrap() as u64);
            rule.retain(|k, _| !DESCRIPTIVE.contains(&k));
            // Keys are sorted, so the text is the same however the pack
            // orders them.
            let text = toml::to_string(&rule).unwrap();
            let hash: String = Sha256::digest(text.as_bytes())[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert!(
                out.insert(id.clone(), (version, hash)).is_none(),
                "{id} twice"
            );
        }
    }
    out
}

fn lock_text(rules: &BTreeMap<String, (u64, String)>) -> String {
    let mut text = String::from(
        "# The structure of each rule at its version: see tests/it/rule_versions.rs\n\
         # and the README (\"Rule versions and baselines\"). Written by\n\
         # SKYSCAN_UPDATE_LOCK=1 cargo test --test it rule_versions\n",
    );
    for (id, (version, hash)) in rules {
        text.push_str(&format!("{id} {version} {hash}\n"));
    }
    text
}

#[test]
fn every_change_to_what_a_rule_reports_is_recorded_with_its_version() {
    let rules = structures();
    assert!(rules.len() > 100, "only {} rules read", rules.len());
    let path = Path::new(ROOT).join(LOCK);
    if std::env::var_os("SKYSCAN_UPDATE_LOCK").is_some() {
        std::fs::write(&path, lock_text(&rules)).unwrap();
        return;
    }
    let lock = std::fs::read_to_string(&path).unwrap_or_default();
    let locked: BTreeMap<&str, (u64, &str)> = lock
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 3, "bad lock line: {l}");
            (f[0], (f[1].parse().unwrap(), f[2]))
        })
        .collect();
    let mut problems = Vec::new();
    for (id, (version, hash)) in &rules {
        match locked.get(id.as_str()) {
            None => problems.push(format!("{id}: not in the lock (a new rule)")),
            Some((v, _)) if v > version => problems.push(format!(
                "{id}: version {version} is below the locked {v} (versions only grow)"
            )),
            Some((v, h)) if (v, h) != (version, &hash.as_str()) => problems.push(format!(
                "{id}: structure changed ({h} -> {hash}) at version {version}, locked at {v}"
            )),
            Some(_) => {}
        }
    }
    for id in locked.keys() {
        if !rules.contains_key(*id) {
            problems.push(format!("{id}: in the lock, but no such rule"));
        }
    }
    assert!(
        problems.is_empty(),
        "rules/versions.lock does not record these rules as they are:\n  {}\n\
         If a rule now reports something else or more, bump its `version`; if it only \
         reports less, keep it. Then write the lock with \
         SKYSCAN_UPDATE_LOCK=1 cargo test --test it rule_versions",
        problems.join("\n  ")
    );
}

#[test]
fn a_rule_at_version_two_gives_new_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let key = crate::common::fake_key("hk-");
    std::fs::write(dir.path().join("app.py"), format!("KEY = \"{key}\"\n")).unwrap();
    let rule = |version: u32| {
        format!(
            "[[rules]]\nid = \"house-key\"\nname = \"House key\"\nchecklist = \"SC1\"\n\
             severity = \"error\"\nprecision = \"high\"\nmessage = \"house key\"\n\
             keywords = [\"hk-\"]\nregex = '''(?P<secret>hk-[A-Za-z0-9]{{20,}})'''\n\
             example_path = \"a.py\"\nversion = {version}\n\
             examples = [\"k = 'hk-Zr8qT2mW4vLn7Kc1Xy9PbF3hJd6G'\"]\n\
             negative_examples = [\"k = 1\"]\n\
             what = \"w\"\nwhy = \"w\"\nfix = \"w\"\ntags = []\n"
        )
    };
    let fingerprint = |version: u32| -> String {
        let config = dir.path().join(format!("v{version}.toml"));
        std::fs::write(&config, rule(version)).unwrap();
        let out = crate::common::skyscan()
            .args(["scan", "--format", "json", "--fail-on", "never", "--config"])
            .arg(&config)
            .arg(dir.path().join("app.py"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours: Vec<&serde_json::Value> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == "house-key")
            .collect();
        assert_eq!(ours.len(), 1, "{json}");
        ours[0]["fingerprint"].as_str().unwrap().to_string()
    };
    let (v1, again, v2) = (fingerprint(1), fingerprint(1), fingerprint(2));
    assert_eq!(v1, again);
    assert_ne!(v1, v2, "version 2 must not inherit version 1's baselines");
}
