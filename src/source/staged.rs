//! The staged source, for pre-commit hooks: the blobs the index holds for
//! files that differ from HEAD. Content comes from the index, never from the
//! working tree, so a partially staged file is judged by what will be
//! committed. `GIT_INDEX_FILE` is honoured (git sets it for `commit -a` and
//! `commit <paths>`).

use std::path::{Path, PathBuf};

use git2::{Delta, Index, Repository};

use crate::engine::{Matcher, Scratch};
use crate::error::Error;
use crate::rules::{Mode, RuleSet};
use crate::scan::{decode, scan_file, ScanSettings};
use crate::source::{open_repository, ScanOutput, ScanStats};

/// Scan what is staged in the repository at (or above) `path`.
pub fn scan_staged(
    rules: &RuleSet,
    path: &Path,
    max_filesize: u64,
    settings: ScanSettings,
) -> Result<ScanOutput, Error> {
    let repo = open_repository(path)?;
    // Objects are read, not written: skip re-hashing each one (SHA-1 with
    // collision detection dominated the profile of a small staged change).
    git2::opts::strict_hash_verification(false);
    let index = open_index(&repo)?;
    let head_tree = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let diff = repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), None)?;

    let matcher = Matcher::new(rules.for_mode(Mode::Staged));
    let mut scratch = Scratch::default();
    let mut out = ScanOutput::default();
    let mut stats = ScanStats::default();
    for delta in diff.deltas() {
        if !matches!(
            delta.status(),
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) {
            continue;
        }
        let file = delta.new_file();
        // Regular files only: not symlinks, not submodules.
        if !matches!(
            file.mode(),
            git2::FileMode::Blob | git2::FileMode::BlobExecutable
        ) {
            continue;
        }
        let Some(rel) = file.path().map(|p| p.to_string_lossy().replace('\\', "/")) else {
            continue;
        };
        let blob = match repo.find_blob(file.id()) {
            Ok(b) => b,
            Err(e) => {
                stats.errors += 1;
                out.warnings
                    .push(format!("{rel}: staged blob {}: {}", file.id(), e.message()));
                continue;
            }
        };
        if blob.size() as u64 > max_filesize {
            stats.skipped_large += 1;
            out.warnings.push(format!(
                "{rel}: skipped, {} bytes is over the size cap of {max_filesize} bytes (--max-filesize)",
                blob.size()
            ));
            continue;
        }
        let Some(text) = decode(blob.content()) else {
            stats.skipped_binary += 1;
            continue;
        };
        stats.files_scanned += 1;
        stats.bytes_scanned += text.len() as u64;
        out.findings.extend(scan_file(
            &matcher,
            &rel,
            &text,
            &mut scratch,
            settings,
            true,
        ));
    }
    crate::source::sort_findings(&mut out.findings);
    out.stats = stats;
    Ok(out)
}

/// The index git would commit: `GIT_INDEX_FILE` when set (relative paths
/// are taken from the current directory, then from the work tree's top, as
/// hooks run there), the repository's own index otherwise.
fn open_index(repo: &Repository) -> Result<Index, Error> {
    let Some(name) = std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) else {
        return Ok(repo.index()?);
    };
    let given = PathBuf::from(&name);
    let candidates = [
        Some(given.clone()),
        repo.workdir().map(|w| w.join(&given)),
        Some(repo.path().join(&given)),
    ];
    let found = candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .ok_or_else(|| Error::Git(format!("GIT_INDEX_FILE={} does not exist", given.display())))?;
    let mut index = Index::open(&found)?;
    // An index opened by path has no repository; blob reads go through `repo`.
    index.read(true)?;
    Ok(index)
}
