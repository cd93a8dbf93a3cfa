//! Archives as containers of files: `.zip` (and the zips `.jar`, `.whl`,
//! `.nupkg`), `.tar`, `.tar.gz`/`.tgz`. The working-tree and history sources
//! hand an archive's bytes here; each entry goes through the same per-file
//! pipeline (`scan::scan_file`) under its path inside the archive, so path
//! rules (a committed `.env`) and path globs see `config/.env`, and the
//! findings are then reported as `archive.zip!config/.env` (nested:
//! `a.zip!b.tar.gz!c/.env`).
//!
//! An archive is untrusted input that can declare anything. The formats are
//! read with maintained crates (`zip` for the central directory and
//! deflate, `tar` for headers, GNU and pax names, `flate2` for gzip); what is
//! written here is the budget around them, which no crate offers:
//!
//! - every size an entry declares is checked against the caps before a byte
//!   of it is read (per-entry size, the total left for this archive tree,
//!   the compression ratio), and every entry is read through a
//!   `take(limit)` reader, so a header that lies cannot expand past a cap;
//!   buffers grow with what was really read, never with what was declared;
//! - a gzip stream is read through a [`Budget`] reader capped by the
//!   archive's size times the ratio cap, so a gzip bomb stops there;
//! - the entry count a zip's end record declares is read (a few bytes,
//!   [`zip_declared_entries`]) and refused over the cap before the crate
//!   builds its table of entries;
//! - nested archives are kept on an explicit stack with a depth counter:
//!   no recursion whose depth the input decides.
//!
//! Any cap hit, and any archive or entry that cannot be read, is a warning
//! naming the archive and counts as an unreadable file (the scan is
//! incomplete: exit code 2 unless a finding fails the run). Entries that
//! are binary once decompressed are skipped like binary files.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{self, Cursor, Read};
use std::sync::atomic::Ordering;

use crate::engine::{Matcher, Scratch};
use crate::finding::Finding;
use crate::scan::{decode, scan_file, ScanSettings, BINARY_PROBE};
use crate::source::Counters;

/// Archives inside archives are opened to this depth (the archive on disk
/// or in git is depth 1).
pub const MAX_DEPTH: usize = 3;
/// Entries (files, directories, links) in one archive and everything nested
/// in it.
pub const MAX_ENTRIES: u64 = 20_000;
/// Bytes expanded from one archive and everything nested in it.
pub const MAX_EXPANDED: u64 = 256 << 20;
/// An entry (or a gzip stream) may expand to this many times its
/// compressed size...
pub const MAX_RATIO: u64 = 100;
/// ...once it is past this size: small files of repeated text compress far
/// better than that and are harmless.
pub const RATIO_FLOOR: u64 = 1 << 20;

/// The archive formats skyscan opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.zip`, `.jar`, `.whl`, `.nupkg`.
    Zip,
    Tar,
    /// `.tar.gz`, `.tgz`.
    TarGz,
}

/// The archive format a file name says, if any.
pub fn format_of(path: &str) -> Option<Format> {
    let name = path.rsplit(['/', '!']).next().unwrap_or(path);
    let name = name.to_ascii_lowercase();
    let has = |ext: &str| name.len() > ext.len() && name.ends_with(ext);
    if [".zip", ".jar", ".whl", ".nupkg"].iter().any(|e| has(e)) {
        Some(Format::Zip)
    } else if has(".tar.gz") || has(".tgz") {
        Some(Format::TarGz)
    } else if has(".tar") {
        Some(Format::Tar)
    } else {
        None
    }
}

/// The caps one archive tree is read under.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub depth: usize,
    pub entries: u64,
    pub expanded: u64,
    /// Largest entry read (the scan's `--max-filesize`).
    pub entry: u64,
    pub ratio: u64,
}

impl Limits {
    /// The default caps, with entries capped at the scan's file size cap.
    pub fn new(max_filesize: u64) -> Limits {
        Limits {
            depth: MAX_DEPTH,
            entries: MAX_ENTRIES,
            expanded: MAX_EXPANDED,
            entry: max_filesize.min(MAX_EXPANDED),
            ratio: MAX_RATIO,
        }
    }
}

/// How to scan the archives of one source.
pub(crate) struct ArchiveScan<'a> {
    pub matcher: &'a Matcher,
    pub settings: &'a ScanSettings,
    pub limits: Limits,
    /// Whether the archive is committed: its entries then are too, and path
    /// rules (committed `.env` files) apply to them.
    pub committed: bool,
    pub counters: &'a Counters,
}

/// An archive waiting to be opened.
struct Pending<'d> {
    /// Its reported path (`a.zip`, `a.zip!lib/b.jar`).
    path: String,
    data: Cow<'d, [u8]>,
    format: Format,
    depth: usize,
}

/// What is left of the caps shared by an archive tree.
struct Tree {
    entries: u64,
    expanded_left: u64,
}

/// Why an entry or an archive was not (fully) read, and how much of the
/// work it stops.
struct Problem {
    what: String,
    stop: Stop,
}

#[derive(PartialEq, Eq)]
enum Stop {
    /// This entry only.
    Entry,
    /// The rest of this archive.
    Archive,
    /// The rest of the archive tree (a shared cap is used up).
    Tree,
}

impl Problem {
    fn new(stop: Stop, what: String) -> Problem {
        Problem { what, stop }
    }
}

/// What one archive produced, before it is reported.
#[derive(Default)]
struct Opened<'d> {
    findings: Vec<Finding>,
    nested: Vec<Pending<'d>>,
    problems: Vec<Problem>,
}

impl ArchiveScan<'_> {
    /// Scan the archive at `path` (format from its name) and everything
    /// nested in it; `warn` is told, once per archive, what was not read.
    pub fn scan(
        &self,
        path: &str,
        data: &[u8],
        scratch: &mut Scratch,
        warn: &dyn Fn(String),
    ) -> Vec<Finding> {
        let Some(format) = format_of(path) else {
            return Vec::new();
        };
        // Judges must not read files on disk at an archive's inner paths.
        let settings = ScanSettings {
            project: None,
            ..self.settings.clone()
        };
        let mut tree = Tree {
            entries: 0,
            expanded_left: self.limits.expanded,
        };
        let mut stack = vec![Pending {
            path: path.to_string(),
            data: Cow::Borrowed(data),
            format,
            depth: 1,
        }];
        let mut findings = Vec::new();
        while let Some(archive) = stack.pop() {
            let mut opened = Opened::default();
            let outcome = match archive.format {
                Format::Zip => self.read_zip(&archive, &mut tree, &mut opened, &settings, scratch),
                Format::Tar => {
                    let reader = Cursor::new(&archive.data[..]);
                    self.read_tar(&archive, reader, &mut tree, &mut opened, &settings, scratch)
                }
                Format::TarGz => {
                    self.read_tar_gz(&archive, &mut tree, &mut opened, &settings, scratch)
                }
            };
            if let Err(p) = outcome {
                // What stopped the archive is what the warning names.
                opened.problems.insert(0, p);
            }
            findings.append(&mut opened.findings);
            let tree_spent = opened.problems.iter().any(|p| p.stop == Stop::Tree);
            if let Some(first) = opened.problems.first() {
                self.counters.errors.fetch_add(1, Ordering::Relaxed);
                let more = match opened.problems.len() - 1 {
                    0 => String::new(),
                    n => format!(" (and {n} more problem(s) in this archive)"),
                };
                warn(format!("{}: {}{more}", archive.path, first.what));
            }
            if tree_spent {
                // Nested archives not opened yet are not scanned either.
                if !stack.is_empty() || !opened.nested.is_empty() {
                    self.counters.errors.fetch_add(1, Ordering::Relaxed);
                    warn(format!(
                        "{}: {} nested archive(s) not opened: the archive's caps are used up",
                        path,
                        stack.len() + opened.nested.len()
                    ));
                }
                break;
            }
            // Last pushed, first opened: entries keep their order.
            stack.extend(opened.nested.into_iter().rev());
        }
        findings
    }

    fn read_zip<'d>(
        &self,
        archive: &Pending<'_>,
        tree: &mut Tree,
        opened: &mut Opened<'d>,
        settings: &ScanSettings,
        scratch: &mut Scratch,
    ) -> Result<(), Problem> {
        let data = &archive.data[..];
        if let Some(declared) = zip_declared_entries(data) {
            if tree.entries.saturating_add(declared) > self.limits.entries {
                return Err(too_many_entries(self.limits.entries, declared));
            }
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(data)).map_err(|e| {
            Problem::new(Stop::Archive, format!("not a readable zip archive ({e})"))
        })?;
        if tree.entries.saturating_add(zip.len() as u64) > self.limits.entries {
            return Err(too_many_entries(self.limits.entries, zip.len() as u64));
        }
        for i in 0..zip.len() {
            tree.entries += 1;
            let name = match zip.name_for_index(i) {
                Some(Ok(n)) => n.into_owned(),
                _ => format!("entry {}", i + 1),
            };
            let mut file = match zip.by_index(i) {
                Ok(f) => f,
                Err(e) => {
                    opened.problems.push(Problem::new(
                        Stop::Entry,
                        format!("{name}: cannot be read ({e})"),
                    ));
                    continue;
                }
            };
            if !file.is_file() {
                continue;
            }
            let sizes = Declared {
                size: file.size(),
                compressed: Some(file.compressed_size()),
            };
            let read = self.read_entry(archive, tree, &name, sizes, &mut file);
            self.handle(archive, name, read, opened, settings, scratch)?;
        }
        Ok(())
    }

    fn read_tar_gz<'d>(
        &self,
        archive: &Pending<'_>,
        tree: &mut Tree,
        opened: &mut Opened<'d>,
        settings: &ScanSettings,
        scratch: &mut Scratch,
    ) -> Result<(), Problem> {
        let compressed = archive.data.len() as u64;
        let ratio_cap = compressed
            .saturating_mul(self.limits.ratio)
            .max(RATIO_FLOOR);
        let hit = Cell::new(false);
        let stream = Budget {
            inner: flate2::read::MultiGzDecoder::new(&archive.data[..]),
            left: ratio_cap.min(self.limits.expanded),
            hit: &hit,
        };
        let result = self.read_tar(archive, stream, tree, opened, settings, scratch);
        if hit.get() {
            let what = if ratio_cap <= self.limits.expanded {
                format!(
                    "gzip bomb: the stream expands past {} times its {compressed} bytes; not read further",
                    self.limits.ratio
                )
            } else {
                format!(
                    "expands past the cap of {} bytes; not read further",
                    self.limits.expanded
                )
            };
            return Err(Problem::new(Stop::Archive, what));
        }
        result
    }

    fn read_tar<'d, R: Read>(
        &self,
        archive: &Pending<'_>,
        reader: R,
        tree: &mut Tree,
        opened: &mut Opened<'d>,
        settings: &ScanSettings,
        scratch: &mut Scratch,
    ) -> Result<(), Problem> {
        let corrupt =
            |e: io::Error| Problem::new(Stop::Archive, format!("not a readable tar archive ({e})"));
        let mut tar = tar::Archive::new(reader);
        for entry in tar.entries().map_err(corrupt)? {
            let mut entry = entry.map_err(corrupt)?;
            tree.entries += 1;
            if tree.entries > self.limits.entries {
                return Err(too_many_entries(self.limits.entries, tree.entries));
            }
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let size = entry.size();
            if archive.format == Format::Tar && size > archive.data.len() as u64 {
                return Err(Problem::new(
                    Stop::Archive,
                    format!("{name}: declares {size} bytes, more than the archive holds (corrupt)"),
                ));
            }
            let sizes = Declared {
                size,
                compressed: None,
            };
            let read = self.read_entry(archive, tree, &name, sizes, &mut entry);
            self.handle(archive, name, read, opened, settings, scratch)?;
        }
        Ok(())
    }

    /// Read one entry within the caps: `Ok(None)` when it is binary (and not
    /// an archive), skipped after its first bytes.
    fn read_entry(
        &self,
        archive: &Pending<'_>,
        tree: &mut Tree,
        name: &str,
        declared: Declared,
        reader: &mut dyn Read,
    ) -> Result<Option<Vec<u8>>, Problem> {
        let caps = self.entry_caps(archive, tree, name, declared)?;
        let nested = format_of(name).is_some();
        let buf = read_capped(reader, caps.limit, nested)
            .map_err(|e| Problem::new(Stop::Entry, format!("{name}: cannot be read ({e})")))?;
        let got = buf.len() as u64;
        if got > caps.limit {
            return Err(self.overrun(name, declared, caps));
        }
        tree.expanded_left -= got;
        if !nested && decode(&buf).is_none() {
            self.counters.binary.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
        Ok(Some(buf))
    }

    /// The caps entry `name` is read under, once what its header declares
    /// is within them: the nesting depth, the compression ratio, the
    /// per-entry size and what is left of the tree's expansion budget.
    fn entry_caps(
        &self,
        archive: &Pending<'_>,
        tree: &Tree,
        name: &str,
        declared: Declared,
    ) -> Result<EntryCaps, Problem> {
        let limits = &self.limits;
        let skip = |what: String| Err(Problem::new(Stop::Entry, format!("{name}: {what}")));
        if format_of(name).is_some() && archive.depth >= limits.depth {
            return skip(format!(
                "an archive nested deeper than {} levels; not opened",
                limits.depth
            ));
        }
        let ratio_cap = declared
            .compressed
            .map(|c| c.saturating_mul(limits.ratio).max(RATIO_FLOOR));
        if let (Some(cap), Some(c)) = (ratio_cap, declared.compressed) {
            if declared.size > cap {
                return skip(format!(
                    "zip bomb: declares {} bytes from {c} compressed (over {}:1); not read",
                    declared.size, limits.ratio
                ));
            }
        }
        if declared.size > limits.entry {
            return skip(format!(
                "declares {} bytes, over the per-entry cap of {} bytes (--max-filesize); not read",
                declared.size, limits.entry
            ));
        }
        if declared.size > tree.expanded_left {
            return Err(total_spent(limits.expanded));
        }
        let limit = limits
            .entry
            .min(tree.expanded_left)
            .min(ratio_cap.unwrap_or(u64::MAX));
        Ok(EntryCaps { limit, ratio_cap })
    }

    /// Why entry `name` was read past its `caps.limit`: the cap that set
    /// the limit (the ratio, the per-entry size, or the tree's budget).
    fn overrun(&self, name: &str, declared: Declared, caps: EntryCaps) -> Problem {
        let limits = &self.limits;
        if caps.ratio_cap == Some(caps.limit) {
            Problem::new(
                Stop::Entry,
                format!(
                    "{name}: zip bomb: expands past {}:1 (its header said {} bytes); not read further",
                    limits.ratio, declared.size
                ),
            )
        } else if caps.limit == limits.entry {
            Problem::new(
                Stop::Entry,
                format!(
                    "{name}: expands past the per-entry cap of {} bytes (its header said {} bytes); not read further",
                    limits.entry, declared.size
                ),
            )
        } else {
            total_spent(limits.expanded)
        }
    }

    /// Scan an entry that was read, or queue it when it is an archive.
    fn handle<'d>(
        &self,
        archive: &Pending<'_>,
        name: String,
        read: Result<Option<Vec<u8>>, Problem>,
        opened: &mut Opened<'d>,
        settings: &ScanSettings,
        scratch: &mut Scratch,
    ) -> Result<(), Problem> {
        let data = match read {
            Ok(Some(data)) => data,
            Ok(None) => return Ok(()),
            Err(p) if p.stop == Stop::Entry => {
                opened.problems.push(p);
                return Ok(());
            }
            Err(p) => return Err(p),
        };
        let inner = inner_path(&name);
        let full = format!("{}!{inner}", archive.path);
        if let Some(format) = format_of(&inner) {
            opened.nested.push(Pending {
                path: full,
                data: Cow::Owned(data),
                format,
                depth: archive.depth + 1,
            });
            return Ok(());
        }
        let Some(text) = decode(&data) else {
            self.counters.binary.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        };
        settings.log(|| format!("scanned {full}"));
        self.counters.files.fetch_add(1, Ordering::Relaxed);
        let len = text.len() as u64;
        self.counters.bytes.fetch_add(len, Ordering::Relaxed);
        let found = scan_file(
            self.matcher,
            &inner,
            &text,
            scratch,
            settings,
            self.committed,
        );
        opened.findings.extend(found.into_iter().map(|mut f| {
            f.relocate(&archive.path);
            f
        }));
        Ok(())
    }
}

/// The sizes an entry's header declares.
#[derive(Debug, Clone, Copy)]
struct Declared {
    size: u64,
    /// `None` where the format has no per-entry compression (tar).
    compressed: Option<u64>,
}

/// The most bytes an entry may expand to, and the part of that the
/// compression ratio sets (`None` in a tar, where entries are stored).
#[derive(Debug, Clone, Copy)]
struct EntryCaps {
    limit: u64,
    ratio_cap: Option<u64>,
}

/// Read an entry through a `limit + 1` byte window (one byte over says the
/// entry is over): the first `BINARY_PROBE` bytes, then the rest only for
/// an archive (`nested`) or text.
fn read_capped(reader: &mut dyn Read, limit: u64, nested: bool) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut bounded = reader.take(limit.saturating_add(1));
    (&mut bounded)
        .take(BINARY_PROBE as u64)
        .read_to_end(&mut buf)?;
    if nested || decode(&buf).is_some() {
        bounded.read_to_end(&mut buf)?;
    }
    Ok(buf)
}

fn too_many_entries(cap: u64, declared: u64) -> Problem {
    Problem::new(
        Stop::Tree,
        format!("holds {declared} entries or more, over the cap of {cap}; not read further"),
    )
}

fn total_spent(cap: u64) -> Problem {
    Problem::new(
        Stop::Tree,
        format!("expands past the cap of {cap} bytes for an archive and what it nests; not read further"),
    )
}

/// An entry's name as a path: `/`-separated, without a leading `/` or `./`.
fn inner_path(name: &str) -> String {
    let name = name.replace('\\', "/");
    let mut rest = name.as_str();
    loop {
        let next = rest.trim_start_matches('/').trim_start_matches("./");
        if next.len() == rest.len() {
            break;
        }
        rest = next;
    }
    rest.to_string()
}

/// A reader that gives at most `left` bytes and then fails, noting that the
/// cap was hit (a gzip stream has no size to check in advance).
struct Budget<'a, R> {
    inner: R,
    left: u64,
    hit: &'a Cell<bool>,
}

impl<R: Read> Read for Budget<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // Only a stream with more to give is over the cap.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.hit.set(true);
            return Err(io::Error::other("expanded past the archive's cap"));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// The number of entries a zip's end-of-central-directory record (or its
/// ZIP64 record) declares, if the record can be found: read before the zip
/// crate builds its table, so an absurd count is refused up front.
pub fn zip_declared_entries(data: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const EOCD_LEN: usize = 22;
    // The record sits in the last 22 bytes plus a comment of up to 64 KiB.
    let from = data.len().saturating_sub(EOCD_LEN + 0xFFFF);
    let at = memchr::memmem::rfind(&data[from..], EOCD)? + from;
    let record = data.get(at..at + EOCD_LEN)?;
    let count = u16::from_le_bytes([record[10], record[11]]);
    if count != 0xFFFF {
        return Some(u64::from(count));
    }
    // ZIP64: a locator right before the record points at the ZIP64 record.
    let locator = data.get(at.checked_sub(20)?..at)?;
    if &locator[..4] != b"PK\x06\x07" {
        return None;
    }
    let offset = u64::from_le_bytes(locator[8..16].try_into().ok()?);
    let offset = usize::try_from(offset).ok()?;
    let record = data.get(offset..offset.checked_add(56)?)?;
    if &record[..4] != b"PK\x06\x06" {
        return None;
    }
    Some(u64::from_le_bytes(record[32..40].try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_known_by_name() {
        assert_eq!(format_of("lib/a.JAR"), Some(Format::Zip));
        assert_eq!(format_of("x.whl"), Some(Format::Zip));
        assert_eq!(format_of("p.nupkg"), Some(Format::Zip));
        assert_eq!(format_of("a.zip!b.tar.gz"), Some(Format::TarGz));
        assert_eq!(format_of("b.tgz"), Some(Format::TarGz));
        assert_eq!(format_of("b.tar"), Some(Format::Tar));
        assert_eq!(format_of(".zip"), None);
        assert_eq!(format_of("zip.py"), None);
        assert_eq!(format_of("a.tar.bz2"), None);
    }

    #[test]
    fn inner_paths_lose_leading_separators() {
        assert_eq!(inner_path("/./a/.env"), "a/.env");
        assert_eq!(inner_path("./b"), "b");
        assert_eq!(inner_path("c\\d"), "c/d");
    }

    #[test]
    fn the_declared_entry_count_is_read_from_the_end_record() {
        let mut zip = vec![0u8; 30];
        zip.extend_from_slice(b"PK\x05\x06");
        zip.extend_from_slice(&[0, 0, 0, 0, 0x34, 0x12, 0x34, 0x12]);
        zip.extend_from_slice(&[0; 10]);
        assert_eq!(zip_declared_entries(&zip), Some(0x1234));
        assert_eq!(zip_declared_entries(b"not a zip"), None);
        assert_eq!(zip_declared_entries(b"PK\x05\x06short"), None);
    }

    #[test]
    fn a_budget_stops_a_stream_that_gives_more() {
        let hit = Cell::new(false);
        let mut r = Budget {
            inner: &[7u8; 100][..],
            left: 10,
            hit: &hit,
        };
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
        assert_eq!(out.len(), 10);
        assert!(hit.get());
        let hit = Cell::new(false);
        let mut r = Budget {
            inner: &[7u8; 10][..],
            left: 10,
            hit: &hit,
        };
        assert_eq!(r.read_to_end(&mut Vec::new()).unwrap(), 10);
        assert!(!hit.get());
    }
}
