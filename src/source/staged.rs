//! The staged source, for pre-commit hooks: the blobs the index holds for
//! files that differ from HEAD. Content comes from the index, never from the
//! working tree, so a partially staged file is judged by what will be
//! committed. `GIT_INDEX_FILE` is honoured (git sets it for `commit -a` and
//! `commit <paths>`).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use git2::{Delta, Index, Oid, Repository};

use crate::engine::{Matcher, Scratch};
use crate::error::Error;
use crate::git::{index, open_repository};
use crate::rules::{Mode, RuleSet};
use crate::scan::{decode, scan_file, ScanSettings};
use crate::source::archive::{self, ArchiveScan, Limits};
use crate::source::{Counters, ScanOutput};

/// Scan what is staged in the repository at (or above) `path`.
pub fn scan_staged(
    rules: &RuleSet,
    path: &Path,
    max_filesize: u64,
    settings: ScanSettings,
) -> Result<ScanOutput, Error> {
    let repo = open_repository(path)?;
    let changes = staged_files(&repo)?;

    let matcher = Matcher::new(rules.for_mode(Mode::Staged));
    let settings = ScanSettings {
        project: repo
            .workdir()
            .map(|w| std::sync::Arc::new(crate::judge::Project::on_disk(w.to_path_buf()))),
        ..settings
    };
    let mut scratch = Scratch::default();
    let mut out = ScanOutput::default();
    // Counted as the working-tree and archive readers count (archives add
    // their entries to the same counters).
    let counters = Counters::default();
    let count = |n: &AtomicU64, by: u64| n.fetch_add(by, Ordering::Relaxed);
    let warnings = RefCell::new(Vec::new());
    for (rel, id) in changes {
        let blob = match repo.find_blob(id) {
            Ok(b) => b,
            Err(e) => {
                count(&counters.errors, 1);
                warnings
                    .borrow_mut()
                    .push(format!("{rel}: staged blob {id}: {}", e.message()));
                continue;
            }
        };
        if blob.size() as u64 > max_filesize {
            count(&counters.large, 1);
            warnings.borrow_mut().push(format!(
                "{rel}: skipped, {} bytes is over the size cap of {max_filesize} bytes (--max-filesize)",
                blob.size()
            ));
            continue;
        }
        if archive::format_of(&rel).is_some() {
            // A staged archive is opened as in a working-tree scan, within
            // the same caps; what could not be read is a warning.
            settings.log(|| format!("opened archive {rel} (staged)"));
            let archives = ArchiveScan {
                matcher: &matcher,
                settings: &settings,
                limits: Limits::new(max_filesize),
                committed: true,
                counters: &counters,
            };
            let found = archives.scan(&rel, blob.content(), &mut scratch, &|w| {
                warnings.borrow_mut().push(w)
            });
            out.findings.extend(found);
            continue;
        }
        let Some(text) = decode(blob.content()) else {
            count(&counters.binary, 1);
            settings.log(|| format!("skipped {rel} (staged): binary"));
            continue;
        };
        settings.log(|| format!("scanned {rel} (staged)"));
        count(&counters.files, 1);
        count(&counters.bytes, text.len() as u64);
        out.findings.extend(scan_file(
            &matcher,
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

/// Regular files (not symlinks, not submodules) staged with content that
/// differs from HEAD: path and blob id. The index file is read directly
/// (see [`crate::git::index`]); libgit2 compares whatever that cannot.
fn staged_files(repo: &Repository) -> Result<Vec<(String, Oid)>, Error> {
    let index_path = index_path(repo)?;
    let head_tree = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let mut unsupported = None;
    if let Ok(data) = std::fs::read(&index_path) {
        match index::staged_changes(repo, &data, head_tree.as_ref().map(|t| t.id())) {
            Ok(changes) => {
                return Ok(changes
                    .into_iter()
                    .filter(|c| is_regular_file(c.mode))
                    .map(|c| {
                        let path = String::from_utf8_lossy(&c.path).replace('\\', "/");
                        (path, Oid::from_bytes(c.id.as_bytes()).expect("20 bytes"))
                    })
                    .collect())
            }
            Err(why) => unsupported = Some(why.0),
        }
    }
    let index = open_index(repo, &index_path).map_err(|e| match unsupported {
        Some(index::SPLIT_INDEX) => Error::Git(format!(
            "{}: a split index is not supported (turn it off with `git update-index --no-split-index`)",
            index_path.display()
        )),
        Some(index::SPARSE_INDEX) => Error::Git(format!(
            "{}: a sparse index is not supported (turn it off with `git sparse-checkout init --no-sparse-index`)",
            index_path.display()
        )),
        _ => e,
    })?;
    let diff = repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), None)?;
    let mut files = Vec::new();
    for delta in diff.deltas() {
        if !matches!(
            delta.status(),
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) {
            continue;
        }
        let file = delta.new_file();
        if !is_regular_file(u32::from(file.mode())) {
            continue;
        }
        if let Some(rel) = file.path().map(|p| p.to_string_lossy().replace('\\', "/")) {
            files.push((rel, file.id()));
        }
    }
    Ok(files)
}

fn is_regular_file(mode: u32) -> bool {
    // Git commits any 0o100xxx mode as a regular file (100664, 100600...).
    mode & 0o170000 == 0o100000
}

/// The index git would commit: `GIT_INDEX_FILE` when set (relative paths
/// are taken from the current directory, then from the work tree's top, as
/// hooks run there), the repository's own index otherwise.
fn index_path(repo: &Repository) -> Result<PathBuf, Error> {
    let Some(name) = std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) else {
        return Ok(repo.path().join("index"));
    };
    let given = PathBuf::from(&name);
    let candidates = [
        Some(given.clone()),
        repo.workdir().map(|w| w.join(&given)),
        Some(repo.path().join(&given)),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .ok_or_else(|| Error::Git(format!("GIT_INDEX_FILE={} does not exist", given.display())))
}

/// Open the index at `path` through libgit2 (the repository's own index
/// when that is where it is).
fn open_index(repo: &Repository, path: &Path) -> Result<Index, Error> {
    if path == repo.path().join("index") {
        return Ok(repo.index()?);
    }
    let mut index = Index::open(path)?;
    // An index opened by path has no repository; blob reads go through `repo`.
    index.read(true)?;
    Ok(index)
}
