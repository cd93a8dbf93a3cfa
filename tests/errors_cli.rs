//! Errors a user meets at the command line: each says what went wrong once,
//! with a hint that fits the command, exits 2, and spoils no more of the run
//! than it must.

mod common;

use common::{git, json_of, new_repo, skyscan};
use predicates::prelude::*;

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
