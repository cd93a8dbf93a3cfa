//! The history source: every blob reachable from the repository's refs,
//! each distinct blob scanned exactly once, in parallel with one git handle
//! per thread. Provenance (the commit that first introduced a blob, and the
//! path it had there) comes from one walk of the commit graph, oldest first,
//! that descends only into trees it has not seen before.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository, Sort};

use crate::checks::{env_files, history as history_checks};
use crate::engine::{Matcher, Scratch};
use crate::error::Error;
use crate::finding::{Finding, Provenance};
use crate::rules::{Mode, RuleSet};
use crate::scan::{decode, scan_file, ScanSettings};
use crate::source::{open_repository, Counters, ScanOutput};

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
}

/// A commit of the walk.
struct CommitInfo {
    id: Oid,
    author: String,
    email: String,
    time: i64,
}

/// A blob to scan, with the commit (index into the commit list) and path
/// where it first appeared.
struct BlobRecord {
    id: Oid,
    path: String,
    commit: usize,
}

/// What the repository walk found.
struct Inventory {
    commits: Vec<CommitInfo>,
    blobs: Vec<BlobRecord>,
    /// `.env`-like paths and the commit where each first appeared.
    env_paths: Vec<(String, usize)>,
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
    raise_pack_window_limits();

    let head_blobs = head_blob_ids(&repo, &mut warnings);
    let matcher = Matcher::new(rules.for_mode(Mode::History));
    let counters = Counters::default();
    let (inventory, per_blob) =
        walk_and_scan(&repo, rules, &matcher, opts, &counters, &mut warnings)?;
    if inventory.commits.is_empty() && counters.errors.load(Ordering::Relaxed) == 0 {
        warnings.push(if opts.range.is_some() || opts.since.is_some() {
            "no commits in the given --range/--since: nothing to scan".to_string()
        } else {
            "the repository has no commits: nothing to scan".to_string()
        });
    }

    let provenance = |commit: usize| {
        let c = &inventory.commits[commit];
        Provenance {
            commit: c.id.to_string(),
            author: c.author.clone(),
            email: c.email.clone(),
            date: crate::time::rfc3339(c.time),
            time: c.time,
        }
    };

    // One finding per (rule, secret or match, path of first occurrence);
    // blobs are in first-seen order, so the first hit is the earliest.
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for (blob, findings) in per_blob {
        let record = &inventory.blobs[blob];
        for f in findings {
            let identity = f.secret.clone().unwrap_or_else(|| f.matched.clone());
            let key = (f.rule_id.clone(), identity);
            let at_head = head_blobs.contains(&record.id);
            match index.get(&key) {
                Some(&g) => {
                    let group = &mut groups[g];
                    group.blobs += 1;
                    group.at_head |= at_head;
                    if record.commit < group.commit {
                        group.commit = record.commit;
                        group.finding = f;
                    }
                }
                None => {
                    index.insert(key, groups.len());
                    groups.push(Group {
                        finding: f,
                        commit: record.commit,
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
    for g in &groups {
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

/// Tune libgit2's globals for reading every object once: map whole packs
/// (its default window limits make threads wait on each other), skip the
/// object cache (nothing is read twice), and skip re-hashing each object on
/// read (SHA-1 with collision detection was a third of the scan time; the
/// scan trusts the repository's objects as git itself does for reads).
fn raise_pack_window_limits() {
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
    // SAFETY: these only set libgit2 globals; they are called before any
    // worker thread reads objects.
    unsafe {
        let _ = git2::opts::set_mwindow_size(64 << 20);
        let _ = git2::opts::set_mwindow_mapped_limit(if cfg!(target_pointer_width = "64") {
            32 << 30
        } else {
            256 << 20
        });
    }
}

/// Walk the commits oldest first and list every distinct blob with the
/// commit and path where it first appears, handing each new blob to
/// `on_blob` as soon as it is found.
fn walk_history(
    repo: &Repository,
    rules: &RuleSet,
    opts: &HistoryOptions,
    warnings: &mut Vec<String>,
    mut on_blob: impl FnMut(usize, &BlobRecord),
) -> Result<Inventory, Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    match &opts.range {
        Some(range) => walk
            .push_range(range)
            .map_err(|e| Error::Usage(format!("--range {range}: {}", e.message())))?,
        None => {
            walk.push_glob("*")?;
            // A detached HEAD is not under refs/.
            let _ = walk.push_head();
        }
    }
    let mut commits = Vec::new();
    let mut blobs = Vec::new();
    let mut env_paths = Vec::new();
    let mut seen_trees = OidSet::default();
    let mut seen_blobs = OidSet::default();
    let odb = repo.odb()?;
    // With a range, what the excluded side already had is not new.
    if let Some((base, _)) = opts.range.as_deref().and_then(|r| r.split_once("..")) {
        let base = base.trim_end_matches('.');
        if !base.is_empty() {
            let tree = repo
                .revparse_single(base)
                .and_then(|o| o.peel_to_tree())
                .map_err(|e| Error::Usage(format!("--range: {base}: {}", e.message())))?;
            mark_seen(&odb, tree.id(), &mut seen_trees, &mut seen_blobs, warnings);
        }
    }
    let mut seen_env: HashSet<String> = HashSet::new();
    let mut stack: Vec<(Oid, String)> = Vec::new();
    let names = env_files::NameFilter::new(rules);
    for oid in walk {
        let oid = match oid {
            Ok(o) => o,
            Err(e) => {
                warnings.push(format!("revision walk: {}", e.message()));
                continue;
            }
        };
        let commit = match repo.find_commit(oid) {
            Ok(c) => c,
            Err(e) => {
                warnings.push(format!("commit {oid}: {}", e.message()));
                continue;
            }
        };
        let time = commit.time().seconds();
        if opts.since.is_some_and(|since| time < since) {
            // Older than --since: what it holds is not new in the window.
            mark_seen(
                &odb,
                commit.tree_id(),
                &mut seen_trees,
                &mut seen_blobs,
                warnings,
            );
            continue;
        }
        let idx = commits.len();
        let author = commit.author();
        commits.push(CommitInfo {
            id: oid,
            author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            time,
        });
        if seen_trees.insert(key(commit.tree_id())) {
            stack.push((commit.tree_id(), String::new()));
        }
        while let Some((tree_id, prefix)) = stack.pop() {
            let tree = match read_tree(&odb, tree_id) {
                Ok(t) => t,
                Err(e) => {
                    warnings.push(format!("tree {tree_id} ({prefix}): {e}"));
                    continue;
                }
            };
            let join = |name: &[u8]| {
                let name = String::from_utf8_lossy(name);
                if prefix.is_empty() {
                    name.into_owned()
                } else {
                    format!("{prefix}/{name}")
                }
            };
            for entry in TreeEntries::new(tree.data()) {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        warnings.push(format!("tree {tree_id} ({prefix}): {e}"));
                        break;
                    }
                };
                match entry.kind {
                    // Only trees never seen before hold anything new.
                    EntryKind::Tree if seen_trees.insert(entry.id) => {
                        stack.push((to_oid(&entry.id), join(entry.name)));
                    }
                    EntryKind::Blob => {
                        let is_new = seen_blobs.insert(entry.id);
                        let env_like = names.may_match(entry.name);
                        if !is_new && !env_like {
                            continue;
                        }
                        let path = join(entry.name);
                        if env_like
                            && env_files::is_env_candidate(rules, &path)
                            && seen_env.insert(path.clone())
                        {
                            env_paths.push((path.clone(), idx));
                        }
                        if is_new {
                            let record = BlobRecord {
                                id: to_oid(&entry.id),
                                path,
                                commit: idx,
                            };
                            on_blob(blobs.len(), &record);
                            blobs.push(record);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(Inventory {
        commits,
        blobs,
        env_paths,
    })
}

/// Mark every tree and blob under `tree_id` as seen, without reporting them.
fn mark_seen(
    odb: &git2::Odb,
    tree_id: Oid,
    seen_trees: &mut OidSet,
    seen_blobs: &mut OidSet,
    warnings: &mut Vec<String>,
) {
    let mut stack = Vec::new();
    if seen_trees.insert(key(tree_id)) {
        stack.push(tree_id);
    }
    while let Some(id) = stack.pop() {
        let tree = match read_tree(odb, id) {
            Ok(t) => t,
            Err(e) => {
                warnings.push(format!("tree {id}: {e}"));
                continue;
            }
        };
        for entry in TreeEntries::new(tree.data()).map_while(Result::ok) {
            match entry.kind {
                EntryKind::Tree if seen_trees.insert(entry.id) => stack.push(to_oid(&entry.id)),
                EntryKind::Blob => {
                    seen_blobs.insert(entry.id);
                }
                _ => {}
            }
        }
    }
}

/// Read a tree object's raw bytes.
fn read_tree<'o>(odb: &'o git2::Odb<'_>, id: Oid) -> Result<git2::OdbObject<'o>, String> {
    let object = odb.read(id).map_err(|e| e.message().to_string())?;
    if object.kind() != ObjectType::Tree {
        return Err(format!("expected a tree, found a {}", object.kind()));
    }
    Ok(object)
}

/// Parse a raw tree object to the end, counting entries (for fuzzing).
#[doc(hidden)]
pub fn parse_tree_entries(data: &[u8]) -> usize {
    TreeEntries::new(data).map_while(Result::ok).count()
}

/// What a tree entry points at, as far as the walk cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Tree,
    /// A regular or executable file.
    Blob,
    /// Symlinks (their blob is a target path, not content) and submodules
    /// (commits of another repository).
    Other,
}

/// One entry of a raw tree object.
#[derive(Debug)]
struct RawEntry<'a> {
    kind: EntryKind,
    name: &'a [u8],
    id: ObjectKey,
}

/// Iterator over the entries of a raw tree object
/// (`<octal mode> <name>\0<20-byte id>`, repeated). Parsing the bytes
/// directly skips building libgit2 tree objects, the larger part of the
/// walk's cost on long histories.
struct TreeEntries<'a> {
    rest: &'a [u8],
}

impl<'a> TreeEntries<'a> {
    fn new(data: &'a [u8]) -> Self {
        TreeEntries { rest: data }
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
            let id_bytes = after.get(nul + 1..nul + 21).ok_or("truncated tree entry")?;
            let id: ObjectKey = id_bytes.try_into().map_err(|_| "bad object id in tree")?;
            let kind = match mode {
                b"40000" | b"040000" => EntryKind::Tree,
                b"100644" | b"100755" | b"100664" | b"100640" => EntryKind::Blob,
                _ => EntryKind::Other,
            };
            self.rest = &after[nul + 21..];
            Ok(RawEntry { kind, name, id })
        })();
        if parsed.is_err() {
            self.rest = &[];
        }
        Some(parsed)
    }
}

/// An object id as plain bytes. git2's `Oid` compares through a libgit2
/// call, which showed up in profiles of the walk's sets; bytes compare
/// inline, and tree entries are parsed straight into them.
type ObjectKey = [u8; 20];

fn key(id: Oid) -> ObjectKey {
    id.as_bytes()
        .try_into()
        .expect("SHA-1 object ids are 20 bytes")
}

fn to_oid(key: &ObjectKey) -> Oid {
    Oid::from_bytes(key).expect("20 bytes make an object id")
}

/// A set of object ids. Ids are SHA-1 digests, already uniformly spread:
/// hashing their first eight bytes is enough (SipHash cost showed up in
/// profiles of large histories).
type OidSet = HashSet<ObjectKey, BuildHasherDefault<OidHasher>>;

#[derive(Default)]
struct OidHasher(u64);

impl Hasher for OidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        if let Some(head) = bytes.get(..8) {
            self.0 ^= u64::from_le_bytes(head.try_into().expect("eight bytes"));
        } else {
            for &b in bytes {
                self.0 = self.0.rotate_left(8) ^ u64::from(b);
            }
        }
    }
}

/// Every blob id in HEAD's tree (empty for an unborn HEAD).
fn head_blob_ids(repo: &Repository, warnings: &mut Vec<String>) -> HashSet<Oid> {
    let mut ids = HashSet::new();
    let Ok(tree) = repo.head().and_then(|h| h.peel_to_tree()) else {
        return ids;
    };
    let walked = tree.walk(git2::TreeWalkMode::PreOrder, |_, entry| {
        if entry.kind() == Some(ObjectType::Blob) {
            ids.insert(entry.id());
        }
        git2::TreeWalkResult::Ok
    });
    if let Err(e) = walked {
        warnings.push(format!("HEAD tree: {}", e.message()));
    }
    ids
}

/// One blob for a worker to scan.
struct Job {
    index: usize,
    id: Oid,
    path: String,
}

/// Walk history on this thread while worker threads, each with its own
/// repository handle, scan every new blob as soon as the walk finds it.
/// Returns the inventory and the findings of each blob that has any.
#[allow(clippy::type_complexity)]
fn walk_and_scan(
    repo: &Repository,
    rules: &RuleSet,
    matcher: &Matcher,
    opts: &HistoryOptions,
    counters: &Counters,
    warnings: &mut Vec<String>,
) -> Result<(Inventory, Vec<(usize, Vec<Finding>)>), Error> {
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let found = AtomicUsize::new(0);
    let scanned = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let results = Mutex::new(Vec::new());
    let thread_warnings = Mutex::new(Vec::new());
    let git_dir = repo.path().to_path_buf();
    // Jobs travel in batches: one channel operation per blob cost more in
    // futex calls than the scan of a small blob.
    const BATCH: usize = 128;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Job>>(256);
    let rx = Mutex::new(rx);
    let inventory = std::thread::scope(|scope| {
        if opts.progress && std::io::stderr().is_terminal() {
            let (found, scanned, done) = (&found, &scanned, &done);
            scope.spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    eprint!(
                        "\rskyscan: scanned {}/{} blobs",
                        scanned.load(Ordering::Relaxed),
                        found.load(Ordering::Relaxed)
                    );
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                eprint!("\r\x1b[2K");
            });
        }
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let warn = |m: String| thread_warnings.lock().expect("lock").push(m);
                    let opened = Repository::open(&git_dir);
                    let odb = opened
                        .as_ref()
                        .map_err(|e| e.message().to_string())
                        .and_then(|r| r.odb().map_err(|e| e.message().to_string()));
                    let odb = match odb {
                        Ok(o) => o,
                        Err(e) => {
                            warn(format!("cannot open the repository: {e}"));
                            // Keep draining so the walk never blocks.
                            while rx.lock().expect("lock").recv().is_ok() {}
                            return;
                        }
                    };
                    let mut scratch = Scratch::default();
                    let mut local = Vec::new();
                    loop {
                        let batch = rx.lock().expect("lock").recv();
                        let Ok(batch) = batch else {
                            break;
                        };
                        for job in &batch {
                            if let Some(f) =
                                scan_blob(&odb, matcher, job, opts, counters, &warn, &mut scratch)
                            {
                                local.push((job.index, f));
                            }
                        }
                        scanned.fetch_add(batch.len(), Ordering::Relaxed);
                    }
                    results.lock().expect("lock").extend(local);
                })
            })
            .collect();
        let mut batch = Vec::with_capacity(BATCH);
        let warned_before = warnings.len();
        let inventory = walk_history(repo, rules, opts, warnings, |index, record| {
            found.fetch_add(1, Ordering::Relaxed);
            batch.push(Job {
                index,
                id: record.id,
                path: record.path.clone(),
            });
            if batch.len() == BATCH {
                // Workers only stop when the channel closes: this cannot fail.
                let _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        });
        let _ = tx.send(batch);
        drop(tx);
        // Every warning of the walk is an object that could not be read.
        counters
            .errors
            .fetch_add((warnings.len() - warned_before) as u64, Ordering::Relaxed);
        for w in workers {
            let _ = w.join();
        }
        done.store(true, Ordering::Relaxed);
        inventory
    })?;
    warnings.extend(thread_warnings.into_inner().expect("lock"));
    let large = counters.large.load(Ordering::Relaxed);
    if large > 0 {
        warnings.push(format!(
            "{large} blob(s) over the size cap of {} bytes were skipped (--max-filesize)",
            opts.max_filesize
        ));
    }
    let mut results = results.into_inner().expect("lock");
    results.sort_by_key(|(i, _)| *i);
    Ok((inventory, results))
}

/// Read and scan one blob; `None` when it has no findings or was skipped.
fn scan_blob(
    odb: &git2::Odb,
    matcher: &Matcher,
    job: &Job,
    opts: &HistoryOptions,
    counters: &Counters,
    warn: &dyn Fn(String),
    scratch: &mut Scratch,
) -> Option<Vec<Finding>> {
    let object = odb.read_header(job.id).and_then(|(size, _)| {
        if size as u64 > opts.max_filesize {
            Ok(None)
        } else {
            odb.read(job.id).map(Some)
        }
    });
    let object = match object {
        Ok(Some(o)) => o,
        Ok(None) => {
            counters.large.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Err(e) => {
            counters.errors.fetch_add(1, Ordering::Relaxed);
            warn(format!("blob {} ({}): {}", job.id, job.path, e.message()));
            return None;
        }
    };
    let Some(text) = decode(object.data()) else {
        counters.binary.fetch_add(1, Ordering::Relaxed);
        return None;
    };
    counters.files.fetch_add(1, Ordering::Relaxed);
    counters
        .bytes
        .fetch_add(text.len() as u64, Ordering::Relaxed);
    // Path rules are judged per path, not per blob.
    let found = scan_file(matcher, &job.path, &text, scratch, opts.settings, false);
    (!found.is_empty()).then_some(found)
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
        let entries: Vec<_> = TreeEntries::new(&data).map(Result::unwrap).collect();
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
        assert_eq!(entries[1].id, [2; 20]);
    }

    #[test]
    fn truncated_tree_is_an_error_not_a_panic() {
        let data = entry("100644", "a.py", 2);
        for cut in 0..data.len() - 1 {
            let parsed: Vec<_> = TreeEntries::new(&data[..cut]).collect();
            assert!(parsed.iter().all(|e| e.is_err()), "cut at {cut}");
        }
        assert!(TreeEntries::new(&data).all(|e| e.is_ok()));
    }

    #[test]
    fn oid_hasher_spreads_ids() {
        let a = key(Oid::from_bytes(&[1; 20]).unwrap());
        let b = key(Oid::from_bytes(&[2; 20]).unwrap());
        let mut set = OidSet::default();
        assert!(set.insert(a));
        assert!(set.insert(b));
        assert!(!set.insert(a));
    }
}
