//! SARIF output checked against the SARIF 2.1.0 JSON schema (the copy that
//! ships inside the `serde-sarif` crate's sources, found through
//! `cargo metadata`) and against what GitHub code scanning requires.

use std::path::PathBuf;

use crate::common::{copy_fixture, fake_key, git, json_of, new_repo, plant_key, skyscan};
use serde_json::Value;

use crate::verify_cli::mock;

/// The SARIF 2.1.0 schema from the serde-sarif package in the dependency graph.
fn sarif_schema() -> Value {
    // Offline first; a fresh machine may not have every platform's crates
    // that `cargo metadata` wants, so then let it fetch them.
    let metadata = |offline: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO"));
        cmd.args(["metadata", "--format-version", "1"]);
        if offline {
            cmd.arg("--offline");
        }
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo metadata runs")
    };
    let mut out = metadata(true);
    if !out.status.success() {
        out = metadata(false);
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let manifest = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .expect("serde-sarif is a dependency")["manifest_path"]
        .as_str()
        .unwrap()
        .to_string();
    let path = PathBuf::from(manifest)
        .parent()
        .unwrap()
        .join("src/schema.json");
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    schema
}

/// The published schema's `run.language` pattern ends in `]?$`, a stray `]`
/// that ECMAScript reads as a literal but the validator's regex engine
/// rejects. Escaping it keeps the meaning and lets the schema compile.
fn fix_schema_patterns(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "pattern" {
                    if let Value::String(p) = child {
                        if p.ends_with("{2}]?$") {
                            *p = p.replace("{2}]?$", "{2}\\]?$");
                        }
                    }
                } else {
                    fix_schema_patterns(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(fix_schema_patterns),
        _ => {}
    }
}

fn assert_valid(schema: &Value, doc: &Value) {
    let mut schema = schema.clone();
    fix_schema_patterns(&mut schema);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF is not schema-valid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_is_schema_valid_and_code_scanning_ready() {
    let dir = copy_fixture("sample-app");
    let out = skyscan()
        .args(["scan", ".", "--format", "sarif"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    assert_valid(&sarif_schema(), &doc);

    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() >= 25);
    for rule in rules {
        for field in ["shortDescription", "fullDescription"] {
            assert!(
                rule[field]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{rule}"
            );
        }
        assert!(rule["help"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Fix:")));
        assert!(rule["help"]["markdown"]
            .as_str()
            .is_some_and(|t| t.contains("**How to fix:**")));
        let props = &rule["properties"];
        let tags: Vec<&str> = props["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"security"), "{rule}");
        // Every rule names a weakness: a CWE tag, whose MITRE page is the
        // rule's help URI.
        let cwe = tags
            .iter()
            .find_map(|t| t.strip_prefix("external/cwe/cwe-"))
            .unwrap_or_else(|| panic!("no CWE tag: {rule}"));
        assert_eq!(
            rule["helpUri"],
            format!("https://cwe.mitre.org/data/definitions/{cwe}.html"),
            "{rule}"
        );
        let sev: f64 = props["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(
            ["very-high", "high", "medium", "low"].contains(&props["precision"].as_str().unwrap())
        );
    }
    let results = run["results"].as_array().unwrap();
    // nine planted problems and the note that the app has no .gitignore
    assert_eq!(results.len(), 10);
    for r in results {
        let rule_index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[rule_index]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains("://") && !uri.starts_with("./"),
            "{uri}"
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
        let fp = r["partialFingerprints"]["skyscan/v1"].as_str().unwrap();
        assert_eq!(fp.len(), 32);
    }
    // No raw secret anywhere in the document.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("sk-FnJxFkQjVDZRucq2zyw8GOuLfafi1Jrp"));
    assert!(!text.contains("sk-RWBJG9encC4davDsREymZzoU8nDX7rnx"));
}

#[test]
fn clean_scan_has_an_empty_results_array() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ok.py"),
        "import os\nkey = os.environ['SKYTELLS_API_KEY']\n",
    )
    .unwrap();
    let out = skyscan()
        .args(["scan", ".", "--format", "sarif"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json_of(&out);
    assert_valid(&sarif_schema(), &doc);
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn fingerprints_survive_line_moves_but_not_other_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    let fp = |body: String| {
        std::fs::write(dir.path().join("k.py"), body).unwrap();
        let out = skyscan()
            .args(["scan", ".", "--format", "sarif"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        json_of(&out)["runs"][0]["results"][0]["partialFingerprints"]["skyscan/v1"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let a = fp(format!("SKYTELLS_API_KEY = '{key}'\n"));
    let b = fp(format!("\n\n\n# moved\nSKYTELLS_API_KEY = '{key}'\n"));
    let c = fp(format!("SKYTELLS_API_KEY = '{}'\n", fake_key("sk-")));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

/// With `--verify`, results carry `verification` in their properties and a
/// `key-<status>` tag, and the document stays schema-valid.
#[test]
fn verified_sarif_is_schema_valid() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    std::fs::write(
        dir.path().join("a.py"),
        format!("SKYTELLS_API_KEY = '{key}'\n"),
    )
    .unwrap();
    let server = mock::Mock::start(std::collections::HashMap::from([(
        key.clone(),
        mock::Reply::Status(200, "{}".into()),
    )]));
    let out = skyscan()
        .args(["scan", ".", "--verify", "--format", "sarif"])
        .env("SKYSCAN_TEST_VERIFY_BASE", &server.base)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let doc = json_of(&out);
    assert_valid(&sarif_schema(), &doc);
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(
        result["properties"]["tags"],
        serde_json::json!(["key-live"])
    );
    assert_eq!(result["properties"]["verification"]["status"], "live");
    assert_eq!(result["level"], "error");
}

/// Code scanning keeps one analysis per category (the automation id up to
/// its last `/`): scan and history reports of one repository must differ
/// there, or uploading one replaces the other.
#[test]
fn each_mode_has_its_own_automation_category() {
    let repo = new_repo();
    plant_key(&repo.path().join("app.py"));
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-qm", "key"]);
    let schema = sarif_schema();
    let mut ids = Vec::new();
    for mode in ["scan", "history", "staged"] {
        let out = skyscan()
            .args([mode, ".", "--format", "sarif", "--fail-on", "never"])
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{mode}");
        let doc = json_of(&out);
        assert_valid(&schema, &doc);
        let id = doc["runs"][0]["automationDetails"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{mode}: no automationDetails.id"))
            .to_string();
        assert_eq!(id, format!("skyscan/{mode}/"));
        ids.push(id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 3);
}
