//! Replays every input the fuzzers found (fuzz/regressions/<target>/) and a
//! few hand-made edge cases through the same entry points, on every
//! `cargo test`: what crashed once must never crash again. One test replays
//! the kept inputs of every target and checks it replayed them all (a lost
//! or misplaced input fails it instead of leaving nothing to replay); each
//! target's own test runs its hand-made cases.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The library entry point a fuzz target calls with each input.
type Entry = fn(&[u8]);

/// Every fuzz target (`fuzz/fuzz_targets/<name>.rs`) and its entry point.
const TARGETS: &[(&str, Entry)] = &[
    ("scan_and_report", skyscan::fuzzing::scan_and_report),
    ("parse_config", skyscan::fuzzing::parse_config),
    ("parse_tree", skyscan::fuzzing::parse_tree),
    ("parse_index", skyscan::fuzzing::parse_index),
    ("history_pack", |data| {
        skyscan::fuzzing::history_pack(data);
    }),
    ("scan_archive", skyscan::fuzzing::scan_archive),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with('.'))
}

/// Names of the entries of `dir` (hidden ones left out), with the suffix
/// `ext` taken off and the entries without it left out.
fn names_in(dir: &Path, ext: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| !is_hidden(path))
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            name.strip_suffix(ext).map(str::to_string)
        })
        .collect()
}

/// Run `run` on every input kept in `fuzz/regressions/<target>/` (a
/// missing directory is a broken checkout, not "nothing to replay", and an
/// entry that is not a file is an input misplaced, not one to skip);
/// returns how many ran.
fn replay(target: &str, run: Entry) -> usize {
    let dir = fuzz_dir().join("regressions").join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if is_hidden(&path) {
            continue;
        }
        assert!(path.is_file(), "{}: not a file", path.display());
        run(&std::fs::read(&path).unwrap());
        n += 1;
    }
    n
}

/// The targets of `fuzz/` are the ones replayed, each has its directory of
/// kept inputs and nothing else is there, and the replay ran something: as
/// many inputs as `fuzz/regressions/` holds files, at any depth.
#[test]
fn every_kept_input_is_replayed() {
    let listed: BTreeSet<String> = TARGETS.iter().map(|(t, _)| t.to_string()).collect();
    assert_eq!(names_in(&fuzz_dir().join("fuzz_targets"), ".rs"), listed);
    assert_eq!(names_in(&fuzz_dir().join("regressions"), ""), listed);
    let replayed: usize = TARGETS.iter().map(|(t, run)| replay(t, *run)).sum();
    let mut kept = 0;
    let mut pending = vec![fuzz_dir().join("regressions")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if !is_hidden(&path) {
                kept += 1;
            }
        }
    }
    assert!(replayed > 0, "no kept input was replayed");
    assert_eq!(replayed, kept, "kept inputs that no target replays");
}

#[test]
fn scan_and_report_regressions() {
    let run = skyscan::fuzzing::scan_and_report;
    for case in [
        &b""[..],
        b"\x00",
        b"\x01SKYTELLS_API_KEY=sk-",
        b"\x00\xff\xfeS\x00K\x00",
        b"\x02'use client'\nfetch(x, {headers: {'x-api-key': k}})",
        b"\x03skytells sk-q8ZrT2mW4vLn7Kc1Xy9PbF3hJd6GsA0e sk-q8ZrT2mW4vLn7Kc1Xy9PbF3hJd6GsA0e",
    ] {
        run(case);
    }
}

#[test]
fn parse_config_regressions() {
    let run = skyscan::fuzzing::parse_config;
    for case in [
        &b""[..],
        b"[[rules]]",
        b"disable = [1]",
        b"[allowlist]\npaths = [\"[\"]\n",
        b"\xff",
    ] {
        run(case);
    }
}

#[test]
fn parse_tree_regressions() {
    let run = skyscan::fuzzing::parse_tree;
    for case in [
        &b""[..],
        b"100644 a\0",
        b"40000 \0xxxxxxxxxxxxxxxxxxxx",
        b" \0",
    ] {
        run(case);
    }
}

#[test]
fn parse_index_regressions() {
    let run = skyscan::fuzzing::parse_index;
    let mut v4 = b"DIRC\0\0\0\x04\0\0\0\x01".to_vec();
    v4.extend([0u8; 62]);
    v4.extend(b"\xff\xff\xff\xff\x7fname\0");
    v4.extend([0u8; 20]);
    let mut deep_tree = b"DIRC\0\0\0\x02\0\0\0\0TREE\0\0\x10\0".to_vec();
    for _ in 0..512 {
        deep_tree.extend(b"a\0-1 1\n");
    }
    deep_tree.extend([0u8; 20]);
    // Deeper than any default stack holds, were the decoder's recursion on it.
    let levels = 50_000u32;
    let mut deeper = b"DIRC\0\0\0\x02\0\0\0\0TREE".to_vec();
    deeper.extend((levels * 7 + 7).to_be_bytes());
    for _ in 0..levels {
        deeper.extend(b"a\0-1 1\n");
    }
    deeper.extend(b"a\0-1 0\n");
    deeper.extend([0u8; 20]);
    for case in [
        &b""[..],
        b"DIRC",
        b"DIRC\0\0\0\x02\xff\xff\xff\xff",
        &v4,
        &deep_tree,
        &deeper,
    ] {
        run(case);
    }
}

mod history_pack {
    use skyscan::fuzzing::{
        encode_history_input, history_entry_id, history_pack, push_varint, PackRecord,
    };

    const KEY_FILE: &[u8] = b"SKYTELLS_API_KEY = 'sk-Hq4ZrT8mWvLn2Kc7XyP9bF3dJa6GsN0w'\n";

    fn hex(entry: u32) -> String {
        history_entry_id(entry)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn tree(entries: &[(&str, &[u8], u32)]) -> PackRecord {
        let mut data = Vec::new();
        for (mode, name, id) in entries {
            data.extend(format!("{mode} ").as_bytes());
            data.extend(*name);
            data.push(0);
            data.extend(history_entry_id(*id));
        }
        PackRecord::object(2, &data)
    }

    fn commit(tree: u32) -> PackRecord {
        let text = format!(
            "tree {}\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\nfuzz\n",
            hex(tree)
        );
        PackRecord::object(1, text.as_bytes())
    }

    fn delta(code: u8, base: u32, declared_result: u64, ops: &[u8], base_len: u64) -> PackRecord {
        let mut data = Vec::new();
        push_varint(base_len, &mut data);
        push_varint(declared_result, &mut data);
        data.extend(ops);
        PackRecord {
            code,
            declared: data.len() as u64,
            base,
            raw: false,
            payload: data,
        }
    }

    /// Hand-made inputs in the target's format: an intact repository and
    /// the crafted packs of the git reliability work (they also seed the
    /// fuzzer: `fuzz/run.sh` writes them to its corpus).
    pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
        let blob = || PackRecord::object(3, KEY_FILE);
        let two_files = || tree(&[("100644", b"a.py", 0), ("100644", b"b.py", 1)]);
        let insert = |text: &[u8]| {
            let mut ops = vec![text.len() as u8];
            ops.extend(text);
            ops
        };
        let mut chain = vec![blob()];
        for i in 1..4000u32 {
            chain.push(delta(
                6,
                1,
                KEY_FILE.len() as u64,
                &[0x90, KEY_FILE.len() as u8],
                KEY_FILE.len() as u64,
            ));
            let _ = i;
        }
        chain.push(tree(&[("100644", b"b.py", 3999)]));
        chain.push(commit(4000));
        let zeros = {
            use std::io::Write;
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(&vec![0u8; 60 << 20]).unwrap();
            z.finish().unwrap()
        };
        let bomb = PackRecord {
            code: 3,
            declared: 10,
            base: 0,
            raw: true,
            payload: zeros,
        };
        let big_tree_base = PackRecord::object(2, &[b'a'; 0x10000]);
        vec![
            (
                "intact",
                vec![
                    blob(),
                    PackRecord::object(3, b"x = 1\n"),
                    two_files(),
                    commit(2),
                ],
            ),
            (
                "delta_on_itself",
                vec![
                    blob(),
                    delta(7, 1, 8, &insert(b"selfref!"), 8),
                    two_files(),
                    commit(2),
                ],
            ),
            (
                "delta_cycle",
                vec![
                    delta(7, 1, 8, &insert(b"cycle-a!"), 8),
                    delta(7, 0, 8, &insert(b"cycle-b!"), 8),
                    two_files(),
                    commit(2),
                ],
            ),
            (
                "delta_claims_a_terabyte",
                vec![
                    blob(),
                    delta(7, 0, 1 << 40, &insert(KEY_FILE), KEY_FILE.len() as u64),
                    two_files(),
                    commit(2),
                ],
            ),
            (
                "tree_delta_bomb",
                vec![
                    big_tree_base,
                    delta(6, 1, 1 << 34, &vec![0x80; 4096], 0x10000),
                    blob(),
                    tree(&[("40000", b"sub", 1), ("100644", b"a.py", 2)]),
                    commit(3),
                ],
            ),
            ("zlib_bomb", vec![bomb, blob(), two_files(), commit(2)]),
            (
                "tree_contains_itself",
                vec![
                    tree(&[("40000", b"loop", 0), ("100644", b"a.py", 1)]),
                    blob(),
                    commit(0),
                ],
            ),
            (
                "terminal_names",
                vec![
                    blob(),
                    PackRecord::object(3, b"y\n"),
                    tree(&[("100644", b"\x1b]0;pwned\x07.py", 0), ("100664", b"..", 1)]),
                    commit(2),
                ],
            ),
            ("offset_chain_4000_deep", chain),
        ]
        .into_iter()
        .map(|(name, records)| (name, encode_history_input(1, &records)))
        .collect()
    }

    #[test]
    fn history_pack_regressions() {
        let dir = std::env::var_os("SKYSCAN_WRITE_FUZZ_SEEDS");
        for (name, input) in seeds() {
            if let Some(dir) = &dir {
                std::fs::write(std::path::Path::new(dir).join(name), &input).unwrap();
            }
            let findings = history_pack(&input);
            if name == "intact" {
                // The writer makes a repository the scan reads whole: the
                // key, and its rotation overdue (SC6).
                assert_eq!(findings, Some(2), "{name}");
            }
        }
        // Truncations and a miscounted header of the intact input.
        let intact = &seeds()[0].1;
        for cut in [1, 2, 7, 40, intact.len() / 2, intact.len() - 1] {
            history_pack(&intact[..cut]);
        }
        let mut miscounted = intact.clone();
        miscounted[0] = 3;
        history_pack(&miscounted);
    }
}

#[test]
fn scan_archive_regressions() {
    let run = skyscan::fuzzing::scan_archive;
    // An end-of-central-directory record declaring 65,535 entries and a
    // central directory past the end; a gzip header with nothing after it;
    // a tar header declaring an 8 GiB entry in 512 bytes.
    let mut eocd = vec![0u8];
    eocd.extend_from_slice(b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\x7f\0\0\0\x7f\0\0");
    let mut tar = vec![1u8];
    let mut header = [0u8; 512];
    header[..5].copy_from_slice(b"a.txt");
    header[124..136].copy_from_slice(b"77777777777\0");
    tar.extend_from_slice(&header);
    for case in [
        &b""[..],
        &[0][..],
        &eocd,
        &[2, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3][..],
        &tar,
    ] {
        run(case);
    }
}
