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
//!    new blob with its first commit and path (serial). The blobs that can
//!    be read on their own (stored whole, no delta on them) are handed to
//!    the pool in batches as the walk lists them, through a bounded queue.
//! 3. [`blobs`]: the other listed blobs resolved along their packs' delta
//!    forests and scanned where they are resolved.
//!
//! What grows with the history is kept small: object ids are positions in
//! the packs' id order (read from the mapped indexes), trees are stored as
//! deltas of their bases, paths once each, commits in 56 bytes, blob
//! records in 12. `SKYSCAN_TRACE=1` prints each phase's wall and CPU time,
//! with the CPU time of each thread.
//!
//! Packs are read directly (`git::pack`, `git::packs`); libgit2
//! reads whatever they cannot give, and opens the repository.

mod blobs;
mod trees;

pub use trees::parse_tree_entries;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::Ordering;

use git2::{Oid, Repository};
use rustc_hash::FxHashMap;

use crate::checks::env_files::{self, NameFilter};
use crate::checks::history as history_checks;
use crate::engine::Matcher;
use crate::error::Error;
use crate::finding::{Finding, Provenance};
use crate::git::commits;
use crate::git::open_repository;
use crate::git::pack::ObjectId;
use crate::git::packs::{self, Kind, Packs};
use crate::git::Odb;
use crate::progress::Progress;
use crate::rules::{Mode, RuleSet};
use crate::scan::ScanSettings;
use crate::source::{Counters, ScanOutput};

/// How to scan history.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// Only commits in this revision range (`A..B`).
    pub range: Option<String>,
    /// Only commits made at or after this Unix time.
    pub since: Option<i64>,
    /// Worker threads; 0 picks the number of cores.
    pub threads: usize,
    pub max_filesize: u64,
    pub settings: ScanSettings,
    /// Keys first committed longer ago than this are overdue (SC6).
    pub max_key_age_days: u64,
    /// "Now", for key ages (a parameter so that tests can fix it).
    pub now: i64,
    /// Draw a progress line on stderr when it is a terminal.
    pub progress: bool,
    /// Also scan the objects no ref reaches (`--all-objects`).
    pub all_objects: bool,
}

/// Scan the history of the repository at (or above) `path`.
pub fn scan_history(
    rules: &RuleSet,
    path: &Path,
    opts: &HistoryOptions,
) -> Result<ScanOutput, Error> {
    let repo = open_repository(path)?;
    let mut warnings = Vec::new();
    if repo.is_shallow() {
        warnings.push(
            "shallow clone: commits before the shallow boundary are not scanned (fetch with --unshallow for a full scan)"
                .to_string(),
        );
    }
    let threads = match opts.threads {
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

    let progress = Progress::start(opts.progress);
    let matcher = Matcher::new(rules.for_mode(Mode::History));
    let counters = Counters::default();
    progress.phase("opening packs");
    let objects = Odb {
        // Laying the packs out parses every entry header, on the pool.
        store: {
            let dirs = packs::object_dirs(repo.commondir());
            pool.install(|| Packs::open(&dirs))
        },
        odb: repo.odb()?,
    };
    // What HEAD holds, read through the same capped reader as the rest.
    let head_blobs = head_blob_ids(&repo, &objects, &mut warnings);
    // A pack the reader rejects is named; a damaged one makes the scan
    // incomplete (whatever libgit2 still reads of it is scanned).
    for (why, damaged) in &objects.store.skipped {
        if *damaged {
            counters.errors.fetch_add(1, Ordering::Relaxed);
            warnings.push(format!(
                "pack {why}: it is damaged, the history may be incomplete"
            ));
        } else {
            warnings.push(format!("pack {why}: read through libgit2"));
        }
    }

    // 1. Commits, and 2. trees.
    progress.phase("reading commits");
    let before = warnings.len();
    let window = opts.range.is_some() || opts.since.is_some();
    let read = commits::read_commits(&repo, &objects, &pool, opts.range.as_deref(), &mut warnings)?;
    let filter = NameFilter::new(rules);
    let (list, store) = if opts.range.is_none() {
        // A full scan decodes every tree: on the pool, while this thread
        // puts the commits in order (serial work).
        progress.phase("ordering commits, reading trees");
        let mut store = None;
        let list = pool.in_place_scope(|scope| {
            scope.spawn(|_| {
                store = Some(trees::TreeStore::decode_all(&objects.store, &pool, &filter))
            });
            read.order(&objects, window, &mut warnings)
        });
        (list, store.expect("the tree decoding has finished"))
    } else {
        let list = read.order(&objects, window, &mut warnings);
        progress.phase("reading trees");
        // Decoding every tree pays off when the walk reaches most of them;
        // a short range reads the few it reaches one by one.
        let walks_most = list.commits.len().saturating_mul(8) >= objects.store.count(Kind::Commit);
        let store = if walks_most {
            trees::TreeStore::decode_all(&objects.store, &pool, &filter)
        } else {
            trees::TreeStore::empty()
        };
        (list, store)
    };
    // Each warning of these phases is a ref or commit that could not be
    // read.
    counters
        .errors
        .fetch_add((warnings.len() - before) as u64, Ordering::Relaxed);
    progress.phase("walking commits");
    let promisor = promisor_remote(&repo);
    let scanner = blobs::BlobScanner {
        matcher: &matcher,
        opts,
        counters: &counters,
        scanned: &progress.done,
        partial_clone: promisor.is_some(),
    };
    let found = blobs::Found::new(&objects.store);
    let mut walker = trees::Walker::new(store, &objects, rules, &filter);
    let mut walked = trees::WalkResult::new();
    let mut seen_env = HashSet::new();
    let mut people = list.people;
    // The ref naming each entry of `commits` that is no reachable commit.
    let mut references: FxHashMap<usize, String> = FxHashMap::default();
    let mut commits;
    if window {
        // Each commit of the window against its parents, which may lie
        // outside it (a range's boundary, commits before --since).
        let trees: FxHashMap<ObjectId, ObjectId> =
            list.commits.iter().map(|c| (c.id, c.tree)).collect();
        let mut buf = Vec::new();
        commits = Vec::new();
        for (commit, parents) in list.commits.into_iter().zip(list.parents) {
            if opts.since.is_some_and(|since| commit.time < since) {
                continue;
            }
            let parent_trees: Vec<ObjectId> = parents
                .iter()
                .filter_map(|p| {
                    trees
                        .get(p)
                        .copied()
                        .or_else(|| read_tree_of(&objects, p, &mut buf))
                })
                .collect();
            walker.walk_introduced(
                commits.len(),
                &commit.tree,
                &parent_trees,
                &mut walked,
                &mut seen_env,
            );
            commits.push(commit);
        }
    } else {
        commits = list.commits;
        // The walk is serial: the pool scans the blobs it lists that can
        // be read on their own meanwhile, handed over in batches through a
        // bounded queue (a walk faster than the scan waits instead of
        // piling up paths).
        const BATCH: usize = 256;
        type Batch = Vec<(usize, u32, String)>;
        let (queue, listed) = std::sync::mpsc::sync_channel::<Batch>(2 * threads);
        let listed = std::sync::Mutex::new(listed);
        // The root trees' positions, looked up on the pool (the walk is
        // serial), before the pool's threads wait on the queue.
        let roots: Vec<Option<u32>> = pool.install(|| {
            use rayon::prelude::*;
            commits
                .par_iter()
                .map(|c| objects.store.position(&c.tree))
                .collect()
        });
        pool.in_place_scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|_| {
                    let mut buf = Vec::new();
                    loop {
                        let next = listed.lock().expect("lock").recv();
                        let Ok(batch) = next else { break };
                        for (job, position, path) in batch {
                            scanner.scan_standalone(
                                &objects.store,
                                job,
                                position,
                                &path,
                                &found,
                                &mut buf,
                            );
                        }
                    }
                });
            }
            let mut batch = Vec::with_capacity(BATCH);
            for (index, commit) in commits.iter().enumerate() {
                let before = walked.blobs.len();
                walker.walk_tree_at(
                    index,
                    &commit.tree,
                    roots[index],
                    &mut walked,
                    &mut seen_env,
                );
                for job in before..walked.blobs.len() {
                    let trees::BlobRef::Packed(position) = walked.blobs[job].blob() else {
                        continue;
                    };
                    if objects.store.is_standalone_blob(position) {
                        batch.push((job, position, walker.blob_path(&walked, job)));
                    }
                }
                if batch.len() >= BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    // The receivers live until the queue is dropped.
                    let _ = queue.send(full);
                }
            }
            let _ = queue.send(batch);
            drop(queue);
        });
    }
    // What refs reach outside any commit (a tag of a blob or of a tree)
    // comes last, so only what no commit holds is reported there. A window
    // (--range, --since) is about commits: they have no place in it.
    if opts.range.is_none() && opts.since.is_none() {
        for (object, name) in list.detached {
            let index = commits.len();
            let id = match object {
                commits::Peeled::Tree(id) => {
                    walker.walk_tree(index, &id, &mut walked, &mut seen_env);
                    id
                }
                commits::Peeled::Blob(id) => {
                    walker.walk_blob(index, &id, &name, &mut walked);
                    id
                }
                commits::Peeled::Commit(id) => id,
            };
            references.insert(index, name);
            commits.push(commits::CommitInfo {
                id,
                tree: id,
                author: 0,
                time: 0,
            });
        }
    }
    if opts.all_objects && !window {
        progress.phase("listing unreachable objects");
        let reachable: HashSet<ObjectId> = commits.iter().map(|c| c.id).collect();
        let unreachable = commits::unreachable(&objects, &reachable, &mut people, &mut warnings);
        // Commits first, so that their blobs are named by path; then the
        // blobs that no commit names at all, by their id.
        for commit in unreachable.commits {
            walker.walk_tree(commits.len(), &commit.tree, &mut walked, &mut seen_env);
            references.insert(commits.len(), crate::finding::UNREACHABLE.to_string());
            commits.push(commit);
        }
        for blob in unreachable.blobs {
            let hex = Oid::from_bytes(&blob).expect("20 bytes").to_string();
            walker.walk_blob(commits.len(), &blob, &hex, &mut walked);
            references.insert(commits.len(), crate::finding::UNREACHABLE.to_string());
            commits.push(commits::CommitInfo {
                id: blob,
                tree: blob,
                author: 0,
                time: 0,
            });
        }
    }
    warnings.extend(walker.finish(&mut walked));
    counters.errors.fetch_add(walked.errors, Ordering::Relaxed);
    if commits.is_empty() && counters.errors.load(Ordering::Relaxed) == 0 {
        warnings.push(if opts.range.is_some() || opts.since.is_some() {
            "no commits in the given --range/--since: nothing to scan".to_string()
        } else {
            "the repository has no commits: nothing to scan".to_string()
        });
    }

    // 3. Blobs.
    progress.phase("scanning blobs");
    progress.total.store(walked.blobs.len(), Ordering::Relaxed);
    let scanned = scanner.scan(&objects.store, repo.path(), &pool, &walked, found);
    if scanned.absent > 0 {
        warnings.push(format!(
            "partial clone: {} blob(s) of the history are not in this repository (the promisor remote `{}` has them) and were not scanned; `git fetch --refetch` or a full clone scans them",
            scanned.absent,
            promisor.as_deref().unwrap_or("origin"),
        ));
    }
    progress.phase("done");
    progress.stop();
    warnings.extend(scanned.warnings);
    let large = counters.large.load(Ordering::Relaxed);
    if large > 0 {
        warnings.push(format!(
            "{large} blob(s) over the size cap of {} bytes were skipped (--max-filesize)",
            opts.max_filesize
        ));
    }
    let per_blob = scanned.findings;
    let inventory = &walked;
    let commits = &commits;

    let provenance = |commit: usize| {
        let c = &commits[commit];
        let reference = references.get(&commit);
        let (author, email) = people.get(c.author);
        // A commit no ref reaches still has its id, author and date; a ref
        // to a tree or blob, or a blob no commit names, has none.
        let is_commit = reference.is_none() || !author.is_empty() || c.time != 0;
        Provenance {
            commit: if is_commit {
                Oid::from_bytes(&c.id).expect("20 bytes").to_string()
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
    };

    // One finding per (rule, secret or match, path of first occurrence);
    // blobs are in first-seen order, so the first hit is the earliest.
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for (blob, findings) in per_blob {
        let record = &inventory.blobs[blob];
        let oid = inventory.oid(blob, &objects.store);
        for f in findings {
            let identity = f.secret.clone().unwrap_or_else(|| f.matched.clone());
            let key = (f.rule_id.clone(), identity);
            let at_head = head_blobs.as_ref().is_some_and(|h| h.contains(&oid));
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

    let mut findings = Vec::new();
    let mut secret_paths = HashSet::new();
    for g in &mut groups {
        let p = provenance(g.commit);
        g.finding.message = format!("{} ({})", g.finding.message, p.describe("first committed"));
        g.finding.provenance = Some(p);
        g.finding.occurrences = Some(g.blobs);
        if g.finding.secret.is_some() {
            secret_paths.insert(g.finding.path.clone());
        }
    }
    // Without HEAD's tree, "gone from HEAD" and "still at HEAD" cannot be
    // told apart: SC6 and SC7 are not judged rather than judged wrong.
    let judged = if head_blobs.is_some() {
        &groups[..]
    } else {
        &[][..]
    };
    if head_blobs.is_none() && !groups.is_empty() {
        counters.errors.fetch_add(1, Ordering::Relaxed);
        warnings.push(
            "HEAD's tree could not be read: SC6 (keys overdue for rotation) and SC7 (keys only in history) were not judged"
                .to_string(),
        );
    }
    for g in judged {
        findings.extend(history_checks::derived_findings(
            rules,
            &g.finding,
            g.at_head,
            opts.now,
            opts.max_key_age_days,
        ));
    }
    findings.extend(groups.into_iter().map(|g| g.finding));

    for (path, commit) in &inventory.env_paths {
        let holds_secret = secret_paths.contains(path);
        for mut f in env_files::env_file_findings_for_path(rules, path, holds_secret) {
            let p = provenance(*commit);
            f.message = format!("{} ({})", f.message, p.describe("committed"));
            f.provenance = Some(p);
            findings.push(f);
        }
    }

    crate::source::sort_findings(&mut findings);
    warnings.sort();
    Ok(ScanOutput {
        findings,
        warnings,
        stats: counters.into_stats(),
    })
}

/// The findings of one (rule, secret) across history.
struct Group {
    finding: Finding,
    commit: usize,
    blobs: usize,
    at_head: bool,
}

/// Every blob id in HEAD's tree (empty for an unborn HEAD).
/// The promisor remote of a partial clone (`git clone --filter=...`), whose
/// objects are fetched on demand and mostly absent locally.
fn promisor_remote(repo: &Repository) -> Option<String> {
    let config = repo.config().ok()?.snapshot().ok()?;
    let partial = config.get_string("extensions.partialclone").ok();
    if partial.is_some() {
        return partial;
    }
    let mut entries = config.entries(Some(r"remote\..*\.promisor")).ok()?;
    while let Some(Ok(entry)) = entries.next() {
        if entry
            .value()
            .is_some_and(|v| v == "true" || v == "1" || v == "yes")
        {
            let name = entry
                .name()?
                .strip_prefix("remote.")?
                .strip_suffix(".promisor")?;
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
    repo: &Repository,
    objects: &Odb,
    warnings: &mut Vec<String>,
) -> Option<HashSet<Oid>> {
    let mut ids = HashSet::new();
    let Some(head) = repo.head().ok().and_then(|h| h.target()) else {
        return Some(ids);
    };
    let mut buf = Vec::new();
    // HEAD's commit (through annotated tags), then its tree.
    let root = match commits::peel(objects, commits::key(head), &mut buf) {
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
            let id = Oid::from_bytes(&tree).expect("20 bytes");
            warnings.push(format!("HEAD tree {id}: {problem}"));
            complete = false;
            continue;
        }
        // The walk's own tree parser; a malformed entry ends the tree.
        for entry in trees::TreeEntries::new(&buf).map_while(Result::ok) {
            match entry.kind {
                trees::EntryKind::Tree => stack.push(entry.id),
                trees::EntryKind::Blob => {
                    ids.insert(Oid::from_bytes(&entry.id).expect("20 bytes"));
                }
                trees::EntryKind::Other => {}
            }
        }
    }
    complete.then_some(ids)
}
