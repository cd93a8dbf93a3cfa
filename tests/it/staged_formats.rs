//! `skyscan staged` on the repository and index formats git writes beyond
//! the plain one: a SHA-256 repository, a split index (entries in the
//! split part and in the shared part, the shared part found from a
//! `GIT_INDEX_FILE` elsewhere), a sparse index (a directory outside the
//! cone held as one entry, unchanged or with a tree that differs from
//! HEAD's), a SHA-256 repository with a split index, an index that cannot
//! be read, and staged blobs over the size cap, loose and packed. Each runs the binary, checks the findings and the exit
//! code, and that a key committed earlier (unchanged) is not reported; the
//! library's list of staged files is held to `git diff --cached` as well.

use std::path::Path;

use crate::common::{commit_dated, git, git_with_env, json_of, plant_key, skyscan, write_file};
use crate::staged_index::{as_tuples, git_staged};
use skyscan::git::index;

const RULE: &str = "skytells-api-key";

/// A repository in a fresh directory, its objects named with `format`
/// (`sha1` or `sha256`), holding some files, and a key committed in
/// `old/committed.py`, which a staged scan must not report (it is not
/// staged).
fn repo_with_history(format: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    git(path, &["init", "-q", &format!("--object-format={format}")]);
    assert_eq!(
        git_with_env(path, &["rev-parse", "--show-object-format"], &[]),
        format
    );
    for i in 0..24 {
        write_file(path, &format!("lib{}/m{i}.py", i % 4), "print(1)\n");
    }
    plant(path, "old/committed.py");
    git(path, &["add", "."]);
    commit_dated(path, "init", 2);
    dir
}

/// `(rule, path)` of what `skyscan staged` reports in `dir` (with `env`),
/// after checking it exits with 1.
fn staged_findings(dir: &Path, env: &[(&str, &str)]) -> Vec<(String, String)> {
    let out = skyscan()
        .args(["staged", "--format", "json"])
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    crate::common::assert_exit(&out, 1);
    let report = json_of(&out);
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let field = |name: &str| f[name].as_str().unwrap().to_string();
            (field("rule_id"), field("path"))
        })
        .collect();
    found.sort();
    found
}

/// A fresh key at `rel` under `dir` (its directories created).
fn plant(dir: &Path, rel: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    plant_key(&path);
}

fn key_at(paths: &[&str]) -> Vec<(String, String)> {
    paths
        .iter()
        .map(|p| (RULE.to_string(), p.to_string()))
        .collect()
}

/// The library's staged files in `dir` (its own index) are git's.
fn assert_library_agrees_with_git(dir: &Path) {
    let repo = gix::open(dir).unwrap();
    let head = repo.head_tree_id().ok().map(|id| id.detach());
    let state = index::read(
        &repo.git_dir().join("index"),
        repo.git_dir(),
        repo.object_hash(),
    )
    .unwrap();
    let changes = index::staged_changes(&repo, &state, head).unwrap();
    assert_eq!(as_tuples(changes), git_staged(dir));
}

fn files_named(dir: &Path, prefix: &str) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .collect();
    found.sort();
    found
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn sha256_repository() {
    let repo = repo_with_history("sha256");
    let dir = repo.path();
    plant(dir, "lib2/m2.py");
    plant(dir, "new/key.py");
    git(dir, &["add", "."]);
    let index = std::fs::read(dir.join(".git/index")).unwrap();
    assert!(contains(&index, "TREE"), "git wrote a cache-tree");
    assert_library_agrees_with_git(dir);
    assert_eq!(
        staged_findings(dir, &[]),
        key_at(&["lib2/m2.py", "new/key.py"])
    );
}

/// A split index with `shared/key.py` in its shared part and
/// `split/key.py` in its split part.
fn split_index_repo(format: &str) -> tempfile::TempDir {
    let repo = repo_with_history(format);
    let dir = repo.path();
    plant(dir, "shared/key.py");
    git(dir, &["add", "."]);
    git(dir, &["update-index", "--split-index"]);
    plant(dir, "split/key.py");
    git(dir, &["add", "split"]);
    let shared = files_named(&dir.join(".git"), "sharedindex.");
    assert_eq!(shared.len(), 1, "one shared index: {shared:?}");
    let shared = std::fs::read(&shared[0]).unwrap();
    let split = std::fs::read(dir.join(".git/index")).unwrap();
    assert!(contains(&split, "link"), "the index is split");
    assert!(contains(&split, "split/key.py") && !contains(&shared, "split/key.py"));
    assert!(contains(&shared, "shared/key.py") && !contains(&split, "shared/key.py"));
    repo
}

/// Both keys of [`split_index_repo`] are found, one in each part.
fn assert_split_index_scans(format: &str) {
    let repo = split_index_repo(format);
    let dir = repo.path();
    assert_library_agrees_with_git(dir);
    assert_eq!(
        staged_findings(dir, &[]),
        key_at(&["shared/key.py", "split/key.py"])
    );
}

#[test]
fn split_index_with_keys_in_both_parts() {
    assert_split_index_scans("sha1");
}

#[test]
fn sha256_repository_with_a_split_index() {
    assert_split_index_scans("sha256");
}

/// git writes the split part of a `GIT_INDEX_FILE` outside the git
/// directory there, and its shared part in the git directory.
#[test]
fn split_index_named_by_git_index_file_elsewhere() {
    let repo = repo_with_history("sha1");
    let dir = repo.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let index = elsewhere.path().join("index");
    let index = index.to_str().unwrap();
    git(dir, &["config", "core.splitIndex", "true"]);
    let env = [("GIT_INDEX_FILE", index)];
    git_with_env(dir, &["read-tree", "HEAD"], &env);
    plant(dir, "temp/key.py");
    git_with_env(dir, &["add", "temp"], &env);
    assert!(files_named(elsewhere.path(), "sharedindex.").is_empty());
    assert!(!files_named(&dir.join(".git"), "sharedindex.").is_empty());
    assert!(contains(&std::fs::read(index).unwrap(), "link"));
    assert_eq!(staged_findings(dir, &env), key_at(&["temp/key.py"]));
}

/// A sparse checkout of `in/` with a sparse index: `out/` and `other/` are
/// one entry each. `out/` holds a committed key (unchanged).
fn sparse_repo() -> tempfile::TempDir {
    let repo = repo_with_history("sha1");
    let dir = repo.path();
    plant(dir, "out/sub/committed.py");
    write_file(dir, "in/a.py", "print(1)\n");
    write_file(dir, "other/b.py", "print(2)\n");
    git(dir, &["add", "."]);
    commit_dated(dir, "more", 1);
    git(
        dir,
        &["sparse-checkout", "init", "--cone", "--sparse-index"],
    );
    git(dir, &["sparse-checkout", "set", "in"]);
    assert!(!dir.join("out").exists(), "out/ is not checked out");
    repo
}

/// The sparse directory entries of the index at `dir`: `(path, tree id)`.
fn sparse_directories(dir: &Path) -> Vec<(String, String)> {
    let listing = git_with_env(dir, &["ls-files", "--sparse", "--stage"], &[]);
    listing
        .lines()
        .filter(|line| line.starts_with("040000 "))
        .map(|line| {
            let (meta, path) = line.split_once('\t').unwrap();
            let id = meta.split(' ').nth(1).unwrap();
            (path.to_string(), id.to_string())
        })
        .collect()
}

#[test]
fn sparse_index_key_inside_the_cone() {
    let repo = sparse_repo();
    let dir = repo.path();
    plant(dir, "in/deep/key.py");
    git(dir, &["add", "in"]);
    let sparse = sparse_directories(dir);
    let names: Vec<&str> = sparse.iter().map(|(p, _)| p.as_str()).collect();
    assert!(
        names.contains(&"out/") && names.contains(&"other/"),
        "{sparse:?}"
    );
    // `out/`, unchanged, holds a key that is not staged.
    let head_out = git_with_env(dir, &["rev-parse", "HEAD:out"], &[]);
    assert!(sparse.contains(&("out/".to_string(), head_out)));
    assert_library_agrees_with_git(dir);
    assert_eq!(staged_findings(dir, &[]), key_at(&["in/deep/key.py"]));
}

/// `git reset --soft` leaves the index as it was: a sparse directory
/// entry then holds the tree of the commit undone, not HEAD's. Only the
/// blobs that differ below it are staged.
#[test]
fn sparse_directory_whose_tree_differs_from_head() {
    let repo = sparse_repo();
    let dir = repo.path();
    // A commit that adds a key outside the cone, made before the sparse
    // checkout narrowed the work tree...
    git(dir, &["sparse-checkout", "disable"]);
    plant(dir, "out/sub/deeper/added.py");
    write_file(dir, "out/changed.py", "print('edited')\n");
    git(dir, &["add", "out"]);
    commit_dated(dir, "outside the cone", 0);
    git(
        dir,
        &["sparse-checkout", "init", "--cone", "--sparse-index"],
    );
    git(dir, &["sparse-checkout", "set", "in"]);
    // ...undone, with its changes left staged.
    git(dir, &["reset", "-q", "--soft", "HEAD~1"]);
    plant(dir, "in/key.py");
    git(dir, &["add", "in"]);
    let sparse = sparse_directories(dir);
    let head_out = git_with_env(dir, &["rev-parse", "HEAD:out"], &[]);
    let out = sparse
        .iter()
        .find(|(p, _)| p == "out/")
        .expect("out/ is sparse");
    assert_ne!(out.1, head_out, "out/ differs from HEAD's");
    let staged = git_staged(dir);
    let paths: Vec<&str> = staged.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        paths,
        ["in/key.py", "out/changed.py", "out/sub/deeper/added.py"]
    );
    assert_library_agrees_with_git(dir);
    assert_eq!(
        staged_findings(dir, &[]),
        key_at(&["in/key.py", "out/sub/deeper/added.py"])
    );
}

#[test]
fn unreadable_indexes_are_errors() {
    let repo = split_index_repo("sha1");
    let dir = repo.path();
    let shared = files_named(&dir.join(".git"), "sharedindex.");
    let name = shared[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let kept = std::fs::read(&shared[0]).unwrap();
    std::fs::remove_file(&shared[0]).unwrap();
    skyscan()
        .args(["staged"])
        .current_dir(dir)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(name.as_str()));
    std::fs::write(&shared[0], kept).unwrap();
    assert_eq!(staged_findings(dir, &[]).len(), 2);

    git(dir, &["update-index", "--no-split-index"]);
    let mut index = std::fs::read(dir.join(".git/index")).unwrap();
    // Entries promised that are not there.
    index[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
    std::fs::write(dir.join(".git/index"), &index).unwrap();
    skyscan()
        .args(["staged"])
        .current_dir(dir)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(".git/index"))
        .stdout("");
}

/// A staged blob over `--max-filesize` is skipped with a warning (its size
/// read from the object's header), loose or packed.
#[test]
fn staged_blobs_over_the_size_cap_are_skipped() {
    let repo = repo_with_history("sha256");
    let dir = repo.path();
    plant(dir, "small/key.py");
    plant(dir, "big/key.py");
    let big = dir.join("big/key.py");
    let mut text = std::fs::read_to_string(&big).unwrap();
    text.push_str(&"# padding\n".repeat(400));
    std::fs::write(&big, text).unwrap();
    git(dir, &["add", "."]);
    let scan = || {
        let out = skyscan()
            .args(["staged", "--format", "json", "--max-filesize", "1K"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let report = json_of(&out);
        let paths = crate::common::finding_paths(&report, Some(RULE));
        let warnings = report["warnings"].to_string();
        (paths, warnings)
    };
    let (paths, warnings) = scan();
    assert_eq!(paths, ["small/key.py"]);
    assert!(warnings.contains("big/key.py: skipped"), "{warnings}");
    git(dir, &["repack", "-a", "-d", "-q"]);
    git(dir, &["prune-packed"]);
    let loose = git_with_env(dir, &["count-objects"], &[]);
    assert!(loose.starts_with("0 objects"), "{loose}");
    assert_eq!(scan(), (paths, warnings));
}

/// An index whose cache-tree extension `TREE` is replaced by `nodes`
/// levels, each the only subdirectory of the one above (the checksum is
/// left as zeros: it is not verified on reads, by git or skyscan).
fn with_nested_cache_tree(index: &[u8], nodes: usize) -> Vec<u8> {
    let at = index
        .windows(4)
        .rposition(|w| w == b"TREE")
        .expect("git wrote a cache-tree");
    let mut tree = b"\0-1 1\n".to_vec();
    for level in 1..nodes {
        let children = if level + 1 == nodes { 0 } else { 1 };
        tree.extend(format!("d\0-1 {children}\n").into_bytes());
    }
    let mut out = index[..at].to_vec();
    out.extend(b"TREE");
    out.extend((tree.len() as u32).to_be_bytes());
    out.extend(tree);
    out.extend([0u8; 20]);
    out
}

/// A cache-tree nested deeper than any real tree is refused before it is
/// decoded (gitoxide decodes it one call per level): exit 2, no crash. One
/// nested as deep as real trees go is read.
#[test]
fn a_cache_tree_nested_beyond_any_real_tree_is_refused() {
    let repo = repo_with_history("sha1");
    let dir = repo.path();
    plant(dir, "new/key.py");
    git(dir, &["add", "."]);
    let index = std::fs::read(dir.join(".git/index")).unwrap();
    std::fs::write(dir.join(".git/index"), with_nested_cache_tree(&index, 200)).unwrap();
    assert_eq!(staged_findings(dir, &[]), key_at(&["new/key.py"]));
    std::fs::write(
        dir.join(".git/index"),
        with_nested_cache_tree(&index, 200_000),
    )
    .unwrap();
    skyscan()
        .args(["staged"])
        .current_dir(dir)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "cache-tree nests 200000 levels deep",
        ));
}
