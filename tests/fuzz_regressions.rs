//! Replays every input the fuzzers found (fuzz/regressions/<target>/) and a
//! few hand-made edge cases through the same entry points, on every
//! `cargo test`: what crashed once must never crash again.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut n = 0;
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                run(&std::fs::read(&path).unwrap());
                n += 1;
            }
        }
    }
    n
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
    replay("scan_and_report", run);
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
    replay("parse_config", run);
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
    replay("parse_tree", run);
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
    for case in [
        &b""[..],
        b"DIRC",
        b"DIRC\0\0\0\x02\xff\xff\xff\xff",
        &v4,
        &deep_tree,
    ] {
        run(case);
    }
    replay("parse_index", run);
}
