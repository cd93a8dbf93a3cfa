//! The commits a history scan walks, in the order it walks them: every
//! commit reachable from the repository's refs (or in `--range A..B`),
//! parents before children and, among commits ready at the same time, the
//! older first. Attribution takes the first commit of this order that holds
//! a blob, so "first committed" means the earliest by date that the graph
//! allows.
//!
//! Commits are read through [`Odb`]: straight from the packs where
//! possible, which matters on repositories with tens of thousands of refs
//! and commits. A full scan parses every packed commit up front, in
//! parallel along the packs' delta chains.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use rayon::slice::ParallelSliceMut;
use rustc_hash::FxHashMap;

use crate::error::Error;
use crate::git::odb::Header;
use crate::git::pack::ObjectId;
use crate::git::packs::{Kind, Resolved};
use crate::git::Odb;

/// A commit of the walk: 80 bytes (ids are gitoxide's, SHA-1 or SHA-256),
/// kept for every commit until the end of the scan (what only some commits
/// have is kept beside the list).
pub struct CommitInfo {
    pub id: ObjectId,
    pub tree: ObjectId,
    /// The author, by number in the list's [`People`].
    pub author: u32,
    /// Committer time, Unix seconds.
    pub time: i64,
}

/// Authors (name and email), each stored once: a history has far fewer
/// authors than commits. Number 0 is nobody (empty name and email).
pub struct People {
    list: Vec<(Box<str>, Box<str>)>,
    index: FxHashMap<(Box<str>, Box<str>), u32>,
}

impl Default for People {
    fn default() -> Self {
        let nobody: (Box<str>, Box<str>) = (Box::from(""), Box::from(""));
        let mut index = FxHashMap::default();
        index.insert(nobody.clone(), 0);
        People {
            list: vec![nobody],
            index,
        }
    }
}

impl People {
    /// The number of an author (0 when the table is full: nobody).
    fn number(&mut self, name: &[u8], email: &[u8]) -> u32 {
        let name = String::from_utf8_lossy(name.trim_ascii());
        let email = String::from_utf8_lossy(email);
        let key = (Box::from(name.as_ref()), Box::from(email.as_ref()));
        if let Some(&n) = self.index.get(&key) {
            return n;
        }
        let Ok(n) = u32::try_from(self.list.len()) else {
            return 0;
        };
        self.list.push(key.clone());
        self.index.insert(key, n);
        n
    }

    /// Name and email of author number `n`.
    pub fn get(&self, n: u32) -> (&str, &str) {
        self.list
            .get(n as usize)
            .map_or(("", ""), |(name, email)| (name, email))
    }
}

/// A parsed commit object: what the walk needs of it.
struct Parsed {
    tree: ObjectId,
    parents: Parents,
    author: u32,
    time: i64,
}

/// A commit's parents, held inline for the usual one (no allocation per
/// commit).
enum Parents {
    None,
    One(ObjectId),
    Many(Box<[ObjectId]>),
}

impl Parents {
    fn new(ids: Vec<ObjectId>) -> Parents {
        match ids[..] {
            [] => Parents::None,
            [one] => Parents::One(one),
            _ => Parents::Many(ids.into_boxed_slice()),
        }
    }

    fn as_slice(&self) -> &[ObjectId] {
        match self {
            Parents::None => &[],
            Parents::One(id) => std::slice::from_ref(id),
            Parents::Many(ids) => ids,
        }
    }
}

/// Parsed commits: every packed one sorted by id (found through a fanout
/// of the ids' leading bits, with no hash table over a million commits),
/// then those read one by one.
struct CommitTable {
    rows: Vec<(ObjectId, Parsed)>,
    /// `fanout[k]`: the first packed row whose id starts with the
    /// `bits`-bit prefix `k` (about one row per prefix).
    fanout: Vec<u32>,
    bits: u32,
    appended: FxHashMap<ObjectId, u32>,
}

impl CommitTable {
    fn new(rows: Vec<(ObjectId, Parsed)>) -> CommitTable {
        let bits = (usize::BITS - rows.len().leading_zeros()).clamp(8, 24);
        let mut fanout = vec![0u32; (1 << bits) + 1];
        for (id, _) in &rows {
            fanout[prefix(id, bits) + 1] += 1;
        }
        for k in 0..1 << bits {
            fanout[k + 1] += fanout[k];
        }
        CommitTable {
            rows,
            fanout,
            bits,
            appended: FxHashMap::default(),
        }
    }

    fn find(&self, id: &ObjectId) -> Option<u32> {
        let k = prefix(id, self.bits);
        let (lo, hi) = (self.fanout[k], self.fanout[k + 1]);
        (lo..hi)
            .find(|&row| self.rows[row as usize].0 == *id)
            .or_else(|| self.appended.get(id).copied())
    }

    #[inline]
    fn row(&self, row: u32) -> &(ObjectId, Parsed) {
        &self.rows[row as usize]
    }

    fn add(&mut self, id: ObjectId, parsed: Parsed) -> u32 {
        let row = self.rows.len() as u32;
        self.rows.push((id, parsed));
        self.appended.insert(id, row);
        row
    }
}

const UNREACHED: u32 = u32::MAX;

/// The first `bits` bits of an id.
fn prefix(id: &ObjectId, bits: u32) -> usize {
    let b = id.as_bytes();
    (u32::from_be_bytes([b[0], b[1], b[2], b[3]]) >> (32 - bits)) as usize
}

/// The headers of a raw commit object, borrowed from it.
struct Headers<'a> {
    tree: ObjectId,
    parents: Vec<ObjectId>,
    name: &'a [u8],
    email: &'a [u8],
    time: i64,
}

impl Headers<'_> {
    fn parsed(self, people: &mut People) -> Parsed {
        Parsed {
            tree: self.tree,
            parents: Parents::new(self.parents),
            author: people.number(self.name, self.email),
            time: self.time,
        }
    }
}

/// The commits to walk, in walk order.
pub struct CommitList {
    pub commits: Vec<CommitInfo>,
    /// The authors `commits` name.
    pub people: People,
    /// Each commit's parents, by the same index as `commits`: only when
    /// asked for (a window scan diffs each commit against them).
    pub parents: Vec<Box<[ObjectId]>>,
    /// Trees and blobs that refs reach without a commit, with the first
    /// ref naming each (only in a full scan: they have no date).
    pub detached: Vec<(Peeled, String)>,
}

/// What a ref's target comes to once annotated tags are followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Peeled {
    Commit(ObjectId),
    Tree(ObjectId),
    Blob(ObjectId),
}

/// The commits of a scan read but not yet put in walk order: the refs'
/// targets and (without a range) every packed commit, parsed. Ordering is
/// serial work that needs no pool thread: a full scan does it while the
/// pool decodes trees.
pub struct ReadCommits {
    shallow: HashSet<ObjectId>,
    tips: Vec<(ObjectId, String)>,
    people: People,
    in_range: Option<HashSet<ObjectId>>,
    table: CommitTable,
}

/// Read the refs and HEAD (or `range`) and, without a range, parse every
/// packed commit on `pool` (a full scan reads nearly all of them); then
/// [`ReadCommits::order`] lists the commits to walk.
pub fn read_commits(
    repo: &gix::Repository,
    objects: &Odb,
    pool: &rayon::ThreadPool,
    range: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<ReadCommits, Error> {
    let shallow = shallow_boundary(repo);
    let mut tips = Vec::new();
    let mut people = People::default();
    // With a range: the commits of B not reachable from A.
    let mut in_range: Option<HashSet<ObjectId>> = None;
    match range {
        Some(range) => {
            let usage = |m: &str| Error::Usage(format!("--range {range}: {m}"));
            let spec = repo
                .rev_parse(range)
                .map_err(|e| usage(&e.to_string()))?
                .detach();
            let gix::revision::plumbing::Spec::Range { from, to } = spec else {
                return Err(usage("expected a range of the form A..B"));
            };
            let mut buf = Vec::new();
            let mut commit = |id: ObjectId| match peel(objects, id, &mut buf) {
                Ok(Peeled::Commit(id)) => Ok(id),
                Ok(_) => Err(usage(&format!("{id} is not a commit"))),
                Err(e) => Err(usage(&format!("{id}: {e}"))),
            };
            let (from, to) = (commit(from)?, commit(to)?);
            in_range = Some(range_commits(
                objects,
                &mut people,
                from,
                to,
                &shallow,
                warnings,
            ));
            tips.push((to, range.to_string()));
        }
        None => {
            tips = ref_tips(repo, warnings)?;
            // Detached HEADs are not under refs/: the main worktree's and
            // each linked worktree's.
            tips.extend(detached_heads(repo.common_dir()));
        }
    }

    let rows = if range.is_none() {
        parse_packed_commits(objects, pool, &mut people)
    } else {
        Vec::new()
    };
    Ok(ReadCommits {
        shallow,
        tips,
        people,
        in_range,
        table: CommitTable::new(rows),
    })
}

impl ReadCommits {
    /// The commits reachable from the refs read (or those of the range),
    /// in walk order, reading those not parsed ahead (loose ones, a
    /// range's). `keep_parents` keeps each commit's parents (a window scan
    /// needs them).
    pub fn order(
        mut self,
        objects: &Odb,
        keep_parents: bool,
        warnings: &mut Vec<String>,
    ) -> CommitList {
        let mut buf = Vec::new();
        let (starts, detached) = self.peel_tips(objects, &mut buf, warnings);
        let reached = self.reach(starts, objects, &mut buf, warnings);
        // Parents first; among ready commits, the oldest (then the lowest id,
        // so that the order never depends on the order refs were listed in).
        // Parents and children are listed per commit in flat arrays.
        let parents = parent_edges(&self.table, &reached, &self.shallow);
        let waiting = parents.counts();
        let children = parents.inverted();
        let order = topological_order(&self.table, &reached.rows, waiting, children, warnings);
        self.into_list(&reached.rows, order, keep_parents, detached)
    }

    /// The commits the refs' targets come to once tags are peeled, and the
    /// targets that are trees or blobs (sorted, one per object, with the
    /// first ref naming each).
    fn peel_tips(
        &mut self,
        objects: &Odb,
        buf: &mut Vec<u8>,
        warnings: &mut Vec<String>,
    ) -> (Vec<ObjectId>, Vec<(Peeled, String)>) {
        let mut tips = std::mem::take(&mut self.tips);
        // Many refs (tags, pull requests) share their targets.
        tips.sort_unstable();
        tips.dedup_by(|a, b| a.0 == b.0);
        let mut commits = Vec::new();
        let mut detached = Vec::new();
        for (tip, name) in tips {
            if self.table.find(&tip).is_some() {
                // A commit already read: nothing to peel.
                commits.push(tip);
                continue;
            }
            match peel(objects, tip, buf) {
                Ok(Peeled::Commit(commit)) => commits.push(commit),
                Ok(other) => detached.push((other, name)),
                // A ref whose object cannot be read is what `git rev-list
                // --all` fails on: the history is incomplete, never clean.
                Err(e) => {
                    warnings.push(format!(
                        "ref {name} points at {tip}, which cannot be read: {e}"
                    ));
                }
            }
        }
        detached.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        detached.dedup_by(|a, b| a.0 == b.0);
        (commits, detached)
    }

    /// Collect the commits reachable from `queue` (within the range, if
    /// any), numbered in the order they are reached; those not parsed
    /// ahead are read and added to the table.
    fn reach(
        &mut self,
        mut queue: Vec<ObjectId>,
        objects: &Odb,
        buf: &mut Vec<u8>,
        warnings: &mut Vec<String>,
    ) -> Reached {
        let table = &mut self.table;
        let mut node_of: Vec<u32> = vec![UNREACHED; table.rows.len()];
        let mut rows: Vec<u32> = Vec::new();
        while let Some(id) = queue.pop() {
            if self.in_range.as_ref().is_some_and(|r| !r.contains(&id)) {
                continue;
            }
            let row = match table.find(&id) {
                Some(row) => row,
                None => match read_commit(objects, &id, buf, &mut self.people, warnings) {
                    Some(parsed) => {
                        node_of.push(UNREACHED);
                        table.add(id, parsed)
                    }
                    None => continue,
                },
            };
            if node_of[row as usize] != UNREACHED {
                continue;
            }
            node_of[row as usize] = rows.len() as u32;
            rows.push(row);
            if !self.shallow.contains(&id) {
                queue.extend(table.rows[row as usize].1.parents.as_slice());
            }
        }
        Reached { node_of, rows }
    }

    /// The list of the reached commits (`rows`, by number) in walk order
    /// `order`, with their parents when `keep_parents`.
    fn into_list(
        self,
        rows: &[u32],
        order: Vec<usize>,
        keep_parents: bool,
        detached: Vec<(Peeled, String)>,
    ) -> CommitList {
        let mut parents: Vec<Box<[ObjectId]>> = Vec::new();
        let mut commits = Vec::with_capacity(order.len());
        for k in order {
            let (id, p) = self.table.row(rows[k]);
            if keep_parents {
                parents.push(Box::from(p.parents.as_slice()));
            }
            commits.push(CommitInfo {
                id: *id,
                tree: p.tree,
                author: p.author,
                time: p.time,
            });
        }
        CommitList {
            commits,
            people: self.people,
            parents,
            detached,
        }
    }
}

/// The commits a walk reached: `rows[k]` is the table row of commit number
/// `k` (numbered in the order they were reached), `node_of[row]` the number
/// of a row's commit (`UNREACHED` for one not reached).
struct Reached {
    node_of: Vec<u32>,
    rows: Vec<u32>,
}

/// Edges between the reached commits, by number, in flat arrays: those of
/// commit `k` are `list[start[k]..start[k + 1]]`.
struct Edges {
    start: Vec<u32>,
    list: Vec<u32>,
}

impl Edges {
    #[inline]
    fn of(&self, k: usize) -> &[u32] {
        &self.list[self.start[k] as usize..self.start[k + 1] as usize]
    }

    /// How many edges each commit has.
    fn counts(&self) -> Vec<u32> {
        self.start.windows(2).map(|w| w[1] - w[0]).collect()
    }

    /// The same edges the other way round (children from parents).
    fn inverted(self) -> Edges {
        let n = self.start.len() - 1;
        let mut start = vec![0u32; n + 1];
        for &p in &self.list {
            start[p as usize + 1] += 1;
        }
        for k in 0..n {
            start[k + 1] += start[k];
        }
        let mut fill = start.clone();
        let mut list = vec![0u32; start[n] as usize];
        for k in 0..n {
            for &p in self.of(k) {
                list[fill[p as usize] as usize] = k as u32;
                fill[p as usize] += 1;
            }
        }
        Edges { start, list }
    }
}

/// Each reached commit's parents among the reached commits, sorted, each
/// once (none for a commit at the shallow boundary).
fn parent_edges(table: &CommitTable, reached: &Reached, shallow: &HashSet<ObjectId>) -> Edges {
    let n = reached.rows.len();
    let mut start = vec![0u32; n + 1];
    let mut list: Vec<u32> = Vec::with_capacity(n);
    for (k, &row) in reached.rows.iter().enumerate() {
        let (id, parsed) = table.row(row);
        let first = list.len();
        if !shallow.contains(id) {
            list.extend(
                parsed
                    .parents
                    .as_slice()
                    .iter()
                    .filter_map(|p| table.find(p))
                    .map(|row| reached.node_of[row as usize])
                    .filter(|&k| k != UNREACHED),
            );
            sort_dedup_from(&mut list, first);
        }
        start[k + 1] = list.len() as u32;
    }
    Edges { start, list }
}

/// Sort `list[first..]` and drop its repeats, in place.
#[inline]
fn sort_dedup_from(list: &mut Vec<u32>, first: usize) {
    list[first..].sort_unstable();
    let mut kept = first;
    for i in first..list.len() {
        if i == first || list[i] != list[kept - 1] {
            list[kept] = list[i];
            kept += 1;
        }
    }
    list.truncate(kept);
}

/// The reached commits (`rows`, by number) in walk order: a commit once
/// none of its parents is `waiting`, and among those ready the oldest, then
/// the lowest id.
fn topological_order(
    table: &CommitTable,
    rows: &[u32],
    mut waiting: Vec<u32>,
    children: Edges,
    warnings: &mut Vec<String>,
) -> Vec<usize> {
    let n = rows.len();
    let ready_entry = |k: usize| {
        let (id, parsed) = table.row(rows[k]);
        Reverse((parsed.time, *id, k))
    };
    let mut ready: BinaryHeap<Reverse<(i64, ObjectId, usize)>> = (0..n)
        .filter(|&k| waiting[k] == 0)
        .map(ready_entry)
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse((_, _, k))) = ready.pop() {
        order.push(k);
        for &c in children.of(k) {
            let c = c as usize;
            waiting[c] -= 1;
            if waiting[c] == 0 {
                ready.push(ready_entry(c));
            }
        }
    }
    if order.len() < n {
        // Only a corrupt graph (a cycle) gets here; walk the rest anyway.
        warnings.push("the commit graph has a cycle: some commits are walked out of order".into());
        let mut placed = vec![false; n];
        order.iter().for_each(|&k| placed[k] = true);
        order.extend((0..n).filter(|&k| !placed[k]));
    }
    order
}

/// Every ref under `refs/` with the object it names: a direct ref's
/// target as it is, a symbolic ref followed (looked up again: only those).
/// Tags are peeled later, with the other targets. A ref that cannot be
/// read is a warning.
fn ref_tips(
    repo: &gix::Repository,
    warnings: &mut Vec<String>,
) -> Result<Vec<(ObjectId, String)>, Error> {
    let mut tips = Vec::new();
    let refs = repo.references().map_err(|e| Error::Git(e.to_string()))?;
    for reference in refs.all().map_err(|e| Error::Git(e.to_string()))? {
        let mut reference = match reference {
            Ok(r) => r,
            Err(e) => {
                warnings.push(format!("a ref could not be read: {e}"));
                continue;
            }
        };
        let name = reference.name().as_bstr().to_string();
        let target = match reference.target().try_id() {
            Some(id) => Ok(id.to_owned()),
            None => reference.follow_to_object().map(|id| id.detach()),
        };
        match target {
            Ok(id) => tips.push((id, name)),
            Err(e) => warnings.push(format!("ref {name}: {e}")),
        }
    }
    Ok(tips)
}

/// The ids that HEAD files hold directly (detached HEADs), in the main
/// worktree and in every linked worktree of the common directory `common`.
/// A symbolic HEAD names a branch, which the ref listing has already.
fn detached_heads(common: &Path) -> Vec<(ObjectId, String)> {
    let mut heads = vec![(common.join("HEAD"), "HEAD".to_string())];
    if let Ok(dir) = std::fs::read_dir(common.join("worktrees")) {
        let mut linked: Vec<_> = dir
            .flatten()
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (e.path().join("HEAD"), format!("HEAD of worktree {name}"))
            })
            .collect();
        linked.sort();
        heads.extend(linked);
    }
    heads
        .into_iter()
        .filter_map(|(file, name)| {
            // A HEAD file is one line; a longer one is not read in full.
            let mut text = Vec::new();
            std::fs::File::open(&file)
                .and_then(|f| f.take(256).read_to_end(&mut text))
                .ok()?;
            let id = parse_hex(text.trim_ascii())?;
            Some((id, name))
        })
        .collect()
}

/// A commit met by the range walk.
struct RangeNode {
    parents: Vec<ObjectId>,
    /// Reachable from the range's excluded side.
    excluded: bool,
    /// Taken off the queue already.
    done: bool,
}

/// How many more commits the range walk takes once every queued commit is
/// excluded, in case commit dates are out of order (git's "slop").
const SLOP: usize = 5;

/// The commits reachable from `to` but not from `from`, found the way git
/// limits a revision walk: newest first, spreading "excluded" down from
/// `from`, and stopping once only excluded commits are left to look at. A
/// range at the tip of a long history costs a few commits, not the whole
/// history.
fn range_commits(
    objects: &Odb,
    people: &mut People,
    from: ObjectId,
    to: ObjectId,
    shallow: &HashSet<ObjectId>,
    warnings: &mut Vec<String>,
) -> HashSet<ObjectId> {
    let mut walk = RangeWalk {
        objects,
        people,
        shallow,
        warnings,
        buf: Vec::new(),
        nodes: FxHashMap::default(),
        queue: BinaryHeap::new(),
        open: 0,
    };
    walk.add(from, true);
    if !walk.nodes.contains_key(&to) {
        walk.add(to, false);
    }
    let mut result = Vec::new();
    let mut slop = SLOP;
    while let Some((_, id)) = walk.queue.pop() {
        let node = walk.nodes.get_mut(&id).expect("queued commits are known");
        node.done = true;
        let excluded = node.excluded;
        let parents = node.parents.clone();
        if excluded {
            walk.exclude(parents);
        } else {
            walk.open -= 1;
            result.push(id);
            walk.include(parents);
        }
        if walk.open == 0 {
            slop -= 1;
            if slop == 0 {
                break;
            }
        } else {
            slop = SLOP;
        }
    }
    result
        .into_iter()
        .filter(|id| !walk.nodes[id].excluded)
        .collect()
}

/// The state of [`range_commits`]' walk.
struct RangeWalk<'a> {
    objects: &'a Odb,
    people: &'a mut People,
    shallow: &'a HashSet<ObjectId>,
    warnings: &'a mut Vec<String>,
    buf: Vec<u8>,
    nodes: FxHashMap<ObjectId, RangeNode>,
    /// Commits to take, newest first.
    queue: BinaryHeap<(i64, ObjectId)>,
    /// Queued commits not (yet) excluded: the walk ends when there are none.
    open: usize,
}

impl RangeWalk<'_> {
    /// Read commit `id` and queue it (nothing when it cannot be read).
    fn add(&mut self, id: ObjectId, excluded: bool) {
        let Some(parsed) =
            read_commit(self.objects, &id, &mut self.buf, self.people, self.warnings)
        else {
            return;
        };
        let parents = if self.shallow.contains(&id) {
            Vec::new()
        } else {
            parsed.parents.as_slice().to_vec()
        };
        self.nodes.insert(
            id,
            RangeNode {
                parents,
                excluded,
                done: false,
            },
        );
        self.queue.push((parsed.time, id));
        if !excluded {
            self.open += 1;
        }
    }

    /// An excluded commit was taken: spread to its `parents`, and through
    /// those already walked.
    fn exclude(&mut self, parents: Vec<ObjectId>) {
        let mut stack = parents;
        while let Some(p) = stack.pop() {
            match self.nodes.get_mut(&p) {
                Some(n) if !n.excluded => {
                    n.excluded = true;
                    if n.done {
                        stack.extend(n.parents.iter().copied());
                    } else {
                        self.open -= 1;
                    }
                }
                Some(_) => {}
                None => self.add(p, true),
            }
        }
    }

    /// A commit of the range was taken: queue its `parents` not met yet.
    fn include(&mut self, parents: Vec<ObjectId>) {
        for p in parents {
            if !self.nodes.contains_key(&p) {
                self.add(p, false);
            }
        }
    }
}

/// Every packed commit that parses, by id, resolved and parsed on `pool`.
/// Those missing (loose, unreadable, malformed) are read one by one later,
/// which also reports the broken ones.
fn parse_packed_commits(
    objects: &Odb,
    pool: &rayon::ThreadPool,
    people: &mut People,
) -> Vec<(ObjectId, Parsed)> {
    let store = &objects.store;
    let shared = Mutex::new(std::mem::take(people));
    let shards: Vec<Mutex<Vec<(ObjectId, Parsed)>>> = (0..pool.current_num_threads())
        .map(|_| Mutex::new(Vec::new()))
        .collect();
    let is_commit = |pos| store.kind(pos) == Some(Kind::Commit);
    store.resolve_all(pool, Kind::Commit, is_commit, u64::MAX, |pos, commit| {
        let Resolved::Data(data) = commit else { return };
        if let Some(headers) = parse_commit(data) {
            let parsed = headers.parsed(&mut shared.lock().expect("lock"));
            let shard = rayon::current_thread_index().unwrap_or(0) % shards.len();
            shards[shard]
                .lock()
                .expect("lock")
                .push((store.id(pos).to_owned(), parsed));
        }
    });
    *people = shared.into_inner().expect("lock");
    let mut all = Vec::with_capacity(shards.iter().map(|s| s.lock().expect("lock").len()).sum());
    for shard in shards {
        all.extend(shard.into_inner().expect("lock"));
    }
    pool.install(|| all.par_sort_unstable_by(|a, b| a.0.cmp(&b.0)));
    all
}

/// Follow annotated tags from `id` to the commit, tree or blob they name;
/// an error when an object on the way cannot be read.
pub(crate) fn peel(objects: &Odb, mut id: ObjectId, buf: &mut Vec<u8>) -> Result<Peeled, String> {
    for _ in 0..32 {
        match objects.read(&id, buf)? {
            Kind::Commit => return Ok(Peeled::Commit(id)),
            Kind::Tree => return Ok(Peeled::Tree(id)),
            Kind::Blob => return Ok(Peeled::Blob(id)),
            Kind::Tag => {
                id = buf
                    .strip_prefix(b"object ")
                    .and_then(parse_hex)
                    .ok_or("malformed tag object")?;
            }
        }
    }
    Err("a chain of more than 32 tags".to_string())
}

/// Read and parse a commit; `None`, with a warning, when it cannot be.
fn read_commit(
    objects: &Odb,
    id: &ObjectId,
    buf: &mut Vec<u8>,
    people: &mut People,
    warnings: &mut Vec<String>,
) -> Option<Parsed> {
    let parsed = match objects.read(id, buf) {
        Ok(Kind::Commit) => parse_commit(buf)
            .map(|h| h.parsed(people))
            .ok_or_else(|| "malformed commit object".to_string()),
        Ok(other) => Err(format!("expected a commit, found a {other:?}").to_lowercase()),
        Err(e) => Err(e),
    };
    parsed
        .map_err(|e| {
            warnings.push(format!("commit {id}: {e}"));
        })
        .ok()
}

/// The tree a commit object names.
pub(crate) fn commit_tree(data: &[u8]) -> Option<ObjectId> {
    parse_commit(data).map(|p| p.tree)
}

/// Parse the headers of a raw commit object.
fn parse_commit(data: &[u8]) -> Option<Headers<'_>> {
    let mut tree = None;
    let mut parents = Vec::new();
    let mut author: (&[u8], &[u8]) = (b"", b"");
    let mut time = None;
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        if let Some(hex) = line.strip_prefix(b"tree ") {
            tree = Some(parse_hex(hex)?);
        } else if let Some(hex) = line.strip_prefix(b"parent ") {
            parents.push(parse_hex(hex)?);
        } else if let Some(sig) = line.strip_prefix(b"author ") {
            let (name, email, _) = parse_signature(sig);
            author = (name, email);
        } else if let Some(sig) = line.strip_prefix(b"committer ") {
            time = Some(parse_signature(sig).2);
        }
    }
    Some(Headers {
        tree: tree?,
        parents,
        name: author.0,
        email: author.1,
        time: time.unwrap_or(0),
    })
}

/// `Name <email> 1700000000 +0000` → name, email, time (0 when unreadable).
fn parse_signature(sig: &[u8]) -> (&[u8], &[u8], i64) {
    let lt = memchr::memchr(b'<', sig);
    let gt = memchr::memrchr(b'>', sig);
    let (name, email, rest) = match (lt, gt) {
        (Some(lt), Some(gt)) if lt < gt => (&sig[..lt], &sig[lt + 1..gt], &sig[gt + 1..]),
        _ => (sig, &b""[..], &b""[..]),
    };
    let time = std::str::from_utf8(rest)
        .ok()
        .and_then(|r| r.split_ascii_whitespace().next())
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    (name, email, time)
}

/// The object id in hex at the start of `text` (40 digits for SHA-1, 64
/// for SHA-256), up to the first byte that is no hex digit.
fn parse_hex(text: &[u8]) -> Option<ObjectId> {
    let len = text
        .iter()
        .take(64)
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    if len != 40 && len != 64 {
        return None;
    }
    ObjectId::from_hex(&text[..len]).ok()
}

/// Commits at the shallow boundary: their parents are not in the clone.
fn shallow_boundary(repo: &gix::Repository) -> HashSet<ObjectId> {
    std::fs::read(repo.common_dir().join("shallow"))
        .unwrap_or_default()
        .split(|&b| b == b'\n')
        .filter_map(parse_hex)
        .collect()
}

/// The objects of the repository that no ref reaches: the commits (to walk
/// like the others, oldest first) and every blob (the walk skips those it
/// has seen).
pub struct Unreachable {
    pub commits: Vec<CommitInfo>,
    pub blobs: Vec<ObjectId>,
}

/// List every object of the repository (packs, loose objects, alternates)
/// and keep the commits not in `reachable` and all the blobs.
pub fn unreachable(
    objects: &Odb,
    reachable: &HashSet<ObjectId>,
    people: &mut People,
    warnings: &mut Vec<String>,
) -> Unreachable {
    let mut commits = Vec::new();
    let mut blobs = Vec::new();
    let (ids, error) = objects.all_ids();
    if let Some(e) = error {
        warnings.push(format!(
            "--all-objects: the object database could not be listed in full: {e}"
        ));
    }
    let handle = objects.handle();
    let mut buf = Vec::new();
    for id in ids {
        let kind = match objects.store.position(&id) {
            Some(position) => objects.store.kind(position),
            None => match objects.header_with(&handle, &id) {
                Ok(Header::Found(kind, _)) => Some(kind),
                _ => None,
            },
        };
        match kind {
            Some(Kind::Blob) => blobs.push(id),
            Some(Kind::Commit) if !reachable.contains(&id) => {
                if let Some(p) = read_commit(objects, &id, &mut buf, people, warnings) {
                    commits.push(CommitInfo {
                        id,
                        tree: p.tree,
                        author: p.author,
                        time: p.time,
                    });
                }
            }
            _ => {}
        }
    }
    commits.sort_by_key(|c| (c.time, c.id));
    Unreachable { commits, blobs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_of_the_walk_stays_small() {
        // Kept for every commit of the history: grows with it.
        assert!(std::mem::size_of::<CommitInfo>() <= 80);
    }

    #[test]
    fn commit_headers_parse() {
        let raw = b"tree 0123456789abcdef0123456789abcdef01234567\n\
parent 89abcdef0123456789abcdef0123456789abcdef\n\
author Ada Lovelace <ada@example.com> 1700000000 +0100\n\
committer Bot <bot@example.com> 1700000100 +0000\n\
\n\
message with tree 0000000000000000000000000000000000000000\n";
        let mut people = People::default();
        let c = parse_commit(raw).unwrap().parsed(&mut people);
        assert_eq!(c.tree.as_bytes()[0], 0x01);
        assert_eq!(c.parents.as_slice().len(), 1);
        assert_eq!(c.parents.as_slice()[0].as_bytes()[0], 0x89);
        assert_eq!(people.get(c.author), ("Ada Lovelace", "ada@example.com"));
        assert_eq!(c.time, 1_700_000_100);
        // The same author again is the same number; nobody is 0.
        let again = parse_commit(raw).unwrap().parsed(&mut people);
        assert_eq!(again.author, c.author);
        assert_eq!(people.get(0), ("", ""));
    }

    #[test]
    fn malformed_commits_are_rejected_not_panics() {
        assert!(parse_commit(b"").is_none());
        assert!(parse_commit(b"tree xyz\n").is_none());
        assert!(parse_commit(b"parent 0123\n").is_none());
        let odd = parse_signature(b"no brackets here");
        assert_eq!(odd, (&b"no brackets here"[..], &b""[..], 0));
    }
}
