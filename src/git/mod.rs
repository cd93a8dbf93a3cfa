//! Git's formats and object graph, read for scanning: object ids, packs
//! and their delta forests (read directly, so that each object of a pack is
//! inflated once), commits in walk order, and the index. What skyscan does
//! not read itself (repositories, refs, rev-specs, loose objects, config)
//! goes through gitoxide (`gix`), SHA-1 and SHA-256 alike.
//!
//! - [`pack`]: one packfile and its `.idx`: entry headers, inflation, deltas.
//! - [`packs`]: every pack of a repository, objects by dense position, the
//!   delta-forest traversal that resolves them in bulk.
//! - [`odb`]: the packs first, then gitoxide, for single reads.
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
pub use pack::{oid, ObjectId};
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
