//! Crafted and damaged packs: `skyscan history` must finish quickly, in
//! bounded memory, and say that the repository could not be read whole
//! (exit 2, a warning naming what is wrong) instead of reporting it clean.
//! The packs are written here byte by byte (a small pack and index writer),
//! since git refuses to write them.

use crate::common;

use std::path::Path;
use std::time::Duration;

use sha1::{Digest, Sha1};
use skyscan::fuzzing::{pack_index_v2, push_varint};

const KEY_FILE_1: &[u8] = b"print('first file')\n";
const KEY_FILE_2: &[u8] = b"API_KEY = 'sk-Zq7Lr2Vb9Xw4Kd8Nt3Hj6MfP'\n";

type Id = [u8; 20];

fn object_id(kind: &str, data: &[u8]) -> Id {
    let mut h = Sha1::new();
    h.update(format!("{kind} {}\0", data.len()).as_bytes());
    h.update(data);
    h.finalize().into()
}

fn hex(id: &Id) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// One pack entry: its id (which a crafted entry may choose freely), its
/// type code, the size its header declares, and its payload.
struct Entry {
    id: Id,
    code: u8,
    declared: u64,
    /// For a REF_DELTA (code 7): the base's id.
    base: Option<Id>,
    /// Inflated payload (object data, or delta instructions).
    data: Vec<u8>,
}

impl Entry {
    fn object(kind: &str, data: &[u8]) -> Entry {
        let code = match kind {
            "commit" => 1,
            "tree" => 2,
            "blob" => 3,
            _ => unreachable!(),
        };
        Entry {
            id: object_id(kind, data),
            code,
            declared: data.len() as u64,
            base: None,
            data: data.to_vec(),
        }
    }

    fn ref_delta(id: Id, base: Id, delta: Vec<u8>) -> Entry {
        Entry {
            id,
            code: 7,
            declared: delta.len() as u64,
            base: Some(base),
            data: delta,
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut size = self.declared;
        let mut first = (self.code << 4) | (size & 15) as u8;
        size >>= 4;
        if size > 0 {
            first |= 0x80;
        }
        out.push(first);
        while size > 0 {
            let mut b = (size & 0x7f) as u8;
            size >>= 7;
            if size > 0 {
                b |= 0x80;
            }
            out.push(b);
        }
        if let Some(base) = self.base {
            out.extend(base);
        }
        out.extend(zlib(&self.data));
        out
    }
}

/// Write `entries` as a pack and its version 2 index into the repository
/// at `dir`, with `edit` applied to the pack bytes before they are written.
fn write_pack(dir: &Path, entries: &[Entry], edit: impl Fn(&mut Vec<u8>)) {
    let mut pack = b"PACK".to_vec();
    pack.extend(2u32.to_be_bytes());
    pack.extend((entries.len() as u32).to_be_bytes());
    let mut offsets = Vec::new();
    for e in entries {
        offsets.push((e.id, pack.len() as u32));
        pack.extend(e.encode());
    }
    let checksum: Id = Sha1::digest(&pack).into();
    pack.extend(checksum);
    let mut idx = pack_index_v2(offsets, checksum);
    let idx_sum: Id = Sha1::digest(&idx).into();
    idx.extend(idx_sum);
    edit(&mut pack);
    let packs = dir.join(".git/objects/pack");
    let name = format!("pack-{}", hex(&checksum));
    std::fs::write(packs.join(format!("{name}.pack")), pack).unwrap();
    std::fs::write(packs.join(format!("{name}.idx")), idx).unwrap();
}

/// A tree object of `(mode, name, id)` entries, in the order given.
fn tree(entries: &[(&str, &str, Id)]) -> Entry {
    let mut data = Vec::new();
    for (mode, name, id) in entries {
        data.extend(format!("{mode} {name}\0").as_bytes());
        data.extend(id);
    }
    Entry::object("tree", &data)
}

/// Write `objects` and a commit of the tree `tree_id` as the pack of the
/// repository at `dir`, with `main` (and HEAD) pointing at the commit.
fn commit_pack(dir: &Path, mut objects: Vec<Entry>, tree_id: Id, edit: impl Fn(&mut Vec<u8>)) {
    let commit = format!(
        "tree {}\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\ncrafted\n",
        hex(&tree_id)
    );
    let commit = Entry::object("commit", commit.as_bytes());
    let commit_id = commit.id;
    objects.push(commit);
    write_pack(dir, &objects, edit);
    std::fs::write(
        dir.join(".git/refs/heads/main"),
        format!("{}\n", hex(&commit_id)),
    )
    .unwrap();
    std::fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
}

/// A repository whose one commit has a tree of two blobs; `second` builds
/// the entry (or entries) for the second blob, given its real id and the
/// first blob's id. Returns the repository.
fn repository(
    second: impl Fn(Id, Id) -> Vec<Entry>,
    edit: impl Fn(&mut Vec<u8>),
) -> tempfile::TempDir {
    let dir = common::new_repo();
    let b1 = Entry::object("blob", KEY_FILE_1);
    let b2_id = object_id("blob", KEY_FILE_2);
    let tree = tree(&[("100644", "a.py", b1.id), ("100644", "b.py", b2_id)]);
    let tree_id = tree.id;
    let b1_id = b1.id;
    let mut entries = vec![b1];
    entries.extend(second(b2_id, b1_id));
    entries.push(tree);
    commit_pack(dir.path(), entries, tree_id, edit);
    dir
}

/// Delta instructions: base size, result size, then `ops`.
fn delta(base_len: u64, result: u64, ops: &[u8]) -> Vec<u8> {
    let mut d = Vec::new();
    push_varint(base_len, &mut d);
    push_varint(result, &mut d);
    d.extend(ops);
    d
}

/// Run `skyscan history` (under a 1.5 GiB address-space limit, so a memory
/// bomb fails the test instead of the machine) and return its exit code,
/// the JSON report's warnings, and stderr.
fn history(dir: &Path) -> (Option<i32>, Vec<String>, String) {
    let (code, warnings, stderr, _) = history_report(dir);
    (code, warnings, stderr)
}

/// [`history`], with the paths of the findings.
fn history_report(dir: &Path) -> (Option<i32>, Vec<String>, String, Vec<String>) {
    let bin = assert_cmd::cargo::cargo_bin("skyscan");
    let out = assert_cmd::Command::new("bash")
        .arg("-c")
        .arg("ulimit -v 1500000; exec \"$0\" history \"$1\" --format json --fail-on never")
        .arg(bin)
        .arg(dir)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default();
    let strings = |key: &str, field: Option<&str>| -> Vec<String> {
        report[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| match field {
                        Some(f) => v[f].as_str().unwrap_or("").to_string(),
                        None => v.as_str().unwrap_or("").to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let warnings = strings("warnings", None);
    let paths = strings("findings", Some("path"));
    (out.status.code(), warnings, stderr, paths)
}

fn assert_incomplete(dir: &Path, expected: &str) {
    let (code, warnings, stderr) = history(dir);
    assert_eq!(code, Some(2), "warnings: {warnings:?}\nstderr: {stderr}");
    assert!(
        warnings.iter().any(|w| w.contains(expected)),
        "no warning says `{expected}`: {warnings:?}\nstderr: {stderr}"
    );
}

#[test]
fn an_intact_crafted_pack_scans_clean_and_finds_the_key() {
    // The writer itself: the same objects stored plainly read fine.
    let dir = repository(|_, _| vec![Entry::object("blob", KEY_FILE_2)], |_| {});
    let (code, warnings, stderr, paths) = history_report(dir.path());
    assert_eq!(code, Some(0), "{warnings:?} {stderr}");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(
        paths.iter().any(|p| p == "b.py"),
        "the key in b.py: {paths:?}"
    );
}

#[test]
fn a_delta_on_itself_is_an_error_not_a_hang() {
    let dir = repository(
        |b2, _| {
            vec![Entry::ref_delta(
                b2,
                b2,
                delta(4, 4, &[4, b'x', b'x', b'x', b'x']),
            )]
        },
        |_| {},
    );
    assert_incomplete(dir.path(), "loops back on itself");
}

#[test]
fn a_two_entry_delta_cycle_is_an_error_not_a_hang() {
    let x = object_id("blob", b"some other blob");
    let dir = repository(
        |b2, _| {
            vec![
                Entry::ref_delta(b2, x, delta(4, 4, &[4, b'a', b'b', b'c', b'd'])),
                Entry::ref_delta(x, b2, delta(4, 4, &[4, b'a', b'b', b'c', b'd'])),
            ]
        },
        |_| {},
    );
    assert_incomplete(dir.path(), "loops back on itself");
}

#[test]
fn a_truncated_pack_is_named_and_the_run_is_incomplete() {
    let dir = repository(
        |_, _| vec![Entry::object("blob", KEY_FILE_2)],
        |pack| pack.truncate(pack.len() / 2),
    );
    assert_incomplete(dir.path(), "damaged");
}

#[test]
fn an_impossible_header_size_is_corrupt_not_large() {
    let dir = repository(
        |b2, _| {
            let mut e = Entry::object("blob", KEY_FILE_2);
            e.id = b2;
            e.declared = 1 << 60;
            vec![e]
        },
        |_| {},
    );
    assert_incomplete(dir.path(), "no object can have");
}

#[test]
fn a_delta_declaring_more_than_it_can_produce_is_corrupt() {
    let dir = repository(
        |b2, b1| {
            let ops = [0x80 | 0x10, 4]; // copy 4 bytes from offset 0
            vec![Entry::ref_delta(
                b2,
                b1,
                delta(KEY_FILE_1.len() as u64, 1 << 40, &ops),
            )]
        },
        |_| {},
    );
    assert_incomplete(dir.path(), "larger than it can produce");
}

#[test]
fn a_tree_delta_expanding_to_gigabytes_is_refused_in_bounded_memory() {
    // The tree is stored as a delta on blob 1 whose 65,536 copy
    // instructions of 64 KiB each make a 4 GiB "tree": a few hundred bytes
    // once compressed.
    let dir = common::new_repo();
    let b1 = Entry::object("blob", &vec![b'x'; 0x10000]);
    let copies = 0x10000usize;
    // Each 0x80 copies from offset 0 with length 0, which means 64 KiB.
    let ops = vec![0x80u8; copies];
    let size = (copies as u64) * 0x10000;
    let tree_id = object_id("tree", b"crafted");
    let tree = Entry::ref_delta(tree_id, b1.id, delta(0x10000, size, &ops));
    commit_pack(dir.path(), vec![b1, tree], tree_id, |_| {});
    assert_incomplete(dir.path(), "tree");
}

#[test]
fn a_delta_chain_300_000_long_does_not_overflow_the_stack() {
    // Each version of b.py is a delta on the one before: one chain of
    // 300,000 entries (ids are made up: the reader does not rehash). The
    // recursive resolver overflowed its 64 MiB stack on it.
    let dir = common::new_repo();
    let n = 300_000u32;
    let id_of = |i: u32| -> Id {
        let mut id = [0x5au8; 20];
        id[..4].copy_from_slice(&i.to_be_bytes());
        id
    };
    let content = |i: u32| -> Vec<u8> {
        let mut c = format!("#{i:07}\n").into_bytes();
        c.extend(KEY_FILE_2);
        c
    };
    let mut entries = Vec::with_capacity(n as usize + 2);
    let first = content(0);
    entries.push(Entry {
        id: id_of(0),
        code: 3,
        declared: first.len() as u64,
        base: None,
        data: first,
    });
    for i in 1..n {
        let new = content(i);
        let mut ops = vec![new.len() as u8];
        ops.extend(&new);
        let d = delta(content(i - 1).len() as u64, new.len() as u64, &ops);
        entries.push(Entry::ref_delta(id_of(i), id_of(i - 1), d));
    }
    let tree = tree(&[("100644", "b.py", id_of(n - 1))]);
    let tree_id = tree.id;
    entries.push(tree);
    commit_pack(dir.path(), entries, tree_id, |_| {});
    let (code, warnings, stderr, paths) = history_report(dir.path());
    assert_eq!(code, Some(0), "{warnings:?}\n{stderr}");
    assert!(paths.iter().any(|p| p == "b.py"), "{paths:?}\n{stderr}");
}

#[test]
fn a_branch_whose_tip_is_missing_makes_the_run_incomplete() {
    let dir = common::new_repo();
    let root = dir.path();
    std::fs::write(root.join("a.py"), "x = 1\n").unwrap();
    common::git(root, &["add", "a.py"]);
    common::git(root, &["commit", "-qm", "init"]);
    common::git(root, &["checkout", "-q", "-b", "feature"]);
    common::plant_key(&root.join("c.py"));
    common::git(root, &["add", "c.py"]);
    common::git(root, &["commit", "-qm", "key"]);
    let tip = common::git_with_env(root, &["rev-parse", "HEAD"], &[]);
    common::git(root, &["checkout", "-q", "-"]);
    // Lose the tip commit; its tree and blobs stay.
    std::fs::remove_file(root.join(format!(".git/objects/{}/{}", &tip[..2], &tip[2..]))).unwrap();
    assert_incomplete(root, "refs/heads/feature");

    // Every object gone: not "no commits", but every ref unreadable.
    for entry in std::fs::read_dir(root.join(".git/objects")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n.len() == 2) {
            std::fs::remove_dir_all(path).unwrap();
        }
    }
    assert_incomplete(root, "cannot be read");
}

#[test]
fn history_scans_files_whose_mode_git_treats_as_regular() {
    // A tree entry with mode 100664: git checks it out as a regular file.
    let dir = common::new_repo();
    let blob = Entry::object("blob", KEY_FILE_2);
    let tree = tree(&[("100664", "b.py", blob.id)]);
    let tree_id = tree.id;
    commit_pack(dir.path(), vec![blob, tree], tree_id, |_| {});
    let (code, warnings, stderr, paths) = history_report(dir.path());
    assert_eq!(code, Some(0), "{warnings:?}\n{stderr}");
    assert!(paths.iter().any(|p| p == "b.py"), "{paths:?}");
}

#[test]
fn staged_scans_index_entries_whose_mode_git_commits_as_regular() {
    let dir = common::new_repo();
    let root = dir.path();
    std::fs::write(root.join("a.py"), "x = 1\n").unwrap();
    common::git(root, &["add", "a.py"]);
    common::git(root, &["commit", "-qm", "init"]);
    common::plant_key(&root.join("c.py"));
    common::git(root, &["add", "c.py"]);
    // Rewrite c.py's mode in the index (version 2) to 0o100664.
    let path = root.join(".git/index");
    let mut index = std::fs::read(&path).unwrap();
    let count = u32::from_be_bytes(index[8..12].try_into().unwrap());
    let mut at = 12;
    for _ in 0..count {
        let nul = at + 62 + index[at + 62..].iter().position(|&b| b == 0).unwrap();
        if &index[at + 62..nul] == b"c.py" {
            index[at + 24..at + 28].copy_from_slice(&0o100664u32.to_be_bytes());
        }
        at += (nul - at + 8) / 8 * 8;
    }
    let n = index.len();
    let sum: Id = Sha1::digest(&index[..n - 20]).into();
    index[n - 20..].copy_from_slice(&sum);
    std::fs::write(&path, index).unwrap();
    let out = common::skyscan()
        .args(["staged", ".", "--format", "json", "--fail-on", "never"])
        .current_dir(root)
        .output()
        .unwrap();
    let paths = common::finding_paths(&common::json_of(&out), None);
    assert!(
        paths.iter().any(|p| p == "c.py"),
        "{paths:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn repository_controlled_names_cannot_drive_the_terminal() {
    // A file name that would retitle and recolour a terminal.
    let dir = tempfile::tempdir().unwrap();
    let name = "\u{1b}]0;PWNED\u{7}\u{1b}[31mred.py";
    common::plant_key(&dir.path().join(name));
    let out = common::skyscan()
        .args(["scan", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("red.py"), "{shown}");
    assert!(
        !out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07),
        "{shown}"
    );
    assert!(
        !out.stderr.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_partial_clone_says_once_how_many_blobs_are_absent() {
    let src = common::new_repo();
    let root = src.path();
    common::git(root, &["config", "uploadpack.allowfilter", "true"]);
    for i in 0..5 {
        std::fs::write(root.join("settings.py"), format!("VERSION = {i}\n")).unwrap();
        common::plant_key(&root.join(format!("key{i}.py")));
        common::git(root, &["add", "."]);
        common::git(root, &["commit", "-qm", &format!("v{i}")]);
        if i < 4 {
            common::git(root, &["rm", "-q", &format!("key{i}.py")]);
            common::git(root, &["commit", "-qm", &format!("drop {i}")]);
        }
    }
    let parent = tempfile::tempdir().unwrap();
    let url = format!("file://{}", root.display());
    common::git(
        parent.path(),
        &[
            "clone",
            "-q",
            "--no-local",
            "--filter=blob:none",
            &url,
            "clone",
        ],
    );
    let clone = parent.path().join("clone");
    let (code, warnings, stderr) = history(&clone);
    assert_eq!(code, Some(2), "{warnings:?}\n{stderr}");
    let partial: Vec<&String> = warnings
        .iter()
        .filter(|w| w.contains("partial clone"))
        .collect();
    assert_eq!(partial.len(), 1, "{warnings:?}");
    assert!(
        !warnings.iter().any(|w| w.contains("not found")),
        "absent blobs are counted, not listed: {warnings:?}"
    );
}

#[test]
fn without_heads_tree_keys_are_not_called_gone_from_head() {
    let dir = common::new_repo();
    let root = dir.path();
    std::fs::create_dir(root.join("app")).unwrap();
    common::plant_key(&root.join("app/config.py"));
    common::git(root, &["add", "."]);
    common::git(root, &["commit", "-qm", "key"]);
    std::fs::write(root.join("README.md"), "docs\n").unwrap();
    common::git(root, &["add", "."]);
    common::git(root, &["commit", "-qm", "docs"]);
    // Lose HEAD's root tree (the key's blob and its first tree stay).
    let tree = common::git_with_env(root, &["rev-parse", "HEAD^{tree}"], &[]);
    std::fs::remove_file(root.join(format!(".git/objects/{}/{}", &tree[..2], &tree[2..]))).unwrap();
    let (code, warnings, stderr, _) = history_report(root);
    assert_eq!(code, Some(2), "{warnings:?}\n{stderr}");
    assert!(
        warnings.iter().any(|w| w.contains("were not judged")),
        "{warnings:?}"
    );
    let out = common::skyscan()
        .args(["history", ".", "--format", "json", "--fail-on", "never"])
        .current_dir(root)
        .output()
        .unwrap();
    let report = common::json_of(&out);
    assert!(
        common::finding_paths(&report, Some("key-only-in-history")).is_empty(),
        "{report}"
    );
    assert!(
        !common::finding_paths(&report, Some("skytells-api-key")).is_empty(),
        "{report}"
    );
}

#[test]
fn a_name_no_relative_reference_can_name_gets_no_sarif_location() {
    // A crafted tree entry named `..` holding a key.
    let dir = common::new_repo();
    let blob = Entry::object("blob", KEY_FILE_2);
    let tree = tree(&[("100644", "..", blob.id)]);
    let tree_id = tree.id;
    commit_pack(dir.path(), vec![blob, tree], tree_id, |_| {});
    let out = common::skyscan()
        .args(["history", ".", "--format", "sarif", "--fail-on", "never"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let sarif = common::json_of(&out);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let uris: Vec<&str> = r["locations"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|x| x["physicalLocation"]["artifactLocation"]["uri"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert!(uris.is_empty(), "{uris:?}");
        assert_eq!(r["properties"]["unlocatablePath"], "..");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("SARIF:"));
}

/// A delta instruction copying `size` bytes (at most 64 KiB) of the base
/// from `offset`.
fn copy_op(offset: u32, size: u32, ops: &mut Vec<u8>) {
    assert!((1..=0x10000).contains(&size));
    let at = ops.len();
    ops.push(0x80);
    for (k, b) in offset.to_le_bytes().into_iter().enumerate() {
        if b != 0 {
            ops[at] |= 1 << k;
            ops.push(b);
        }
    }
    // A size of 64 KiB is written as no size bytes at all.
    for (k, b) in (size & 0xffff)
        .to_le_bytes()
        .into_iter()
        .take(2)
        .enumerate()
    {
        if b != 0 {
            ops[at] |= 0x10 << k;
            ops.push(b);
        }
    }
}

#[test]
fn a_long_chain_of_large_versions_is_resolved_in_bounded_memory() {
    // 200 versions of an 8 MiB file, each a delta on the one before: 1.6
    // GB if every level of the chain stayed in memory, which the 1.5 GiB
    // address-space limit of `history` turns into a failure.
    let dir = common::new_repo();
    let id_of = |i: u32| -> Id {
        let mut id = [0xa5u8; 20];
        id[..4].copy_from_slice(&i.to_be_bytes());
        id
    };
    let mut base = KEY_FILE_2.to_vec();
    while base.len() < 8 << 20 {
        base.extend_from_slice(b"# padding padding padding padding\n");
    }
    let mut len = base.len() as u32;
    let mut entries = vec![Entry {
        id: id_of(0),
        code: 3,
        declared: base.len() as u64,
        base: None,
        data: base,
    }];
    let n = 200;
    for i in 1..n {
        let mut ops = Vec::new();
        let mut at = 0;
        while at < len {
            let size = (len - at).min(0x10000);
            copy_op(at, size, &mut ops);
            at += size;
        }
        let tail = format!("#{i:03}\n");
        ops.push(tail.len() as u8);
        ops.extend(tail.as_bytes());
        let next = len + tail.len() as u32;
        let d = delta(u64::from(len), u64::from(next), &ops);
        entries.push(Entry::ref_delta(id_of(i), id_of(i - 1), d));
        len = next;
    }
    let tree = tree(&[("100644", "b.py", id_of(n - 1))]);
    let tree_id = tree.id;
    entries.push(tree);
    commit_pack(dir.path(), entries, tree_id, |_| {});
    let (code, warnings, stderr, paths) = history_report(dir.path());
    assert_eq!(code, Some(0), "{warnings:?}\n{stderr}");
    assert!(paths.iter().any(|p| p == "b.py"), "{paths:?}\n{stderr}");
}

#[test]
fn an_entry_declaring_30_gb_is_corrupt_and_never_allocated() {
    // A delta whose header declares 30 GB, named by a tag: the pack reader
    // cannot resolve it, and a library reader it could fall back on (libgit2
    // did) allocates what the header declares before reading a byte.
    let dir = common::new_repo();
    let b1 = Entry::object("blob", KEY_FILE_1);
    let mut bomb = Entry::ref_delta([0xb0; 20], b1.id, delta(3, 3, b"\x03abc"));
    bomb.declared = 30_000_000_000;
    let tree = tree(&[("100644", "a.py", b1.id)]);
    let tree_id = tree.id;
    commit_pack(dir.path(), vec![b1, bomb, tree], tree_id, |_| {});
    std::fs::write(
        dir.path().join(".git/refs/tags/bomb"),
        format!("{}\n", hex(&[0xb0; 20])),
    )
    .unwrap();
    assert_incomplete(dir.path(), "claims more data than it holds");
}

#[test]
fn an_entry_of_a_reserved_type_is_corrupt_not_a_panic() {
    // Type code 5 is reserved: the pack reader cannot resolve the entry; a
    // library asked instead may return an object of no known type (libgit2
    // did, and the git2 crate panicked on it).
    let dir = common::new_repo();
    let odd = Entry {
        id: [0xc5; 20],
        code: 5,
        declared: KEY_FILE_2.len() as u64,
        base: None,
        data: KEY_FILE_2.to_vec(),
    };
    let tree = tree(&[("100644", "a.py", odd.id)]);
    let tree_id = tree.id;
    commit_pack(dir.path(), vec![odd, tree], tree_id, |_| {});
    assert_incomplete(dir.path(), "header is malformed");
}

#[test]
fn a_loose_blob_claiming_30_gb_is_corrupt_not_large() {
    let dir = common::new_repo();
    let id = [0xab; 20];
    let mut raw = b"blob 30000000000\0".to_vec();
    raw.extend(KEY_FILE_2);
    let objects = dir.path().join(".git/objects/ab");
    std::fs::create_dir_all(&objects).unwrap();
    std::fs::write(objects.join(&hex(&id)[2..]), zlib(&raw)).unwrap();
    let tree = tree(&[("100644", "a.py", id)]);
    let tree_id = tree.id;
    commit_pack(dir.path(), vec![tree], tree_id, |_| {});
    assert_incomplete(dir.path(), "claims more data than it holds");
}

#[test]
fn a_reference_delta_on_a_base_in_another_pack_is_resolved() {
    // A thin pack left on disk: b.py is a reference delta whose base lives
    // only in another pack. git refuses to unpack it (`git fsck`: "cannot
    // unpack"); skyscan's pack reader leaves it to gitoxide, which finds
    // the base across packs, so what the commit holds is scanned.
    let dir = common::new_repo();
    let b1 = Entry::object("blob", KEY_FILE_1);
    let b1_id = b1.id;
    write_pack(dir.path(), &[b1], |_| {});
    let mut ops = vec![KEY_FILE_2.len() as u8];
    ops.extend(KEY_FILE_2);
    let b2_id = object_id("blob", KEY_FILE_2);
    let b2 = Entry::ref_delta(
        b2_id,
        b1_id,
        delta(KEY_FILE_1.len() as u64, KEY_FILE_2.len() as u64, &ops),
    );
    let tree = tree(&[("100644", "a.py", b1_id), ("100644", "b.py", b2_id)]);
    let tree_id = tree.id;
    commit_pack(dir.path(), vec![b2, tree], tree_id, |_| {});
    let (code, warnings, stderr, paths) = history_report(dir.path());
    assert_eq!(code, Some(0), "{warnings:?} {stderr}");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(paths.iter().any(|p| p == "b.py"), "{paths:?}");
}
