//! End-to-end tests of `skyscan scan`: the binary on the sample project in
//! `fixtures/`, in every output format, plus exit codes and error handling.

use crate::common::{
    copy_fixture, fake_key, finding_keys, git, json_of, scan_json_output, skyscan, write_file,
};
use predicates::prelude::*;

/// What the sample app must produce, and nothing else.
fn expected_sample_findings() -> Vec<(String, String, u64)> {
    let mut v: Vec<(String, String, u64)> = [
        ("committed-env-file", ".env", 1),
        ("skytells-api-key", ".env", 1),
        ("browser-fetch-api-key", "app/page.tsx", 3),
        ("public-env-secret", "app/page.tsx", 4),
        ("skytells-api-key", "client.py", 6),
        ("python-getenv-api-key", "client.py", 9),
        ("python-tls-verify-false", "client.py", 18),
        ("curl-insecure", "scripts/smoke.sh", 3),
        ("skytells-plain-http", "scripts/smoke.sh", 4),
        // the app has `.env` files and no .gitignore
        ("env-not-ignored", ".gitignore", 1),
    ]
    .iter()
    .map(|(r, p, l)| (r.to_string(), p.to_string(), *l))
    .collect();
    v.sort();
    v
}

#[test]
fn json_report_lists_exactly_the_planted_problems() {
    let dir = copy_fixture("sample-app");
    let out = scan_json_output(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(finding_keys(&report), expected_sample_findings());
    // Documentation placeholders and the server-side client are not findings.
    let paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(!paths
        .iter()
        .any(|p| p.starts_with("docs/") || p.starts_with("server/")));
    let checklist = report["checklist"].as_array().unwrap();
    let status = |id: &str| {
        checklist.iter().find(|c| c["id"] == id).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("SC1"), "fail");
    assert_eq!(status("SC4"), "pass");
    assert_eq!(status("SC6"), "not-checked");
    assert_eq!(status("SC7"), "not-checked");
    let f = &report["findings"][0];
    for field in [
        "rule_id",
        "checklist",
        "severity",
        "path",
        "line",
        "column",
        "message",
        "fingerprint",
    ] {
        assert!(!f[field].is_null(), "missing {field} in {f}");
    }
}

#[test]
fn human_report_shows_diagnostics_and_checklist_summary() {
    let dir = copy_fixture("sample-app");
    skyscan()
        .args(["scan"])
        .current_dir(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("skytells-api-key (SC1)"))
        .stdout(predicate::str::contains("client.py:6:21"))
        .stdout(predicate::str::contains("sk-FnJxF***"))
        .stdout(predicate::str::contains("Security checklist (scan):"))
        .stdout(predicate::str::contains("FAIL  SC5"))
        .stdout(predicate::str::contains("10 findings"))
        .stdout(predicate::str::contains("sk-FnJxFkQjVDZRucq2zyw8GOuLfafi1Jrp").not());
}

#[test]
fn github_annotations_one_per_finding() {
    let dir = copy_fixture("sample-app");
    let out = skyscan()
        .args(["scan", ".", "--format", "github"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), expected_sample_findings().len(), "{text}");
    assert!(lines
        .iter()
        .any(|l| l.starts_with("::error file=client.py,line=6,endLine=6,col=21,")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("::notice file=client.py,line=9,")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("::warning file=app/page.tsx,line=3,")));
}

#[test]
fn secrets_are_masked_in_every_format_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let keys = [fake_key("sk-"), fake_key("sk_live_"), fake_key("sk_test_")];
    let body = format!(
        "SKYTELLS_API_KEY = '{}'\nx_api_key = '{}'  # skytells\nother = '{}'\n",
        keys[0], keys[1], keys[2]
    );
    std::fs::write(dir.path().join("keys.py"), body).unwrap();
    for format in ["human", "json", "jsonl", "sarif", "github", "csv"] {
        let out = skyscan()
            .args(["scan", ".", "--format", format])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = [out.stdout, out.stderr].concat();
        let text = String::from_utf8_lossy(&all);
        for k in &keys {
            assert!(!text.contains(k.as_str()), "{format} leaks {k}:\n{text}");
            assert!(
                text.contains(&k[..8]),
                "{format} should keep a prefix of {k}"
            );
        }
        let out = skyscan()
            .args(["scan", ".", "--show-secrets", "--format", format])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        for k in &keys {
            assert!(
                text.contains(k.as_str()),
                "{format} --show-secrets hides {k}"
            );
        }
    }
}

#[test]
fn inline_allow_suppresses_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    std::fs::write(
        dir.path().join("a.py"),
        format!("import requests\nSKYTELLS_API_KEY = '{key}'  # skyscan:allow\nverify=False\n"),
    )
    .unwrap();
    let out = scan_json_output(dir.path(), &[]);
    let keys = finding_keys(&json_of(&out));
    assert_eq!(
        keys,
        vec![("python-tls-verify-false".to_string(), "a.py".to_string(), 3)]
    );
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.py"),
        "k = os.getenv('SKYTELLS_API_KEY')\nheaders = {'x-api-key': k}\n",
    )
    .unwrap();
    let run = |fail_on: &str| {
        skyscan()
            .args(["scan", ".", "--format", "json", "--fail-on", fail_on])
            .current_dir(dir.path())
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("note"), Some(1));
    assert_eq!(run("warning"), Some(0));
    assert_eq!(run("error"), Some(0));
    assert_eq!(run("never"), Some(0));
    // The default threshold is warning: a note alone passes.
    skyscan()
        .args(["scan", "."])
        .current_dir(dir.path())
        .assert()
        .code(0);
}

#[test]
fn clean_tree_exits_zero() {
    let dir = copy_fixture("sample-app");
    skyscan()
        .args(["scan", "docs", "server", "clean"])
        .current_dir(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 findings"));
}

#[test]
fn missing_path_is_a_clear_error() {
    skyscan()
        .args(["scan", "definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "path not found: definitely/not/here",
        ));
}

#[test]
fn bad_flag_and_bad_value_exit_2() {
    skyscan().args(["scan", "--bogus"]).assert().code(2);
    skyscan().args(["scan", "--format", "xml"]).assert().code(2);
    skyscan()
        .args(["scan", "--max-filesize", "huge"])
        .assert()
        .code(2);
    skyscan().assert().code(2);
}

#[test]
fn output_file_receives_the_report() {
    let dir = copy_fixture("sample-app");
    let report = dir.path().join("out.json");
    skyscan()
        .args(["scan", "client.py", "--format", "json", "--output"])
        .arg(&report)
        .current_dir(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 3);
    assert_eq!(v["findings"][0]["path"], "client.py");
}

#[test]
fn binaries_are_skipped_and_big_files_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    let mut bin = b"\x00\x01ELF".to_vec();
    bin.extend(format!("SKYTELLS_API_KEY={key}").as_bytes());
    std::fs::write(dir.path().join("blob.bin"), bin).unwrap();
    std::fs::write(
        dir.path().join("big.py"),
        format!("{}\nSKYTELLS_API_KEY = '{key}'\n", "#".repeat(4096)),
    )
    .unwrap();
    let out = skyscan()
        .args(["scan", ".", "--format", "json", "--max-filesize", "1K"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report = json_of(&out);
    assert!(report["findings"].as_array().unwrap().is_empty());
    assert_eq!(report["stats"]["skipped_binary"], 1);
    assert_eq!(report["stats"]["skipped_large"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("big.py: skipped"), "{stderr}");
    // With a larger cap the key is found.
    skyscan()
        .args(["scan", "."])
        .current_dir(dir.path())
        .assert()
        .code(1);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    std::fs::write(
        outside.path().join("secret.py"),
        format!("SKYTELLS_API_KEY = '{key}'\n"),
    )
    .unwrap();
    let root = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.py"),
        root.path().join("link.py"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("linkdir")).unwrap();
    skyscan()
        .args(["scan", "."])
        .current_dir(root.path())
        .assert()
        .code(0);
}

#[test]
fn utf16_files_are_decoded_and_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    let text = format!("SKYTELLS_API_KEY={key}\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    std::fs::write(dir.path().join("settings.ini"), bytes).unwrap();
    let out = scan_json_output(dir.path(), &[]);
    assert_eq!(
        finding_keys(&json_of(&out)),
        vec![("skytells-api-key".into(), "settings.ini".into(), 1)]
    );
}

#[test]
fn env_files_in_git_only_when_committed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    std::fs::write(root.join(".gitignore"), ".env\n.env.local\n").unwrap();
    std::fs::write(root.join(".env"), "DEBUG=1\n").unwrap();
    std::fs::write(root.join(".env.local"), "DEBUG=1\n").unwrap();
    std::fs::write(root.join(".env.staging"), "DEBUG=1\n").unwrap();
    std::fs::write(
        root.join(".env.example"),
        "SKYTELLS_API_KEY=sk-your-api-key-here\n",
    )
    .unwrap();
    git(root, &["add", ".gitignore", ".env.example"]);
    // Tracked although ignored: committed all the same.
    git(root, &["add", "-f", ".env.local"]);
    let run = |extra: &[&str]| {
        let out = skyscan()
            .args(["scan", ".", "--format", "json"])
            .args(extra)
            .current_dir(root)
            .output()
            .unwrap();
        let mut env: Vec<String> = finding_keys(&json_of(&out))
            .into_iter()
            .filter(|(r, _, _)| r == "committed-env-file")
            .map(|(_, p, _)| p)
            .collect();
        env.sort();
        env
    };
    // .env.staging is not ignored (would be committed); .env.local is tracked;
    // .env is ignored and untracked; .env.example is a safe name.
    assert_eq!(run(&[]), vec![".env.local", ".env.staging"]);
    assert_eq!(run(&["--no-ignore"]), vec![".env.local", ".env.staging"]);
    // Scanning a subdirectory reports repository-relative paths.
    std::fs::create_dir(root.join("svc")).unwrap();
    std::fs::write(root.join("svc/.env.production"), "A=1\n").unwrap();
    let out = skyscan()
        .args(["scan", "svc", "--format", "json"])
        .current_dir(root)
        .output()
        .unwrap();
    // The repository's .gitignore ignores `.env` only: one note for the
    // local files it leaves out.
    assert_eq!(
        finding_keys(&json_of(&out)),
        vec![
            ("committed-env-file".into(), "svc/.env.production".into(), 1),
            ("env-not-ignored".into(), ".gitignore".into(), 1)
        ]
    );
}

/// With `--no-ignore` every file is read, and an `.env` file git ignores
/// (by a pattern on a directory it is in, a `.gitignore` further down, or
/// `info/exclude`) is still not one that would be committed.
#[test]
fn env_files_git_ignores_are_not_committed_with_no_ignore() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    for (path, text) in [
        (".gitignore", "private/\n"),
        ("private/deep/.env.prod", "A=1\n"),
        ("conf/.gitignore", "/.env.dev\n"),
        ("conf/.env.dev", "A=1\n"),
        ("conf/.env.test", "A=1\n"),
        ("ops/.env.ci", "A=1\n"),
        (".git/info/exclude", "ops/\n"),
    ] {
        write_file(root, path, text);
    }
    for extra in [&[][..], &["--no-ignore"]] {
        let out = scan_json_output(root, extra);
        let env: Vec<String> = finding_keys(&json_of(&out))
            .into_iter()
            .filter(|(r, _, _)| r == "committed-env-file")
            .map(|(_, p, _)| p)
            .collect();
        assert_eq!(env, vec!["conf/.env.test"], "{extra:?}");
    }
}

#[test]
fn safe_env_name_holding_a_real_key_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env.example"),
        format!("SKYTELLS_API_KEY={}\n", fake_key("sk-")),
    )
    .unwrap();
    let out = scan_json_output(dir.path(), &[]);
    assert_eq!(
        finding_keys(&json_of(&out)),
        vec![
            ("committed-env-file".into(), ".env.example".into(), 1),
            ("env-not-ignored".into(), ".gitignore".into(), 1),
            ("skytells-api-key".into(), ".env.example".into(), 1)
        ]
    );
}

#[test]
fn other_providers_keys_are_not_called_skytells_keys() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "import stripe\nstripe.api_key = '{}'\n\n\n\n\n\n\nkey = '{}'\n",
        fake_key("sk_live_51"),
        fake_key("sk-")
    );
    std::fs::write(dir.path().join("pay.py"), body).unwrap();
    let out = scan_json_output(dir.path(), &[]);
    assert_eq!(
        finding_keys(&json_of(&out)),
        vec![
            ("generic-sk-api-key".into(), "pay.py".into(), 9),
            ("stripe-secret-key".into(), "pay.py".into(), 2)
        ]
    );
}

#[test]
fn baseline_reports_only_new_findings_and_survives_line_moves() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let old_key = fake_key("sk-");
    std::fs::write(
        root.join("a.py"),
        format!("SKYTELLS_API_KEY = '{old_key}'\n"),
    )
    .unwrap();
    let baseline = root.join("skyscan-baseline.json");
    skyscan()
        .args(["scan", "a.py", "--write-baseline"])
        .arg(&baseline)
        .current_dir(root)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote 1 finding fingerprint(s)"));
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(
        !text.contains(&old_key),
        "the baseline must not hold the secret"
    );

    // The accepted key moves down; a new key arrives.
    let new_key = fake_key("sk-");
    std::fs::write(
        root.join("a.py"),
        format!("import os\n\nSKYTELLS_API_KEY = '{old_key}'\nOTHER = 'x'  # skytells\nSKYTELLS_KEY_2 = '{new_key}'\n"),
    )
    .unwrap();
    let out = skyscan()
        .args(["scan", "a.py", "--format", "json", "--baseline"])
        .arg(&baseline)
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        finding_keys(&json_of(&out)),
        vec![("skytells-api-key".into(), "a.py".into(), 5)]
    );
    // Only the accepted key: clean.
    std::fs::write(
        root.join("a.py"),
        format!("\n\nSKYTELLS_API_KEY = '{old_key}'\n"),
    )
    .unwrap();
    skyscan()
        .args(["scan", "a.py", "--baseline"])
        .arg(&baseline)
        .current_dir(root)
        .assert()
        .code(0);
    // A broken baseline is a clear error.
    std::fs::write(root.join("bad.json"), "{ not json").unwrap();
    skyscan()
        .args(["scan", "a.py", "--baseline", "bad.json"])
        .current_dir(root)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a skyscan baseline"));
    skyscan()
        .args(["scan", "a.py", "--baseline", "missing.json"])
        .current_dir(root)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.json"));
}
