//! Errors a user meets at the command line: each says what went wrong once,
//! with a hint that fits the command, exits 2, and spoils no more of the run
//! than it must.

use crate::common;

use crate::common::{copy_fixture, finding_keys, git, json_of, new_repo, plant_key, skyscan};
use predicates::prelude::*;

#[test]
fn unwritable_output_says_write_and_gives_the_os_error_once() {
    let dir = copy_fixture("sample-app");
    for flag in [
        "--output",
        "--sarif-output",
        "--summary",
        "--write-baseline",
    ] {
        let out = skyscan()
            .args(["scan", "clean", flag, "no/such/dir/report.out"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("cannot write no/such/dir/report.out"),
            "{flag}: {stderr}"
        );
        assert!(!stderr.contains("cannot read"), "{flag}: {stderr}");
        assert_eq!(
            stderr.matches("No such file or directory").count(),
            1,
            "{flag}: {stderr}"
        );
    }
}

#[test]
fn a_missing_path_is_an_error_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    plant_key(&dir.path().join("src/client.py"));
    let out = skyscan()
        .args(["scan", "missing", "src", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report = json_of(&out);
    assert_eq!(
        finding_keys(&report),
        vec![("skytells-api-key".into(), "client.py".into(), 1)]
    );
    assert_eq!(report["errors"][0], "path not found: missing");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: path not found: missing"),
        "{stderr}"
    );

    // A clean rest still exits 2: the scan did not cover what was asked.
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    std::fs::write(dir.path().join("docs/a.md"), "hello\n").unwrap();
    skyscan()
        .args(["scan", "docs", "missing"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stdout(predicate::str::contains("0 findings"))
        .stderr(predicate::str::contains("path not found: missing"));

    // Nothing left to scan: the plain error, with the scan hint.
    skyscan()
        .args(["scan", "missing", "gone"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("path not found: missing"))
        .stderr(predicate::str::contains("`skyscan scan` takes files"));
}

#[test]
fn history_and_staged_hints_name_their_own_command() {
    for command in ["history", "staged"] {
        skyscan()
            .args([command, "/no/such/repository"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "path not found: /no/such/repository",
            ))
            .stderr(predicate::str::contains(format!("`skyscan {command}`")))
            .stderr(predicate::str::contains("git repository"))
            .stderr(predicate::str::contains("`skyscan scan` takes").not());
    }
}

#[test]
fn since_refuses_days_that_are_not_on_the_calendar() {
    let repo = new_repo();
    let dir = repo.path();
    std::fs::write(dir.join("a.txt"), "x\n").unwrap();
    git(dir, &["add", "."]);
    common::commit_dated(dir, "one", 1);
    for bad in ["2024-02-31", "2023-02-29", "2024-04-31", "2024-00-10"] {
        skyscan()
            .args(["history", ".", "--since", bad])
            .current_dir(dir)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("`{bad}` is not a date")));
    }
    for good in [
        "2024-02-29",
        "2024-03-01T12:00:00Z",
        "2024-03-01T12:00:00+02:00",
    ] {
        skyscan()
            .args(["history", ".", "--since", good])
            .current_dir(dir)
            .assert()
            .code(0);
    }
}

/// The SARIF `repositoryUri` for a repository whose `origin` is `remote`.
fn repository_uri(remote: &str) -> Option<String> {
    let repo = new_repo();
    let dir = repo.path();
    git(dir, &["remote", "add", "origin", remote]);
    std::fs::write(dir.join("a.txt"), "x\n").unwrap();
    git(dir, &["add", "."]);
    common::commit_dated(dir, "one", 1);
    let out = skyscan()
        .args(["scan", ".", "--format", "sarif"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let sarif = json_of(&out);
    let run = &sarif["runs"][0];
    run["versionControlProvenance"][0]["repositoryUri"]
        .as_str()
        .map(str::to_string)
}

#[test]
fn sarif_repository_uri_is_a_url_or_nothing() {
    assert_eq!(repository_uri(r"C:\repos\app"), None);
    assert_eq!(repository_uri("C:/repos/app"), None);
    assert_eq!(repository_uri("/srv/git/app.git"), None);
    assert_eq!(
        repository_uri("https://ci:s3cr3t@git.example.com/team/app.git?token=abc").as_deref(),
        Some("https://git.example.com/team/app.git")
    );
    assert_eq!(
        repository_uri("git@github.com:team/app.git").as_deref(),
        Some("ssh://github.com/team/app.git")
    );
}
