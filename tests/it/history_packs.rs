//! The history scan reads packfiles itself (`git::pack`,
//! `git::packs`). These tests hold that reader to git's own answers on
//! packs written the ways git writes them (offset deltas, reference deltas,
//! several packs beside loose objects), and check end to end that a
//! history gives the same report however its objects are stored.

use crate::common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command as StdCommand;
use std::sync::Mutex;

use crate::common::{commit_dated, fake_key, git, json_of, new_repo, plant_key, skyscan};
use serde_json::Value;
use skyscan::git::pack::{ObjectId, Pack, PackKind};
use skyscan::git::packs::{object_dirs, Kind, Packs, Resolved, Visit};

/// A history whose files change a little in every commit, so that packing
/// stores most versions (of blobs and of trees) as deltas; a key is added
/// in the middle and removed again, and a `.env` file comes and goes.
fn build_history(dir: &Path) {
    std::fs::create_dir_all(dir.join("src/app")).unwrap();
    let body: String = (0..120)
        .map(|i| format!("def handler_{i}(request):\n    return render(request, {i})\n"))
        .collect();
    for n in 0..30u64 {
        for f in 0..4 {
            let mut text = body.clone();
            text.push_str(&format!("# revision {n} of module {f}\n"));
            std::fs::write(dir.join(format!("src/app/mod{f}.py")), text).unwrap();
        }
        std::fs::write(
            dir.join("CHANGELOG"),
            format!("{}\n", "entry\n".repeat(n as usize + 1)),
        )
        .unwrap();
        if n == 10 {
            plant_key(&dir.join("src/app/settings.py"));
            std::fs::write(dir.join(".env"), "DEBUG=1\n").unwrap();
        }
        if n == 20 {
            std::fs::remove_file(dir.join("src/app/settings.py")).unwrap();
            std::fs::remove_file(dir.join(".env")).unwrap();
        }
        git(dir, &["add", "-A"]);
        commit_dated(dir, &format!("change {n}"), 60 - n);
    }
    // A wide directory, one file of it edited per commit: its trees are
    // large enough for git to store them as deltas. A key comes and goes.
    std::fs::create_dir_all(dir.join("wide")).unwrap();
    for n in 0..40 {
        for f in 0..40 {
            if f == n || n == 0 {
                let text = format!("module {f} at revision {n}\n");
                std::fs::write(dir.join(format!("wide/file_number_{f:03}.py")), text).unwrap();
            }
        }
        match n {
            5 => drop(plant_key(&dir.join("wide/file_number_020.py"))),
            25 => std::fs::remove_file(dir.join("wide/file_number_031.py")).unwrap(),
            _ => {}
        }
        git(dir, &["add", "-A"]);
        commit_dated(dir, &format!("wide {n}"), 20);
    }
}

/// Every object git has: id → (type, content).
fn git_objects(dir: &Path) -> HashMap<ObjectId, (String, Vec<u8>)> {
    let out = StdCommand::new("git")
        .args(["cat-file", "--batch-all-objects", "--batch"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut objects = HashMap::new();
    let mut rest = &out.stdout[..];
    while !rest.is_empty() {
        let nl = rest.iter().position(|&b| b == b'\n').unwrap();
        let header = std::str::from_utf8(&rest[..nl]).unwrap();
        let mut parts = header.split(' ');
        let (hex, kind, size) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap().parse::<usize>().unwrap(),
        );
        let content = rest[nl + 1..nl + 1 + size].to_vec();
        rest = &rest[nl + 1 + size + 1..];
        objects.insert(hex_key(hex), (kind.to_string(), content));
    }
    objects
}

fn hex_key(hex: &str) -> ObjectId {
    ObjectId::from_hex(hex.as_bytes()).unwrap()
}

/// The kind of object id of the repository at `dir` (SHA-1 or SHA-256).
fn object_format(dir: &Path) -> gix::hash::Kind {
    match common::git_with_env(dir, &["rev-parse", "--show-object-format"], &[]).trim() {
        "sha256" => gix::hash::Kind::Sha256,
        _ => gix::hash::Kind::Sha1,
    }
}

/// A new repository whose object ids are SHA-256.
fn new_sha256_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "--object-format=sha256"]);
    assert_eq!(object_format(dir.path()), gix::hash::Kind::Sha256);
    dir
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Commit => "commit",
        Kind::Tree => "tree",
        Kind::Blob => "blob",
        Kind::Tag => "tag",
    }
}

/// How many entries of each delta kind the repository's packs hold.
fn delta_counts(dir: &Path) -> (usize, usize) {
    let (mut ofs, mut refs) = (0, 0);
    for entry in std::fs::read_dir(dir.join(".git/objects/pack")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "idx") {
            let pack = Pack::open(&path, object_format(dir)).unwrap();
            for i in 0..pack.len() {
                match pack.header(pack.offset(i)).unwrap().kind {
                    PackKind::OfsDelta(_) => ofs += 1,
                    PackKind::RefDelta(_) => refs += 1,
                    _ => {}
                }
            }
        }
    }
    (ofs, refs)
}

/// The store agrees with git on every packed object, by random reads and
/// by the bulk traversal, which hands over each wanted object exactly once.
fn assert_store_matches_git(dir: &Path) {
    let expected = git_objects(dir);
    let hash = object_format(dir);
    let store = Packs::open(&object_dirs(&dir.join(".git")), hash);
    assert_eq!(store.len(), expected.len(), "every object is packed");
    let mut buf = Vec::new();
    for pos in 0..store.len() as u32 {
        let (kind, content) = &expected[store.id(pos)];
        let got = store.read(pos, &mut buf).unwrap();
        assert_eq!(kind_name(got), kind);
        assert_eq!(&buf, content);
        assert_eq!(store.position(store.id(pos)), Some(pos));
    }
    assert_eq!(
        store.position(&ObjectId::from_bytes_or_panic(&vec![
            0xab;
            hash.len_in_bytes()
        ])),
        None
    );

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for kind in [Kind::Blob, Kind::Tree] {
        let seen = Mutex::new(Vec::new());
        let failed = store.resolve_all(
            &pool,
            kind,
            |pos| store.kind(pos) == Some(kind),
            u64::MAX,
            |pos, r| {
                let Resolved::Data(data) = r else {
                    panic!("no size cap was set")
                };
                assert_eq!(data, &expected[store.id(pos)].1[..]);
                seen.lock().unwrap().push(pos);
            },
        );
        assert!(failed.is_empty());
        let mut seen = seen.into_inner().unwrap();
        let count = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), count, "each object once");
        let of_kind = expected
            .values()
            .filter(|(k, _)| k == kind_name(kind))
            .count();
        assert_eq!(count, of_kind);
    }

    // A size cap hands over large objects without their content.
    let large = Mutex::new(0);
    let small = Mutex::new(0);
    store.resolve_all(
        &pool,
        Kind::Blob,
        |pos| store.kind(pos) == Some(Kind::Blob),
        1000,
        |pos, r| {
            let size = expected[store.id(pos)].1.len();
            match r {
                Resolved::Large(s) => {
                    assert!(size > 1000 && s as usize == size);
                    *large.lock().unwrap() += 1;
                }
                Resolved::Data(d) => {
                    assert_eq!(d.len(), size);
                    *small.lock().unwrap() += 1;
                }
            }
        },
    );
    assert!(*large.lock().unwrap() > 0 && *small.lock().unwrap() > 0);
}

#[test]
fn offset_deltas_resolve_like_git() {
    let repo = new_repo();
    build_history(repo.path());
    git(repo.path(), &["gc", "-q", "--aggressive"]);
    let (ofs, _) = delta_counts(repo.path());
    assert!(ofs > 20, "the pack holds offset deltas ({ofs})");
    assert_store_matches_git(repo.path());
}

/// A SHA-256 repository's packs (32-byte ids in the index, in reference
/// deltas and in trees) are read like a SHA-1 one's.
#[test]
fn sha256_packs_resolve_like_git() {
    let repo = new_sha256_repo();
    build_history(repo.path());
    git(repo.path(), &["gc", "-q", "--aggressive"]);
    let (ofs, _) = delta_counts(repo.path());
    assert!(ofs > 20, "the pack holds offset deltas ({ofs})");
    assert_store_matches_git(repo.path());
    git(
        repo.path(),
        &["-c", "repack.useDeltaBaseOffset=false", "repack", "-adfq"],
    );
    let (ofs, refs) = delta_counts(repo.path());
    assert!(refs > 20 && ofs == 0, "reference deltas ({refs}/{ofs})");
    assert_store_matches_git(repo.path());
}

/// The report of [`build_history`]'s history, which holds a key only in
/// history and a committed `.env` file.
fn report_of_build_history(dir: &Path) -> Value {
    let report = history_report(dir);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[0].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"key-only-in-history"), "{report}");
    assert!(rules.contains(&"committed-env-file"), "{report}");
    report
}

/// `skyscan history` on a SHA-256 repository: the same report loose and
/// packed, with 64-digit commit ids, and `--range` as git walks it.
#[test]
fn sha256_history_reports_like_sha1() {
    let repo = new_sha256_repo();
    let dir = repo.path();
    build_history(dir);
    let loose = report_of_build_history(dir);
    git(dir, &["gc", "-q", "--aggressive"]);
    assert_eq!(history_report(dir), loose, "packed");

    let out = skyscan()
        .args(["history", ".", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    let report = json_of(&out);
    let commit = report["findings"][0]["provenance"]["commit"]
        .as_str()
        .unwrap();
    assert_eq!(commit.len(), 64, "{commit}");
    let shown = common::git_with_env(dir, &["cat-file", "-t", commit], &[]);
    assert_eq!(shown.trim(), "commit");
}

#[test]
fn reference_deltas_resolve_like_git() {
    let repo = new_repo();
    build_history(repo.path());
    git(
        repo.path(),
        &[
            "-c",
            "repack.useDeltaBaseOffset=false",
            "repack",
            "-a",
            "-d",
            "-f",
            "-q",
        ],
    );
    let (ofs, refs) = delta_counts(repo.path());
    assert!(
        refs > 20 && ofs == 0,
        "the pack holds reference deltas ({refs}/{ofs})"
    );
    assert_store_matches_git(repo.path());
}

/// A clone that borrows its objects (`git clone --shared`) has its packs
/// read from the alternate. A loop of alternates ends the directory listing;
/// gitoxide refuses to open such a repository, and the scan says why (exit
/// 2), where git ignores the repeated directory.
#[test]
fn packs_behind_alternates_are_read_directly() {
    let origin = new_repo();
    build_history(origin.path());
    git(origin.path(), &["gc", "-q"]);
    let borrower = tempfile::tempdir().unwrap();
    let clone = borrower.path().join("clone");
    git(
        borrower.path(),
        &[
            "clone",
            "-q",
            "--shared",
            origin.path().to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    let dirs = object_dirs(&clone.join(".git"));
    assert_eq!(dirs.len(), 2, "{dirs:?}");
    let store = Packs::open(&dirs, gix::hash::Kind::Sha1);
    assert_eq!(store.len(), git_objects(origin.path()).len());
    // The origin names the clone back: each directory is still read once.
    let back = origin.path().join(".git/objects/info/alternates");
    std::fs::write(&back, format!("{}\n", clone.join(".git/objects").display())).unwrap();
    assert_eq!(object_dirs(&clone.join(".git")).len(), 2);
    let out = skyscan()
        .args(["history", "."])
        .current_dir(&clone)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cycle"));
    std::fs::remove_file(&back).unwrap();
    assert_eq!(history_report(&clone), history_report(origin.path()));
}

/// What a report says, without what legitimately differs between runs.
fn summary(report: &Value) -> Value {
    let findings: Vec<Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            serde_json::json!([
                f["rule_id"],
                f["path"],
                f["line"],
                f["fingerprint"],
                f["provenance"]["commit"],
                f["occurrences"]
            ])
        })
        .collect();
    serde_json::json!({
        "findings": findings,
        "stats": report["stats"],
        "warnings": report["warnings"],
    })
}

fn history_report(dir: &Path) -> Value {
    let out = skyscan()
        .args(["history", ".", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    common::assert_exit(&out, 1);
    summary(&json_of(&out))
}

/// Write the objects reachable from `rev` into a new pack (leaving out
/// those already packed, with `incremental`), then drop their loose copies.
fn pack_reachable(dir: &Path, rev: &str, incremental: bool) {
    use std::io::Write;
    let list = common::git_with_env(dir, &["rev-list", "--objects", rev], &[]);
    let ids: String = list
        .lines()
        .map(|l| format!("{}\n", l.split(' ').next().unwrap()))
        .collect();
    let mut args = vec!["pack-objects", "-q"];
    if incremental {
        args.push("--incremental");
    }
    args.push(".git/objects/pack/pack");
    let mut pack = StdCommand::new("git")
        .args(&args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    pack.stdin
        .take()
        .unwrap()
        .write_all(ids.as_bytes())
        .unwrap();
    assert!(pack.wait().unwrap().success());
    git(dir, &["prune-packed"]);
}

#[test]
fn report_is_the_same_loose_packed_and_mixed() {
    let repo = new_repo();
    let dir = repo.path();
    build_history(dir);
    let loose = report_of_build_history(dir);

    // Half the history in one pack, the rest in a second pack and loose.
    pack_reachable(dir, "HEAD~15", false);
    pack_reachable(dir, "HEAD~5", true);
    let packs = std::fs::read_dir(dir.join(".git/objects/pack"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pack")
        })
        .count();
    assert_eq!(packs, 2);
    let loose_left = common::git_with_env(dir, &["count-objects"], &[]);
    assert!(!loose_left.starts_with("0 objects"), "{loose_left}");
    assert_eq!(history_report(dir), loose, "two packs and loose objects");

    git(dir, &["gc", "-q", "--aggressive"]);
    assert_eq!(history_report(dir), loose, "one pack");
}

/// Paths of the key findings a `--range` scan reports, sorted.
fn range_paths(dir: &Path, range: &str) -> Vec<String> {
    let out = skyscan()
        .args(["history", ".", "--format", "json", "--range", range])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{range}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::finding_paths(&json_of(&out), Some("skytells-api-key"))
}

/// The files the commits of `range` add, by git's own reckoning.
fn git_range_paths(dir: &Path, range: &str) -> Vec<String> {
    let list = common::git_with_env(dir, &["rev-list", "--no-merges", range], &[]);
    let mut paths = Vec::new();
    for commit in list.lines() {
        let added = common::git_with_env(
            dir,
            &[
                "diff-tree",
                "--root",
                "--no-commit-id",
                "--name-only",
                "-r",
                "--diff-filter=A",
                commit,
            ],
            &[],
        );
        paths.extend(added.lines().map(str::to_string));
    }
    paths.sort();
    paths
}

/// `--range` walks only the commits git's `rev-list A..B` lists, on a
/// branchy history whose side branch has commit dates older than its base
/// (clock skew), whether its objects are loose or packed, and for ranges
/// short enough that the scan reads trees one by one.
#[test]
fn range_picks_the_commits_git_does() {
    assert_ranges_match_git(&new_repo());
}

/// The same on a SHA-256 repository (rev-specs resolved by gitoxide).
#[test]
fn sha256_range_picks_the_commits_git_does() {
    assert_ranges_match_git(&new_sha256_repo());
}

fn assert_ranges_match_git(repo: &tempfile::TempDir) {
    let dir = repo.path();
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    let add = |name: &str, days_ago: u64| {
        plant_key(&dir.join(format!("keys/{name}.py")));
        git(dir, &["add", "."]);
        commit_dated(dir, name, days_ago);
    };
    for i in 0..4 {
        // A key that lives for one commit below the side branch: only a
        // range that wrongly takes that commit in reports it.
        match i {
            2 => drop(plant_key(&dir.join("keys/brief.py"))),
            3 => std::fs::remove_file(dir.join("keys/brief.py")).unwrap(),
            _ => {}
        }
        add(&format!("main{i}"), 50 - i);
    }
    git(dir, &["checkout", "-q", "-b", "side"]);
    for j in 0..4 {
        add(&format!("side{j}"), 200 - j);
    }
    git(dir, &["checkout", "-q", "main"]);
    for i in 4..8 {
        add(&format!("main{i}"), 50 - i);
    }
    common::git_with_env(dir, &["merge", "-q", "--no-ff", "-m", "merge", "side"], &[]);
    for i in 8..12 {
        add(&format!("main{i}"), 50 - i);
    }
    let ranges = [
        "HEAD~4..HEAD",
        "HEAD~1..HEAD",
        "side..main",
        "main~9..side",
        "side~1..side",
        "main..side",
        "HEAD~2..HEAD~6",
        "side~3..main",
    ];
    for packed in [false, true] {
        if packed {
            git(dir, &["gc", "-q"]);
        }
        for range in ranges {
            let expected = git_range_paths(dir, range);
            assert_eq!(
                range_paths(dir, range),
                expected,
                "{range} (packed: {packed})"
            );
        }
    }
    assert_eq!(git_range_paths(dir, "side..main").len(), 8);
    assert!(git_range_paths(dir, "main..side").is_empty());
}

/// Each delta's base, by `git verify-pack -v`: delta id → base id.
fn delta_bases(dir: &Path) -> HashMap<ObjectId, ObjectId> {
    let mut bases = HashMap::new();
    for entry in std::fs::read_dir(dir.join(".git/objects/pack")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "idx") {
            let out =
                common::git_with_env(dir, &["verify-pack", "-v", path.to_str().unwrap()], &[]);
            for line in out.lines() {
                let fields: Vec<&str> = line.split_whitespace().collect();
                // id type size size-in-pack offset [depth base-id]
                if fields.len() == 7 && fields[0].len() == 40 {
                    bases.insert(hex_key(fields[0]), hex_key(fields[6]));
                }
            }
        }
    }
    bases
}

/// The traversal hands each delta its base's content and what the visitor
/// returned for that base, and hands it only when the visitor kept it.
#[test]
fn deltas_get_their_base_and_its_state() {
    let repo = new_repo();
    let dir = repo.path();
    build_history(dir);
    git(dir, &["gc", "-q", "--aggressive"]);
    let expected = git_objects(dir);
    let bases = delta_bases(dir);
    let hash = object_format(dir);
    let store = Packs::open(&object_dirs(&dir.join(".git")), hash);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for kind in [Kind::Tree, Kind::Blob] {
        let with_base = Mutex::new(0usize);
        let deltas = bases
            .keys()
            .filter(|id| expected[*id].0 == kind_name(kind))
            .count();
        assert!(deltas > 10, "{deltas} {} deltas", kind_name(kind));
        let failed = store.resolve_all_with(
            &pool,
            kind,
            |pos| store.kind(pos) == Some(kind),
            u64::MAX,
            |v: Visit<'_, (u32, Vec<u8>)>| {
                let Resolved::Data(data) = v.resolved else {
                    panic!("no size cap was set")
                };
                let id = store.id(v.position);
                assert_eq!(data, &expected[id].1[..]);
                match v.base {
                    Some((raw, (base_pos, base_data))) => {
                        let base_id = bases.get(id).expect("only deltas have a base");
                        assert_eq!(store.id(*base_pos), base_id.as_ref());
                        assert_eq!(raw, &expected[base_id].1[..]);
                        assert_eq!(raw, &base_data[..]);
                        *with_base.lock().unwrap() += 1;
                    }
                    None => assert!(!bases.contains_key(id), "a delta lost its base"),
                }
                v.has_deltas.then(|| (v.position, data.to_vec()))
            },
        );
        assert!(failed.is_empty());
        assert_eq!(*with_base.lock().unwrap(), deltas);
    }
}

/// A blob over `--max-filesize` is skipped even when it is the delta base
/// that other versions are resolved from.
#[test]
fn a_delta_base_over_the_size_cap_is_skipped_not_scanned() {
    let repo = new_repo();
    let dir = repo.path();
    let key = plant_key(&dir.join("big.py"));
    let filler: String = (0..400).map(|i| format!("value_{i} = {i}\n")).collect();
    for v in 0..6 {
        std::fs::write(
            dir.join("big.py"),
            format!("SKYTELLS_API_KEY = '{key}'\nversion = {v}\n{filler}"),
        )
        .unwrap();
        git(dir, &["add", "big.py"]);
        git(dir, &["commit", "-qm", &format!("v{v}")]);
    }
    git(dir, &["gc", "-q", "--aggressive"]);
    assert!(
        delta_counts(dir).0 >= 4,
        "the versions are deltas of each other"
    );
    let out = skyscan()
        .args(["history", ".", "--format", "json", "--max-filesize", "1000"])
        .current_dir(dir)
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(report["stats"]["skipped_large"], 6, "{report}");
    assert_eq!(report["stats"]["files_scanned"], 0, "{report}");
    assert!(
        report["findings"].as_array().unwrap().is_empty(),
        "{report}"
    );
}

/// Blobs stored whole that no delta is based on (roots of the delta forest
/// with nothing under them) are each reported with the path and commit
/// where they first appeared, and one over `--max-filesize` is counted as
/// skipped once.
#[test]
fn blobs_stored_whole_are_scanned_with_their_first_path() {
    let repo = new_repo();
    let dir = repo.path();
    let key = fake_key("sk-");
    // Unrelated contents: nothing for git to delta against.
    for i in 0..12 {
        let text: String = (0..40)
            .map(|j| format!("v{} = {}\n", j * 7919 + i * 104729, i * j))
            .collect();
        std::fs::write(dir.join(format!("m{i}.py")), text).unwrap();
        git(dir, &["add", "."]);
        git(dir, &["commit", "-qm", &format!("module {i}")]);
    }
    std::fs::create_dir_all(dir.join("svc")).unwrap();
    std::fs::write(
        dir.join("svc/keys.py"),
        format!("SKYTELLS_API_KEY = '{key}'\n"),
    )
    .unwrap();
    let big: String = (0..300)
        .map(|i| format!("row_{i} = {}\n", i * 31))
        .collect();
    std::fs::write(dir.join("big.txt"), big).unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "keys and a big file"]);
    git(dir, &["gc", "-q"]);
    let head = git_out(dir, &["rev-parse", "HEAD"]);

    let out = skyscan()
        .args(["history", ".", "--format", "json", "--max-filesize", "4000"])
        .current_dir(dir)
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(report["stats"]["skipped_large"], 1, "{report}");
    assert_eq!(report["stats"]["files_scanned"], 13, "{report}");
    let found: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "svc/keys.py")
        .collect();
    assert!(!found.is_empty(), "{report}");
    assert!(found
        .iter()
        .all(|f| f["provenance"]["commit"] == head.as_str()));
}

fn git_out(dir: &Path, args: &[&str]) -> String {
    let out = StdCommand::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Import `stream` (git fast-import's format) into the repository at `dir`.
fn fast_import(dir: &Path, stream: &str) {
    git_with_input(dir, &["fast-import", "--quiet"], stream);
}

/// Run git in `dir` with `input` on its standard input (its output is
/// dropped); it must succeed.
fn git_with_input(dir: &Path, args: &[&str], input: &str) {
    use std::io::Write;
    let mut child = StdCommand::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "git {args:?}");
}

/// One commit of a fast-import stream: `mark`, on `branch`, after `from`
/// (and merging `merge`), with file changes `changes` (path, content or
/// `None` to delete).
fn import_commit(
    stream: &mut String,
    branch: &str,
    mark: usize,
    parents: (Option<usize>, Option<usize>),
    changes: &[(String, Option<String>)],
) {
    let message = format!("c{mark}");
    let when = 1_600_000_000 + mark * 60;
    stream.push_str(&format!(
        "commit refs/heads/{branch}\nmark :{mark}\ncommitter T <t@example.com> {when} +0000\ndata {}\n{message}\n",
        message.len()
    ));
    if let Some(from) = parents.0 {
        stream.push_str(&format!("from :{from}\n"));
    }
    if let Some(merge) = parents.1 {
        stream.push_str(&format!("merge :{merge}\n"));
    }
    for (path, content) in changes {
        match content {
            Some(text) => stream.push_str(&format!(
                "M 100644 inline {path}\ndata {}\n{text}\n",
                text.len()
            )),
            None => stream.push_str(&format!("D {path}\n")),
        }
    }
    stream.push('\n');
}

/// A history long enough to be walked in parts on two threads gives the
/// report one thread gives, to the byte: a blob a later part meets again
/// keeps its first commit and path, a key first committed in a later part
/// is reported there, and a directory whose tree an earlier part walked
/// (`backup/`, added later with the same tree as `config/`) adds no `.env`
/// path when a later part meets it first (it sorts before `config/`).
#[test]
fn a_walk_in_parts_reports_what_one_walk_does() {
    let repo = new_repo();
    let dir = repo.path();
    history_in_parts(dir);
    let one = report_with_threads(dir, "1");
    for threads in ["2", "3"] {
        assert_eq!(
            one,
            report_with_threads(dir, threads),
            "--threads {threads}"
        );
    }

    let commit_of = |message: &str| {
        git_out(
            dir,
            &[
                "log",
                "--all",
                "--format=%H",
                "--grep",
                &format!("^{message}$"),
            ],
        )
    };
    let first = |path: &str| {
        let found = one["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{path}: {one}"));
        found["provenance"]["commit"].as_str().unwrap().to_string()
    };
    assert_eq!(first("a.py"), commit_of("c500"), "{one}");
    assert_eq!(first("late/key.py"), commit_of("c2300"), "{one}");
    assert_eq!(first("side/x.py"), commit_of("c5010"), "{one}");
    assert_eq!(first("config/.env"), commit_of("c10"), "{one}");
    let paths: Vec<&str> = one["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(!paths.contains(&"b.py"), "{paths:?}");
}

/// A tree missing from a history walked in parts is reported once, as one
/// walk reports it, though every part meets it.
#[test]
fn a_tree_missing_from_every_part_is_reported_once() {
    let repo = new_repo();
    let dir = repo.path();
    history_in_parts(dir);
    // Repack without `config/`'s tree, which every commit from c10 on holds.
    let config = git_out(dir, &["rev-parse", "HEAD:config"]);
    let all = git_out(dir, &["rev-list", "--objects", "--all"]);
    let keep: String = all
        .lines()
        .filter_map(|l| l.split(' ').next())
        .filter(|id| *id != config)
        .map(|id| format!("{id}\n"))
        .collect();
    let staging = tempfile::tempdir().unwrap();
    let base = staging.path().join("pack");
    git_with_input(dir, &["pack-objects", "-q", base.to_str().unwrap()], &keep);
    let packs = dir.join(".git/objects/pack");
    std::fs::remove_dir_all(&packs).unwrap();
    std::fs::create_dir(&packs).unwrap();
    for f in std::fs::read_dir(staging.path()).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), packs.join(f.file_name())).unwrap();
    }

    let one = report_with_threads(dir, "1");
    assert_eq!(one, report_with_threads(dir, "2"));
    let missing: Vec<&str> = one["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .filter(|w| w.starts_with(&format!("tree {config} (config)")))
        .collect();
    assert_eq!(missing.len(), 1, "{one}");
}

/// `skyscan history` of `dir` on `threads` threads, as JSON.
fn report_with_threads(dir: &Path, threads: &str) -> Value {
    let out = skyscan()
        .args(["history", ".", "--format", "json", "--threads", threads])
        .current_dir(dir)
        .output()
        .unwrap();
    json_of(&out)
}

/// The history of [`a_walk_in_parts_reports_what_one_walk_does`]: 3,250
/// commits (a side branch merged back), long enough for two or three parts.
fn history_in_parts(dir: &Path) {
    let keys: Vec<String> = (0..5).map(|_| fake_key("sk-")).collect();
    let line = |k: &str| format!("SKYTELLS_API_KEY = \"{k}\"");
    let env = format!("SKYTELLS_API_KEY={}", keys[0]);
    let mut stream = String::new();
    let main = |stream: &mut String, i: usize, merge: Option<usize>| {
        let mut changes = vec![(format!("data/f{}.txt", i % 50), Some(format!("v{i}")))];
        match i {
            10 => changes.push(("config/.env".into(), Some(env.clone()))),
            20 => changes.push(("app/main.py".into(), Some(line(&keys[1])))),
            500 => changes.push(("a.py".into(), Some(line(&keys[2])))),
            600 => changes.push(("a.py".into(), None)),
            1400 => changes.push(("backup/.env".into(), Some(env.clone()))),
            2300 => changes.push(("late/key.py".into(), Some(line(&keys[3])))),
            2500 => changes.push(("b.py".into(), Some(line(&keys[2])))),
            _ => {}
        }
        let from = (i > 1).then(|| i - 1);
        import_commit(stream, "main", i, (from, merge), &changes);
    };
    for i in 1..=1000 {
        main(&mut stream, i, None);
    }
    // A side branch off commit 1000, merged back at 1800.
    for s in 5001..=5050 {
        let changes = match s {
            5010 => vec![("side/x.py".to_string(), Some(line(&keys[4])))],
            _ => vec![(format!("side/n{}.txt", s % 7), Some(format!("s{s}")))],
        };
        let from = if s == 5001 { 1000 } else { s - 1 };
        import_commit(&mut stream, "side", s, (Some(from), None), &changes);
    }
    for i in 1001..=3200 {
        main(&mut stream, i, (i == 1800).then_some(5050));
    }
    fast_import(dir, &stream);
    git(dir, &["checkout", "-q", "main"]);
}
