//! End-to-end tests of `skyscan history` and `skyscan staged` on small
//! repositories with planted history, built with the git CLI.

use crate::common;

use crate::common::{
    commit_dated, fake_key, git, git_with_env, json_of, new_repo, plant_key, skyscan,
};
use predicates::prelude::*;
use serde_json::Value;

fn history_json(dir: &std::path::Path, extra: &[&str]) -> (Option<i32>, Value) {
    let out = skyscan()
        .args(["history", ".", "--format", "json"])
        .args(extra)
        .current_dir(dir)
        .output()
        .unwrap();
    (out.status.code(), json_of(&out))
}

fn by_rule<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

#[test]
fn deleted_key_is_reported_as_still_in_history() {
    let repo = new_repo();
    let dir = repo.path();
    let key = fake_key("sk-");
    std::fs::write(
        dir.join("config.py"),
        format!("SKYTELLS_API_KEY = '{key}'\n"),
    )
    .unwrap();
    git(dir, &["add", "config.py"]);
    let added = commit_dated(dir, "add key", 10);
    std::fs::remove_file(dir.join("config.py")).unwrap();
    git(dir, &["add", "-A"]);
    commit_dated(dir, "remove key", 5);

    let (code, report) = history_json(dir, &[]);
    assert_eq!(code, Some(1));
    let sc1 = by_rule(&report, "skytells-api-key");
    assert_eq!(sc1.len(), 1);
    assert_eq!(sc1[0]["path"], "config.py");
    assert_eq!(sc1[0]["provenance"]["commit"], added.as_str());
    assert_eq!(sc1[0]["provenance"]["author"], "Test");
    assert_eq!(sc1[0]["occurrences"], 1);
    let sc7 = by_rule(&report, "key-only-in-history");
    assert_eq!(sc7.len(), 1, "{report}");
    assert_eq!(sc7[0]["checklist"], "SC7");
    assert!(sc7[0]["message"].as_str().unwrap().contains("revoke"));
    // Still present at HEAD: no SC7, and too young for SC6.
    assert!(by_rule(&report, "key-rotation-overdue").is_empty());
    let status = |id: &str| {
        report["checklist"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("SC7"), "fail");
    assert_eq!(status("SC6"), "pass");
    // TLS settings are judged on the working tree, not in history.
    assert_eq!(status("SC5"), "not-checked");
    let text = report.to_string();
    assert!(!text.contains(&key), "history output leaks the key");
}

#[test]
fn key_kept_at_head_is_not_history_only() {
    let repo = new_repo();
    let dir = repo.path();
    let key = fake_key("sk-");
    std::fs::write(dir.join("a.py"), format!("SKYTELLS_API_KEY = '{key}'\n")).unwrap();
    git(dir, &["add", "a.py"]);
    commit_dated(dir, "add", 3);
    let (_, report) = history_json(dir, &[]);
    assert_eq!(by_rule(&report, "skytells-api-key").len(), 1);
    assert!(by_rule(&report, "key-only-in-history").is_empty());
}

#[test]
fn old_key_at_head_is_overdue_for_rotation() {
    let repo = new_repo();
    let dir = repo.path();
    let key = fake_key("sk_live_");
    std::fs::write(dir.join("settings.rb"), format!("SKYTELLS_KEY = '{key}'\n")).unwrap();
    git(dir, &["add", "."]);
    let first = commit_dated(dir, "old key", 200);
    std::fs::write(dir.join("README.md"), "docs\n").unwrap();
    git(dir, &["add", "."]);
    commit_dated(dir, "docs", 1);

    let (code, report) = history_json(dir, &[]);
    assert_eq!(code, Some(1));
    let sc6 = by_rule(&report, "key-rotation-overdue");
    assert_eq!(sc6.len(), 1, "{report}");
    assert_eq!(sc6[0]["checklist"], "SC6");
    assert_eq!(sc6[0]["provenance"]["commit"], first.as_str());
    assert!(sc6[0]["message"].as_str().unwrap().contains("200 days old"));
    // The threshold is configurable.
    let (_, report) = history_json(dir, &["--max-key-age", "365"]);
    assert!(by_rule(&report, "key-rotation-overdue").is_empty());
}

#[test]
fn env_file_ever_committed_is_reported() {
    let repo = new_repo();
    let dir = repo.path();
    std::fs::write(dir.join(".env"), "DEBUG=1\n").unwrap();
    git(dir, &["add", ".env"]);
    let added = commit_dated(dir, "oops", 30);
    git(dir, &["rm", "-q", ".env"]);
    std::fs::write(dir.join(".gitignore"), ".env\n").unwrap();
    git(dir, &["add", ".gitignore"]);
    commit_dated(dir, "ignore env", 29);

    let (code, report) = history_json(dir, &[]);
    assert_eq!(code, Some(1));
    let env = by_rule(&report, "committed-env-file");
    assert_eq!(env.len(), 1);
    assert_eq!(env[0]["path"], ".env");
    assert_eq!(env[0]["provenance"]["commit"], added.as_str());
    // The working tree is clean: `scan` has nothing to say about it.
    skyscan()
        .args(["scan", "."])
        .current_dir(dir)
        .assert()
        .code(0);
}

#[test]
fn one_secret_in_many_commits_is_one_finding_with_a_count() {
    let repo = new_repo();
    let dir = repo.path();
    let key = fake_key("sk-");
    let mut first = String::new();
    for n in 0..4 {
        std::fs::write(
            dir.join("client.py"),
            format!("# revision {n}\nSKYTELLS_API_KEY = '{key}'\n"),
        )
        .unwrap();
        git(dir, &["add", "."]);
        let c = commit_dated(dir, &format!("rev {n}"), 20 - n);
        if n == 0 {
            first = c;
        }
    }
    let (_, report) = history_json(dir, &[]);
    let sc1 = by_rule(&report, "skytells-api-key");
    assert_eq!(sc1.len(), 1, "{report}");
    assert_eq!(sc1[0]["occurrences"], 4);
    assert_eq!(sc1[0]["provenance"]["commit"], first.as_str());
    assert_eq!(sc1[0]["line"], 2);
}

#[test]
fn sarif_carries_provenance() {
    let repo = new_repo();
    let dir = repo.path();
    git(
        dir,
        &[
            "remote",
            "add",
            "origin",
            "https://user:hunter2@example.com/acme/app.git",
        ],
    );
    let key = fake_key("sk-");
    std::fs::write(dir.join("k.py"), format!("SKYTELLS_API_KEY = '{key}'\n")).unwrap();
    git(dir, &["add", "."]);
    let c = commit_dated(dir, "k", 2);
    let out = skyscan()
        .args(["history", ".", "--format", "sarif"])
        .current_dir(dir)
        .output()
        .unwrap();
    let doc = json_of(&out);
    let run = &doc["runs"][0];
    let vcp = &run["versionControlProvenance"][0];
    assert_eq!(vcp["repositoryUri"], "https://example.com/acme/app.git");
    assert_eq!(vcp["revisionId"], c.as_str());
    let result = &run["results"][0];
    assert_eq!(result["properties"]["commit"], c.as_str());
    assert_eq!(result["properties"]["occurrences"], 1);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hunter2"));
}

#[test]
fn range_and_since_limit_the_commits() {
    let repo = new_repo();
    let dir = repo.path();
    plant_key(&dir.join("a.py"));
    git(dir, &["add", "."]);
    let old = commit_dated(dir, "old", 400);
    plant_key(&dir.join("b.py"));
    git(dir, &["add", "."]);
    commit_dated(dir, "new", 1);
    let paths = |report: &Value| common::finding_paths(report, Some("skytells-api-key"));
    assert_eq!(paths(&history_json(dir, &[]).1), ["a.py", "b.py"]);
    let range = format!("{old}..HEAD");
    assert_eq!(paths(&history_json(dir, &["--range", &range]).1), ["b.py"]);
    let since = "2000-01-01";
    assert_eq!(
        paths(&history_json(dir, &["--since", since]).1),
        ["a.py", "b.py"]
    );
    let month_ago = skyscan::time::rfc3339(skyscan::time::now() - 30 * 86_400);
    assert_eq!(
        paths(&history_json(dir, &["--since", &month_ago[..10]]).1),
        ["b.py"]
    );
    skyscan()
        .args(["history", ".", "--since", "last tuesday"])
        .current_dir(dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--since"));
    skyscan()
        .args(["history", ".", "--range", "nope..HEAD"])
        .current_dir(dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--range"));
}

#[test]
fn history_errors_are_clear() {
    let plain = tempfile::tempdir().unwrap();
    skyscan()
        .args(["history", "."])
        .current_dir(plain.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a git repository"));
    let empty = new_repo();
    skyscan()
        .args(["history", "."])
        .current_dir(empty.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("no commits"));
    skyscan()
        .args(["history", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("path not found"));
}

#[test]
fn shallow_clone_is_scanned_with_a_warning() {
    let repo = new_repo();
    let dir = repo.path();
    for n in 0..3 {
        std::fs::write(dir.join("f.txt"), format!("{n}\n")).unwrap();
        git(dir, &["add", "."]);
        commit_dated(dir, "c", 5 - n);
    }
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.display());
    git(
        clones.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    skyscan()
        .args(["history", "shallow"])
        .current_dir(clones.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("shallow clone"));
}

#[test]
fn corrupt_object_is_reported_and_the_scan_goes_on() {
    let repo = new_repo();
    let dir = repo.path();
    std::fs::write(dir.join("victim.txt"), "some text that will go missing\n").unwrap();
    plant_key(&dir.join("k.py"));
    git(dir, &["add", "."]);
    commit_dated(dir, "c", 1);
    let blob = git_with_env(dir, &["rev-parse", "HEAD:victim.txt"], &[]);
    let object = dir.join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    std::fs::remove_file(object).unwrap();
    let out = skyscan()
        .args(["history", ".", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&blob) && stderr.contains("victim.txt"),
        "{stderr}"
    );
    assert_eq!(by_rule(&json_of(&out), "skytells-api-key").len(), 1);
}

#[test]
fn staged_scans_the_index_not_the_working_tree() {
    let repo = new_repo();
    let dir = repo.path();
    std::fs::write(dir.join("app.py"), "print('hello')\n").unwrap();
    git(dir, &["add", "."]);
    commit_dated(dir, "init", 1);
    let key = fake_key("sk-");

    // Key only in the working tree: the commit would be clean.
    std::fs::write(dir.join("app.py"), format!("SKYTELLS_API_KEY = '{key}'\n")).unwrap();
    skyscan().args(["staged"]).current_dir(dir).assert().code(0);

    // Key staged, working tree reverted: the commit would carry the key.
    git(dir, &["add", "app.py"]);
    std::fs::write(dir.join("app.py"), "print('hello')\n").unwrap();
    let out = skyscan()
        .args(["staged", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(by_rule(&report, "skytells-api-key").len(), 1);
    assert_eq!(report["mode"], "staged");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&key));
}

#[test]
fn staged_honours_git_index_file_and_env_files() {
    let repo = new_repo();
    let dir = repo.path();
    std::fs::write(dir.join("README.md"), "hi\n").unwrap();
    git(dir, &["add", "."]);
    commit_dated(dir, "init", 1);
    std::fs::write(dir.join(".env.production"), "DEBUG=0\n").unwrap();
    let alt = dir.join(".git/alt-index");
    std::fs::copy(dir.join(".git/index"), &alt).unwrap();
    git_with_env(
        dir,
        &["add", ".env.production"],
        &[("GIT_INDEX_FILE", alt.to_str().unwrap())],
    );
    // The default index has nothing staged.
    skyscan().args(["staged"]).current_dir(dir).assert().code(0);
    let out = skyscan()
        .args(["staged", "--format", "json"])
        .env("GIT_INDEX_FILE", &alt)
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(
        by_rule(&report, "committed-env-file")[0]["path"],
        ".env.production"
    );
    skyscan()
        .args(["staged"])
        .env("GIT_INDEX_FILE", "/nonexistent/index")
        .current_dir(dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("GIT_INDEX_FILE"));
}

/// Objects git reaches without a commit of any branch: an annotated tag of
/// a blob and of a tree, a ref straight to a blob, and commits only a
/// detached HEAD reaches, in a linked worktree and in the main one. The
/// scan finds them all, from either worktree.
#[test]
fn history_scans_what_tags_refs_and_detached_heads_reach() {
    let repo = new_repo();
    let dir = repo.path();
    plant_key(&dir.join("a.py"));
    git(dir, &["add", "a.py"]);
    git(dir, &["commit", "-qm", "base"]);
    // A blob and a tree that no commit holds.
    plant_key(&dir.join("loose.txt"));
    let blob = git_with_env(dir, &["hash-object", "-w", "loose.txt"], &[]);
    git(dir, &["tag", "-a", "-m", "t", "tag-blob", &blob]);
    plant_key(&dir.join("loose.txt"));
    let other_blob = git_with_env(dir, &["hash-object", "-w", "loose.txt"], &[]);
    git(dir, &["update-ref", "refs/blobref", &other_blob]);
    let index = dir.join("tree-index");
    let index = [("GIT_INDEX_FILE", index.to_str().unwrap())];
    plant_key(&dir.join("x.py"));
    git_with_env(dir, &["add", "x.py"], &index);
    let tree = git_with_env(dir, &["write-tree"], &index);
    git(dir, &["tag", "-a", "-m", "t", "tag-tree", &tree]);
    std::fs::remove_file(dir.join("x.py")).unwrap();
    std::fs::remove_file(dir.join("loose.txt")).unwrap();
    // A commit only the linked worktree's detached HEAD reaches...
    let linked = tempfile::tempdir().unwrap();
    let wt = linked.path().join("wt");
    git(
        dir,
        &["worktree", "add", "-q", "--detach", wt.to_str().unwrap()],
    );
    plant_key(&wt.join("w.py"));
    git(&wt, &["add", "w.py"]);
    git(&wt, &["commit", "-qm", "in the linked worktree"]);
    // ...and one only the main worktree's detached HEAD reaches.
    git(dir, &["checkout", "-q", "--detach"]);
    plant_key(&dir.join("d.py"));
    git(dir, &["add", "d.py"]);
    git(dir, &["commit", "-qm", "detached"]);

    for from in [dir, wt.as_path()] {
        let (code, report) = history_json(from, &[]);
        assert_eq!(code, Some(1), "{report}");
        let found = by_rule(&report, "skytells-api-key");
        let mut paths: Vec<&str> = found.iter().map(|f| f["path"].as_str().unwrap()).collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            [
                "a.py",
                "d.py",
                "refs/blobref",
                "refs/tags/tag-blob",
                "w.py",
                "x.py"
            ],
            "from {}",
            from.display()
        );
        // What no commit holds names the ref that reaches it instead.
        let tagged = found.iter().find(|f| f["path"] == "x.py").unwrap();
        assert_eq!(tagged["provenance"]["ref"], "refs/tags/tag-tree");
        assert!(tagged["provenance"].get("commit").is_none(), "{tagged}");
        assert!(tagged["message"].as_str().unwrap().contains("in no commit"));
    }
}

/// A window (`--range`, `--since`) reports what its commits introduced
/// against their parents, at the commit that introduced it: not a key its
/// boundary parent already held, and a key re-added inside it although an
/// older commit held the same blob.
#[test]
fn a_window_reports_what_its_commits_introduced() {
    let repo = new_repo();
    let dir = repo.path();
    plant_key(&dir.join("config.py"));
    git(dir, &["add", "config.py"]);
    commit_dated(dir, "key added", 400);
    git(dir, &["branch", "feature"]);
    std::fs::write(dir.join("config.py"), "import os\n").unwrap();
    git(dir, &["add", "config.py"]);
    commit_dated(dir, "key removed on main", 300);
    // The feature branch touches another file only: its parent holds the
    // key, which main no longer does.
    git(dir, &["checkout", "-q", "feature"]);
    std::fs::write(dir.join("b.py"), "print(1)\n").unwrap();
    git(dir, &["add", "b.py"]);
    commit_dated(dir, "feature", 200);
    let (code, report) = history_json(dir, &["--range", "main..feature"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(by_rule(&report, "skytells-api-key").is_empty(), "{report}");

    // Back on main, the removal is reverted long after: the same blob
    // comes back inside a --since window.
    git(dir, &["checkout", "-q", "main"]);
    git(dir, &["checkout", "feature~0", "--", "config.py"]);
    let revert = commit_dated(dir, "key back", 10);
    let since = skyscan::time::rfc3339(skyscan::time::now() - 30 * 86_400);
    for window in [
        vec!["--since", &since[..10]],
        vec!["--range", "HEAD~1..HEAD"],
    ] {
        let (code, report) = history_json(dir, &window);
        assert_eq!(code, Some(1), "{window:?}: {report}");
        let found = by_rule(&report, "skytells-api-key");
        assert_eq!(found.len(), 1, "{window:?}: {report}");
        assert_eq!(found[0]["provenance"]["commit"], revert.as_str());
    }
}

#[test]
fn all_objects_scans_what_no_ref_reaches() {
    let repo = new_repo();
    let dir = repo.path();
    std::fs::write(dir.join("a.py"), "x = 1\n").unwrap();
    git(dir, &["add", "a.py"]);
    git(dir, &["commit", "-qm", "base"]);
    // A commit that a reset (a force-push, on a server) left behind...
    plant_key(&dir.join("leak.py"));
    git(dir, &["add", "leak.py"]);
    git(dir, &["commit", "-qm", "leak"]);
    let dropped = git_with_env(dir, &["rev-parse", "HEAD"], &[]);
    git(dir, &["reset", "-q", "--hard", "HEAD~1"]);
    git(dir, &["reflog", "expire", "--expire=now", "--all"]);
    // ...and a blob that no commit names.
    plant_key(&dir.join("loose.txt"));
    let blob = git_with_env(dir, &["hash-object", "-w", "loose.txt"], &[]);
    std::fs::remove_file(dir.join("loose.txt")).unwrap();

    let (code, report) = history_json(dir, &[]);
    assert_eq!(code, Some(0), "{report}");
    assert!(by_rule(&report, "skytells-api-key").is_empty(), "{report}");

    let (code, report) = history_json(dir, &["--all-objects"]);
    assert_eq!(code, Some(1), "{report}");
    let found = by_rule(&report, "skytells-api-key");
    assert_eq!(found.len(), 2, "{report}");
    let commit = found.iter().find(|f| f["path"] == "leak.py").unwrap();
    assert_eq!(commit["provenance"]["ref"], "unreachable");
    assert_eq!(commit["provenance"]["commit"], dropped.as_str());
    assert!(commit["message"]
        .as_str()
        .unwrap()
        .contains("a commit that no ref reaches"));
    let loose = found.iter().find(|f| f["path"] == blob.as_str()).unwrap();
    assert_eq!(loose["provenance"]["ref"], "unreachable");
    assert!(loose["provenance"].get("commit").is_none(), "{loose}");

    // The same once git has packed everything, unreachable objects included.
    git(dir, &["repack", "-adq", "--keep-unreachable"]);
    let (_, packed) = history_json(dir, &["--all-objects"]);
    assert_eq!(by_rule(&packed, "skytells-api-key").len(), 2, "{packed}");

    // A window is about commits: --all-objects does not go with it.
    skyscan()
        .args(["history", ".", "--all-objects", "--since", "2020-01-01"])
        .current_dir(dir)
        .assert()
        .code(2);
}
