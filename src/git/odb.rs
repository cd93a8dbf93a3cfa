//! A repository's objects: the packs read directly ([`Packs`]), and
//! gitoxide's object database for whatever they do not hold or cannot give
//! (loose objects, a pack the reader rejects, an object in an alternate
//! the packs skipped). Gitoxide's errors are the ones a user sees.
//!
//! Before gitoxide allocates an object, its declared size is checked here
//! against what the object's file can hold and against the caps a scan
//! sets (a crafted loose object may claim gigabytes in a few bytes).

use std::sync::{Arc, Mutex};

use gix::objs::{Find, FindHeader};

use crate::git::packs::{self, Kind, Packs, MAX_STRUCTURE_SIZE};
use crate::git::{oid, ObjectId};

/// A handle that reads objects through gitoxide, one per thread.
pub type Handle = gix::odb::Cache<gix::odb::store::Handle<Arc<gix::odb::Store>>>;

/// The repository's objects: the packs read directly, gitoxide for the rest.
pub struct Odb {
    pub store: Packs,
    objects: Arc<gix::odb::Store>,
    /// The handle of single reads ([`Odb::read`]); threads that read many
    /// objects take their own ([`Odb::handle`]).
    single: Mutex<Handle>,
}

/// What the fallback found of an object before reading it.
pub enum Header {
    /// Kind and declared size.
    Found(Kind, u64),
    /// Not in the repository (a partial clone's missing blob, a broken ref).
    Missing,
}

impl Odb {
    /// The objects of `repo`: its packs (and its alternates') laid out on
    /// `pool` (every entry header is parsed), and gitoxide's store for the rest.
    pub fn open(repo: &gix::Repository, pool: &rayon::ThreadPool) -> Odb {
        let hash = repo.object_hash();
        let dirs = packs::object_dirs(repo.common_dir());
        let objects: Arc<gix::odb::Store> = repo.objects.store();
        let single = Mutex::new(objects.to_cache_arc());
        Odb {
            store: pool.install(|| Packs::open(&dirs, hash)),
            objects,
            single,
        }
    }

    /// A gitoxide handle for one thread's reads of objects the packs do not give.
    pub fn handle(&self) -> Handle {
        self.objects.to_cache_arc()
    }

    /// Read an object into `buf`, from the packs where they have it.
    pub fn read(&self, id: &oid, buf: &mut Vec<u8>) -> Result<Kind, String> {
        if let Some(pos) = self.store.position(id) {
            match self.store.read(pos, buf) {
                Ok(kind) => return Ok(kind),
                // Over the size cap: the fallback would inflate it whole (a
                // zlib bomb costs gigabytes there). Other errors it may get past.
                Err(e) => {
                    if let Some(why) = packs::beyond_reading(&e) {
                        return Err(why.to_string());
                    }
                }
            }
        }
        self.read_fallback(id, buf)
    }

    /// Read an object through gitoxide only (the packs could not give it,
    /// and gitoxide's error is the one to show).
    pub fn read_fallback(&self, id: &oid, buf: &mut Vec<u8>) -> Result<Kind, String> {
        let handle = self.single.lock().expect("lock");
        self.read_with(&handle, id, u64::MAX, buf)?
            .ok_or_else(|| "object not found".to_string())
    }

    /// Read an object through `handle` (gitoxide), into `buf`: `Ok(None)`
    /// when it is a blob larger than `max_blob`. An object the packs found
    /// corrupt beyond reading (a looping delta chain, an impossible size) is
    /// an error without asking gitoxide; so is a declared size the object's
    /// file cannot hold, or a tree or commit larger than any real one.
    pub fn read_with(
        &self,
        handle: &Handle,
        id: &oid,
        max_blob: u64,
        buf: &mut Vec<u8>,
    ) -> Result<Option<Kind>, String> {
        if let Some(why) = self.store.corrupt_reason(id) {
            return Err(why.to_string());
        }
        let (kind, size) = match self.header_with(handle, id)? {
            Header::Found(kind, size) => (kind, size),
            Header::Missing => return Err("object not found".to_string()),
        };
        if kind == Kind::Blob && size > max_blob {
            return Ok(None);
        }
        if kind != Kind::Blob && size > MAX_STRUCTURE_SIZE {
            return Err("it is larger than any real tree or commit (64 MiB)".to_string());
        }
        let mut data = Vec::new();
        let found = handle
            .try_find(id, &mut data)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "object not found".to_string())?;
        buf.clear();
        buf.extend_from_slice(found.data);
        Ok(Some(kind))
    }

    /// The kind and declared size of an object, read through `handle`.
    pub fn header_with(&self, handle: &Handle, id: &oid) -> Result<Header, String> {
        let Some(header) = handle.try_header(id).map_err(|e| e.to_string())? else {
            return Ok(Header::Missing);
        };
        let kind = match header.kind {
            gix::object::Kind::Commit => Kind::Commit,
            gix::object::Kind::Tree => Kind::Tree,
            gix::object::Kind::Blob => Kind::Blob,
            gix::object::Kind::Tag => Kind::Tag,
        };
        if self.loose_claims_too_much(id, header.size) {
            return Err(
                "its loose object file claims more data than it holds (corrupt object)".into(),
            );
        }
        Ok(Header::Found(kind, header.size))
    }

    /// Every object id of the repository (packs, loose objects, alternates),
    /// sorted, each once; an error names what could not be listed.
    pub fn all_ids(&self) -> (Vec<ObjectId>, Option<String>) {
        let mut ids = Vec::new();
        let mut error = None;
        match self.objects.iter() {
            Ok(all) => {
                for id in all {
                    match id {
                        Ok(id) => ids.push(id),
                        Err(e) => error = Some(e.to_string()),
                    }
                }
            }
            Err(e) => error = Some(e.to_string()),
        }
        ids.sort_unstable();
        ids.dedup();
        (ids, error)
    }

    /// Whether `id` is a loose object whose header declares more than its
    /// compressed file can hold (zlib expands at most about 1032:1): such a
    /// claim is corruption, not a large object.
    fn loose_claims_too_much(&self, id: &oid, declared: u64) -> bool {
        let hex = id.to_hex().to_string();
        self.store.object_dirs.iter().any(|dir| {
            std::fs::metadata(dir.join(&hex[..2]).join(&hex[2..]))
                .is_ok_and(|m| declared > m.len().saturating_mul(1100).saturating_add(64))
        })
    }
}
