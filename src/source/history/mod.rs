//! The history source: every blob reachable from the repository's refs,
//! each distinct blob scanned exactly once, with provenance (the commit that
//! first introduced it, and the path it had there).
//!
//! The scan runs in phases, each parallel where it can be, and serial work
//! overlaps parallel work where the data allows:
//! 1. [`commits`]: every packed commit parsed (in parallel), then put in
//!    walk order, oldest first (serial, while the pool starts on 2).
//! 2. [`trees`]: every packed tree decoded once, then one walk over the
//!    commits that descends only into trees not seen before and lists each
//!    new blob with its first commit and path. On more than one thread the
//!    commits are walked in parts, each part on its own as if it came
//!    first, and the parts merged in order as they finish, keeping what no
//!    earlier part held: the same list as one walk would make.
//! 3. [`blobs`]: the listed blobs resolved along their packs' delta
//!    forests and scanned where they are resolved.
//!
//! What grows with the history is kept small: object ids are positions in
//! the packs' id order (read from the mapped indexes), trees are stored as
//! deltas of their bases, paths once each, commits in 80 bytes, blob
//! records in 12. `SKYSCAN_TRACE=1` prints each phase's wall and CPU time,
//! with the CPU time of each thread.
//!
//! Packs are read directly (`git::pack`, `git::packs`); gitoxide opens
//! the repository, reads its refs and whatever the packs cannot give.

mod blobs;
mod trees;

pub use trees::parse_tree_entries;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustc_hash::FxHashMap;

use crate::checks::env_files::{self, NameFilter};
use crate::checks::history as history_checks;
use crate::error::Error;
use crate::finding::{Finding, Provenance};
use crate::git::commits;
use crate::git::discover;
use crate::git::pack::ObjectId;
use crate::git::packs::Kind;
use crate::git::Odb;
use crate::progress::Progress;
use crate::rules::RuleSet;
use crate::source::{Counters, ScanContext, ScanOutput};

/// What a history scan adds to the [`ScanContext`].
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// Only commits in this revision range (`A..B`).
    pub range: Option<String>,
    /// Only commits made at or after this Unix time.
    pub since: Option<i64>,
    /// Keys first committed longer ago than this are overdue (SC6).
    pub max_key_age_days: u64,
    /// "Now", for key ages (a parameter so that tests can fix it).
    pub now: i64,
    /// Also scan the objects no ref reaches (`--all-objects`).
    pub all_objects: bool,
}

impl HistoryOptions {
    /// Whether the scan covers a window of commits (`--range`, `--since`)
    /// rather than everything the refs reach.
    fn is_window(&self) -> bool {
        self.range.is_some() || self.since.is_some()
    }
}

/// Scan the history of the repository at (or above) `path`.
pub fn scan_history(
    cx: &ScanContext,
    path: &Path,
    opts: &HistoryOptions,
) -> Result<ScanOutput, Error> {
    let rules = cx.rules;
    let repo = discover(path)?;
    let mut warnings = Vec::new();
    if repo.is_shallow().unwrap_or(false) {
        warnings.push(
            "shallow clone: commits before the shallow boundary are not scanned (fetch with --unshallow for a full scan)"
                .to_string(),
        );
    }
    let (pool, threads) = worker_pool(cx.threads)?;
    let progress = Progress::start(cx.progress);
    let counters = Counters::default();
    progress.phase("opening packs");
    let objects = Odb::open(&repo, &pool);
    // What HEAD holds, read through the same capped reader as the rest.
    let head_blobs = head_blob_ids(&repo, &objects, &mut warnings);
    note_skipped_packs(&objects, &counters, &mut warnings);
    let phases = Phases {
        opts,
        objects: &objects,
        pool: &pool,
        threads,
        progress: &progress,
        counters: &counters,
    };

    // 1. Commits, and 2. trees.
    let filter = NameFilter::new(rules);
    let (mut list, store) = phases.commits_and_trees(&repo, &filter, &mut warnings)?;
    progress.phase("walking commits");
    let promisor = promisor_remote(&repo);
    let scanner = blobs::BlobScanner {
        cx,
        counters: &counters,
        scanned: &progress.done,
        partial_clone: promisor.is_some(),
    };
    let mut people = std::mem::take(&mut list.people);
    let walk = Walk::new(trees::Walker::new(&store, &objects, rules, &filter));
    let walk = phases.walk(walk, list, &mut people, &mut warnings);
    let (mut walked, commits, references) = walk.finish(opts, &counters, &mut warnings);
    store.finish(&mut walked);

    // 3. Blobs.
    progress.phase("scanning blobs");
    progress.total.store(walked.blobs.len(), Ordering::Relaxed);
    let scanned = scanner.scan(&objects, &pool, &walked);
    progress.phase("done");
    progress.stop();
    note_blob_scan(
        &scanned,
        promisor.as_deref(),
        cx.max_filesize,
        &counters,
        &mut warnings,
    );

    let groups = group_findings(scanned.findings, &walked, &objects, head_blobs.as_ref());
    let history = History {
        rules,
        opts,
        commits: &commits,
        references: &references,
        people: &people,
    };
    let head_read = head_blobs.is_some();
    let findings = history.findings(groups, &walked, head_read, &counters, &mut warnings);
    warnings.sort();
    Ok(ScanOutput {
        findings,
        warnings,
        stats: counters.into_stats(),
    })
}

/// What every phase of one history scan shares.
struct Phases<'a> {
    opts: &'a HistoryOptions,
    objects: &'a Odb,
    pool: &'a rayon::ThreadPool,
    threads: usize,
    progress: &'a Progress,
    counters: &'a Counters,
}

impl Phases<'_> {
    /// Read the refs and commits, put the commits in walk order and decode
    /// the trees: a full scan decodes every tree, on the pool, while this
    /// thread orders the commits (serial work); a window decodes them all
    /// only when it walks most commits, and otherwise reads the few it
    /// reaches one by one. Each warning of these phases is a ref or commit
    /// that could not be read: an error.
    fn commits_and_trees(
        &self,
        repo: &gix::Repository,
        filter: &NameFilter,
        warnings: &mut Vec<String>,
    ) -> Result<(commits::CommitList, trees::TreeStore), Error> {
        let (opts, objects, pool) = (self.opts, self.objects, self.pool);
        self.progress.phase("reading commits");
        let before = warnings.len();
        let read = commits::read_commits(repo, objects, pool, opts.range.as_deref(), warnings)?;
        let window = opts.is_window();
        let (list, store) = if opts.range.is_none() {
            self.progress.phase("ordering commits, reading trees");
            let mut store = None;
            let list = pool.in_place_scope(|scope| {
                scope.spawn(|_| {
                    store = Some(trees::TreeStore::decode_all(&objects.store, pool, filter))
                });
                read.order(objects, window, warnings)
            });
            (list, store.expect("the tree decoding has finished"))
        } else {
            let list = read.order(objects, window, warnings);
            self.progress.phase("reading trees");
            let walks_most =
                list.commits.len().saturating_mul(8) >= objects.store.count(Kind::Commit);
            let store = if walks_most {
                trees::TreeStore::decode_all(&objects.store, pool, filter)
            } else {
                trees::TreeStore::empty()
            };
            (list, store)
        };
        self.counters
            .errors
            .fetch_add((warnings.len() - before) as u64, Ordering::Relaxed);
        Ok((list, store))
    }

    /// Walk the commits of `list` (a window, or everything with what refs
    /// reach outside commits and, with `--all-objects`, what no ref
    /// reaches).
    fn walk<'w>(
        &self,
        mut walk: Walk<'w>,
        list: commits::CommitList,
        people: &mut commits::People,
        warnings: &mut Vec<String>,
    ) -> Walk<'w> {
        let opts = self.opts;
        if opts.is_window() {
            walk.window(list.commits, list.parents, self.objects, opts.since);
            return walk;
        }
        walk.everything(list.commits, self.pool, self.threads);
        // What refs reach outside any commit (a tag of a blob or of a tree)
        // comes last, so only what no commit holds is reported there. A
        // window (--range, --since) is about commits: they have no place
        // in it.
        walk.detached(list.detached);
        if opts.all_objects {
            self.progress.phase("listing unreachable objects");
            walk.unreachable(self.objects, people, warnings);
        }
        walk
    }
}

/// Commits in a part of a parallel walk, at the least: a part's walk
/// starts with nothing seen, so it goes through the whole tree of its
/// first commit again.
const MIN_PART: usize = 1_000;

/// The parts a walk over `commits` commits is split into, in order, on
/// `threads` threads (at most `max`): several per thread, so that a thread
/// done early takes another and the last part is short.
fn split_walk(commits: usize, threads: usize, max: usize) -> Vec<std::ops::Range<usize>> {
    let count = if threads < 2 {
        1
    } else {
        (threads * 8).min(max).min(commits / MIN_PART).max(1)
    };
    let size = commits.div_ceil(count).max(1);
    (0..commits)
        .step_by(size)
        .map(|start| start..(start + size).min(commits))
        .collect()
}

/// The pool of worker threads (`threads`, or one per core when 0).
fn worker_pool(threads: usize) -> Result<(rayon::ThreadPool, usize), Error> {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        // Delta forests are resolved to a depth of about log2(entries)
        // (see `git::packs`); the room is for the scanning itself.
        .stack_size(16 << 20)
        .build()
        .map_err(|e| Error::Git(format!("cannot start worker threads: {e}")))?;
    Ok((pool, threads))
}

/// What the blob scan could not read or skipped, as warnings.
fn note_blob_scan(
    scanned: &blobs::BlobScan,
    promisor: Option<&str>,
    max_filesize: u64,
    counters: &Counters,
    warnings: &mut Vec<String>,
) {
    if scanned.absent > 0 {
        warnings.push(format!(
            "partial clone: {} blob(s) of the history are not in this repository (the promisor remote `{}` has them) and were not scanned; `git fetch --refetch` or a full clone scans them",
            scanned.absent,
            promisor.unwrap_or("origin"),
        ));
    }
    warnings.extend(scanned.warnings.iter().cloned());
    let large = counters.large.load(Ordering::Relaxed);
    if large > 0 {
        warnings.push(format!(
            "{large} blob(s) over the size cap of {} bytes were skipped (--max-filesize)",
            max_filesize
        ));
    }
}

/// A pack the reader rejects is named; a damaged one makes the scan
/// incomplete (whatever gitoxide still reads of it is scanned).
fn note_skipped_packs(objects: &Odb, counters: &Counters, warnings: &mut Vec<String>) {
    for (why, damaged) in &objects.store.skipped {
        if *damaged {
            counters.errors.fetch_add(1, Ordering::Relaxed);
            warnings.push(format!(
                "pack {why}: it is damaged, the history may be incomplete"
            ));
        } else {
            warnings.push(format!("pack {why}: read through gitoxide"));
        }
    }
}

/// The walk over the commits: each new blob listed with the commit that
/// first holds it and its path there.
struct Walk<'a> {
    walker: trees::Walker<'a>,
    result: trees::WalkResult,
    seen_env: HashSet<String>,
    /// What the walk visited, in order: commits, then (in a full scan)
    /// what refs reach outside commits, then unreachable objects.
    commits: Vec<commits::CommitInfo>,
    /// The ref naming each entry of `commits` that is no reachable commit.
    references: FxHashMap<usize, String>,
}

impl<'a> Walk<'a> {
    fn new(walker: trees::Walker<'a>) -> Self {
        Walk {
            walker,
            result: trees::WalkResult::new(),
            seen_env: HashSet::new(),
            commits: Vec::new(),
            references: FxHashMap::default(),
        }
    }

    /// A window (`--range`, `--since`): each commit against its parents,
    /// which may lie outside it (a range's boundary, commits before
    /// `--since`).
    fn window(
        &mut self,
        list: Vec<commits::CommitInfo>,
        parents: Vec<Box<[ObjectId]>>,
        objects: &Odb,
        since: Option<i64>,
    ) {
        let trees: FxHashMap<ObjectId, ObjectId> = list.iter().map(|c| (c.id, c.tree)).collect();
        let mut buf = Vec::new();
        for (commit, parents) in list.into_iter().zip(parents) {
            if since.is_some_and(|since| commit.time < since) {
                continue;
            }
            let parent_trees: Vec<ObjectId> = parents
                .iter()
                .filter_map(|p| {
                    trees
                        .get(p)
                        .copied()
                        .or_else(|| read_tree_of(objects, p, &mut buf))
                })
                .collect();
            self.walker.walk_introduced(
                self.commits.len(),
                &commit.tree,
                &parent_trees,
                &mut self.result,
                &mut self.seen_env,
            );
            self.commits.push(commit);
        }
    }

    /// Every commit. On more than one thread the commits are walked in
    /// parts, several at a time on the pool, each part as if it came
    /// first; this thread merges the parts in order as they come, keeping
    /// only what the parts before did not hold (the result is the serial
    /// walk's, to the byte).
    fn everything(
        &mut self,
        commits: Vec<commits::CommitInfo>,
        pool: &rayon::ThreadPool,
        threads: usize,
    ) {
        self.commits = commits;
        let walks = self.walker.parts();
        let parts = split_walk(self.commits.len(), threads, walks.max());
        if parts.len() < 2 {
            for (index, commit) in self.commits.iter().enumerate() {
                self.walker.walk_tree(index, &commit.tree, &mut self.result);
            }
            return;
        }
        let (walker, result, commits) = (&mut self.walker, &mut self.result, &self.commits);
        let next = AtomicUsize::new(0);
        let (done, walked) = std::sync::mpsc::channel();
        pool.in_place_scope(|scope| {
            for _ in 0..threads.min(parts.len()) {
                let (done, next, parts) = (done.clone(), &next, &parts);
                scope.spawn(move |_| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(range) = parts.get(i) else {
                        break;
                    };
                    let part = walks.walk(i, range.start, &commits[range.clone()]);
                    if done.send((i, part)).is_err() {
                        break;
                    }
                });
            }
            drop(done);
            let mut waiting: Vec<Option<trees::Part>> = parts.iter().map(|_| None).collect();
            let mut merged = 0;
            for (i, part) in walked {
                waiting[i] = Some(part);
                while let Some(part) = waiting.get_mut(merged).and_then(Option::take) {
                    walker.merge(result, part);
                    merged += 1;
                }
            }
        });
    }

    /// What refs reach without a commit: trees and blobs, named by the ref.
    fn detached(&mut self, detached: Vec<(commits::Peeled, String)>) {
        for (object, name) in detached {
            let index = self.commits.len();
            let id = match object {
                commits::Peeled::Tree(id) => {
                    self.walker.walk_tree(index, &id, &mut self.result);
                    id
                }
                commits::Peeled::Blob(id) => {
                    self.walker.walk_blob(index, &id, &name, &mut self.result);
                    id
                }
                commits::Peeled::Commit(id) => id,
            };
            self.references.insert(index, name);
            self.push_objectless(id);
        }
    }

    /// `--all-objects`: the commits no ref reaches first, so that their
    /// blobs are named by path; then the blobs no commit names at all, by
    /// their id.
    fn unreachable(
        &mut self,
        objects: &Odb,
        people: &mut commits::People,
        warnings: &mut Vec<String>,
    ) {
        let reachable: HashSet<ObjectId> = self.commits.iter().map(|c| c.id).collect();
        let unreachable = commits::unreachable(objects, &reachable, people, warnings);
        for commit in unreachable.commits {
            self.walker
                .walk_tree(self.commits.len(), &commit.tree, &mut self.result);
            self.references
                .insert(self.commits.len(), crate::finding::UNREACHABLE.to_string());
            self.commits.push(commit);
        }
        for blob in unreachable.blobs {
            let hex = blob.to_string();
            self.walker
                .walk_blob(self.commits.len(), &blob, &hex, &mut self.result);
            self.references
                .insert(self.commits.len(), crate::finding::UNREACHABLE.to_string());
            self.push_objectless(blob);
        }
    }

    /// The walk's result, the entries it visited and the refs naming
    /// those that are no commit; its warnings and errors counted.
    fn finish(
        self,
        opts: &HistoryOptions,
        counters: &Counters,
        warnings: &mut Vec<String>,
    ) -> (
        trees::WalkResult,
        Vec<commits::CommitInfo>,
        FxHashMap<usize, String>,
    ) {
        let mut walked = self.result;
        let mut seen_env = self.seen_env;
        self.walker.settle_env(&mut walked, &mut seen_env);
        warnings.extend(self.walker.finish(&mut walked));
        counters.errors.fetch_add(walked.errors, Ordering::Relaxed);
        if self.commits.is_empty() && counters.errors.load(Ordering::Relaxed) == 0 {
            warnings.push(if opts.is_window() {
                "no commits in the given --range/--since: nothing to scan".to_string()
            } else {
                "the repository has no commits: nothing to scan".to_string()
            });
        }
        (walked, self.commits, self.references)
    }

    /// An entry of `commits` for a tree or blob: no author, no date.
    fn push_objectless(&mut self, id: ObjectId) {
        self.commits.push(commits::CommitInfo {
            id,
            tree: id,
            author: 0,
            time: 0,
        });
    }
}

/// One finding per (rule, secret or match), at the path of its first
/// occurrence; blobs are in first-seen order, so the first hit is the
/// earliest.
fn group_findings(
    per_blob: Vec<(usize, Vec<Finding>)>,
    walked: &trees::WalkResult,
    objects: &Odb,
    head_blobs: Option<&HashSet<ObjectId>>,
) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for (blob, findings) in per_blob {
        let record = &walked.blobs[blob];
        let oid = walked.oid(blob, &objects.store);
        let at_head = head_blobs.is_some_and(|h| h.contains(oid));
        for f in findings {
            let identity = f.secret.clone().unwrap_or_else(|| f.matched.clone());
            let key = (f.rule_id.clone(), identity);
            match index.get(&key) {
                Some(&g) => {
                    let group = &mut groups[g];
                    group.blobs += 1;
                    group.at_head |= at_head;
                    if (record.commit as usize) < group.commit {
                        group.commit = record.commit as usize;
                        group.finding = f;
                    }
                }
                None => {
                    index.insert(key, groups.len());
                    groups.push(Group {
                        finding: f,
                        commit: record.commit as usize,
                        blobs: 1,
                        at_head,
                    });
                }
            }
        }
    }
    groups
}

/// What the walk visited, to say where and by whom a finding was committed.
struct History<'a> {
    rules: &'a RuleSet,
    opts: &'a HistoryOptions,
    commits: &'a [commits::CommitInfo],
    references: &'a FxHashMap<usize, String>,
    people: &'a commits::People,
}

impl History<'_> {
    /// The provenance of entry `commit` of the walk.
    fn provenance(&self, commit: usize) -> Provenance {
        let c = &self.commits[commit];
        let reference = self.references.get(&commit);
        let (author, email) = self.people.get(c.author);
        // A commit no ref reaches still has its id, author and date; a ref
        // to a tree or blob, or a blob no commit names, has none.
        let is_commit = reference.is_none() || !author.is_empty() || c.time != 0;
        Provenance {
            commit: if is_commit {
                c.id.to_string()
            } else {
                String::new()
            },
            author: author.to_string(),
            email: email.to_string(),
            date: if is_commit {
                crate::time::rfc3339(c.time)
            } else {
                String::new()
            },
            time: c.time,
            reference: reference.cloned(),
        }
    }

    /// The report's findings: each group's first occurrence with its
    /// provenance and count, the checks derived from it (SC6, SC7) where
    /// HEAD's tree was read, and committed env files.
    fn findings(
        &self,
        mut groups: Vec<Group>,
        walked: &trees::WalkResult,
        head_read: bool,
        counters: &Counters,
        warnings: &mut Vec<String>,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut secret_paths = HashSet::new();
        for g in &mut groups {
            let p = self.provenance(g.commit);
            g.finding.message =
                format!("{} ({})", g.finding.message, p.describe("first committed"));
            g.finding.provenance = Some(p);
            g.finding.occurrences = Some(g.blobs);
            if g.finding.secret.is_some() {
                secret_paths.insert(g.finding.path.clone());
            }
        }
        // Without HEAD's tree, "gone from HEAD" and "still at HEAD" cannot
        // be told apart: SC6 and SC7 are not judged rather than judged wrong.
        if head_read {
            for g in &groups {
                findings.extend(history_checks::derived_findings(
                    self.rules,
                    &g.finding,
                    g.at_head,
                    self.opts.now,
                    self.opts.max_key_age_days,
                ));
            }
        } else if !groups.is_empty() {
            counters.errors.fetch_add(1, Ordering::Relaxed);
            warnings.push(
                "HEAD's tree could not be read: SC6 (keys overdue for rotation) and SC7 (keys only in history) were not judged"
                    .to_string(),
            );
        }
        findings.extend(groups.into_iter().map(|g| g.finding));
        for (path, commit) in &walked.env_paths {
            let holds_secret = secret_paths.contains(path);
            for mut f in env_files::env_file_findings_for_path(self.rules, path, holds_secret) {
                let p = self.provenance(*commit);
                f.message = format!("{} ({})", f.message, p.describe("committed"));
                f.provenance = Some(p);
                findings.push(f);
            }
        }
        crate::source::sort_findings(&mut findings);
        findings
    }
}

/// The findings of one (rule, secret) across history.
struct Group {
    finding: Finding,
    commit: usize,
    blobs: usize,
    at_head: bool,
}

/// The promisor remote of a partial clone (`git clone --filter=...`), whose
/// objects are fetched on demand and mostly absent locally.
fn promisor_remote(repo: &gix::Repository) -> Option<String> {
    let config = repo.config_snapshot();
    if let Some(partial) = config.string("extensions.partialclone") {
        return Some(partial.to_string());
    }
    let file = config.plumbing();
    let remotes = file.sections_by_name("remote")?;
    for section in remotes {
        let promisor = section.value("promisor");
        let truthy = promisor.is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v == b"true" || v == b"1" || v == b"yes"
        });
        if truthy {
            let name = section.header().subsection_name()?;
            return Some(name.to_string());
        }
    }
    None
}

/// The tree of commit `id`; `None` when it cannot be read (a shallow
/// clone's boundary): the commit then counts as a root, and everything it
/// holds as new.
fn read_tree_of(objects: &Odb, id: &ObjectId, buf: &mut Vec<u8>) -> Option<ObjectId> {
    match objects.read(id, buf) {
        Ok(Kind::Commit) => commits::commit_tree(buf),
        _ => None,
    }
}

/// The blobs of HEAD's tree; `None` when some of it cannot be read (then
/// whether a key is still at HEAD cannot be known).
fn head_blob_ids(
    repo: &gix::Repository,
    objects: &Odb,
    warnings: &mut Vec<String>,
) -> Option<HashSet<ObjectId>> {
    let mut ids = HashSet::new();
    let Some(head) = repo.head().ok().and_then(|h| h.id()) else {
        return Some(ids);
    };
    let mut buf = Vec::new();
    // HEAD's commit (through annotated tags), then its tree.
    let root = match commits::peel(objects, head.detach(), &mut buf) {
        Ok(commits::Peeled::Commit(_)) => commits::commit_tree(&buf),
        _ => None,
    };
    let Some(root) = root else {
        warnings.push("HEAD tree: HEAD's commit cannot be read".to_string());
        return None;
    };
    let mut complete = true;
    // An iterative walk over each tree once (a tree that contains itself
    // ends it instead of recursing forever).
    let mut stack = vec![root];
    let mut seen = HashSet::new();
    while let Some(tree) = stack.pop() {
        if !seen.insert(tree) {
            continue;
        }
        let problem = match objects.read(&tree, &mut buf) {
            Ok(Kind::Tree) => None,
            Ok(other) => Some(format!("a {other:?} where a tree was expected")),
            Err(e) => Some(e),
        };
        if let Some(problem) = problem {
            warnings.push(format!("HEAD tree {tree}: {problem}"));
            complete = false;
            continue;
        }
        // The walk's own tree parser; a malformed entry ends the tree.
        for entry in trees::TreeEntries::new(&buf, objects.store.hash_len()).map_while(Result::ok) {
            match entry.kind {
                trees::EntryKind::Tree => stack.push(entry.id.to_owned()),
                trees::EntryKind::Blob => {
                    ids.insert(entry.id.to_owned());
                }
                trees::EntryKind::Other => {}
            }
        }
    }
    complete.then_some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_split_into_ordered_parts_that_cover_every_commit() {
        // One thread, or too few commits: one part.
        assert_eq!(split_walk(50_000, 1, 100), vec![0..50_000]);
        assert_eq!(split_walk(1_500, 2, 100), vec![0..1_500]);
        assert_eq!(split_walk(0, 2, 100), Vec::<std::ops::Range<usize>>::new());
        // Several per thread, capped by the commits and by `max`.
        for (commits, threads, max, count) in [
            (50_000, 2, 100, 16),
            (3_250, 2, 100, 3),
            (50_000, 4, 100, 32),
            (50_000, 64, 60, 50),
            (50_000, 2, 0, 1),
        ] {
            let parts = split_walk(commits, threads, max);
            assert_eq!(parts.len(), count, "{commits} {threads} {max}");
            assert_eq!(parts[0].start, 0);
            assert_eq!(parts.last().unwrap().end, commits);
            assert!(parts.windows(2).all(|w| w[0].end == w[1].start));
        }
    }
}
