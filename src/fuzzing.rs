//! Entry points for the fuzz targets in `fuzz/` and for the regression
//! tests that replay what they found. Each takes arbitrary bytes and must
//! neither panic nor leak: a secret that reaches any report in full is
//! turned into a panic, so the fuzzer reports it.

use std::sync::OnceLock;

use crate::engine::{Matcher, Scratch};
use crate::report::{self, Format, Report};
use crate::rules::{Mode, RuleSet};
use crate::scan::{decode, scan_file, ScanSettings};
use crate::source::ScanOutput;

/// Paths the scanned bytes pretend to live at (chosen by the first byte),
/// so that path-scoped rules are exercised too.
const PATHS: &[&str] = &[
    ".env",
    ".env.production",
    "app/page.tsx",
    "src/client.py",
    "cmd/main.go",
    "Dockerfile",
    "src/Http.java",
    "config/prod.yml",
    // Paths where the judges (src/judge/) read the code around a match.
    "notebooks/guide.ipynb",
    "src/webhooks.ts",
    "tests/test_client.py",
    "web/.env.example",
    "src/routes/+page.svelte",
];

fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| Matcher::new(RuleSet::builtin().expect("built-in rules load")))
}

/// Scan `data` with every rule, then render every report format.
pub fn scan_and_report(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let path = PATHS[first as usize % PATHS.len()];
    let Some(text) = decode(rest) else {
        return;
    };
    let matcher = matcher();
    let mut scratch = Scratch::default();
    let mut findings = scan_file(
        matcher,
        path,
        &text,
        &mut scratch,
        &ScanSettings::default(),
        true,
    );
    // A second "environment" holding the same bytes exercises key reuse.
    let mut twin = scan_file(
        matcher,
        "deploy/staging.env",
        &text,
        &mut scratch,
        &ScanSettings::default(),
        true,
    );
    findings.append(&mut twin);
    let reuse = crate::checks::across_files(matcher.rules(), Mode::Worktree, &findings);
    findings.extend(reuse);
    let secrets: Vec<String> = findings.iter().filter_map(|f| f.secret.clone()).collect();
    let output = ScanOutput {
        findings,
        ..ScanOutput::default()
    };
    let report = Report {
        rules: matcher.rules(),
        output: &output,
        mode: Mode::Worktree,
        vcs: None,
        fail_on: None,
        fail_on_live: false,
        config: None,
        errors: &[],
    };
    let mut rendered = Vec::new();
    let formats = [
        Format::Human,
        Format::Json,
        Format::Jsonl,
        Format::Sarif,
        Format::Github,
        Format::Csv,
    ];
    for format in formats {
        // Colours stripped, as without a terminal: a style code inside a
        // secret must not hide it from the check below.
        let mut one = anstream::AutoStream::never(Vec::new());
        report::write(&report, format, &mut one).expect("writing to memory");
        let one = one.into_inner();
        if matches!(format, Format::Json | Format::Sarif) {
            serde_json::from_slice::<serde_json::Value>(&one).expect("valid JSON");
        }
        rendered.extend(one);
    }
    report::write_markdown_summary(&report, &mut rendered).expect("writing to memory");
    let rendered = String::from_utf8_lossy(&rendered);
    for secret in secrets {
        assert!(
            !rendered.contains(&secret),
            "a secret reached a report in full: {}",
            crate::finding::mask(&secret)
        );
    }
}

/// Fuzz target `scan_archive`: the first byte picks the format (by name:
/// `.zip`, `.tar`, `.tgz`), the rest is the archive. Whatever the bytes, the
/// scan must end within the archive caps, without a panic or an allocation
/// the input decides (`fuzz/run.sh` sets the allocation limit).
pub fn scan_archive(data: &[u8]) {
    use crate::source::archive::{ArchiveScan, Limits};
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let path = ["a.zip", "a.tar", "a.tgz"][first as usize % 3];
    let counters = crate::source::Counters::default();
    let settings = ScanSettings::default();
    let scan = ArchiveScan {
        matcher: matcher(),
        settings: &settings,
        limits: Limits::new(1 << 20),
        committed: true,
        counters: &counters,
    };
    let mut scratch = Scratch::default();
    let _ = scan.scan(path, rest, &mut scratch, &|_| {});
}

/// Parse `data` as a `.skyscan.toml`; errors are fine, panics are not.
pub fn parse_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rules = matcher().rules().clone();
    if let Ok((rules, _)) = crate::config::parse(text, std::path::Path::new(".skyscan.toml"), rules)
    {
        // Custom rules must also survive being used.
        let m = Matcher::new(rules);
        let mut scratch = Scratch::default();
        let _ = scan_file(
            &m,
            "a.py",
            text.as_bytes(),
            &mut scratch,
            &ScanSettings::default(),
            true,
        );
    }
}

/// Parse `data` as a raw git tree object.
pub fn parse_tree(data: &[u8]) {
    crate::source::history::parse_tree_entries(data);
}

/// Decode `data` as a git index file with the staged scan's reader
/// (gitoxide's, SHA-1 and SHA-256 alike), cache-tree included.
///
/// gix decodes (and drops) the cache-tree one call per level of nesting,
/// and a level takes 7 bytes of input: the decoder runs on a thread whose
/// stack holds as many levels as the input has bytes for (under 2 KiB of
/// stack a level in a debug build, a quarter of that optimised). The staged
/// scan itself reads indexes git wrote, as git does, on the caller's stack.
pub fn parse_index(data: &[u8]) {
    let stack = (1usize << 20).saturating_add(data.len().saturating_mul(512));
    std::thread::scope(|scope| {
        let decoder = std::thread::Builder::new()
            .stack_size(stack)
            .spawn_scoped(scope, || {
                for object_hash in [gix::hash::Kind::Sha1, gix::hash::Kind::Sha256] {
                    let _ = crate::git::index::decode(data, object_hash);
                }
            });
        if let Ok(decoder) = decoder {
            let _ = decoder.join();
        }
    });
}

/// The id an entry of a [`history_pack`] input gets: its number, then a
/// fixed filler, so that inputs (trees, REF_DELTA bases, tags) can name
/// each other.
pub fn history_entry_id(entry: u32) -> [u8; 20] {
    let mut id = [0x11; 20];
    id[..4].copy_from_slice(&entry.to_be_bytes());
    id
}

/// One pack entry of a [`history_pack`] input, before encoding.
pub struct PackRecord {
    /// Entry type code (1 commit, 2 tree, 3 blob, 4 tag, 6 OFS_DELTA,
    /// 7 REF_DELTA; others are invalid and kept so).
    pub code: u8,
    /// The size the entry header declares.
    pub declared: u64,
    /// For a delta: how many entries back its base is (OFS_DELTA), or the
    /// number of its base's entry (REF_DELTA).
    pub base: u32,
    /// Stored as is instead of zlib-compressed.
    pub raw: bool,
    pub payload: Vec<u8>,
}

impl PackRecord {
    /// An object entry declaring its true size.
    pub fn object(code: u8, payload: &[u8]) -> PackRecord {
        PackRecord {
            code,
            declared: payload.len() as u64,
            base: 0,
            raw: false,
            payload: payload.to_vec(),
        }
    }
}

/// Encode records as a [`history_pack`] input (for seeds and replays).
pub fn encode_history_input(count_delta: u8, records: &[PackRecord]) -> Vec<u8> {
    let mut out = vec![count_delta];
    for r in records {
        out.push(r.code | if r.raw { 0x80 } else { 0 });
        push_varint(r.declared, &mut out);
        push_varint(u64::from(r.base), &mut out);
        let len = r.payload.len().min(u16::MAX as usize);
        out.extend((len as u16).to_le_bytes());
        out.extend(&r.payload[..len]);
    }
    out
}

/// Append `v` as git's little-endian base-128 varint (delta sizes).
pub fn push_varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Decode a [`history_pack`] input: a byte that moves the pack header's
/// object count off the true count (by -1 to +2), then records of a type
/// byte (bit 7: stored uncompressed), the declared size and the base as
/// varints, a 16-bit payload length and the payload. Whatever the input
/// ends with is the last payload.
fn decode_history_input(data: &[u8]) -> Option<(u8, Vec<PackRecord>)> {
    let (&count_delta, mut rest) = data.split_first()?;
    let mut records = Vec::new();
    let varint = |rest: &mut &[u8]| -> u64 {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let Some((&b, tail)) = rest.split_first() else {
                break;
            };
            *rest = tail;
            v |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                break;
            }
        }
        v
    };
    while let Some((&kind, tail)) = rest.split_first() {
        rest = tail;
        let declared = varint(&mut rest);
        let base = varint(&mut rest) as u32;
        let len = match rest {
            [a, b, tail @ ..] => {
                rest = tail;
                u16::from_le_bytes([*a, *b]) as usize
            }
            _ => std::mem::take(&mut rest).len(),
        };
        let (payload, tail) = rest.split_at(len.min(rest.len()));
        rest = tail;
        records.push(PackRecord {
            code: kind & 0x7,
            declared,
            base,
            raw: kind & 0x80 != 0,
            payload: payload.to_vec(),
        });
        if records.len() >= 4096 {
            break;
        }
    }
    Some((count_delta, records))
}

/// Write `records` as the one pack (and a version 2 index) of the fresh
/// repository at `git_dir`, with `refs/heads/main` at the first commit
/// entry (or the first entry) and `refs/tags/last` at the last entry.
pub fn write_history_pack(git_dir: &std::path::Path, count_delta: u8, records: &[PackRecord]) {
    let mut pack = b"PACK".to_vec();
    pack.extend(2u32.to_be_bytes());
    let count = (records.len() as u32)
        .wrapping_add(u32::from(count_delta & 3))
        .wrapping_sub(1);
    pack.extend(count.to_be_bytes());
    let mut compressor = libdeflater::Compressor::new(libdeflater::CompressionLvl::fastest());
    let mut offsets: Vec<u64> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let at = pack.len() as u64;
        let mut size = r.declared;
        let mut first = (r.code << 4) | (size & 15) as u8;
        size >>= 4;
        if size > 0 {
            first |= 0x80;
        }
        pack.push(first);
        push_varint_msb_size(size, &mut pack);
        match r.code {
            6 => {
                // Entries back, as a byte distance (0 points at itself).
                let back = (r.base as usize).min(i);
                let distance = if back == 0 { 0 } else { at - offsets[i - back] };
                push_ofs(distance, &mut pack);
            }
            7 => pack.extend(history_entry_id(r.base)),
            _ => {}
        }
        if r.raw {
            pack.extend(&r.payload);
        } else {
            let mut z = vec![0; compressor.zlib_compress_bound(r.payload.len())];
            let n = compressor.zlib_compress(&r.payload, &mut z).unwrap_or(0);
            pack.extend(&z[..n]);
        }
        offsets.push(at);
    }
    let checksum = [0x5c; 20];
    pack.extend(checksum);
    let index: Vec<([u8; 20], u32)> = offsets
        .iter()
        .enumerate()
        .map(|(i, &o)| (history_entry_id(i as u32), o as u32))
        .collect();
    let mut idx = pack_index_v2(index, checksum);
    idx.extend([0x5d; 20]);
    let dir = git_dir.join("objects/pack");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("pack-fuzz.pack"), pack);
    let _ = std::fs::write(dir.join("pack-fuzz.idx"), idx);
    let hex = |id: [u8; 20]| id.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let main = records.iter().position(|r| r.code == 1).unwrap_or(0) as u32;
    let last = records.len().saturating_sub(1) as u32;
    let _ = std::fs::create_dir_all(git_dir.join("refs/tags"));
    let _ = std::fs::write(
        git_dir.join("refs/heads/main"),
        hex(history_entry_id(main)) + "\n",
    );
    let _ = std::fs::write(
        git_dir.join("refs/tags/last"),
        hex(history_entry_id(last)) + "\n",
    );
    let _ = std::fs::write(git_dir.join("HEAD"), "ref: refs/heads/main\n");
}

/// A version 2 pack index of `(id, offset)` entries (in any order) for the
/// pack whose trailing checksum is `pack_checksum`, without the index's own
/// trailing checksum. CRCs are left zero: readers check them only when
/// copying entries.
pub fn pack_index_v2(mut entries: Vec<([u8; 20], u32)>, pack_checksum: [u8; 20]) -> Vec<u8> {
    entries.sort();
    let mut idx = b"\xfftOc".to_vec();
    idx.extend(2u32.to_be_bytes());
    for b in 0..256usize {
        let n = entries
            .iter()
            .filter(|(id, _)| (id[0] as usize) <= b)
            .count();
        idx.extend((n as u32).to_be_bytes());
    }
    entries.iter().for_each(|(id, _)| idx.extend(id));
    entries.iter().for_each(|_| idx.extend(0u32.to_be_bytes()));
    entries
        .iter()
        .for_each(|(_, o)| idx.extend(o.to_be_bytes()));
    idx.extend(pack_checksum);
    idx
}

/// A pack entry header's size continuation bytes (little-endian groups).
fn push_varint_msb_size(mut size: u64, out: &mut Vec<u8>) {
    while size > 0 {
        let mut b = (size & 0x7f) as u8;
        size >>= 7;
        if size > 0 {
            b |= 0x80;
        }
        out.push(b);
    }
}

/// An OFS_DELTA base distance, in git's big-endian offset encoding.
fn push_ofs(mut distance: u64, out: &mut Vec<u8>) {
    let mut bytes = vec![(distance & 0x7f) as u8];
    distance >>= 7;
    while distance > 0 {
        distance -= 1;
        bytes.push(0x80 | (distance & 0x7f) as u8);
        distance >>= 7;
    }
    out.extend(bytes.iter().rev());
}

/// Write `data` (see [`decode_history_input`]) as the pack of a scratch
/// repository and run the whole history scan on it. Errors and warnings
/// are fine; panics, hangs and unbounded allocations are not. Returns the
/// number of findings of a scan that completed, `None` when the input
/// holds no entry or the scan ended in an error.
pub fn history_pack(data: &[u8]) -> Option<usize> {
    let (count_delta, records) = decode_history_input(data)?;
    if records.is_empty() {
        return None;
    }
    let dir = tempfile::tempdir().ok()?;
    gix::init_bare(dir.path()).ok()?;
    write_history_pack(dir.path(), count_delta, &records);
    let cx = crate::source::ScanContext {
        threads: 1,
        ..crate::source::ScanContext::new(matcher().rules(), Mode::History)
    };
    let opts = crate::source::history::HistoryOptions {
        range: None,
        since: None,
        max_key_age_days: 90,
        now: 1_800_000_000,
        all_objects: false,
    };
    crate::source::history::scan_history(&cx, dir.path(), &opts)
        .ok()
        .map(|output| output.findings.len())
}
