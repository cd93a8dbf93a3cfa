//! A repository's objects: the packs read directly ([`Packs`]), and libgit2
//! for whatever they do not hold or cannot give (loose objects, a pack the
//! reader rejects), with libgit2's errors as the ones a user sees.

use crate::git::packs::{self, Kind, Packs};
use crate::git::ObjectId;

/// The repository's objects: the packs read directly, libgit2 for the rest.
pub struct Odb<'r> {
    pub store: Packs,
    pub(crate) odb: git2::Odb<'r>,
}

impl Odb<'_> {
    /// Read an object into `buf`, from the packs where they have it.
    pub fn read(&self, id: &ObjectId, buf: &mut Vec<u8>) -> Result<Kind, String> {
        if let Some(pos) = self.store.position(id) {
            match self.store.read(pos, buf) {
                Ok(kind) => return Ok(kind),
                // Over the size cap: libgit2 would inflate it whole (a zlib
                // bomb costs gigabytes there). Other errors it may get past.
                Err(e) => {
                    if let Some(why) = packs::beyond_reading(&e) {
                        return Err(why.to_string());
                    }
                }
            }
        }
        self.read_git2(id, buf)
    }

    /// Read an object through libgit2 (whose errors are the ones to show).
    /// An object the packs found corrupt beyond reading (a looping delta
    /// chain, an impossible size) is an error without asking libgit2, which
    /// would loop forever or try the allocation.
    pub fn read_git2(&self, id: &ObjectId, buf: &mut Vec<u8>) -> Result<Kind, String> {
        if let Some(why) = self.store.corrupt_reason(id) {
            return Err(why.to_string());
        }
        let oid = git2::Oid::from_bytes(id).expect("20 bytes make an object id");
        let object = self.odb.read(oid).map_err(|e| e.message().to_string())?;
        buf.clear();
        buf.extend_from_slice(object.data());
        match object.kind() {
            git2::ObjectType::Commit => Ok(Kind::Commit),
            git2::ObjectType::Tree => Ok(Kind::Tree),
            git2::ObjectType::Blob => Ok(Kind::Blob),
            git2::ObjectType::Tag => Ok(Kind::Tag),
            other => Err(format!("unexpected object type {other}")),
        }
    }
}
