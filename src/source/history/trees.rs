//! Every tree of the history, decoded once into a compact form, and the
//! walk over them that lists each distinct blob with the commit and path
//! where it first appears.
//!
//! A long history holds hundreds of thousands of trees, most of them small
//! edits of one another stored as deltas. They are decoded in one parallel
//! pass over the packs ([`Packs::resolve_all`]) into entries of eight
//! bytes: an interned name and the entry's object *position*. A tree that
//! is a delta of another is stored the way its delta is: runs of entries
//! copied from the base's, and the entries of its own (at most
//! `MAX_DELTA_DEPTH` such trees from one stored whole), which is what keeps
//! the store small on long histories: a commit that changes one file makes
//! new trees that differ from their bases by one entry each. The walk
//! rebuilds each tree's entries once, and tests "seen before?" with one bit
//! per object instead of a hash set. Paths are stored once each, as a
//! directory's path and a name.
//! Trees not decoded that way (loose, unreadable in the pack, or every tree
//! when the walk is expected to reach only a few) are read one by one when
//! the walk reaches them.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rustc_hash::FxHashMap;

use crate::checks::env_files::{self, NameFilter};
use crate::git::commits::CommitInfo;
use crate::git::pack::{oid, ObjectId};
use crate::git::packs::{Kind, Packs, Resolved, Visit};
use crate::git::Odb;
use crate::rules::RuleSet;

/// A tree entry: an interned name and what it points at.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Bit 31: a path rule may match the name. Bits 30..24: the interner
    /// (thread) that holds the name. Bits 23..0: the name's number there.
    name: u32,
    /// Bit 31: a blob (else a tree). Bit 30: `External` (else a packed
    /// position). Bits 29..0: the position, or the external number.
    target: u32,
}

const ENV_LIKE: u32 = 1 << 31;
const IS_BLOB: u32 = 1 << 31;
const EXTERNAL: u32 = 1 << 30;
const INDEX_MASK: u32 = (1 << 30) - 1;
const NAME_MASK: u32 = (1 << 24) - 1;
/// Interners (tags 0..=126; 127 is `COPY`'s): one per pool thread that
/// decodes trees, then the walk's own, then one per part of a parallel
/// walk.
const MAX_INTERNERS: usize = 127;

/// Object ids the packs do not have (loose objects, missing objects).
#[derive(Default)]
struct Externals {
    ids: Vec<ObjectId>,
    index: FxHashMap<ObjectId, u32>,
}

impl Externals {
    fn number(&mut self, id: ObjectId) -> Option<u32> {
        if let Some(&n) = self.index.get(&id) {
            return Some(n);
        }
        let n = u32::try_from(self.ids.len())
            .ok()
            .filter(|&n| n <= INDEX_MASK)?;
        self.ids.push(id);
        self.index.insert(id, n);
        Some(n)
    }
}

/// Decoded trees as `u32` words, in chunks of a fixed size that a tree
/// never straddles, addressed by a `u32` index (chunk `index / CHUNK`). A
/// single growing vector would double its capacity as trees are added: up
/// to half of it unused, and both copies alive while it grows.
#[derive(Default)]
struct Arena {
    chunks: Vec<Vec<u32>>,
    /// Whether the last chunk takes more trees (not one a large tree has
    /// to itself).
    open: bool,
}

/// Words per chunk (512 KiB).
const CHUNK: usize = 1 << 17;

impl Arena {
    /// Store a tree's words; the index of the first, or `None` when the
    /// index space (2^32 words) is used up.
    fn push_tree(&mut self, words: &[u32]) -> Option<u32> {
        if words.is_empty() {
            return Some(0);
        }
        let fits = self.open
            && self
                .chunks
                .last()
                .is_some_and(|c| c.len() + words.len() <= CHUNK);
        if !fits {
            let first = self.chunks.len();
            let spans = words.len().div_ceil(CHUNK);
            let end = (first + spans).checked_mul(CHUNK)?;
            u32::try_from(end).ok()?;
            if spans == 1 {
                self.chunks.push(Vec::with_capacity(CHUNK));
                self.open = true;
            } else {
                // A tree larger than a chunk: one chunk of its own size,
                // and the numbers of the chunks it spans left empty.
                self.chunks.push(Vec::with_capacity(words.len()));
                self.chunks.extend((1..spans).map(|_| Vec::new()));
                self.open = false;
                let chunk = &mut self.chunks[first];
                chunk.extend_from_slice(words);
                return Some((first * CHUNK) as u32);
            }
        }
        let c = self.chunks.len() - 1;
        let chunk = &mut self.chunks[c];
        let start = c * CHUNK + chunk.len();
        chunk.extend_from_slice(words);
        Some(start as u32)
    }

    fn get(&self, start: u32, len: u32) -> Option<&[u32]> {
        if len == 0 {
            return Some(&[]);
        }
        let (c, at) = (start as usize / CHUNK, start as usize % CHUNK);
        self.chunks.get(c)?.get(at..at + len as usize)
    }
}

/// How a decoded tree is stored: its delta base's position (`NO_BASE` for
/// a tree stored whole), then items of two words each: an entry (name,
/// target), or a run of entries copied from the base (`COPY | count`, the
/// first one's index in the base). Entry names never have `COPY`'s bits
/// 30..24 (no interner has that tag). A tree that changes one entry of its
/// base takes seven words instead of two per entry.
const NO_BASE: u32 = u32::MAX;
/// In the first word of a delta tree: a run copies an entry whose name a
/// path rule may match (the walk must then look at the copies too).
const ENV_COPIES: u32 = 1 << 31;
const COPY: u32 = 0x7f << 24;
const COUNT_MASK: u32 = (1 << 24) - 1;

/// How many delta trees may stand between a tree and the whole tree its
/// entries are rebuilt from: the walk rebuilds each tree once, copying
/// runs of entries at most this many times over.
const MAX_DELTA_DEPTH: u32 = 4;

/// Rebuild a tree's entries from its stored `words` and its base's entries.
fn expand(words: &[u32], base: &[Entry], out: &mut Vec<Entry>) -> Option<()> {
    out.clear();
    for item in words.get(1..)?.chunks_exact(2) {
        if item[0] & COPY == COPY && item[0] & ENV_LIKE == 0 {
            let from = item[1] as usize;
            let count = (item[0] & COUNT_MASK) as usize;
            out.extend_from_slice(base.get(from..from.checked_add(count)?)?);
        } else {
            out.push(Entry {
                name: item[0],
                target: item[1],
            });
        }
    }
    Some(())
}

/// One thread's decoded trees and names.
struct Decoder {
    tag: u32,
    trees: Arena,
    /// The words of the tree being decoded.
    scratch: Vec<u32>,
    names: Vec<Box<[u8]>>,
    interned: FxHashMap<Box<[u8]>, u32>,
    /// The records of the tree decoded last, for the deltas based on it.
    records: Vec<Record>,
}

/// Where a tree entry's record (mode, name, id) lies in its raw tree, and
/// what it was decoded to (`None` for entries the walk skips) with its
/// index among the tree's entries.
#[derive(Debug, Clone, Copy)]
struct Record {
    start: u32,
    end: u32,
    entry: Option<Entry>,
    index: u32,
}

/// What the traversal keeps of a decoded tree for the deltas based on it.
#[derive(Clone)]
struct Decoded {
    records: Vec<Record>,
    /// The tree's position, and how many delta trees stand between it and
    /// a tree stored whole.
    position: u32,
    depth: u32,
}

/// How far ahead in its base a delta tree's entry is looked for: past the
/// few entries a commit usually removes from one directory.
const BASE_WINDOW: usize = 4;

impl Decoder {
    fn new(tag: usize) -> Decoder {
        Decoder {
            tag: (tag as u32) << 24,
            trees: Arena::default(),
            scratch: Vec::new(),
            names: Vec::new(),
            interned: FxHashMap::default(),
            records: Vec::new(),
        }
    }

    fn intern(&mut self, name: &[u8], filter: &NameFilter) -> Option<u32> {
        if let Some(&n) = self.interned.get(name) {
            return Some(n);
        }
        let local = u32::try_from(self.names.len())
            .ok()
            .filter(|&n| n <= NAME_MASK)?;
        let flag = if filter.may_match(name) { ENV_LIKE } else { 0 };
        let n = flag | self.tag | local;
        self.names.push(name.into());
        self.interned.insert(name.into(), n);
        Some(n)
    }

    /// Decode a tree or blob entry not copied from a base; `None` when the
    /// compact form has no room left for it.
    fn new_entry(
        &mut self,
        entry: &RawEntry<'_>,
        store: &Packs,
        externals: &Mutex<Externals>,
        filter: &NameFilter,
    ) -> Option<Entry> {
        let flag = if entry.kind == EntryKind::Blob {
            IS_BLOB
        } else {
            0
        };
        let target = match store.position(entry.id) {
            Some(p) if p <= INDEX_MASK => flag | p,
            _ => {
                flag | EXTERNAL
                    | externals
                        .lock()
                        .expect("lock")
                        .number(entry.id.to_owned())?
            }
        };
        let name = self.intern(entry.name, filter)?;
        Some(Entry { name, target })
    }

    /// Store the entries of raw tree `data`; `None` when it is malformed
    /// (or too large for the compact form), with nothing stored. Leaves
    /// the tree's records in `self.records`; returns where its words are.
    ///
    /// `base` is the raw tree `data` is a delta of, with what was kept of
    /// its decoding: an entry whose record (mode, name, id) is also in the
    /// base takes the base's decoded entry, sparing the id lookup and the
    /// name interning. Most entries of most trees are such copies, and
    /// unless the base is `MAX_DELTA_DEPTH` deltas deep already they are
    /// stored as runs copied from the base.
    fn decode(
        &mut self,
        data: &[u8],
        base: Option<(&[u8], &Decoded)>,
        store: &Packs,
        externals: &Mutex<Externals>,
        filter: &NameFilter,
    ) -> Option<(u32, u32)> {
        self.records.clear();
        self.scratch.clear();
        // Trees are at most MAX_STRUCTURE_SIZE bytes: record offsets fit.
        u32::try_from(data.len()).ok()?;
        let delta_of = base.filter(|(_, b)| b.depth < MAX_DELTA_DEPTH && b.position <= INDEX_MASK);
        self.scratch
            .push(delta_of.map_or(NO_BASE, |(_, b)| b.position));
        let ok = self.decode_entries(data, base, delta_of.is_some(), store, externals, filter);
        let len = u32::try_from(self.scratch.len())
            .ok()
            .filter(|&l| u64::from(l) <= SLOT_LEN_MASK);
        let (Some(()), Some(len)) = (ok, len) else {
            return None;
        };
        let start = self.trees.push_tree(&self.scratch)?;
        Some((start, len))
    }

    /// Decode the entries of raw tree `data` into `scratch` (after its
    /// first word) and `records`; `None` when it is malformed. An entry
    /// found in `base` takes the base's decoded entry and, with
    /// `copy_runs`, is stored in a run copied from the base.
    fn decode_entries(
        &mut self,
        data: &[u8],
        base: Option<(&[u8], &Decoded)>,
        copy_runs: bool,
        store: &Packs,
        externals: &Mutex<Externals>,
        filter: &NameFilter,
    ) -> Option<()> {
        let (base_data, base_records) =
            base.map_or((&[][..], &[][..]), |(raw, b)| (raw, &b.records[..]));
        let mut cursor = 0;
        let mut count = 0u32;
        // Where the copy run being extended is in `scratch`.
        let mut run: Option<usize> = None;
        for entry in TreeEntries::new(data, store.hash_len()) {
            let entry = entry.ok()?;
            let at = entry.record.as_ptr() as usize - data.as_ptr() as usize;
            let copied = find_in_base(base_data, &base_records[cursor..], entry.record);
            let (decoded, from) = match copied {
                Some(k) => {
                    cursor += k + 1;
                    let r = &base_records[cursor - 1];
                    (r.entry, Some(r.index))
                }
                None if entry.kind == EntryKind::Other => (None, None),
                None => (
                    Some(self.new_entry(&entry, store, externals, filter)?),
                    None,
                ),
            };
            if let Some(e) = decoded {
                match from {
                    Some(from) if copy_runs => self.push_copy(&mut run, e, from),
                    _ => {
                        run = None;
                        self.scratch.extend([e.name, e.target]);
                    }
                }
                count = count.checked_add(1)?;
            }
            self.records.push(Record {
                start: at as u32,
                end: (at + entry.record.len()) as u32,
                entry: decoded,
                index: count.wrapping_sub(1),
            });
        }
        Some(())
    }

    /// Store entry `e`, the base's entry number `from`, as a copy: one
    /// more in the copy run at `run` when it ends just before `from`, else
    /// a new run.
    #[inline]
    fn push_copy(&mut self, run: &mut Option<usize>, e: Entry, from: u32) {
        if e.name & ENV_LIKE != 0 {
            self.scratch[0] |= ENV_COPIES;
        }
        let extends = run.is_some_and(|at| {
            let (head, first) = (self.scratch[at], self.scratch[at + 1]);
            let len = head & COUNT_MASK;
            first + len == from && len < COUNT_MASK
        });
        match *run {
            Some(at) if extends => self.scratch[at] += 1,
            _ => {
                *run = Some(self.scratch.len());
                self.scratch.extend([COPY | 1, from]);
            }
        }
    }
}

/// Where a tree entry's `record` (mode, name, id) is among the base's
/// records still `ahead`, looking `BASE_WINDOW` records far.
#[inline]
fn find_in_base(base_data: &[u8], ahead: &[Record], record: &[u8]) -> Option<usize> {
    let window = &ahead[..ahead.len().min(BASE_WINDOW)];
    window
        .iter()
        .position(|r| base_data.get(r.start as usize..r.end as usize) == Some(record))
}

/// Where a decoded tree's entries are: interner (7 bits), start (32 bits),
/// length (24 bits). `UNDECODED` for trees not decoded.
const UNDECODED: u64 = u64::MAX;
const SLOT_LEN_MASK: u64 = (1 << 24) - 1;

fn slot(tag: usize, start: u32, len: u32) -> u64 {
    ((tag as u64) << 56) | (u64::from(start) << 24) | u64::from(len)
}

/// Every packed tree, decoded.
pub struct TreeStore {
    slots: Vec<AtomicU64>,
    decoders: Vec<Decoder>,
    /// Numbers for the ids the packs do not have, shared by every walk.
    externals: Mutex<Externals>,
}

impl TreeStore {
    /// Decode every packed tree on `pool`.
    pub fn decode_all(store: &Packs, pool: &rayon::ThreadPool, filter: &NameFilter) -> TreeStore {
        let threads = pool.current_num_threads().min(MAX_INTERNERS - 1);
        let decoders: Vec<Mutex<Decoder>> =
            (0..threads).map(|t| Mutex::new(Decoder::new(t))).collect();
        let externals = Mutex::new(Externals::default());
        let slots: Vec<AtomicU64> = (0..store.len())
            .map(|_| AtomicU64::new(UNDECODED))
            .collect();
        // Trees the packs cannot resolve are read through gitoxide by the
        // walk, which also reports them if they are unreadable there.
        let is_tree = |pos| store.kind(pos) == Some(Kind::Tree);
        let _unresolved = store.resolve_all_with(
            pool,
            Kind::Tree,
            is_tree,
            u64::MAX,
            |v: Visit<'_, Decoded>| {
                let Resolved::Data(data) = v.resolved else {
                    return None;
                };
                let t = rayon::current_thread_index().unwrap_or(0) % threads;
                let mut decoder = decoders[t].lock().expect("lock");
                let (start, len) = decoder.decode(data, v.base, store, &externals, filter)?;
                slots[v.position as usize].store(slot(t, start, len), Ordering::Relaxed);
                // Whether this tree was stored whole or as a delta.
                let base = decoder.scratch[0];
                let depth = match (base, v.base) {
                    (NO_BASE, _) | (_, None) => 0,
                    (_, Some((_, b))) => b.depth + 1,
                };
                v.has_deltas.then(|| Decoded {
                    records: decoder.records.clone(),
                    position: v.position,
                    depth,
                })
            },
        );
        TreeStore {
            slots,
            decoders: decoders
                .into_iter()
                .map(|d| d.into_inner().expect("lock"))
                .collect(),
            externals,
        }
    }

    /// A store with nothing decoded: the walk reads each tree it reaches
    /// (for walks that reach few trees, such as a short `--range`).
    pub fn empty() -> TreeStore {
        TreeStore {
            slots: Vec::new(),
            decoders: Vec::new(),
            externals: Mutex::new(Externals::default()),
        }
    }

    /// How many parts a walk may be split into: each part's walk has an
    /// interner of its own.
    pub fn max_parts(&self) -> usize {
        MAX_INTERNERS - 1 - self.decoders.len()
    }

    /// Once the walks are over: the names the paths of `out` use, and the
    /// ids of the objects the packs do not have, move to `out`; the
    /// decoded trees are freed.
    pub fn finish(self, out: &mut WalkResult) {
        for (names, decoder) in out.paths.names.iter_mut().zip(self.decoders) {
            *names = decoder.names;
        }
        out.externals = self.externals.into_inner().expect("lock").ids;
    }

    /// The stored words of the tree at `position`, if it was decoded.
    fn words(&self, position: u32) -> Option<&[u32]> {
        let s = self.slots.get(position as usize)?.load(Ordering::Relaxed);
        if s == UNDECODED {
            return None;
        }
        let (t, start, len) = (
            (s >> 56) as usize,
            ((s >> 24) & 0xffff_ffff) as u32,
            (s & SLOT_LEN_MASK) as u32,
        );
        self.decoders.get(t)?.trees.get(start, len)
    }

    /// For a tree stored as a delta whose copied runs hold no name a path
    /// rule may match: its base, and its own entries (not the copies) in
    /// `out`.
    fn own_entries(&self, position: u32, out: &mut Vec<Entry>) -> Option<u32> {
        let words = self.words(position)?;
        let first = *words.first()?;
        if first == NO_BASE || first & ENV_COPIES != 0 {
            return None;
        }
        out.clear();
        for item in words[1..].chunks_exact(2) {
            if item[0] & COPY != COPY {
                out.push(Entry {
                    name: item[0],
                    target: item[1],
                });
            }
        }
        Some(first & INDEX_MASK)
    }

    /// The entries of the tree at `position`, rebuilt into `out` along its
    /// chain of delta trees (`spare` holds each base in turn); false when
    /// it was not decoded.
    fn entries(&self, position: u32, out: &mut Vec<Entry>, spare: &mut Vec<Entry>) -> bool {
        const LONGEST: usize = MAX_DELTA_DEPTH as usize + 1;
        let mut chain: [&[u32]; LONGEST] = [&[]; LONGEST];
        let mut len = 0;
        let mut at = position;
        loop {
            let Some(words) = self.words(at) else {
                return false;
            };
            chain[len] = words;
            len += 1;
            match words.first() {
                Some(&NO_BASE) => break,
                Some(&base) if len < LONGEST => at = base & INDEX_MASK,
                _ => return false,
            }
        }
        for words in chain[..len].iter().rev() {
            std::mem::swap(out, spare);
            if expand(words, spare, out).is_none() {
                return false;
            }
        }
        true
    }

    fn name(&self, name: u32) -> &[u8] {
        let t = ((name >> 24) & 0x7f) as usize;
        &self.decoders[t].names[(name & NAME_MASK) as usize]
    }
}

/// A blob found by the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlobRef {
    /// A packed object, by position.
    Packed(u32),
    /// An object the packs do not have, by number in the walk's externals.
    External(u32),
}

/// A blob to scan, with the commit (index into the walk's commits) and
/// path where it first appeared: twelve bytes.
#[derive(Debug, Clone, Copy)]
pub struct BlobRecord {
    /// The blob as a tree entry's target (a position, or `EXTERNAL`).
    target: u32,
    /// The path, by node in [`Paths`].
    path: u32,
    pub commit: u32,
}

impl BlobRecord {
    pub fn blob(&self) -> BlobRef {
        let index = self.target & INDEX_MASK;
        if self.target & EXTERNAL != 0 {
            BlobRef::External(index)
        } else {
            BlobRef::Packed(index)
        }
    }
}

/// The paths of the walk, each stored once as its directory's path and
/// its own name: the blobs of a long history share far fewer paths than
/// there are blobs, and most paths share their directories.
pub struct Paths {
    /// (parent node, name) of each node; node 0 is the empty path (a root
    /// tree's). A node whose parent is `NAMED` is a ref's name for a blob,
    /// held in `named`.
    nodes: Vec<(u32, u32)>,
    index: FxHashMap<(u32, u32), u32>,
    named: Vec<String>,
    /// Tree entry names by interner, once the walk is over (during it they
    /// are the tree store's).
    names: Vec<Vec<Box<[u8]>>>,
}

const ROOT: u32 = 0;
const TOP: u32 = u32::MAX;
const NAMED: u32 = u32::MAX - 1;

impl Paths {
    fn new() -> Paths {
        Paths {
            nodes: vec![(TOP, 0)],
            index: FxHashMap::default(),
            named: Vec::new(),
            names: Vec::new(),
        }
    }

    /// The node of entry name `name` in directory `parent`; `None` once
    /// 2^32 - 2 paths are stored.
    fn child(&mut self, parent: u32, name: u32) -> Option<u32> {
        if let Some(&n) = self.index.get(&(parent, name)) {
            return Some(n);
        }
        let n = u32::try_from(self.nodes.len())
            .ok()
            .filter(|&n| n < NAMED)?;
        self.nodes.push((parent, name));
        self.index.insert((parent, name), n);
        Some(n)
    }

    /// A node for a path that is no tree entry's (a ref naming a blob).
    fn named(&mut self, path: &str) -> Option<u32> {
        let n = u32::try_from(self.nodes.len())
            .ok()
            .filter(|&n| n < NAMED)?;
        let k = u32::try_from(self.named.len()).ok()?;
        self.named.push(path.to_string());
        self.nodes.push((NAMED, k));
        Some(n)
    }

    /// The path of `node`, its entry names read through `name_of`.
    fn string<'n>(&self, node: u32, name_of: impl Fn(u32) -> &'n [u8]) -> String {
        let mut parts = Vec::new();
        let mut at = node;
        while let Some(&(parent, name)) = self.nodes.get(at as usize) {
            match parent {
                TOP => break,
                NAMED => {
                    parts.push(std::borrow::Cow::Borrowed(
                        self.named[name as usize].as_str(),
                    ));
                    break;
                }
                _ => {
                    parts.push(String::from_utf8_lossy(name_of(name)));
                    at = parent;
                }
            }
        }
        parts.reverse();
        parts.join("/")
    }
}

/// A tree entry whose name a path rule may match, met by the walk: its
/// path, the commit, and the tree that holds it.
#[derive(Debug, Clone, Copy)]
struct EnvEntry {
    path: u32,
    commit: u32,
    tree: u32,
}

/// What the walk found.
pub struct WalkResult {
    pub blobs: Vec<BlobRecord>,
    /// `.env`-like paths and the commit where each first appeared.
    pub env_paths: Vec<(String, usize)>,
    /// Entries that may be `.env`-like, in walk order, until
    /// [`Walker::settle_env`] makes them `env_paths`.
    env_entries: Vec<EnvEntry>,
    /// Trees that could not be read.
    pub errors: u64,
    paths: Paths,
    /// Ids of the objects the packs do not have, by number.
    externals: Vec<ObjectId>,
}

impl WalkResult {
    pub fn new() -> WalkResult {
        WalkResult {
            blobs: Vec::new(),
            env_paths: Vec::new(),
            env_entries: Vec::new(),
            errors: 0,
            paths: Paths::new(),
            externals: Vec::new(),
        }
    }

    /// The path where blob record `i` first appeared (once the walk is
    /// over).
    pub fn path(&self, i: usize) -> String {
        self.paths.string(self.blobs[i].path, |name| {
            let t = ((name >> 24) & 0x7f) as usize;
            &self.paths.names[t][(name & NAME_MASK) as usize]
        })
    }

    /// The object id of blob record `i`.
    pub fn oid<'s>(&'s self, i: usize, store: &'s Packs) -> &'s oid {
        match self.blobs[i].blob() {
            BlobRef::Packed(pos) => store.id(pos),
            BlobRef::External(n) => &self.externals[n as usize],
        }
    }
}

/// The "seen" sets of the walk: a bit per packed object, a hash set for
/// the rest.
struct Seen {
    bits: Vec<u64>,
    external: HashSet<u32>,
}

impl Seen {
    fn new(len: usize) -> Seen {
        Seen {
            bits: vec![0; len.div_ceil(64)],
            external: HashSet::new(),
        }
    }

    fn contains(&self, target: u32) -> bool {
        let index = target & INDEX_MASK;
        if target & EXTERNAL != 0 {
            return self.external.contains(&index);
        }
        self.bits[(index / 64) as usize] & (1 << (index % 64)) != 0
    }

    /// Mark everything `other` holds.
    fn union(&mut self, other: &Seen) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a |= b;
        }
        self.external.extend(&other.external);
    }

    /// Mark `target`; true when it was not marked before.
    fn insert(&mut self, target: u32) -> bool {
        let index = target & INDEX_MASK;
        if target & EXTERNAL != 0 {
            return self.external.insert(index);
        }
        let (word, bit) = ((index / 64) as usize, 1u64 << (index % 64));
        let fresh = self.bits[word] & bit == 0;
        self.bits[word] |= bit;
        fresh
    }
}

/// Warnings that are about no tree (the walk's paths ran out of room).
const NO_TREE: u32 = u32::MAX;

/// Walks commits in order over the decoded trees.
pub struct Walker<'a> {
    store: &'a TreeStore,
    objects: &'a Odb,
    rules: &'a RuleSet,
    filter: &'a NameFilter,
    seen: Seen,
    /// Decoder for trees read through gitoxide during the walk.
    own: Decoder,
    /// Trees read through gitoxide, by target.
    read_trees: FxHashMap<u32, (u32, u32)>,
    /// Room for the bases of delta trees being rebuilt, and for the
    /// entries of the tree being walked.
    spare: Vec<Entry>,
    entries: Vec<Entry>,
    /// Packed trees whose every entry the walk has marked seen.
    walked: Vec<u64>,
    /// The names read by the parts merged into this walk, by part (their
    /// tags follow this walk's own).
    parts: Vec<Vec<Box<[u8]>>>,
    /// Each warning with the tree it is about (`NO_TREE` for others).
    warnings: Vec<(u32, String)>,
    errors: u64,
}

impl<'a> Walker<'a> {
    pub fn new(
        store: &'a TreeStore,
        objects: &'a Odb,
        rules: &'a RuleSet,
        filter: &'a NameFilter,
    ) -> Self {
        Self::with_tag(store, objects, rules, filter, store.decoders.len())
    }

    fn with_tag(
        store: &'a TreeStore,
        objects: &'a Odb,
        rules: &'a RuleSet,
        filter: &'a NameFilter,
        tag: usize,
    ) -> Self {
        Walker {
            seen: Seen::new(objects.store.len()),
            own: Decoder::new(tag),
            store,
            objects,
            rules,
            filter,
            read_trees: FxHashMap::default(),
            spare: Vec::new(),
            entries: Vec::new(),
            walked: vec![0; objects.store.len().div_ceil(64)],
            parts: Vec::new(),
            warnings: Vec::new(),
            errors: 0,
        }
    }

    /// What walks of parts of the history need, to run beside this one.
    pub fn parts(&self) -> PartWalks<'a> {
        PartWalks {
            store: self.store,
            objects: self.objects,
            rules: self.rules,
            filter: self.filter,
        }
    }

    /// The target value of a tree by id.
    fn tree_target(&self, id: &ObjectId) -> Option<u32> {
        match self.objects.store.position(id) {
            Some(p) if p <= INDEX_MASK => Some(p),
            _ => self.externals().number(*id).map(|n| n | EXTERNAL),
        }
    }

    fn externals(&self) -> std::sync::MutexGuard<'a, Externals> {
        self.store.externals.lock().expect("lock")
    }

    fn target_id(&self, target: u32) -> ObjectId {
        let index = target & INDEX_MASK;
        if target & EXTERNAL != 0 {
            self.externals().ids[index as usize]
        } else {
            self.objects.store.id(index).to_owned()
        }
    }

    /// The entries of a tree, into `entries` (copied out, as the walk
    /// also adds trees); false, with a warning naming the tree's path
    /// (`node`), when it cannot be read.
    fn tree_entries(
        &mut self,
        target: u32,
        node: u32,
        paths: &Paths,
        entries: &mut Vec<Entry>,
    ) -> bool {
        if target & EXTERNAL == 0
            && self
                .store
                .entries(target & INDEX_MASK, entries, &mut self.spare)
        {
            return true;
        }
        if let Some(&(start, len)) = self.read_trees.get(&target) {
            let words = self.own.trees.get(start, len).unwrap_or_default();
            return expand(words, &[], entries).is_some();
        }
        let id = self.target_id(target);
        let mut buf = Vec::new();
        let read = self
            .objects
            .read_fallback(&id, &mut buf)
            .and_then(|kind| match kind {
                Kind::Tree => Ok(()),
                other => Err(format!("expected a tree, found a {other:?}").to_lowercase()),
            });
        let decoded = read.and_then(|()| {
            self.own
                .decode(
                    &buf,
                    None,
                    &self.objects.store,
                    &self.store.externals,
                    self.filter,
                )
                .ok_or_else(|| "malformed tree object".to_string())
        });
        match decoded {
            Ok((start, len)) => {
                self.read_trees.insert(target, (start, len));
                let words = self.own.trees.get(start, len).unwrap_or_default();
                expand(words, &[], entries).is_some()
            }
            Err(e) => {
                let prefix = self.path_string(paths, node);
                self.warnings
                    .push((target, format!("tree {id} ({prefix}): {e}")));
                self.errors += 1;
                false
            }
        }
    }

    /// [`Self::tree_entries`] into a vector of their own.
    fn entries_of(&mut self, target: u32, node: u32, paths: &Paths) -> Option<Vec<Entry>> {
        let mut entries = Vec::new();
        self.tree_entries(target, node, paths, &mut entries)
            .then_some(entries)
    }

    fn name(&self, name: u32) -> &[u8] {
        let t = ((name >> 24) & 0x7f) as usize;
        let n = (name & NAME_MASK) as usize;
        let decoders = self.store.decoders.len();
        if t == (self.own.tag >> 24) as usize {
            &self.own.names[n]
        } else if t < decoders {
            self.store.name(name)
        } else {
            &self.parts[t - decoders - 1][n]
        }
    }

    fn path_string(&self, paths: &Paths, node: u32) -> String {
        paths.string(node, |name| self.name(name))
    }

    /// A path node that could not be stored: the index space of paths is
    /// used up (2^32 paths), and what lies there is not scanned.
    fn no_room(&mut self, what: &str) {
        let warned = self
            .warnings
            .iter()
            .any(|(_, w)| w.starts_with("too many paths"));
        if !warned {
            self.warnings.push((
                NO_TREE,
                format!("too many paths in the history: {what} and others not scanned"),
            ));
        }
        self.errors += 1;
    }

    /// Report blob `id`, which a ref names directly, under the ref's name
    /// as its path, unless an earlier commit held it.
    pub fn walk_blob(
        &mut self,
        commit_index: usize,
        id: &ObjectId,
        name: &str,
        out: &mut WalkResult,
    ) {
        let target = match self.objects.store.position(id) {
            Some(p) if p <= INDEX_MASK => IS_BLOB | p,
            _ => {
                let Some(n) = self.externals().number(*id) else {
                    return;
                };
                IS_BLOB | EXTERNAL | n
            }
        };
        if self.seen.insert(target) {
            let Some(path) = out.paths.named(name) else {
                return self.no_room(name);
            };
            out.blobs.push(BlobRecord {
                target,
                path,
                commit: commit_index as u32,
            });
        }
    }

    /// Walk the tree `tree` of the commit numbered `commit_index` (or of a
    /// ref that no commit holds), reporting blobs not seen before.
    pub fn walk_tree(&mut self, commit_index: usize, tree: &ObjectId, out: &mut WalkResult) {
        let Some(root) = self.tree_target(tree) else {
            return;
        };
        let mut stack: Vec<(u32, u32)> = Vec::new();
        if self.seen.insert(root) {
            stack.push((root, ROOT));
        }
        // One buffer for the entries of every tree of the walk.
        let mut entries = std::mem::take(&mut self.entries);
        while let Some((tree, node)) = stack.pop() {
            if !self.entries_to_walk(tree, node, &out.paths, &mut entries) {
                continue;
            }
            for &e in &entries {
                let is_blob = e.target & IS_BLOB != 0;
                let fresh = self.seen.insert(e.target);
                let env_like = is_blob && e.name & ENV_LIKE != 0;
                if !fresh && !env_like {
                    continue;
                }
                let Some(path) = out.paths.child(node, e.name) else {
                    let dir = self.path_string(&out.paths, node);
                    self.no_room(&dir);
                    continue;
                };
                if !is_blob {
                    stack.push((e.target, path));
                    continue;
                }
                if env_like {
                    out.env_entries.push(EnvEntry {
                        path,
                        commit: commit_index as u32,
                        tree,
                    });
                }
                if fresh {
                    out.blobs.push(BlobRecord {
                        target: e.target,
                        path,
                        commit: commit_index as u32,
                    });
                }
            }
            if tree & EXTERNAL == 0 {
                let index = tree & INDEX_MASK;
                self.walked[(index / 64) as usize] |= 1 << (index % 64);
            }
        }
        self.entries = entries;
    }

    /// The entries of tree `target` the walk must look at. A delta tree
    /// whose base the walk has been through needs only its own entries:
    /// every entry it copies from the base is marked seen already (and
    /// none of them has a name a path rule may match).
    fn entries_to_walk(
        &mut self,
        target: u32,
        node: u32,
        paths: &Paths,
        entries: &mut Vec<Entry>,
    ) -> bool {
        if target & EXTERNAL == 0 {
            if let Some(base) = self.store.own_entries(target & INDEX_MASK, entries) {
                if self.walked[(base / 64) as usize] & (1 << (base % 64)) != 0 {
                    return true;
                }
            }
        }
        self.tree_entries(target, node, paths, entries)
    }

    /// Add what the walk of a part found (`part`, the part after the last
    /// one merged) to this walk's `out`, as if this walk had gone on
    /// through the part's commits: a part's walk started with nothing
    /// seen, so what the walks before it saw (blobs, and trees with the
    /// `.env`-like entries and unreadable trees met in them) is dropped.
    pub fn merge(&mut self, out: &mut WalkResult, part: Part<'a>) {
        let Part {
            walker: theirs,
            result: found,
        } = part;
        let mut nodes = vec![NO_NODE; found.paths.nodes.len()];
        nodes[ROOT as usize] = ROOT;
        // The node in `out` of the part's path `node`, or `None` (warned)
        // when the walk's paths are full.
        let mut adopt = |me: &mut Self, out: &mut WalkResult, node: u32| {
            let mapped = remap(&mut nodes, &found.paths, &mut out.paths, node);
            if mapped.is_none() {
                me.no_room(&theirs.path_string(&found.paths, node));
            }
            mapped
        };
        for r in &found.blobs {
            if self.seen.contains(r.target) {
                continue;
            }
            if let Some(path) = adopt(self, out, r.path) {
                out.blobs.push(BlobRecord { path, ..*r });
            }
        }
        // An entry of a tree an earlier part walked was met there.
        for e in &found.env_entries {
            if self.seen.contains(e.tree) {
                continue;
            }
            if let Some(path) = adopt(self, out, e.path) {
                out.env_entries.push(EnvEntry { path, ..*e });
            }
        }
        let mut tree_errors = 0;
        for (tree, warning) in theirs.warnings {
            if tree == NO_TREE {
                let warned = self.warnings.iter().any(|(_, w)| *w == warning);
                if !warned {
                    self.warnings.push((tree, warning));
                }
                continue;
            }
            tree_errors += 1;
            if !self.seen.contains(tree) {
                self.warnings.push((tree, warning));
                self.errors += 1;
            }
        }
        self.errors += theirs.errors - tree_errors;
        self.seen.union(&theirs.seen);
        for (mine, theirs) in self.walked.iter_mut().zip(&theirs.walked) {
            *mine |= theirs;
        }
        self.parts.push(theirs.own.names);
    }

    /// The `.env`-like entries met so far become `out.env_paths`: those
    /// whose path a path rule matches, each path at its first commit.
    pub fn settle_env(&self, out: &mut WalkResult, seen_env: &mut HashSet<String>) {
        for e in std::mem::take(&mut out.env_entries) {
            let path = self.path_string(&out.paths, e.path);
            if env_files::is_env_candidate(self.rules, &path) && seen_env.insert(path.clone()) {
                out.env_paths.push((path, e.commit as usize));
            }
        }
    }

    /// Walk a commit of a window (`--range`, `--since`): report the blobs
    /// its tree holds that none of its parents' trees holds, each once
    /// across the window. A blob moved to another path is not new; a
    /// commit without parents introduces its whole tree.
    pub fn walk_introduced(
        &mut self,
        commit_index: usize,
        tree: &ObjectId,
        parent_trees: &[ObjectId],
        out: &mut WalkResult,
        seen_env: &mut HashSet<String>,
    ) {
        let Some(root) = self.tree_target(tree) else {
            return;
        };
        let parents: Vec<u32> = parent_trees
            .iter()
            .filter_map(|t| self.tree_target(t))
            .collect();
        let mut introduced = self.introduced(root, parents.first().copied(), &mut out.paths);
        for &parent in parents.iter().skip(1) {
            // A merge introduces only what is new against every parent.
            let also: HashSet<u32> = self
                .introduced(root, Some(parent), &mut out.paths)
                .into_iter()
                .map(|(target, _)| target)
                .collect();
            introduced.retain(|(target, _)| also.contains(target));
        }
        for (target, node) in introduced {
            let path = self.path_string(&out.paths, node);
            if env_files::is_env_candidate(self.rules, &path) && seen_env.insert(path.clone()) {
                out.env_paths.push((path, commit_index));
            }
            if self.seen.insert(target) {
                out.blobs.push(BlobRecord {
                    target,
                    path: node,
                    commit: commit_index as u32,
                });
            }
        }
    }

    /// The blobs (target, path node) of tree `new` that tree `old` does
    /// not hold, found by descending only into subtrees that differ. A
    /// blob that `old` holds at another path (a move) is left out.
    fn introduced(&mut self, new: u32, old: Option<u32>, paths: &mut Paths) -> Vec<(u32, u32)> {
        let mut added = Vec::new();
        let mut removed = HashSet::new();
        // A tree that contains itself repeats a pair: each pair once.
        let mut visited = HashSet::new();
        let mut stack = vec![(Some(new), old, ROOT)];
        while let Some((new, old, node)) = stack.pop() {
            if new == old || !visited.insert((new, old)) {
                continue;
            }
            // By name: the same name has other numbers in other interners.
            let mut before: FxHashMap<Vec<u8>, (u32, u32)> = FxHashMap::default();
            for e in old
                .and_then(|t| self.entries_of(t, node, paths))
                .unwrap_or_default()
            {
                before.insert(self.name(e.name).to_vec(), (e.target, e.name));
            }
            for e in new
                .and_then(|t| self.entries_of(t, node, paths))
                .unwrap_or_default()
            {
                let was = before.remove(self.name(e.name)).map(|(target, _)| target);
                if was == Some(e.target) {
                    continue;
                }
                let Some(path) = paths.child(node, e.name) else {
                    let dir = self.path_string(paths, node);
                    self.no_room(&dir);
                    continue;
                };
                let old_tree = was.filter(|t| t & IS_BLOB == 0);
                removed.extend(was.filter(|t| t & IS_BLOB != 0));
                if e.target & IS_BLOB != 0 {
                    if old_tree.is_some() {
                        stack.push((None, old_tree, path));
                    }
                    added.push((e.target, path));
                } else {
                    stack.push((Some(e.target), old_tree, path));
                }
            }
            for (target, name) in before.into_values() {
                if target & IS_BLOB != 0 {
                    removed.insert(target);
                } else if let Some(path) = paths.child(node, name) {
                    stack.push((None, Some(target), path));
                }
            }
        }
        added.retain(|(target, _)| !removed.contains(target));
        added
    }

    /// The walk's warnings (unreadable trees) and their count. The names
    /// the walk and its parts read move to `out` ([`TreeStore::finish`]
    /// adds the store's).
    pub fn finish(self, out: &mut WalkResult) -> Vec<String> {
        out.errors += self.errors;
        let mut names: Vec<Vec<Box<[u8]>>> = vec![Vec::new(); self.store.decoders.len()];
        names.push(self.own.names);
        names.extend(self.parts);
        out.paths.names = names;
        out.paths.index = FxHashMap::default();
        self.warnings.into_iter().map(|(_, w)| w).collect()
    }
}

/// What a walk of one part of the history needs (all shared with the
/// main walk).
#[derive(Clone, Copy)]
pub struct PartWalks<'a> {
    store: &'a TreeStore,
    objects: &'a Odb,
    rules: &'a RuleSet,
    filter: &'a NameFilter,
}

/// What the walk of one part of the history found, on its own.
pub struct Part<'a> {
    walker: Walker<'a>,
    result: WalkResult,
}

impl<'a> PartWalks<'a> {
    /// How many parts the walk may be split into.
    pub fn max(&self) -> usize {
        self.store.max_parts()
    }

    /// Walk part number `part` of the commits: `commits`, numbered from
    /// `first`, as if no commit before them had been walked.
    pub fn walk(&self, part: usize, first: usize, commits: &[CommitInfo]) -> Part<'a> {
        let tag = self.store.decoders.len() + 1 + part;
        let mut walker = Walker::with_tag(self.store, self.objects, self.rules, self.filter, tag);
        let mut result = WalkResult::new();
        for (k, commit) in commits.iter().enumerate() {
            walker.walk_tree(first + k, &commit.tree, &mut result);
        }
        Part { walker, result }
    }
}

/// A path node of a part not given a node of the whole walk yet.
const NO_NODE: u32 = u32::MAX;

/// The node in `to` of path `node` of `from`, adding it (and the
/// directories above it) where `to` has no such node yet; `map` holds the
/// nodes of `from` mapped so far. A node's parent always has a smaller
/// number, so the climb ends at the root.
fn remap(map: &mut [u32], from: &Paths, to: &mut Paths, node: u32) -> Option<u32> {
    let mut climb = Vec::new();
    let mut at = node;
    while map[at as usize] == NO_NODE {
        climb.push(at);
        at = from.nodes[at as usize].0;
    }
    let mut mapped = map[at as usize];
    for &n in climb.iter().rev() {
        mapped = to.child(mapped, from.nodes[n as usize].1)?;
        map[n as usize] = mapped;
    }
    Some(mapped)
}

/// Parse a raw tree object to the end, counting entries (for fuzzing).
#[doc(hidden)]
pub fn parse_tree_entries(data: &[u8]) -> usize {
    TreeEntries::new(data, 20).map_while(Result::ok).count()
}

/// What a tree entry points at, as far as the walk cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EntryKind {
    Tree,
    /// A regular or executable file.
    Blob,
    /// Symlinks (their blob is a target path, not content) and submodules
    /// (commits of another repository).
    Other,
}

/// One entry of a raw tree object.
#[derive(Debug)]
pub(super) struct RawEntry<'a> {
    pub(super) kind: EntryKind,
    name: &'a [u8],
    pub(super) id: &'a oid,
    /// The whole record: mode, name and id.
    record: &'a [u8],
}

/// Iterator over the entries of a raw tree object
/// (`<octal mode> <name>\0<id>`, repeated; ids of `hash_len` bytes: 20
/// for SHA-1, 32 for SHA-256).
pub(super) struct TreeEntries<'a> {
    rest: &'a [u8],
    hash_len: usize,
}

impl<'a> TreeEntries<'a> {
    pub(super) fn new(data: &'a [u8], hash_len: usize) -> Self {
        TreeEntries {
            rest: data,
            hash_len,
        }
    }
}

impl<'a> Iterator for TreeEntries<'a> {
    type Item = Result<RawEntry<'a>, &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let parsed = (|| {
            let space = memchr::memchr(b' ', self.rest).ok_or("tree entry without a mode")?;
            let mode = &self.rest[..space];
            let after = &self.rest[space + 1..];
            let nul = memchr::memchr(0, after).ok_or("tree entry without a name")?;
            let name = &after[..nul];
            let end = nul + 1 + self.hash_len;
            let id =
                oid::from_bytes_unchecked(after.get(nul + 1..end).ok_or("truncated tree entry")?);
            let kind = match mode {
                b"40000" | b"040000" => EntryKind::Tree,
                // Git checks out any 100xxx mode as a regular file.
                [b'1', b'0', b'0', perms @ ..]
                    if perms.len() == 3 && perms.iter().all(|b| (b'0'..=b'7').contains(b)) =>
                {
                    EntryKind::Blob
                }
                _ => EntryKind::Other,
            };
            let record = &self.rest[..space + 1 + end];
            self.rest = &after[end..];
            Ok(RawEntry {
                kind,
                name,
                id,
                record,
            })
        })();
        if parsed.is_err() {
            self.rest = &[];
        }
        Some(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(mode: &str, name: &str, id: u8) -> Vec<u8> {
        let mut v = format!("{mode} {name}\0").into_bytes();
        v.extend([id; 20]);
        v
    }

    #[test]
    fn raw_tree_entries_parse() {
        let mut data = entry("40000", "src", 1);
        data.extend(entry("100644", "a.py", 2));
        data.extend(entry("100755", "run.sh", 3));
        data.extend(entry("120000", "link", 4));
        data.extend(entry("160000", "vendor", 5));
        let entries: Vec<_> = TreeEntries::new(&data, 20).map(Result::unwrap).collect();
        let kinds: Vec<_> = entries.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EntryKind::Tree,
                EntryKind::Blob,
                EntryKind::Blob,
                EntryKind::Other,
                EntryKind::Other
            ]
        );
        assert_eq!(entries[1].name, b"a.py");
        assert_eq!(entries[1].id.as_bytes(), [2; 20]);
    }

    #[test]
    fn truncated_tree_is_an_error_not_a_panic() {
        let data = entry("100644", "a.py", 2);
        for cut in 0..data.len() - 1 {
            let parsed: Vec<_> = TreeEntries::new(&data[..cut], 20).collect();
            assert!(parsed.iter().all(|e| e.is_err()), "cut at {cut}");
        }
        assert!(TreeEntries::new(&data, 20).all(|e| e.is_ok()));
    }

    #[test]
    fn arena_keeps_each_tree_in_one_chunk() {
        let tree = |n: usize, tag: u32| -> Vec<u32> { (0..n as u32).map(|i| i ^ tag).collect() };
        let mut arena = Arena::default();
        let mut stored = Vec::new();
        // Trees that fill a chunk unevenly, one larger than a chunk, and
        // small ones after it (which must not land in the large one's).
        for (k, n) in [CHUNK - 3, 5, 0, 2 * CHUNK + 1, 7, CHUNK, 1]
            .into_iter()
            .enumerate()
        {
            let entries = tree(n, k as u32);
            let start = arena.push_tree(&entries).unwrap();
            stored.push((start, entries));
        }
        for (start, words) in &stored {
            assert_eq!(arena.get(*start, words.len() as u32), Some(&words[..]));
        }
        // Normal chunks never grew past their size.
        assert!(arena
            .chunks
            .iter()
            .all(|c| c.len() <= CHUNK || c.capacity() == c.len()));
    }

    /// Decode `data` as a delta of `base` (a tree decoded before it) and
    /// rebuild both from what was stored.
    #[test]
    fn delta_trees_rebuild_to_their_entries() {
        let rules = crate::rules::RuleSet::builtin().unwrap();
        let filter = NameFilter::new(&rules);
        let store = Packs::open(&[], gix::hash::Kind::Sha1);
        let externals = Mutex::new(Externals::default());
        let mut decoder = Decoder::new(0);
        let raw = |names: &[(&str, u8)]| -> Vec<u8> {
            names
                .iter()
                .flat_map(|(n, id)| entry("100644", n, *id))
                .collect()
        };
        let old = raw(&[("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5), ("f", 6)]);
        // One entry changed, one removed, one added, two runs copied.
        let new = raw(&[("a", 1), ("b", 2), ("c", 9), ("e", 5), ("f", 6), ("g", 7)]);
        let (s0, l0) = decoder
            .decode(&old, None, &store, &externals, &filter)
            .unwrap();
        let kept = Decoded {
            records: decoder.records.clone(),
            position: 0,
            depth: 0,
        };
        let (s1, l1) = decoder
            .decode(&new, Some((&old, &kept)), &store, &externals, &filter)
            .unwrap();
        let whole = decoder.trees.get(s0, l0).unwrap().to_vec();
        let delta = decoder.trees.get(s1, l1).unwrap().to_vec();
        assert_eq!(whole[0], NO_BASE);
        assert_eq!(delta[0], 0, "stored against its base");
        // Base position, copy a..b, new c, copy e..f, new g: 9 words.
        assert_eq!(delta.len(), 9, "{delta:x?}");
        let (mut base, mut rebuilt) = (Vec::new(), Vec::new());
        expand(&whole, &[], &mut base).unwrap();
        expand(&delta, &base, &mut rebuilt).unwrap();
        let name = |e: &Entry| decoder.names[(e.name & NAME_MASK) as usize].to_vec();
        let names: Vec<Vec<u8>> = rebuilt.iter().map(name).collect();
        assert_eq!(names, [&b"a"[..], b"b", b"c", b"e", b"f", b"g"]);
        // Copied entries are the base's; the changed one is new.
        assert_eq!(rebuilt[0].target, base[0].target);
        assert_eq!(rebuilt[3].target, base[4].target);
        assert_ne!(rebuilt[2].target, base[2].target);
        // A run that points past its base is an error, not a panic.
        assert!(expand(&delta, &base[..2], &mut rebuilt).is_none());
        // At the depth limit a tree is stored whole.
        let deep = Decoded {
            depth: MAX_DELTA_DEPTH,
            ..kept
        };
        let (s2, l2) = decoder
            .decode(&new, Some((&old, &deep)), &store, &externals, &filter)
            .unwrap();
        assert_eq!(decoder.trees.get(s2, l2).unwrap()[0], NO_BASE);
    }

    #[test]
    fn seen_bits_and_externals() {
        let mut seen = Seen::new(130);
        assert!(seen.insert(129));
        assert!(!seen.insert(129));
        assert!(seen.insert(129 | IS_BLOB | EXTERNAL));
        assert!(!seen.insert(129 | EXTERNAL));
        assert!(seen.insert(0));

        let mut other = Seen::new(130);
        other.insert(7);
        other.insert(3 | EXTERNAL);
        assert!(!seen.contains(7) && !seen.contains(3 | EXTERNAL));
        seen.union(&other);
        assert!(seen.contains(7) && seen.contains(3 | EXTERNAL | IS_BLOB));
        assert!(seen.contains(129) && !seen.contains(128));
    }

    #[test]
    fn a_part_path_maps_onto_the_whole_walk_directories_first() {
        // The part holds a/b/c and a/d; the whole walk already has a/d
        // (under other numbers) and nothing of a/b.
        let mut part = Paths::new();
        let a = part.child(ROOT, 10).unwrap();
        let b = part.child(a, 11).unwrap();
        let c = part.child(b, 12).unwrap();
        let d = part.child(a, 13).unwrap();
        let mut whole = Paths::new();
        let wa = whole.child(ROOT, 10).unwrap();
        let wd = whole.child(wa, 13).unwrap();
        whole.child(wd, 99).unwrap();
        let mut map = vec![NO_NODE; part.nodes.len()];
        map[ROOT as usize] = ROOT;
        assert_eq!(remap(&mut map, &part, &mut whole, d), Some(wd));
        let wc = remap(&mut map, &part, &mut whole, c).unwrap();
        let wb = whole.nodes[wc as usize].0;
        assert_eq!(whole.nodes[wc as usize], (wb, 12));
        assert_eq!(whole.nodes[wb as usize], (wa, 11));
        assert_eq!(map[b as usize], wb);
        // Mapped once: asking again adds nothing.
        let count = whole.nodes.len();
        assert_eq!(remap(&mut map, &part, &mut whole, c), Some(wc));
        assert_eq!(whole.nodes.len(), count);
    }
}
