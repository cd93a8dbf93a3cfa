//! The staged source, for pre-commit hooks: the blobs the index holds for
//! files that differ from HEAD. Content comes from the index, never from the
//! working tree, so a partially staged file is judged by what will be
//! committed. `GIT_INDEX_FILE` is honoured (git sets it for `commit -a` and
//! `commit <paths>`). The repository is opened once, through gitoxide (SHA-1
//! or SHA-256); the index is read and compared with HEAD by
//! [`crate::git::index`]; an index that cannot be read is an error, never
//! an empty report.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use gix::objs::FindExt;
use gix::ObjectId;

use crate::engine::Scratch;
use crate::error::Error;
use crate::git::{self, index};
use crate::scan::{decode, scan_file, ScanSettings};
use crate::source::archive::{self, ArchiveScan, Limits};
use crate::source::{Counters, ScanContext, ScanOutput};

/// Scan what is staged in the repository at (or above) `path`.
pub fn scan_staged(cx: &ScanContext, path: &Path) -> Result<ScanOutput, Error> {
    let repo = git::discover(path)?;
    let changes = staged_files(&repo)?;

    let (matcher, max_filesize) = (&cx.matcher, cx.max_filesize);
    let settings = ScanSettings {
        project: repo
            .workdir()
            .map(|w| std::sync::Arc::new(crate::judge::Project::on_disk(w.to_path_buf()))),
        ..cx.settings.clone()
    };
    let mut scratch = Scratch::default();
    let mut out = ScanOutput::default();
    // Counted as the working-tree and archive readers count (archives add
    // their entries to the same counters).
    let counters = Counters::default();
    let count = |n: &AtomicU64, by: u64| n.fetch_add(by, Ordering::Relaxed);
    let warnings = RefCell::new(Vec::new());
    let mut buf = Vec::new();
    for (rel, id) in changes {
        let Some(content) = read_blob(
            &repo,
            &rel,
            id,
            max_filesize,
            &mut buf,
            &counters,
            &warnings,
        ) else {
            continue;
        };
        if archive::format_of(&rel).is_some() {
            // A staged archive is opened as in a working-tree scan, within
            // the same caps; what could not be read is a warning.
            settings.log(|| format!("opened archive {rel} (staged)"));
            let archives = ArchiveScan {
                matcher,
                settings: &settings,
                limits: Limits::new(max_filesize),
                committed: true,
                counters: &counters,
            };
            let found = archives.scan(&rel, content, &mut scratch, &|w| {
                warnings.borrow_mut().push(w)
            });
            out.findings.extend(found);
            continue;
        }
        let Some(text) = decode(content) else {
            count(&counters.binary, 1);
            settings.log(|| format!("skipped {rel} (staged): binary"));
            continue;
        };
        settings.log(|| format!("scanned {rel} (staged)"));
        count(&counters.files, 1);
        count(&counters.bytes, text.len() as u64);
        out.findings.extend(scan_file(
            matcher,
            &rel,
            &text,
            &mut scratch,
            &settings,
            true,
        ));
    }
    crate::source::sort_findings(&mut out.findings);
    out.warnings = warnings.into_inner();
    out.stats = counters.into_stats();
    Ok(out)
}

/// The staged blob `id` of `rel`, read into `buf`; `None` when it cannot
/// be read or is over `max_filesize` (its size is taken from the object's
/// header, before it is loaded), counted and with a warning.
fn read_blob<'b>(
    repo: &gix::Repository,
    rel: &str,
    id: ObjectId,
    max_filesize: u64,
    buf: &'b mut Vec<u8>,
    counters: &Counters,
    warnings: &RefCell<Vec<String>>,
) -> Option<&'b [u8]> {
    let unreadable = |e: gix::Error| {
        counters.errors.fetch_add(1, Ordering::Relaxed);
        warnings.borrow_mut().push(format!(
            "{rel}: staged blob {id}: {}",
            index::error_chain(&e)
        ));
    };
    let size = repo.find_header(id).map_err(unreadable).ok()?.size();
    if size > max_filesize {
        counters.large.fetch_add(1, Ordering::Relaxed);
        warnings.borrow_mut().push(format!(
            "{rel}: skipped, {size} bytes is over the size cap of {max_filesize} bytes (--max-filesize)"
        ));
        return None;
    }
    match repo.objects.find_blob(&id, buf) {
        Ok(blob) => Some(blob.data),
        Err(e) => {
            unreadable(e);
            None
        }
    }
}

/// Regular files (not symlinks, not submodules) staged with content that
/// differs from HEAD: path and blob id (see [`crate::git::index`]).
fn staged_files(repo: &gix::Repository) -> Result<Vec<(String, ObjectId)>, Error> {
    let index_path = index_path(repo)?;
    let state = index::read(&index_path, repo.git_dir(), repo.object_hash())?;
    let changes = index::staged_changes(repo, &state, head_tree(repo)?)?;
    Ok(changes
        .into_iter()
        .filter(|c| is_regular_file(c.mode))
        .map(|c| {
            let path = String::from_utf8_lossy(&c.path).replace('\\', "/");
            (path, c.id)
        })
        .collect())
}

/// The tree of HEAD's commit; `None` on an unborn branch.
fn head_tree(repo: &gix::Repository) -> Result<Option<ObjectId>, Error> {
    let fail = |e: gix::Error| {
        Error::Git(format!(
            "cannot read HEAD's tree: {}",
            index::error_chain(&e)
        ))
    };
    let mut head = repo.head().map_err(fail)?;
    if head.is_unborn() {
        return Ok(None);
    }
    let commit = head.peel_to_commit().map_err(fail)?;
    Ok(Some(commit.tree_id().map_err(fail)?.detach()))
}

fn is_regular_file(mode: u32) -> bool {
    // Git commits any 0o100xxx mode as a regular file (100664, 100600...).
    mode & 0o170000 == 0o100000
}

/// The index git would commit: `GIT_INDEX_FILE` when set (relative paths
/// are taken from the current directory, then from the work tree's top, as
/// hooks run there), the repository's own index otherwise.
fn index_path(repo: &gix::Repository) -> Result<PathBuf, Error> {
    let Some(name) = std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) else {
        return Ok(repo.git_dir().join("index"));
    };
    let given = PathBuf::from(&name);
    let candidates = [
        Some(given.clone()),
        repo.workdir().map(|w| w.join(&given)),
        Some(repo.git_dir().join(&given)),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .ok_or_else(|| Error::Git(format!("GIT_INDEX_FILE={} does not exist", given.display())))
}
