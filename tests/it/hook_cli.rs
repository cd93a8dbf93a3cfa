//! `skyscan hook install|uninstall` end to end: the installed hook refuses
//! a commit that adds a key and lets a clean commit through without a word;
//! uninstall removes only a hook skyscan wrote.

use std::path::Path;
use std::process::Command as StdCommand;

use crate::common::{fake_key, git, new_repo, skyscan};
use predicates::prelude::*;

/// `git commit` with the hook active and the test binary as `skyscan`.
fn commit(dir: &Path, message: &str) -> std::process::Output {
    StdCommand::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(["-c", "commit.gpgsign=false", "commit", "-q", "-m", message])
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("SKYSCAN", assert_cmd::cargo::cargo_bin("skyscan"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn installed_hook_blocks_keys_and_passes_clean_commits() {
    let repo = new_repo();
    let dir = repo.path();
    skyscan()
        .args(["hook", "install"])
        .current_dir(dir)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("installed"));
    let hook = std::fs::read_to_string(dir.join(".git/hooks/pre-commit")).unwrap();
    assert!(hook.contains("skyscan") && hook.contains("staged"));

    std::fs::write(dir.join("README.md"), "hello\n").unwrap();
    git(dir, &["add", "."]);
    let out = commit(dir, "clean");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A clean commit is a quiet one.
    assert_eq!(
        String::from_utf8_lossy(&[out.stdout, out.stderr].concat()),
        ""
    );

    let key = fake_key("sk-");
    std::fs::write(
        dir.join("client.py"),
        format!("SKYTELLS_API_KEY = '{key}'\n"),
    )
    .unwrap();
    git(dir, &["add", "."]);
    let out = commit(dir, "add key");
    assert!(!out.status.success(), "the hook let a key through");
    let printed = String::from_utf8_lossy(&[out.stdout, out.stderr].concat()).into_owned();
    assert!(printed.contains("skytells-api-key"), "{printed}");
    assert!(!printed.contains(&key));
    // Nothing was committed.
    let log = StdCommand::new("git")
        .args(["log", "--oneline"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1);
}

#[test]
fn foreign_hook_is_kept_unless_forced() {
    let repo = new_repo();
    let dir = repo.path();
    let hook = dir.join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, "#!/bin/sh\necho mine\n").unwrap();
    skyscan()
        .args(["hook", "install"])
        .current_dir(dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    skyscan()
        .args(["hook", "install", "--force"])
        .current_dir(dir)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("replaced"));
    // Ours can be updated without --force.
    skyscan()
        .args(["hook", "install"])
        .current_dir(dir)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("updated"));
    let outside = tempfile::tempdir().unwrap();
    skyscan()
        .args(["hook", "install"])
        .current_dir(outside.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a git repository"));
}

#[test]
fn uninstall_removes_only_a_hook_skyscan_wrote() {
    let repo = new_repo();
    let dir = repo.path();
    let hook = dir.join(".git/hooks/pre-commit");
    skyscan()
        .args(["hook", "install"])
        .current_dir(dir)
        .assert()
        .code(0);
    assert!(hook.exists());
    skyscan()
        .args(["hook", "uninstall"])
        .current_dir(dir)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("removed"));
    assert!(!hook.exists());
    // Nothing to remove is no error.
    skyscan()
        .args(["hook", "uninstall", "."])
        .current_dir(dir)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("nothing to remove"));
    // Someone else's hook stays, byte for byte.
    std::fs::write(&hook, "#!/bin/sh\necho mine\n").unwrap();
    skyscan()
        .args(["hook", "uninstall"])
        .current_dir(dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not written by skyscan"));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    // Commits go on without a hook.
    std::fs::remove_file(&hook).unwrap();
    std::fs::write(dir.join("a.txt"), "a\n").unwrap();
    git(dir, &["add", "."]);
    assert!(commit(dir, "no hook").status.success());
}

/// In a linked work tree (`git worktree add`) the hook goes where git runs
/// it from, the hooks of the main repository, and guards commits there.
#[test]
fn hook_installed_from_a_linked_work_tree_guards_its_commits() {
    let repo = new_repo();
    let dir = repo.path();
    std::fs::write(dir.join("README.md"), "hello\n").unwrap();
    git(dir, &["add", "."]);
    crate::common::commit_dated(dir, "init", 1);
    let linked = tempfile::tempdir().unwrap();
    let linked = linked.path().join("feature");
    git(
        dir,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature",
            linked.to_str().unwrap(),
        ],
    );
    skyscan()
        .args(["hook", "install"])
        .current_dir(&linked)
        .assert()
        .code(0);
    assert!(dir.join(".git/hooks/pre-commit").is_file());
    let key = fake_key("sk-");
    std::fs::write(
        linked.join("app.py"),
        format!("SKYTELLS_API_KEY = '{key}'\n"),
    )
    .unwrap();
    git(&linked, &["add", "."]);
    let out = commit(&linked, "add key");
    assert!(!out.status.success(), "the hook let a key through");
    let printed = String::from_utf8_lossy(&[out.stdout, out.stderr].concat()).into_owned();
    assert!(printed.contains("skytells-api-key"), "{printed}");
}
