//! Every packed object of a repository, addressed by a dense *position*
//! (its rank in id order across all packs), and resolved in bulk by walking
//! each pack's delta forest: a base is inflated once and every delta on it
//! is applied while the base is still in memory, in parallel across
//! subtrees. The history scan uses this for its trees and blobs.
//!
//! The packs are those of the repository's common directory (shared by its
//! linked worktrees) and of its alternates. What is not in a pack this
//! reader understands (loose objects, a pack with an old index version, a
//! corrupt entry) is not resolved here: callers read those through gitoxide, which also
//! produces the error a user should see.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::git::pack::{apply_delta, delta_result_size, oid, Pack, PackError, PackKind};

/// The type of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

/// A resolved object handed to a traversal's visitor.
pub enum Resolved<'a> {
    Data(&'a [u8]),
    /// Larger than the traversal's size cap; not inflated.
    Large(u64),
}

/// An object handed to a [`Packs::resolve_all_with`] visitor.
pub struct Visit<'a, T> {
    pub position: u32,
    pub resolved: Resolved<'a>,
    /// For a delta whose base was visited too: the base's content and what
    /// the visitor returned for it. Deltas mostly copy their base, so the
    /// visitor can reuse its work on the base for the copied parts.
    pub base: Option<(&'a [u8], &'a T)>,
    /// Whether deltas wait on this object: only then is what the visitor
    /// returns kept (and handed to them).
    pub has_deltas: bool,
}

const NONE: u32 = u32::MAX;

/// Largest tree, commit or tag resolved. Real ones are kilobytes (a
/// directory of 100,000 entries is about 4 MiB); a bigger one is a crafted
/// memory bomb, reported as corrupt instead of being materialised.
pub const MAX_STRUCTURE_SIZE: u64 = 64 << 20;

/// Why an object cannot be read by anyone, as warnings word it.
const OVER_STRUCTURE_CAP: &str = "it is larger than any real tree or commit (64 MiB)";
const IMPOSSIBLE_SIZE: &str = "its pack entry declares a size no object can have (corrupt pack)";
const DELTA_CYCLE: &str = "its delta chain loops back on itself (corrupt pack)";
const MALFORMED_HEADER: &str = "its pack entry header is malformed (corrupt pack)";
const BAD_DELTA: &str = "its delta data cannot be read (corrupt pack)";
const CLAIMS_MORE_THAN_STORED: &str =
    "its pack entry claims more data than it holds (corrupt pack)";
const DELTA_CLAIMS_TOO_MUCH: &str =
    "its delta declares a result larger than it can produce (corrupt pack)";

/// Steps a delta chain may take across packs before it counts as a loop
/// (git itself stops at a depth of 4095).
const MAX_CHAIN_STEPS: usize = 10_000;

/// Whether an entry declares more inflated bytes than the `stored` bytes of
/// its zlib stream can hold: zlib expands at most about 1032:1.
fn claims_more_than_stored(declared: u64, stored: u64) -> bool {
    declared > stored.saturating_mul(1100).saturating_add(64)
}

/// Whether a delta declares a result larger than its instructions can
/// produce: a copy of the most a version 2 pack allows (64 KiB) takes
/// one byte.
fn delta_claims_too_much(result: u64, delta_len: usize) -> bool {
    result > (delta_len as u64).saturating_mul(0x10000)
}

/// For a read error that no other reader could get past (a size over the
/// cap, an impossible size), why: the object must not go to gitoxide.
pub fn beyond_reading(e: &PackError) -> Option<&'static str> {
    match e {
        PackError::TooLarge => Some(OVER_STRUCTURE_CAP),
        PackError::ImpossibleSize(_) => Some(IMPOSSIBLE_SIZE),
        _ => None,
    }
}

/// Entry kinds as stored per pack entry: a known object type, or unknown
/// (a broken header, or a delta whose chain never reaches a base).
const K_COMMIT: u8 = 0;
const K_TREE: u8 = 1;
const K_BLOB: u8 = 2;
const K_TAG: u8 = 3;
const K_UNKNOWN: u8 = 255;

fn kind_of(code: u8) -> Option<Kind> {
    match code {
        K_COMMIT => Some(Kind::Commit),
        K_TREE => Some(Kind::Tree),
        K_BLOB => Some(Kind::Blob),
        K_TAG => Some(Kind::Tag),
        _ => None,
    }
}

/// One pack's entries in offset order, with their delta forest.
struct Layout {
    offsets: Offsets,
    /// The entry of each object in the pack index's (id) order.
    entry_of_index: Vec<u32>,
    /// The global position an entry stands for (`NONE` for a duplicate of
    /// an object another pack already provides).
    position: Vec<u32>,
    /// The entry this one is a delta against, or `NONE` for a base.
    base: Vec<u32>,
    kind: Vec<u8>,
    /// Children of each entry: `children[child_start[e]..child_start[e + 1]]`.
    child_start: Vec<u32>,
    children: Vec<u32>,
    /// Entries no reader can resolve, found while laying the pack out:
    /// a reader following it would loop forever on a cycle or try the allocation.
    unreadable: Vec<Unreadable>,
}

/// A pack's entry offsets, in order: four bytes each when the pack is
/// under 4 GiB (nearly always), eight otherwise. At 12 M objects the
/// difference is 48 MB.
enum Offsets {
    Short(Vec<u32>),
    Long(Vec<u64>),
}

impl Offsets {
    fn new(sorted: Vec<u64>) -> Offsets {
        if sorted.last().is_some_and(|&o| o > u64::from(u32::MAX)) {
            return Offsets::Long(sorted);
        }
        Offsets::Short(sorted.into_par_iter().map(|o| o as u32).collect())
    }

    fn len(&self) -> usize {
        match self {
            Offsets::Short(v) => v.len(),
            Offsets::Long(v) => v.len(),
        }
    }

    fn get(&self, e: usize) -> Option<u64> {
        match self {
            Offsets::Short(v) => v.get(e).map(|&o| u64::from(o)),
            Offsets::Long(v) => v.get(e).copied(),
        }
    }

    /// The offset of entry `e` (which must exist).
    fn at(&self, e: usize) -> u64 {
        self.get(e).expect("an entry of the pack")
    }

    /// The entry that starts at `offset`, if one does.
    fn entry_at(&self, offset: u64) -> Option<usize> {
        match self {
            Offsets::Short(v) => {
                let offset = u32::try_from(offset).ok()?;
                v.binary_search(&offset).ok()
            }
            Offsets::Long(v) => v.binary_search(&offset).ok(),
        }
    }
}

/// Why a pack entry cannot be read at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unreadable {
    No,
    /// Its delta chain loops back on itself.
    Cycle,
    /// Its header declares 2^57 bytes or more.
    ImpossibleSize,
}

/// How deep alternates may chain, as git allows.
const MAX_ALTERNATE_DEPTH: usize = 5;

/// The object directories whose packs hold the repository's objects: its
/// own (the common directory's, for a linked worktree) and, in order, those
/// named by `info/alternates`, followed to git's depth limit. Each is
/// listed once however often it is named, so a loop of alternates ends.
pub fn object_dirs(common_dir: &Path) -> Vec<PathBuf> {
    let own = common_dir.join("objects");
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut level = vec![own];
    for _ in 0..=MAX_ALTERNATE_DEPTH {
        let mut next = Vec::new();
        for dir in level {
            let canonical = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
            if !seen.insert(canonical) {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(dir.join("info").join("alternates")) {
                next.extend(alternates(&text).map(|a| dir.join(a)));
            }
            dirs.push(dir);
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    dirs
}

/// The paths an `info/alternates` file names: one per line, relative to the
/// object directory unless absolute; `#` starts a comment. Quoted
/// (C-escaped) paths are left to gitoxide.
fn alternates(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('"'))
}

/// All packed objects of one repository.
pub struct Packs {
    packs: Vec<Pack>,
    layouts: Vec<Layout>,
    /// Number of positions.
    count: usize,
    /// (pack, number in the pack index's id order) of each position, when
    /// there are several packs; with one, a position is that number. Ids
    /// are read from the mapped indexes, never copied: 8 bytes per object
    /// at most, where a table of ids took 20.
    merged: Vec<(u32, u32)>,
    /// `fanout[k]` = first position whose id starts with the
    /// `fanout_bits`-bit prefix `k`. Ids are uniform, so with about as many
    /// buckets as objects a lookup reads one bucket of one or two ids: two
    /// cache misses, where a binary search takes five or six.
    fanout: Vec<u32>,
    fanout_bits: u32,
    /// Packs skipped, with the reason (their objects fall back to gitoxide),
    /// and whether the pack is damaged (rather than of a format this reader
    /// leaves to gitoxide).
    pub skipped: Vec<(String, bool)>,
    /// The object directories the packs were read from (the repository's,
    /// then its alternates'): where its loose objects are too.
    pub object_dirs: Vec<PathBuf>,
    /// Positions found corrupt while resolving (a size no entry could
    /// hold), with why: never handed to gitoxide.
    corrupt: Mutex<HashMap<u32, &'static str>>,
    /// The kind of object id (SHA-1, SHA-256).
    hash: gix::hash::Kind,
}

impl Packs {
    /// Open every pack under `pack/` of each object directory (the
    /// repository's own first, then its alternates: see [`object_dirs`]).
    pub fn open(object_dirs: &[PathBuf], hash: gix::hash::Kind) -> Packs {
        let mut packs = Vec::new();
        let mut skipped = Vec::new();
        let mut names = Vec::new();
        for dir in object_dirs {
            let mut here: Vec<_> = std::fs::read_dir(dir.join("pack"))
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                .collect();
            here.sort();
            names.extend(here);
        }
        for idx in names {
            match Pack::open(&idx, hash) {
                Ok(p) => packs.push(p),
                Err(e) => {
                    let damaged = !matches!(e, PackError::UnsupportedIndex);
                    skipped.push((format!("{}: {e}", idx.display()), damaged));
                }
            }
        }
        let mut store = Packs {
            packs,
            layouts: Vec::new(),
            count: 0,
            merged: Vec::new(),
            fanout: Vec::new(),
            fanout_bits: 0,
            skipped,
            object_dirs: object_dirs.to_vec(),
            corrupt: Mutex::new(HashMap::new()),
            hash,
        };
        store.build_table();
        store.layouts = (0..store.packs.len()).map(|p| store.layout(p)).collect();
        store
    }

    /// The global id order: every packed id once, sorted.
    fn build_table(&mut self) {
        // A pack index is sorted already: one pack (the usual case after
        // `git gc`) needs no merge.
        if self.packs.len() == 1 {
            // Positions are u32 with NONE reserved.
            self.count = self.packs[0].len().min(NONE as usize - 1);
        } else {
            let mut all: Vec<(u32, u32)> = Vec::new();
            for (p, pack) in self.packs.iter().enumerate() {
                all.extend((0..pack.len() as u32).map(|i| (p as u32, i)));
            }
            // Stable: of an id several packs hold, the first pack's copy
            // comes first and is the one kept.
            let id = |&(p, i): &(u32, u32)| self.packs[p as usize].id_ref(i as usize);
            all.sort_by(|a, b| id(a).cmp(id(b)));
            all.dedup_by(|b, a| id(a) == id(b));
            all.truncate(NONE as usize - 1);
            self.count = all.len();
            self.merged = all;
        }
        self.fanout_bits = (usize::BITS - self.count.leading_zeros()).clamp(8, 24);
        let buckets = 1usize << self.fanout_bits;
        let mut fanout = vec![0; buckets + 1];
        for pos in 0..self.count as u32 {
            fanout[bucket(self.id(pos), self.fanout_bits) + 1] += 1;
        }
        for k in 0..buckets {
            fanout[k + 1] += fanout[k];
        }
        self.fanout = fanout;
    }

    /// Lay pack `p` out: its entries in offset order, their positions,
    /// types and delta forest, and those no reader can resolve.
    fn layout(&mut self, p: usize) -> Layout {
        let pack = &self.packs[p];
        let (offsets, entry_of_index) = entry_order(pack);
        let position = self.entry_positions(p, &entry_of_index);
        let EntryHeaders {
            base,
            mut kind,
            broken,
            impossible,
        } = entry_headers(pack, &offsets, &entry_of_index);
        let (child_start, children) = delta_children(&base);
        spread_kinds(&base, &mut kind, &broken, &child_start, &children);
        let cyclic = delta_cycles(&base, &kind, &broken);
        let unreadable = cyclic
            .iter()
            .zip(&impossible)
            .map(|(&c, &i)| match (c, i) {
                (true, _) => Unreadable::Cycle,
                (false, true) => Unreadable::ImpossibleSize,
                _ => Unreadable::No,
            })
            .collect();
        Layout {
            offsets: Offsets::new(offsets),
            entry_of_index,
            position,
            base,
            kind,
            child_start,
            children,
            unreadable,
        }
    }

    /// The global position of each entry of pack `p` (`NONE` for one
    /// another pack provides), from the entry of each index number.
    fn entry_positions(&self, p: usize, entry_of_index: &[u32]) -> Vec<u32> {
        let mut position = vec![NONE; entry_of_index.len()];
        if self.merged.is_empty() {
            for (i, &e) in entry_of_index.iter().enumerate().take(self.count) {
                position[e as usize] = i as u32;
            }
        } else {
            for (pos, &(q, i)) in self.merged.iter().enumerate() {
                if q as usize == p {
                    position[entry_of_index[i as usize] as usize] = pos as u32;
                }
            }
        }
        position
    }

    /// Why the object with this id must not be read (by anyone): its delta
    /// chain loops, or it declares a size no entry could hold.
    pub fn corrupt_reason(&self, id: &oid) -> Option<&'static str> {
        let position = self.position(id)?;
        let (p, e) = self.location(position);
        match self.layouts[p as usize].unreadable[e as usize] {
            Unreadable::Cycle => return Some(DELTA_CYCLE),
            Unreadable::ImpossibleSize => return Some(IMPOSSIBLE_SIZE),
            Unreadable::No => {}
        }
        if let Some(why) = self.corrupt.lock().expect("lock").get(&position).copied() {
            return Some(why);
        }
        self.implausible_chain(position)
    }

    /// Why gitoxide must not read the packed object at `position`, if it
    /// must not: a reader that allocates what an entry declares (its size, a
    /// delta's result) before checking it, so every entry of the object's
    /// delta chain, across packs, must declare what its bytes can justify.
    /// Only objects the packs could not resolve get here.
    fn implausible_chain(&self, position: u32) -> Option<&'static str> {
        let mut at = self.location(position);
        let mut delta = Vec::new();
        for _ in 0..MAX_CHAIN_STEPS {
            let (pack, layout) = (&self.packs[at.0 as usize], &self.layouts[at.0 as usize]);
            let e = at.1 as usize;
            // A header this reader cannot parse (a reserved type code, a
            // size running past the pack) is corrupt: other readers take some of
            // them anyway and hands back objects of no known type.
            let Ok(header) = pack.header(layout.offsets.at(e)) else {
                return Some(MALFORMED_HEADER);
            };
            let end = layout.offsets.get(e + 1).unwrap_or(pack.body_end());
            if claims_more_than_stored(header.size, end.saturating_sub(header.data_offset)) {
                return Some(CLAIMS_MORE_THAN_STORED);
            }
            let base = match header.kind {
                // An offset that is no entry's start: a reader would parse
                // whatever bytes are there as an entry.
                PackKind::OfsDelta(offset) => match layout.offsets.entry_at(offset) {
                    Some(b) => Some((at.0, b as u32)),
                    None => return Some(MALFORMED_HEADER),
                },
                PackKind::RefDelta(id) => self.position(&id).map(|p| self.location(p)),
                _ => return None,
            };
            // Delta data this reader cannot inflate or parse is corrupt.
            let Ok(result) = pack
                .inflate(&header, end, &mut delta)
                .and_then(|()| delta_result_size(&delta))
            else {
                return Some(BAD_DELTA);
            };
            if delta_claims_too_much(result, delta.len()) {
                return Some(DELTA_CLAIMS_TOO_MUCH);
            }
            // A base outside the packs (loose, or missing) is gitoxide's to find.
            at = base?;
        }
        Some(DELTA_CYCLE)
    }

    fn mark_corrupt(&self, position: u32, why: &'static str) {
        if position != NONE {
            self.corrupt.lock().expect("lock").insert(position, why);
        }
    }

    /// Bytes per object id: 20 (SHA-1) or 32 (SHA-256).
    pub fn hash_len(&self) -> usize {
        self.hash.len_in_bytes()
    }

    /// Number of packed objects (positions are `0..len()`).
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The position of a packed object.
    pub fn position(&self, id: &oid) -> Option<u32> {
        if self.count == 0 {
            return None;
        }
        let k = bucket(id, self.fanout_bits);
        let (lo, hi) = (self.fanout[k], self.fanout[k + 1]);
        (lo..hi).find(|&pos| self.id(pos) == id)
    }

    /// The pack and index-order number of a position.
    fn index_of(&self, position: u32) -> (u32, u32) {
        if self.merged.is_empty() {
            (0, position)
        } else {
            self.merged[position as usize]
        }
    }

    /// The pack and entry (offset-order number) of a position.
    fn location(&self, position: u32) -> (u32, u32) {
        let (p, i) = self.index_of(position);
        (p, self.layouts[p as usize].entry_of_index[i as usize])
    }

    pub fn id(&self, position: u32) -> &oid {
        let (p, i) = self.index_of(position);
        self.packs[p as usize].id_ref(i as usize)
    }

    /// How many packed objects are of type `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.layouts
            .iter()
            .map(|l| {
                l.kind
                    .iter()
                    .zip(&l.position)
                    .filter(|&(&k, &p)| p != NONE && kind_of(k) == Some(kind))
                    .count()
            })
            .sum()
    }

    /// The type of a packed object, when its pack entry is readable.
    pub fn kind(&self, position: u32) -> Option<Kind> {
        let (p, e) = self.location(position);
        kind_of(self.layouts[p as usize].kind[e as usize])
    }

    /// Read one object by position, resolving its delta chain. For the odd
    /// random read (commits, tags, trees; at most [`MAX_STRUCTURE_SIZE`]):
    /// bulk reads go through [`Self::resolve_all`].
    pub fn read(&self, position: u32, out: &mut Vec<u8>) -> Result<Kind, PackError> {
        let (p, e) = self.location(position);
        let (pack, layout) = (&self.packs[p as usize], &self.layouts[p as usize]);
        let kind = kind_of(layout.kind[e as usize])
            .ok_or(PackError::BadHeader(layout.offsets.at(e as usize)))?;
        let mut chain = vec![e];
        let mut at = e;
        while layout.base[at as usize] != NONE {
            at = layout.base[at as usize];
            chain.push(at);
            if chain.len() > layout.offsets.len() {
                return Err(PackError::BadDelta);
            }
        }
        let root = chain.pop().expect("chain holds e");
        // Single reads are for commits, tags and trees (blobs are resolved
        // in bulk): whatever the pack says the type is, nothing larger than
        // a real one of those is materialised.
        let cap = MAX_STRUCTURE_SIZE;
        if pack.header(layout.offsets.at(root as usize))?.size > cap {
            return Err(PackError::TooLarge);
        }
        inflate_entry(pack, layout, root, out)?;
        let mut delta = Vec::new();
        let mut next = Vec::new();
        while let Some(d) = chain.pop() {
            inflate_entry(pack, layout, d, &mut delta)?;
            if delta_result_size(&delta)? > cap {
                return Err(PackError::TooLarge);
            }
            apply_delta(out, &delta, &mut next)?;
            std::mem::swap(out, &mut next);
        }
        Ok(kind)
    }

    /// Resolve every packed object of type `kind` whose position `wanted`
    /// accepts, in parallel on `pool`, calling `visit` with each. Objects
    /// larger than `max_size` are handed over as [`Resolved::Large`] without
    /// being inflated, unless a wanted object is a delta on them. Returns
    /// the wanted positions that could not be resolved (a corrupt entry or
    /// base); the caller reads those another way.
    pub fn resolve_all<W, V>(
        &self,
        pool: &rayon::ThreadPool,
        kind: Kind,
        wanted: W,
        max_size: u64,
        visit: V,
    ) -> Vec<u32>
    where
        W: Fn(u32) -> bool + Sync,
        V: Fn(u32, Resolved<'_>) + Sync,
    {
        self.resolve_all_with(pool, kind, wanted, max_size, |v: Visit<'_, ()>| {
            visit(v.position, v.resolved);
            None
        })
    }

    /// [`Self::resolve_all`], where what `visit` returns for an object is
    /// handed back with each delta based on it ([`Visit::base`]).
    pub fn resolve_all_with<W, V, T>(
        &self,
        pool: &rayon::ThreadPool,
        kind: Kind,
        wanted: W,
        max_size: u64,
        visit: V,
    ) -> Vec<u32>
    where
        W: Fn(u32) -> bool + Sync,
        V: Fn(Visit<'_, T>) -> Option<T> + Sync,
        T: Sync,
    {
        let failed = Mutex::new(Vec::new());
        for (p, layout) in self.layouts.iter().enumerate() {
            let needs = needed_entries(layout, kind_code(kind), &wanted);
            failed.lock().expect("lock").extend(needs.lost);
            let weight = subtree_weights(layout, &needs.needed);
            let roots = roots_heaviest_first(layout, &needs.needed, &weight);
            let walk = Traversal {
                pack: &self.packs[p],
                layout,
                needed: &needs.needed,
                wanted: &needs.wanted,
                weight: &weight,
                max_size,
                visit: &visit,
                failed: &failed,
                store: self,
                hard_max: match kind {
                    Kind::Blob => u64::MAX,
                    Kind::Commit | Kind::Tree | Kind::Tag => MAX_STRUCTURE_SIZE,
                },
                state: std::marker::PhantomData,
            };
            pool.install(|| {
                // One root per job: roots differ in cost by three orders
                // of magnitude, and rayon's default splitting left one of
                // two threads idle most of the time (on rails, 563k of
                // 788k trees were resolved on one thread).
                roots
                    .par_iter()
                    .with_max_len(1)
                    .for_each(|&root| walk.root(root));
            });
        }
        let mut failed = failed.into_inner().expect("lock");
        failed.sort_unstable();
        failed.dedup();
        failed
    }
}

/// The entry kind code of an object type.
fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::Commit => K_COMMIT,
        Kind::Tree => K_TREE,
        Kind::Blob => K_BLOB,
        Kind::Tag => K_TAG,
    }
}

/// The entries of one pack a traversal must resolve.
struct Needs {
    /// `needed[e]`: `e` is wanted or a wanted object's delta chain runs
    /// through it.
    needed: Vec<bool>,
    /// `wanted[e]`: `e` is handed to the visitor.
    wanted: Vec<bool>,
    /// Wanted positions the traversal cannot resolve.
    lost: Vec<u32>,
}

/// The entries of `layout` whose position `wanted` accepts, and the delta
/// chains under them; those not of type `code` are lost.
fn needed_entries<W>(layout: &Layout, code: u8, wanted: &W) -> Needs
where
    W: Fn(u32) -> bool,
{
    let n = layout.offsets.len();
    let mut needed = vec![false; n];
    let mut wanted_entry = vec![false; n];
    let mut lost = Vec::new();
    for (e, &pos) in layout.position.iter().enumerate() {
        if pos == NONE || !wanted(pos) {
            continue;
        }
        if layout.kind[e] != code {
            // An unreadable chain, or not the type the caller
            // expects: leave it to gitoxide.
            lost.push(pos);
            continue;
        }
        wanted_entry[e] = true;
        let mut at = e as u32;
        while at != NONE && !needed[at as usize] {
            needed[at as usize] = true;
            at = layout.base[at as usize];
        }
    }
    Needs {
        needed,
        wanted: wanted_entry,
        lost,
    }
}

/// The needed bases (roots of the delta forest), the heaviest subtree
/// (`weight`: needed entries in it) first.
fn roots_heaviest_first(layout: &Layout, needed: &[bool], weight: &[u32]) -> Vec<u32> {
    let mut roots: Vec<u32> = (0..needed.len() as u32)
        .filter(|&e| needed[e as usize] && layout.base[e as usize] == NONE)
        .collect();
    roots.sort_unstable_by_key(|&e| std::cmp::Reverse(weight[e as usize]));
    roots
}

/// A pack's entry offsets, sorted, and the entry (number in offset order)
/// of each object in the pack index's order.
fn entry_order(pack: &Pack) -> (Vec<u64>, Vec<u32>) {
    let n = pack.len();
    let mut order: Vec<(u64, u32)> = (0..n as u32)
        .into_par_iter()
        .map(|i| (pack.offset(i as usize), i))
        .collect();
    order.par_sort_unstable();
    let offsets: Vec<u64> = order.iter().map(|o| o.0).collect();
    let mut entry_of_index = vec![0u32; n];
    for (e, &(_, i)) in order.iter().enumerate() {
        entry_of_index[i as usize] = e as u32;
    }
    (offsets, entry_of_index)
}

/// What the header of each entry of a pack says, by entry.
struct EntryHeaders {
    /// The entry it is a delta against, or `NONE` for a base.
    base: Vec<u32>,
    /// A base's type, `K_UNKNOWN` for a delta (typed later) or a broken entry.
    kind: Vec<u8>,
    /// The header cannot be read, or names a base the pack does not hold.
    broken: Vec<bool>,
    /// The header declares a size no object can have.
    impossible: Vec<bool>,
}

/// Each entry's header, parsed in parallel.
fn entry_headers(pack: &Pack, offsets: &[u64], entry_of_index: &[u32]) -> EntryHeaders {
    // (base, kind, broken, impossible size) per entry.
    const BROKEN: u8 = 1;
    const IMPOSSIBLE: u8 = 2;
    let headers: Vec<(u32, u8, u8)> = offsets
        .par_iter()
        .map(|&offset| match pack.header(offset).map(|h| h.kind) {
            Ok(PackKind::Commit) => (NONE, K_COMMIT, 0),
            Ok(PackKind::Tree) => (NONE, K_TREE, 0),
            Ok(PackKind::Blob) => (NONE, K_BLOB, 0),
            Ok(PackKind::Tag) => (NONE, K_TAG, 0),
            Ok(PackKind::OfsDelta(at)) => match offsets.binary_search(&at) {
                Ok(b) => (b as u32, K_UNKNOWN, 0),
                Err(_) => (NONE, K_UNKNOWN, BROKEN),
            },
            // Bases of a thin pack live outside it; a local
            // repository's packs are complete, so this is rare.
            Ok(PackKind::RefDelta(id)) => match find_in_pack(pack, &id) {
                Some(i) => (entry_of_index[i], K_UNKNOWN, 0),
                None => (NONE, K_UNKNOWN, BROKEN),
            },
            Err(PackError::ImpossibleSize(_)) => (NONE, K_UNKNOWN, BROKEN | IMPOSSIBLE),
            Err(_) => (NONE, K_UNKNOWN, BROKEN),
        })
        .collect();
    EntryHeaders {
        base: headers.iter().map(|h| h.0).collect(),
        kind: headers.iter().map(|h| h.1).collect(),
        broken: headers.iter().map(|h| h.2 & BROKEN != 0).collect(),
        impossible: headers.iter().map(|h| h.2 & IMPOSSIBLE != 0).collect(),
    }
}

/// The delta forest the other way round: the children of entry `e` are
/// `children[child_start[e]..child_start[e + 1]]`.
fn delta_children(base: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let n = base.len();
    let mut child_start = vec![0u32; n + 1];
    for &b in base {
        if b != NONE {
            child_start[b as usize + 1] += 1;
        }
    }
    for e in 0..n {
        child_start[e + 1] += child_start[e];
    }
    let mut fill = child_start.clone();
    let mut children = vec![0u32; child_start[n] as usize];
    for (e, &b) in base.iter().enumerate() {
        if b != NONE {
            children[fill[b as usize] as usize] = e as u32;
            fill[b as usize] += 1;
        }
    }
    (child_start, children)
}

/// A delta has its base's type: spread types down from the bases, one
/// delta tree per task (the trees of a forest are disjoint: each entry has
/// one base, so each is typed by exactly one task). Deltas on a cycle
/// (corrupt) are never reached and stay unknown.
fn spread_kinds(
    base: &[u32],
    kind: &mut [u8],
    broken: &[bool],
    child_start: &[u32],
    children: &[u32],
) {
    use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
    let roots: Vec<u32> = (0..base.len() as u32)
        .filter(|&e| base[e as usize] == NONE && kind[e as usize] != K_UNKNOWN)
        .filter(|&e| child_start[e as usize] != child_start[e as usize + 1])
        .collect();
    let shared: Vec<AtomicU8> = kind.iter().map(|&k| AtomicU8::new(k)).collect();
    roots
        .par_iter()
        .for_each_init(Vec::new, |stack: &mut Vec<u32>, &root| {
            let k = shared[root as usize].load(Relaxed);
            stack.push(root);
            while let Some(e) = stack.pop() {
                let (s, t) = (child_start[e as usize], child_start[e as usize + 1]);
                for &c in &children[s as usize..t as usize] {
                    if shared[c as usize].load(Relaxed) == K_UNKNOWN && !broken[c as usize] {
                        shared[c as usize].store(k, Relaxed);
                        stack.push(c);
                    }
                }
            }
        });
    for (k, s) in kind.iter_mut().zip(shared) {
        *k = s.into_inner();
    }
}

/// Entries whose delta chain never reaches a base because it loops: each
/// entry is visited once (an iterative walk along `base`, so no input
/// decides a recursion depth).
fn delta_cycles(base: &[u32], kind: &[u8], broken: &[bool]) -> Vec<bool> {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let n = base.len();
    let mut state = vec![NEW; n];
    let mut cyclic = vec![false; n];
    let mut path = Vec::new();
    for start in 0..n {
        // Only entries that stayed untyped can be on (or lead to) a cycle.
        if kind[start] != K_UNKNOWN || broken[start] || state[start] != NEW {
            continue;
        }
        path.clear();
        let mut at = start;
        let looped = loop {
            match state[at] {
                ON_PATH => break true,
                DONE => break cyclic[at],
                _ => {}
            }
            state[at] = ON_PATH;
            path.push(at);
            match base[at] {
                NONE => break false,
                b => at = b as usize,
            }
        };
        for &e in &path {
            state[e] = DONE;
            cyclic[e] = looped;
        }
    }
    cyclic
}

/// The fanout bucket of an id: its first `bits` bits.
fn bucket(id: &oid, bits: u32) -> usize {
    let b = id.as_bytes();
    let top = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (top >> (32 - bits)) as usize
}

/// For each needed entry, the number of needed entries in its delta
/// subtree (itself included), computed bottom-up.
fn subtree_weights(layout: &Layout, needed: &[bool]) -> Vec<u32> {
    let n = needed.len();
    let mut weight = vec![0u32; n];
    // Post-order without recursion: visit children before their base.
    let mut stack: Vec<(u32, bool)> = (0..n as u32)
        .filter(|&e| needed[e as usize] && layout.base[e as usize] == NONE)
        .map(|e| (e, false))
        .collect();
    while let Some((e, expanded)) = stack.pop() {
        let (s, t) = (
            layout.child_start[e as usize] as usize,
            layout.child_start[e as usize + 1] as usize,
        );
        let kids = layout.children[s..t]
            .iter()
            .copied()
            .filter(|&c| needed[c as usize]);
        if expanded {
            weight[e as usize] = 1 + kids.map(|c| weight[c as usize]).sum::<u32>();
        } else {
            stack.push((e, true));
            stack.extend(kids.map(|c| (c, false)));
        }
    }
    weight
}

fn find_in_pack(pack: &Pack, id: &oid) -> Option<usize> {
    let (mut lo, mut hi) = (0usize, pack.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        match pack.id_ref(mid).cmp(id) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Some(mid),
        }
    }
    None
}

/// Inflate one entry's own data (for a delta, the delta).
fn inflate_entry(pack: &Pack, layout: &Layout, e: u32, out: &mut Vec<u8>) -> Result<(), PackError> {
    let offset = layout.offsets.at(e as usize);
    let end = layout
        .offsets
        .get(e as usize + 1)
        .unwrap_or(pack.body_end());
    let header = pack.header(offset)?;
    pack.inflate(&header, end, out)
}

/// One pack's delta forest being resolved.
struct Traversal<'a, V, T> {
    pack: &'a Pack,
    layout: &'a Layout,
    needed: &'a [bool],
    wanted: &'a [bool],
    weight: &'a [u32],
    max_size: u64,
    visit: &'a V,
    failed: &'a Mutex<Vec<u32>>,
    store: &'a Packs,
    /// No object of the traversal's kind is materialised above this size.
    hard_max: u64,
    state: std::marker::PhantomData<fn() -> T>,
}

/// Subtrees with at least this many needed entries are handed to other
/// threads; smaller ones are resolved where they are.
const SPLIT_WEIGHT: u32 = 64;

impl<V, T> Traversal<'_, V, T>
where
    V: Fn(Visit<'_, T>) -> Option<T> + Sync,
    T: Sync,
{
    fn root(&self, e: u32) {
        let offset = self.layout.offsets.at(e as usize);
        if let Ok(header) = self.pack.header(offset) {
            // A zlib stream expands at most about 1032:1: a larger claim is
            // corrupt, not a large file.
            let end = self
                .layout
                .offsets
                .get(e as usize + 1)
                .unwrap_or(self.pack.body_end());
            if claims_more_than_stored(header.size, end.saturating_sub(header.data_offset)) {
                self.corrupt(e, CLAIMS_MORE_THAN_STORED);
                return;
            }
            if header.size > self.hard_max {
                self.corrupt(e, OVER_STRUCTURE_CAP);
                return;
            }
            if self.skip_large(e, header.size) {
                return;
            }
        }
        let mut data = Vec::new();
        match inflate_entry(self.pack, self.layout, e, &mut data) {
            Ok(()) => self.resolved(e, data, None),
            Err(_) => self.fail(e),
        }
    }

    /// Hand over a wanted entry over the size cap without inflating it,
    /// when no needed delta depends on it.
    fn skip_large(&self, e: u32, size: u64) -> bool {
        if size <= self.max_size || self.weight[e as usize] != 1 {
            return false;
        }
        (self.visit)(Visit {
            position: self.layout.position[e as usize],
            resolved: Resolved::Large(size),
            base: None,
            has_deltas: false,
        });
        true
    }

    /// `data` is entry `e`'s content: report it and resolve its deltas.
    /// `base` is its base's content and visitor state, for a delta.
    ///
    /// No input decides the recursion depth: the deltas of an entry other
    /// than its heaviest (most needed entries below it) are resolved
    /// recursively, and each holds at most half of what is below the entry;
    /// the heaviest is followed in this loop. A delta chain a million long
    /// therefore costs one stack frame, and any delta forest at most about
    /// log2(entries) frames.
    fn resolved(&self, e: u32, data: Vec<u8>, base: Option<(&[u8], &T)>) {
        let state = self.visit_entry(e, &data, base);
        let mut next = self.spread(e, &data, state.as_ref());
        let (mut parent, mut parent_state) = (data, state);
        while let Some(c) = next {
            let Some(kid) = self.apply(c, &parent) else {
                return;
            };
            let kid_state =
                self.visit_entry(c, &kid, parent_state.as_ref().map(|s| (&parent[..], s)));
            next = self.spread(c, &kid, kid_state.as_ref());
            parent = kid;
            parent_state = kid_state;
        }
    }

    /// Hand entry `e` to the visitor when it is wanted; what the visitor
    /// returns is kept only when deltas wait on `e`.
    fn visit_entry(&self, e: u32, data: &[u8], base: Option<(&[u8], &T)>) -> Option<T> {
        if !self.wanted[e as usize] {
            return None;
        }
        // Inflated only as the base of smaller deltas: still over the cap.
        if data.len() as u64 > self.max_size {
            (self.visit)(Visit {
                position: self.layout.position[e as usize],
                resolved: Resolved::Large(data.len() as u64),
                base: None,
                has_deltas: false,
            });
            return None;
        }
        let has_deltas = self.kids(e).iter().any(|&c| self.needed[c as usize]);
        (self.visit)(Visit {
            position: self.layout.position[e as usize],
            resolved: Resolved::Data(data),
            base,
            has_deltas,
        })
        .filter(|_| has_deltas)
    }

    fn kids(&self, e: u32) -> &[u32] {
        let (s, t) = (
            self.layout.child_start[e as usize] as usize,
            self.layout.child_start[e as usize + 1] as usize,
        );
        &self.layout.children[s..t]
    }

    /// Resolve every needed delta on `e` but its heaviest, which is
    /// returned for the caller to follow; heavy subtrees go to other
    /// threads.
    fn spread(&self, e: u32, data: &[u8], state: Option<&T>) -> Option<u32> {
        let kids = self.kids(e);
        let heaviest = kids
            .iter()
            .copied()
            .filter(|&c| self.needed[c as usize])
            .max_by_key(|&c| self.weight[c as usize])?;
        let others = || {
            kids.iter()
                .copied()
                .filter(move |&c| self.needed[c as usize] && c != heaviest)
        };
        let split = others().any(|c| self.weight[c as usize] >= SPLIT_WEIGHT);
        if split {
            rayon::scope(|scope| {
                for c in others().filter(|&c| self.weight[c as usize] >= SPLIT_WEIGHT) {
                    scope.spawn(move |_| self.child(c, data, state));
                }
                for c in others().filter(|&c| self.weight[c as usize] < SPLIT_WEIGHT) {
                    self.child(c, data, state);
                }
            });
        } else {
            for c in others() {
                self.child(c, data, state);
            }
        }
        Some(heaviest)
    }

    /// Resolve delta entry `c` against its base's content (and state).
    fn child(&self, c: u32, base: &[u8], state: Option<&T>) {
        if let Some(data) = self.apply(c, base) {
            self.resolved(c, data, state.map(|s| (base, s)));
        }
    }

    /// Delta entry `c` applied to its base's content; `None` when it is
    /// handed over as too large, or lost (reported through `fail`).
    fn apply(&self, c: u32, base: &[u8]) -> Option<Vec<u8>> {
        let result = DELTA.with(|delta| {
            let mut delta = delta.borrow_mut();
            inflate_entry(self.pack, self.layout, c, &mut delta)?;
            let size = delta_result_size(&delta)?;
            // A larger claim than the delta can produce is corrupt, not a
            // large file.
            if delta_claims_too_much(size, delta.len()) || size > self.hard_max {
                return Err(PackError::TooLarge);
            }
            if self.skip_large(c, size) {
                return Ok(None);
            }
            let mut out = Vec::new();
            apply_delta(base, &delta, &mut out)?;
            Ok::<_, PackError>(Some(out))
        });
        match result {
            Ok(data) => data,
            Err(PackError::TooLarge) => {
                self.corrupt(
                    c,
                    "its delta declares a result larger than it can produce or than any real tree or commit",
                );
                None
            }
            Err(_) => {
                self.fail(c);
                None
            }
        }
    }

    /// Entry `e` is corrupt in a way no reader can get past: it and what
    /// is wanted below it are lost, and marked so that nobody asks gitoxide.
    fn corrupt(&self, e: u32, why: &'static str) {
        self.store
            .mark_corrupt(self.layout.position[e as usize], why);
        self.fail(e);
    }

    /// Entry `e` could not be resolved: neither can anything wanted below it.
    fn fail(&self, e: u32) {
        let mut lost = Vec::new();
        let mut stack = vec![e];
        while let Some(x) = stack.pop() {
            if self.wanted[x as usize] {
                lost.push(self.layout.position[x as usize]);
            }
            let (s, t) = (
                self.layout.child_start[x as usize] as usize,
                self.layout.child_start[x as usize + 1] as usize,
            );
            stack.extend(
                self.layout.children[s..t]
                    .iter()
                    .filter(|&&c| self.needed[c as usize]),
            );
        }
        self.failed.lock().expect("lock").extend(lost);
    }
}

thread_local! {
    /// The inflated delta being applied, reused from entry to entry.
    static DELTA: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_take_four_bytes_below_4_gib_and_eight_above() {
        let short = Offsets::new(vec![12, 40, 4_000_000_000]);
        assert!(matches!(short, Offsets::Short(_)));
        let long = Offsets::new(vec![12, 40, 5_000_000_000]);
        assert!(matches!(long, Offsets::Long(_)));
        for (offsets, last) in [(&short, 4_000_000_000), (&long, 5_000_000_000)] {
            assert_eq!(offsets.len(), 3);
            assert_eq!(offsets.at(1), 40);
            assert_eq!(offsets.get(2), Some(last));
            assert_eq!(offsets.get(3), None);
            assert_eq!(offsets.entry_at(40), Some(1));
            assert_eq!(offsets.entry_at(last), Some(2));
            assert_eq!(offsets.entry_at(41), None);
        }
        // An offset past 4 GiB is no entry of a pack below it (and does not
        // wrap onto one).
        assert_eq!(short.entry_at((1 << 32) + 40), None);
        assert_eq!(Offsets::new(Vec::new()).len(), 0);
    }
}
