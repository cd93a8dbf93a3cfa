//! Git's formats and object graph, read for scanning: object ids, packs
//! and their delta forests (read directly, so that each object of a pack is
//! inflated once), commits in walk order, and the index. What skyscan does
//! not read itself goes through libgit2.
//!
//! - [`pack`]: one packfile and its `.idx`: entry headers, inflation, deltas.
//! - [`packs`]: every pack of a repository, objects by dense position, the
//!   delta-forest traversal that resolves them in bulk.
//! - [`odb`]: the packs first, then libgit2, for single reads.
//! - [`commits`]: the commits a history scan walks, in walk order.
//! - [`index`]: what is staged: the index file (read by gitoxide, split
//!   and sparse ones too) against HEAD, through the cache-tree.

pub mod commits;
pub mod index;
pub mod odb;
pub mod pack;
pub mod packs;

use std::path::Path;

use crate::error::Error;

pub use odb::Odb;
pub use pack::ObjectId;
pub use packs::Packs;

/// The git repository at or above `path` (gitoxide), with errors a user can
/// act on. SHA-1 and SHA-256 repositories both open.
pub fn discover(path: &Path) -> Result<gix::Repository, Error> {
    check_exists(path)?;
    gix::discover(path)
        .map_err(|e| Error::Git(format!("{}: not a git repository ({e})", path.display())))
}

fn check_exists(path: &Path) -> Result<(), Error> {
    if std::fs::symlink_metadata(path).is_err() {
        return Err(Error::PathNotFound {
            path: path.to_path_buf(),
            hint: "check the path: `skyscan history`, `skyscan staged` and `skyscan hook` take a directory inside a git repository (default: the current directory)".into(),
        });
    }
    Ok(())
}

/// The git repository at or above `path` (libgit2), with errors a user can act on.
pub fn open_repository(path: &Path) -> Result<git2::Repository, Error> {
    check_exists(path)?;
    git2::Repository::discover(path).map_err(|e| {
        Error::Git(format!(
            "{}: not a git repository ({})",
            path.display(),
            e.message()
        ))
    })
}

/// Tune libgit2's process-wide settings for scanning: each object is read
/// once, and nothing is written. Whole packs are mapped (the default window
/// limits make threads wait on each other), the object cache is off
/// (nothing is read twice), and objects are not hashed again on read (SHA-1
/// with collision detection was a third of a history scan and most of a
/// small staged scan; the scan trusts the repository's objects as git
/// itself does for reads).
///
/// These are globals of the whole process, so the library never sets them
/// itself: the `skyscan` binary calls this once at start, before any
/// repository is opened; a program embedding the library decides for
/// itself.
pub fn tune_libgit2_for_scanning() {
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
    // SAFETY: these only set libgit2 globals, and are called before any
    // thread reads objects (the contract above).
    unsafe {
        let _ = git2::opts::set_mwindow_size(64 << 20);
        let _ = git2::opts::set_mwindow_mapped_limit(if cfg!(target_pointer_width = "64") {
            32 << 30
        } else {
            256 << 20
        });
    }
}
