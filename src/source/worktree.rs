//! The working-tree source: walks the scan roots in parallel with the
//! `ignore` crate (honouring .gitignore unless told not to) and scans each
//! file inside the walker's own callback, reusing one buffer per thread.
//! Symlinks are never followed, so nothing outside a root is read.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use gix::index::entry::Mode;
use gix::worktree::stack::state::ignore::Source as IgnoreSource;
use ignore::{WalkBuilder, WalkState};

use crate::checks::{env_files, env_ignore};
use crate::engine::{Matcher, Scratch};
use crate::error::Error;
use crate::finding::Finding;
use crate::judge::Project;
use crate::scan::{decode, scan_file, ScanSettings, BINARY_PROBE};
use crate::source::archive::{self, ArchiveScan, Limits};
use crate::source::{Counters, ScanContext, ScanOutput};

/// The help for a scan root that does not exist.
pub const SCAN_PATH_HINT: &str =
    "check the path: `skyscan scan` takes files, directories, or `-` for standard input";

/// What a working-tree scan adds to the [`ScanContext`].
#[derive(Debug, Clone, Default)]
pub struct WorktreeOptions {
    /// Scan ignored files too (`--no-ignore`).
    pub no_ignore: bool,
}

/// Where a scan root sits: the directory its paths are reported relative
/// to (the repository's top level when there is one) and the git repository.
struct RootContext {
    root: PathBuf,
    /// The directory reported paths are relative to.
    base: PathBuf,
    /// The root, relative to `base`, `/`-separated ("" for the base itself).
    prefix: String,
    /// What git ignores, when the root is in a work tree.
    excludes: Option<Mutex<Excludes>>,
    /// Tracked `.env`-like paths and archives under the root, relative to
    /// `base` (path rules apply to both, see `needs_commit_status`).
    tracked_env: HashSet<String>,
    /// The scan settings, with what the judges may read of this project.
    settings: ScanSettings,
}

/// Scan the working tree under each root.
pub fn scan_worktree(
    cx: &ScanContext,
    roots: &[PathBuf],
    options: &WorktreeOptions,
) -> Result<ScanOutput, Error> {
    let findings = Mutex::new(Vec::new());
    let warnings = Mutex::new(Vec::new());
    let counters = Counters::default();
    for root in roots {
        let ctx = root_context(&cx.matcher, root, &cx.settings)?;
        walk_root(cx, &ctx, options, &findings, &warnings, &counters);
    }
    let mut findings = findings
        .into_inner()
        .expect("no thread panicked holding the lock");
    crate::source::sort_findings(&mut findings);
    let mut warnings = warnings
        .into_inner()
        .expect("no thread panicked holding the lock");
    warnings.sort();
    Ok(ScanOutput {
        findings,
        warnings,
        stats: counters.into_stats(),
    })
}

/// The exclude rules of a work tree (its `.gitignore` files,
/// `info/exclude`, `core.excludesFile`), to tell which files git would
/// ignore were they untracked.
struct Excludes {
    stack: gix::worktree::Stack,
}

impl Excludes {
    /// Whether git ignores the work-tree path `rel` (`/`-separated): by a
    /// pattern on the file or on a directory it is in (gix, as git, does
    /// not look below an ignored directory). A path that cannot be checked
    /// is not ignored.
    fn is_ignored(&mut self, rel: &str) -> bool {
        self.stack
            .at_entry(rel, Some(Mode::FILE), &gix::objs::find::Never)
            .is_ok_and(|platform| platform.is_excluded())
    }
}

fn root_context(
    matcher: &Matcher,
    root: &Path,
    settings: &ScanSettings,
) -> Result<RootContext, Error> {
    if std::fs::symlink_metadata(root).is_err() {
        return Err(Error::PathNotFound {
            path: root.to_path_buf(),
            hint: SCAN_PATH_HINT.into(),
        });
    }
    let canonical = root.canonicalize().map_err(|source| Error::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let dir = if canonical.is_dir() {
        canonical.clone()
    } else {
        canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    let repo = gix::discover(&dir).ok().filter(|r| r.workdir().is_some());
    let base = match repo.as_ref().and_then(|r| r.workdir()) {
        Some(w) => w.canonicalize().unwrap_or_else(|_| w.to_path_buf()),
        None => dir,
    };
    let prefix = slash_path(canonical.strip_prefix(&base).unwrap_or(Path::new("")));
    let mut tracked_env = HashSet::new();
    let index = repo.as_ref().and_then(|r| r.index_or_empty().ok());
    if let Some(index) = &index {
        for entry in index.entries() {
            let Ok(p) = std::str::from_utf8(entry.path(index)) else {
                continue;
            };
            if is_under(p, &prefix) && needs_commit_status(matcher, p) {
                tracked_env.insert(p.to_string());
            }
        }
    }
    let excludes = repo.as_ref().and_then(|repo| {
        // No index: `.gitignore` files are read from the work tree only (a
        // sparse checkout's absent ones are not looked up as blobs), so the
        // stack needs no object access and can be shared by the walker's
        // threads, which a gix::Repository cannot.
        let no_index = gix::index::State::new(repo.object_hash());
        let stack = repo
            .excludes(
                &no_index,
                None,
                IgnoreSource::WorktreeThenIdMappingIfNotSkipped,
            )
            .ok()?
            .detach();
        Some(Mutex::new(Excludes { stack }))
    });
    let settings = ScanSettings {
        project: Some(Arc::new(Project::on_disk(base.clone()))),
        ..settings.clone()
    };
    Ok(RootContext {
        root: root.to_path_buf(),
        settings,
        base,
        prefix,
        excludes,
        tracked_env,
    })
}

fn walk_root(
    cx: &ScanContext,
    ctx: &RootContext,
    options: &WorktreeOptions,
    findings: &Mutex<Vec<Finding>>,
    warnings: &Mutex<Vec<String>>,
    counters: &Counters,
) {
    let matcher = &cx.matcher;
    let honour = !options.no_ignore;
    let walker = walker(ctx, cx.threads, honour);
    let seen_env = Mutex::new(HashSet::new());
    let warn = |msg: String| warnings.lock().expect("lock").push(msg);
    // SC3 before a commit: what shows that the project uses `.env` files.
    let env_rule = env_ignore::rule(matcher.rules()).filter(|_| ctx.root.is_dir());
    let env_usages = Mutex::new(Vec::new());

    walker.run(|| {
        let mut scratch = Scratch::default();
        let mut buf = Vec::new();
        let warn = &warn;
        let seen_env = &seen_env;
        let env_usages = &env_usages;
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    counters.errors.fetch_add(1, Ordering::Relaxed);
                    warn(format!("{err}"));
                    return WalkState::Continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let rel = relative(ctx, entry.path());
            let committed = is_committed(matcher, ctx, &rel, honour, seen_env);
            let found = scan_path(
                cx,
                entry.path(),
                &rel,
                &ctx.settings,
                &mut scratch,
                &mut buf,
                committed,
                counters,
                warn,
            );
            if !found.is_empty() {
                findings.lock().expect("lock").extend(found);
            }
            if env_rule.is_some() {
                // `buf` still holds what `scan_path` read of the file.
                if let Some(usage) = env_ignore::usage_of(&rel, Some(&buf)) {
                    env_usages.lock().expect("lock").push(usage);
                }
            }
            WalkState::Continue
        })
    });

    if let Some(rule) = env_rule {
        let mut usages = env_usages.into_inner().expect("lock");
        usages.sort();
        usages.dedup();
        let gitignore =
            |dir: &str| std::fs::read_to_string(ctx.base.join(dir).join(".gitignore")).ok();
        let notes = env_ignore::findings(rule, &usages, &gitignore);
        findings.lock().expect("lock").extend(notes);
    }
    if honour && ctx.excludes.is_some() {
        let seen = seen_env.into_inner().expect("lock");
        let found = scan_tracked_but_ignored(cx, ctx, &seen, counters, &warn);
        findings.lock().expect("lock").extend(found);
    }
}

/// Whether the file at `rel` is (or would be) committed, for the rules
/// that depend on it (`.env`-like files, archives): tracked, or not
/// ignored by git. Those files are noted in `seen_env`.
fn is_committed(
    matcher: &Matcher,
    ctx: &RootContext,
    rel: &str,
    honour: bool,
    seen_env: &Mutex<HashSet<String>>,
) -> bool {
    match &ctx.excludes {
        _ if !needs_commit_status(matcher, rel) => true,
        None => true,
        Some(excludes) => {
            seen_env.lock().expect("lock").insert(rel.to_string());
            ctx.tracked_env.contains(rel)
                || honour
                || !excludes.lock().expect("lock").is_ignored(rel)
        }
    }
}

/// The parallel walker of a root: hidden files included, `.git` left out,
/// ignore files honoured unless `--no-ignore`, links not followed.
fn walker(ctx: &RootContext, threads: usize, honour: bool) -> ignore::WalkParallel {
    WalkBuilder::new(&ctx.root)
        .hidden(false)
        .git_ignore(honour)
        .git_global(honour)
        .git_exclude(honour)
        .ignore(honour)
        .parents(honour)
        .follow_links(false)
        .threads(threads)
        .filter_entry(|e| e.file_name() != ".git")
        .build_parallel()
}

/// Tracked files that .gitignore hides from the walker are committed all
/// the same: the `.env`-like ones and the archives among them that the
/// walk did not meet (`seen`) are scanned here.
fn scan_tracked_but_ignored(
    cx: &ScanContext,
    ctx: &RootContext,
    seen: &HashSet<String>,
    counters: &Counters,
    warn: &dyn Fn(String),
) -> Vec<Finding> {
    let mut scratch = Scratch::default();
    let mut buf = Vec::new();
    let mut missed: Vec<&String> = ctx.tracked_env.difference(seen).collect();
    missed.sort();
    let mut findings = Vec::new();
    for rel in missed {
        let full = ctx.base.join(rel);
        let is_file = std::fs::symlink_metadata(&full).is_ok_and(|m| m.file_type().is_file());
        if is_file {
            findings.extend(scan_path(
                cx,
                &full,
                rel,
                &ctx.settings,
                &mut scratch,
                &mut buf,
                true,
                counters,
                warn,
            ));
        }
    }
    findings
}

/// Read from `f` until `buf` holds `total` bytes or the file ends.
fn read_up_to(f: &mut std::fs::File, buf: &mut Vec<u8>, total: usize) -> std::io::Result<()> {
    let more = total.saturating_sub(buf.len());
    buf.reserve(more);
    // `take` answers the read past `total` itself, with no system call.
    f.take(more as u64).read_to_end(buf)?;
    Ok(())
}

/// Read and scan one file, counting what was skipped and why.
#[allow(clippy::too_many_arguments)]
fn scan_path(
    cx: &ScanContext,
    full: &Path,
    rel: &str,
    settings: &ScanSettings,
    scratch: &mut Scratch,
    buf: &mut Vec<u8>,
    committed: bool,
    counters: &Counters,
    warn: &dyn Fn(String),
) -> Vec<Finding> {
    let is_archive = archive::format_of(rel).is_some();
    let read = std::fs::File::open(full).and_then(|mut f| {
        let len = f.metadata()?.len();
        if len > cx.max_filesize {
            return Ok(Some(len));
        }
        buf.clear();
        // Read the size the file had when opened, in as few reads as that
        // takes: no read to find the end (one more system call per file; a
        // file growing while it is scanned is scanned as it was). The head
        // comes first: a binary file is skipped without reading the rest
        // (an archive is read whole, and opened).
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let head = if is_archive {
            len
        } else {
            len.min(BINARY_PROBE)
        };
        read_up_to(&mut f, buf, head)?;
        if buf.len() == head && head < len && decode(buf).is_some() {
            read_up_to(&mut f, buf, len)?;
        }
        Ok(None)
    });
    match read {
        Err(err) => {
            counters.errors.fetch_add(1, Ordering::Relaxed);
            warn(format!("{rel}: {err}"));
            return Vec::new();
        }
        Ok(Some(len)) => {
            counters.large.fetch_add(1, Ordering::Relaxed);
            warn(format!(
                "{rel}: skipped, {len} bytes is over the size cap of {} bytes (--max-filesize)",
                cx.max_filesize
            ));
            return Vec::new();
        }
        Ok(None) => {}
    }
    if is_archive {
        settings.log(|| format!("opened archive {rel}"));
        let archives = ArchiveScan {
            matcher: &cx.matcher,
            settings,
            limits: Limits::new(cx.max_filesize),
            committed,
            counters,
        };
        return archives.scan(rel, buf, scratch, warn);
    }
    let Some(text) = decode(buf) else {
        counters.binary.fetch_add(1, Ordering::Relaxed);
        settings.log(|| format!("skipped {rel}: binary"));
        return Vec::new();
    };
    settings.log(|| format!("scanned {rel}"));
    counters.files.fetch_add(1, Ordering::Relaxed);
    counters
        .bytes
        .fetch_add(text.len() as u64, Ordering::Relaxed);
    scan_file(&cx.matcher, rel, &text, scratch, settings, committed)
}

/// Whether a file's findings depend on git tracking it or committing it:
/// `.env`-like files (path rules), and archives (path rules apply to their
/// entries).
fn needs_commit_status(matcher: &Matcher, path: &str) -> bool {
    env_files::is_env_candidate(matcher.rules(), path) || archive::format_of(path).is_some()
}

/// The repository-relative (or root-relative) path of a walked entry.
fn relative(ctx: &RootContext, path: &Path) -> String {
    let rest = path.strip_prefix(&ctx.root).unwrap_or(path);
    let rest = slash_path(rest);
    match (ctx.prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest,
        (false, true) => ctx.prefix.clone(),
        (false, false) => format!("{}/{}", ctx.prefix, rest),
    }
}

fn slash_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.trim_start_matches("./").to_string()
}

fn is_under(path: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || path == prefix
        || (path.starts_with(prefix) && path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    /// The read-error path (permission denied, a file gone mid-scan): a
    /// warning naming the file, counted as an error, no findings, no panic.
    /// (End to end: `hostile_input::unreadable_file_is_a_warning_and_the_rest_is_reported`.)
    #[test]
    fn unreadable_file_is_a_counted_warning() {
        let rules = RuleSet::builtin().unwrap();
        let cx = ScanContext::new(&rules, crate::rules::Mode::Worktree);
        let counters = Counters::default();
        let warnings = Mutex::new(Vec::new());
        let warn = |m: String| warnings.lock().unwrap().push(m);
        let dir = tempfile::tempdir().unwrap();
        let found = scan_path(
            &cx,
            &dir.path().join("vanished.py"),
            "vanished.py",
            &cx.settings,
            &mut Scratch::default(),
            &mut Vec::new(),
            true,
            &counters,
            &warn,
        );
        assert!(found.is_empty());
        assert_eq!(counters.into_stats().errors, 1);
        let warnings = warnings.into_inner().unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("vanished.py: "), "{warnings:?}");
    }

    #[test]
    fn under_prefix() {
        assert!(is_under("a/b", ""));
        assert!(is_under("a/b", "a"));
        assert!(!is_under("ab/c", "a"));
        assert!(is_under("a", "a"));
    }
}
