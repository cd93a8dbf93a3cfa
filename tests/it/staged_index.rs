//! `skyscan staged` reads git's index file itself and skips directories the
//! index's cache-tree says are unchanged. These tests hold that reader to
//! `git diff --cached` on index versions 2, 3 and 4, with and without a
//! cache-tree, through additions, edits, deletions, mode and type changes,
//! intent-to-add entries and merge conflicts; read a split index; and check
//! that an index it cannot read is an error that says why.

use crate::common;

use std::path::Path;
use std::process::Command as StdCommand;

use crate::common::{
    commit_dated, git, git_with_env, json_of, new_repo, plant_key, skyscan, write_file,
};
use skyscan::git::index::{decode, staged_changes, Change};

const SHA1: gix::hash::Kind = gix::hash::Kind::Sha1;

/// The repository at `dir` and its HEAD's tree (`None` on an unborn branch).
fn open_with_head(dir: &Path) -> (gix::Repository, Option<gix::ObjectId>) {
    let repo = gix::open(dir).unwrap();
    let head = repo.head_tree_id().ok().map(|id| id.detach());
    (repo, head)
}

/// The changes the reader finds in index bytes `data`.
fn changes_in(repo: &gix::Repository, data: &[u8], head: Option<gix::ObjectId>) -> Vec<Change> {
    let state = decode(data, SHA1).unwrap();
    staged_changes(repo, &state, head).unwrap()
}

/// What git says is staged (added, modified, type-changed): sorted
/// `(path, mode, id)`.
pub(crate) fn git_staged(dir: &Path) -> Vec<(String, u32, String)> {
    let raw = git_with_env(
        dir,
        &[
            "diff",
            "--cached",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "-z",
        ],
        &[],
    );
    let fields: Vec<&str> = raw.split('\0').filter(|f| !f.is_empty()).collect();
    let mut staged = Vec::new();
    for pair in fields.chunks(2) {
        // :old_mode new_mode old_id new_id status
        let meta: Vec<&str> = pair[0].trim_start_matches(':').split(' ').collect();
        if matches!(meta[4], "A" | "M" | "T") {
            let mode = u32::from_str_radix(meta[1], 8).unwrap();
            staged.push((pair[1].to_string(), mode, meta[3].to_string()));
        }
    }
    staged.sort();
    staged
}

pub(crate) fn as_tuples(changes: Vec<Change>) -> Vec<(String, u32, String)> {
    let mut out: Vec<_> = changes
        .into_iter()
        .map(|c| (String::from_utf8(c.path).unwrap(), c.mode, c.id.to_string()))
        .collect();
    out.sort();
    out
}

/// The index file without its cache-tree extension (the checksum is left
/// stale: the reader does not check it, as git does not).
fn without_cache_tree(index: &[u8]) -> Vec<u8> {
    let count = u32::from_be_bytes(index[8..12].try_into().unwrap()) as usize;
    let version = u32::from_be_bytes(index[4..8].try_into().unwrap());
    assert_ne!(version, 4, "only fixed-layout entries are walked here");
    let mut at = 12;
    for _ in 0..count {
        let flags = u16::from_be_bytes([index[at + 60], index[at + 61]]);
        let start = at + 62 + if flags & 0x4000 != 0 { 2 } else { 0 };
        let nul = index[start..].iter().position(|&b| b == 0).unwrap();
        let len = start + nul - at;
        at += (len + 8) / 8 * 8;
    }
    let mut out = index[..at].to_vec();
    let end = index.len() - 20;
    while at < end {
        let size = u32::from_be_bytes(index[at + 4..at + 8].try_into().unwrap()) as usize;
        if &index[at..at + 4] != b"TREE" {
            out.extend_from_slice(&index[at..at + 8 + size]);
        }
        at += 8 + size;
    }
    out.extend_from_slice(&index[end..]);
    out
}

/// The reader agrees with git on the repository's index, in every index
/// version, and without the cache-tree too.
fn assert_agrees_with_git(dir: &Path, what: &str) {
    let (repo, head) = open_with_head(dir);
    let expected = git_staged(dir);
    for version in ["2", "3", "4"] {
        git(dir, &["update-index", "--index-version", version]);
        let data = std::fs::read(dir.join(".git/index")).unwrap();
        let got = changes_in(&repo, &data, head);
        assert_eq!(as_tuples(got), expected, "{what}, index v{version}");
        if version != "4" && data.windows(4).any(|w| w == b"TREE") {
            let bare = without_cache_tree(&data);
            assert!(bare.len() < data.len());
            let got = changes_in(&repo, &bare, head);
            assert_eq!(
                as_tuples(got),
                expected,
                "{what}, v{version} without cache-tree"
            );
        }
    }
}

#[test]
fn index_reader_matches_git_diff_cached() {
    let repo = new_repo();
    let dir = repo.path();
    for (path, text) in [
        ("README.md", "hi\n"),
        ("a/b/c.py", "print(1)\n"),
        ("a/b/d.py", "print(2)\n"),
        ("a/b.py", "x = 1\n"),
        ("a.txt", "sorts between a and a/\n"),
        ("d/e.py", "gone soon\n"),
        ("f.sh", "echo\n"),
        ("g", "a file that becomes a directory\n"),
        ("k/l.py", "a directory that becomes a file\n"),
        ("z/deep/er/still/x.py", "deep\n"),
    ] {
        write_file(dir, path, text);
    }
    git(dir, &["add", "."]);
    assert_agrees_with_git(dir, "unborn branch");
    assert_eq!(git_staged(dir).len(), 10);
    commit_dated(dir, "init", 3);
    assert_agrees_with_git(dir, "nothing staged");
    assert!(git_staged(dir).is_empty());

    // A commit undone with `reset --soft`: the cache-tree is whole and
    // matches the index, but not HEAD.
    write_file(dir, "z/deep/er/still/x.py", "deeper\n");
    git(dir, &["add", "."]);
    commit_dated(dir, "undone", 3);
    git(dir, &["reset", "-q", "--soft", "HEAD~1"]);
    assert_agrees_with_git(dir, "after reset --soft");
    assert_eq!(git_staged(dir).len(), 1);
    git(dir, &["reset", "-q", "--hard"]);

    write_file(dir, "a/b/c.py", "print('changed')\n");
    write_file(dir, "x/y/z.py", "new\n");
    git(dir, &["rm", "-q", "d/e.py"]);
    std::fs::remove_file(dir.join("g")).unwrap();
    write_file(dir, "g/h.py", "now inside a directory\n");
    std::fs::remove_dir_all(dir.join("k")).unwrap();
    write_file(dir, "k", "now a file\n");
    std::os::unix::fs::symlink("README.md", dir.join("link")).unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["update-index", "--chmod=+x", "f.sh"]);
    // Staged, then edited again: the staged version counts.
    write_file(dir, "a/b/d.py", "print('staged')\n");
    git(dir, &["add", "a/b/d.py"]);
    write_file(dir, "a/b/d.py", "print('not staged')\n");
    write_file(dir, "later.py", "intent to add\n");
    git(dir, &["add", "-N", "later.py"]);
    assert_agrees_with_git(dir, "mixed changes");
    let staged = git_staged(dir);
    for path in [
        "a/b/c.py", "a/b/d.py", "x/y/z.py", "g/h.py", "k", "link", "f.sh",
    ] {
        assert!(staged.iter().any(|s| s.0 == path), "{path}: {staged:?}");
    }
    assert!(!staged.iter().any(|s| s.0 == "later.py"));

    // A merge conflict: its stages are not staged content.
    std::fs::remove_file(dir.join("later.py")).unwrap();
    git(dir, &["rm", "-q", "--cached", "later.py"]);
    commit_dated(dir, "second", 2);
    git(dir, &["reset", "-q", "--hard"]);
    git(dir, &["checkout", "-q", "-b", "other", "HEAD~1"]);
    write_file(dir, "README.md", "theirs\n");
    git(dir, &["commit", "-qam", "theirs"]);
    git(dir, &["checkout", "-q", "main"]);
    write_file(dir, "README.md", "ours\n");
    write_file(dir, "a/b.py", "x = 2\n");
    git(dir, &["commit", "-qam", "ours"]);
    let merge = StdCommand::new("git")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args(["merge", "-q", "other"])
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(!merge.status.success(), "the merge conflicts");
    write_file(dir, "new_in_merge.py", "x\n");
    git(dir, &["add", "new_in_merge.py"]);
    assert_agrees_with_git(dir, "conflicted merge");
}

#[test]
fn staged_scan_finds_keys_through_the_cache_tree_and_a_split_index() {
    let repo = new_repo();
    let dir = repo.path();
    for i in 0..30 {
        write_file(dir, &format!("pkg{}/mod{i}/code.py", i % 3), "print(1)\n");
    }
    git(dir, &["add", "."]);
    commit_dated(dir, "init", 1);
    let staged_keys = |dir: &Path| {
        let out = skyscan()
            .args(["staged", "--format", "json"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            !out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            out.status.code(),
            common::finding_paths(&json_of(&out), None),
        )
    };
    assert_eq!(staged_keys(dir), (Some(0), vec![]));
    plant_key(&dir.join("pkg1/mod4/code.py"));
    plant_key(&dir.join("pkg2/new.py"));
    git(dir, &["add", "."]);
    let index = std::fs::read(dir.join(".git/index")).unwrap();
    assert!(
        index.windows(4).any(|w| w == b"TREE"),
        "git wrote a cache-tree"
    );
    let expected = (
        Some(1),
        vec!["pkg1/mod4/code.py".to_string(), "pkg2/new.py".to_string()],
    );
    assert_eq!(staged_keys(dir), expected);

    // A split index: the scan reads it through its shared part; the bytes
    // of the split part alone are not an index the reader takes.
    git(dir, &["update-index", "--split-index"]);
    assert!(std::fs::read_dir(dir.join(".git")).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with("sharedindex.")));
    let data = std::fs::read(dir.join(".git/index")).unwrap();
    let err = decode(&data, SHA1).unwrap_err();
    assert!(err.to_string().contains("split index"), "{err}");
    assert_eq!(staged_keys(dir), expected);
    git(dir, &["update-index", "--no-split-index"]);
    assert_eq!(staged_keys(dir), expected);

    // A corrupt index is an error, not an empty result.
    let mut broken = std::fs::read(dir.join(".git/index")).unwrap();
    broken.truncate(broken.len() / 2);
    std::fs::write(dir.join(".git/index"), broken).unwrap();
    skyscan()
        .args(["staged"])
        .current_dir(dir)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(".git/index"));
}

/// Truncated or damaged index files are refused or read, never a panic.
#[test]
fn damaged_indexes_do_not_panic() {
    let repo = new_repo();
    let dir = repo.path();
    for i in 0..12 {
        write_file(dir, &format!("d{}/f{i}.py", i % 4), "x = 1\n");
    }
    git(dir, &["add", "."]);
    commit_dated(dir, "init", 1);
    write_file(dir, "d1/f1.py", "x = 2\n");
    git(dir, &["add", "."]);
    let (repo, head) = open_with_head(dir);
    // Whatever decodes is compared with HEAD: errors are fine, panics not.
    let try_read = |data: &[u8]| {
        if let Ok(state) = decode(data, SHA1) {
            let _ = staged_changes(&repo, &state, head);
        }
    };
    for version in ["2", "4"] {
        git(dir, &["update-index", "--index-version", version]);
        let data = std::fs::read(dir.join(".git/index")).unwrap();
        assert_eq!(changes_in(&repo, &data, head).len(), 1);
        for cut in 0..data.len() {
            try_read(&data[..cut]);
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut bad = data.clone();
            let at = (state % bad.len() as u64) as usize;
            bad[at] = (state >> 32) as u8;
            try_read(&bad);
        }
    }
}
