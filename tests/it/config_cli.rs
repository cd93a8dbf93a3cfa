//! `.skyscan.toml` / `--config`: disabling rules, changing severities,
//! allowlists, custom rules, and clear errors for a malformed file.

use crate::common;

use crate::common::{finding_keys, json_of, plant_key, skyscan};
use predicates::prelude::*;

#[test]
fn config_disables_reweights_allowlists_and_adds_rules() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::create_dir_all(root.join("scripts")).unwrap();
    std::fs::write(
        root.join("app.py"),
        "import os\nk = os.getenv('SKYTELLS_API_KEY')\nheaders = {'x-api-key': k}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("scripts/get.sh"),
        "curl -k https://api.skytells.ai/v1/models\n",
    )
    .unwrap();
    plant_key(&root.join("docs/setup.py"));
    std::fs::write(
        root.join("legacy.py"),
        "SKYTELLS_API_KEY = 'sk-ACMEINTERNALq8ZrT2mW4vLn7Kc1'\n",
    )
    .unwrap();
    std::fs::write(
        root.join("internal.txt"),
        "token: acme_tok_9f8e7d6c5b4a39281706\n",
    )
    .unwrap();
    std::fs::write(
        root.join(".skyscan.toml"),
        r#"disable = ["python-getenv-api-key"]

[severity]
curl-insecure = "note"

[allowlist]
paths = ["docs/**"]
stopwords = ["acmeinternal"]

[[rules]]
id = "acme-internal-token"
name = "ACME internal token"
checklist = "SC1"
severity = "error"
precision = "high"
keywords = ["acme_tok_"]
regex = '''\b(?P<secret>acme_tok_[0-9a-f]{20})\b'''
message = "internal token `{match}` is hard-coded"
what = "An ACME internal token."
why = "It grants access to internal services."
fix = "Load it from the vault."
examples = ["t = 'acme_tok_9f8e7d6c5b4a39281706'"]
negative_examples = ["t = 'acme_tok_short'"]
"#,
    )
    .unwrap();
    let out = skyscan()
        .args(["scan", ".", "--format", "json"])
        .current_dir(root)
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(
        finding_keys(&report),
        vec![
            ("acme-internal-token".into(), "internal.txt".into(), 1),
            ("curl-insecure".into(), "scripts/get.sh".into(), 1),
        ]
    );
    let curl = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "curl-insecure")
        .unwrap()
        .clone();
    assert_eq!(curl["severity"], "note");
    assert_eq!(out.status.code(), Some(1));

    // --config names another file; the default one is then ignored.
    std::fs::write(root.join("empty.toml"), "").unwrap();
    let out = skyscan()
        .args(["scan", ".", "--format", "json", "--config", "empty.toml"])
        .current_dir(root)
        .output()
        .unwrap();
    let ids: Vec<String> = finding_keys(&json_of(&out))
        .into_iter()
        .map(|k| k.0)
        .collect();
    assert!(ids.contains(&"python-getenv-api-key".to_string()));
    assert!(!ids.contains(&"acme-internal-token".to_string()));
}

#[test]
fn malformed_config_points_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.py"), "x = 1\n").unwrap();
    std::fs::write(
        dir.path().join(".skyscan.toml"),
        "disable = []\n\n[allowlist]\npathz = [\"docs/**\"]\n",
    )
    .unwrap();
    skyscan()
        .args(["scan", "."])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid configuration"))
        .stderr(predicate::str::contains("pathz"))
        .stderr(predicate::str::contains(".skyscan.toml:4:"));
}

#[test]
fn config_errors_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("a.py"), "x = 1\n").unwrap();
    std::fs::write(root.join("unknown.toml"), "disable = [\"no-such-rule\"]\n").unwrap();
    skyscan()
        .args(["scan", ".", "--config", "unknown.toml"])
        .current_dir(root)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule `no-such-rule`"));
    std::fs::write(
        root.join("badre.toml"),
        "[allowlist]\nregexes = [\"(unclosed\"]\n",
    )
    .unwrap();
    skyscan()
        .args(["scan", ".", "--config", "badre.toml"])
        .current_dir(root)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("allowlist regex"));
    skyscan()
        .args(["scan", ".", "--config", "nope.toml"])
        .current_dir(root)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.toml"));
    // A custom rule without examples is refused like a built-in one.
    std::fs::write(
        root.join("noex.toml"),
        "[[rules]]\nid = \"x-rule\"\nname = \"x\"\nchecklist = \"SC1\"\nseverity = \"error\"\nprecision = \"low\"\nkeywords = [\"x\"]\nregex = \"x\"\nmessage = \"m\"\nwhat = \"w\"\nwhy = \"y\"\nfix = \"f\"\nexamples = []\nnegative_examples = []\n",
    )
    .unwrap();
    skyscan()
        .args(["scan", ".", "--config", "noex.toml"])
        .current_dir(root)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("example"));
}

#[test]
fn readme_configuration_example_is_valid() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme
        .find("## Configuration")
        .expect("README has a Configuration section")..];
    let start = section.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + section[start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".skyscan.toml"), &section[start..end]).unwrap();
    std::fs::write(dir.path().join("ok.py"), "x = 1\n").unwrap();
    skyscan()
        .args(["scan", "."])
        .current_dir(dir.path())
        .assert()
        .code(0);
}

/// A repository whose root `.skyscan.toml` turns off `curl-insecure`, with a
/// file under `src/` that only that rule would report.
fn repo_with_root_config() -> tempfile::TempDir {
    let repo = common::new_repo();
    let root = repo.path();
    std::fs::create_dir_all(root.join("src/deep")).unwrap();
    std::fs::write(
        root.join("src/deep/get.sh"),
        "curl -k https://api.skytells.ai/v1/models\n",
    )
    .unwrap();
    std::fs::write(
        root.join(".skyscan.toml"),
        "disable = [\"curl-insecure\"]\n",
    )
    .unwrap();
    repo
}

#[test]
fn root_config_applies_to_subdirectories_and_is_named() {
    let repo = repo_with_root_config();
    let root = repo.path();
    let config = root.join(".skyscan.toml").canonicalize().unwrap();
    // `scan src` from the top, `scan` from inside, `scan ..` from deeper.
    for (cwd, args) in [
        (root.to_path_buf(), vec!["scan", "src"]),
        (root.join("src"), vec!["scan"]),
        (root.join("src/deep"), vec!["scan", "get.sh"]),
    ] {
        let out = skyscan()
            .args(&args)
            .args(["--format", "json"])
            .current_dir(&cwd)
            .output()
            .unwrap();
        let report = json_of(&out);
        assert_eq!(finding_keys(&report), vec![], "{args:?} in {cwd:?}");
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(report["config"], config.display().to_string());
    }
    // The nearest file wins.
    std::fs::write(root.join("src/.skyscan.toml"), "").unwrap();
    let out = skyscan()
        .args(["scan", "deep", "--format", "json"])
        .current_dir(root.join("src"))
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(finding_keys(&report).len(), 1);
    let nearest = root.join("src/.skyscan.toml").canonicalize().unwrap();
    assert_eq!(report["config"], nearest.display().to_string());
}

#[test]
fn staged_from_a_subdirectory_uses_the_root_config() {
    let repo = repo_with_root_config();
    let root = repo.path();
    common::git(root, &["add", "src/deep/get.sh"]);
    skyscan()
        .args(["staged", "--verbose"])
        .current_dir(root.join("src/deep"))
        .assert()
        .code(0)
        .stderr(predicate::str::contains(format!(
            "configuration: {}",
            root.join(".skyscan.toml").canonicalize().unwrap().display()
        )))
        .stderr(predicate::str::contains("scanned src/deep/get.sh (staged)"));
}

#[test]
fn config_search_stops_at_the_repository_top() {
    // A configuration above the repository belongs to something else.
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(
        outer.path().join(".skyscan.toml"),
        "disable = [\"curl-insecure\"]\n",
    )
    .unwrap();
    let repo = outer.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    common::git(&repo, &["init", "-q"]);
    std::fs::write(
        repo.join("get.sh"),
        "curl -k https://api.skytells.ai/v1/models\n",
    )
    .unwrap();
    let out = skyscan()
        .args(["scan", "--format", "json", "--verbose"])
        .current_dir(&repo)
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(finding_keys(&report).len(), 1);
    assert!(report["config"].is_null());
    assert!(String::from_utf8_lossy(&out.stderr).contains("configuration: none"));
}
