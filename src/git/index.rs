//! What is staged: the index entries that differ from HEAD, found the way
//! `git diff --cached` finds them.
//!
//! The index file is decoded by gitoxide (`gix-index`): versions 2 to 4,
//! SHA-1 and SHA-256 object ids, a split index (its `link` extension is
//! resolved against the shared index file, `sharedindex.<id>`) and a sparse
//! index (directories outside the sparse-checkout cone held as one entry
//! with a tree id). gix looks for the shared index only beside the index
//! file; git looks in the git directory too, and so does [`read`] (a
//! `GIT_INDEX_FILE` elsewhere can be a split index whose shared part git
//! wrote in the git directory). gix decodes the cache-tree extension with
//! one call per level of nesting, as git does: indexes git wrote nest as
//! deep as their directories, and the fuzz entry gives crafted ones a stack
//! that fits (`fuzzing::parse_index`).
//!
//! The comparison with HEAD is written here, not taken from gix, for speed:
//! gix's `tree_index_status` compares two indexes, after building one from
//! every tree of HEAD. Here the index's cache-tree extension does the
//! work: it records, for each directory whose entries have not changed
//! since it was last written as a tree, that tree's id. Where that id
//! equals the directory's tree in HEAD, nothing below it is staged, and the
//! whole directory is skipped without reading a tree. A small change in a
//! large repository thus reads a handful of trees. A sparse directory entry
//! whose tree differs from HEAD's is compared tree to tree, down to the
//! blobs that differ. Both walks keep their work on an explicit stack: no
//! input decides how deep they recurse.

use std::path::Path;

use gix::bstr::ByteSlice;
use gix::index::entry::{Flags, Mode, Stage};
use gix::index::extension::Tree as CacheTree;
use gix::index::file::init::OpenError;
use gix::index::State;
use gix::objs::FindExt;
use gix::ObjectId;
use rustc_hash::FxHashMap;

use crate::error::Error;

/// An index entry that differs from HEAD (added, modified, or changed in
/// type or mode), at stage 0; or a blob below a sparse directory entry
/// whose tree differs from HEAD's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: Vec<u8>,
    /// Git's file mode (`0o100644`, `0o100755`, `0o120000`, `0o160000`).
    pub mode: u32,
    pub id: ObjectId,
}

/// The mode of a tree in a tree entry and of a sparse directory entry.
const MODE_TREE: u32 = 0o040000;

/// The index file at `path` of a repository whose objects use
/// `object_hash`, with a split index's shared part merged in (found beside
/// the file or in `git_dir`, where git looks). A missing file is an empty
/// index, as for git.
pub fn read(path: &Path, git_dir: &Path, object_hash: gix::hash::Kind) -> Result<State, Error> {
    let bad = |e: &dyn std::error::Error| {
        Error::Git(format!(
            "{}: cannot read the index: {}",
            path.display(),
            error_chain(e)
        ))
    };
    if std::fs::symlink_metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        return Ok(State::new(object_hash));
    }
    let error = match open(path, object_hash)? {
        Ok(file) => return Ok(file.into_parts().0),
        Err(e) => e,
    };
    let Some(missing) = error.downcast_any_ref::<OpenError>() else {
        return Err(bad(&error));
    };
    let Some(shared) = shared_index_in(git_dir, missing) else {
        return Err(bad(&error));
    };
    // gix reads `sharedindex.<id>` beside the index only: read a copy of
    // the index placed beside a copy of the one in the git directory.
    let copy_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let dir = tempfile::tempdir().map_err(copy_err(&shared))?;
    let name = shared.file_name().unwrap_or_default();
    std::fs::copy(&shared, dir.path().join(name)).map_err(copy_err(&shared))?;
    let index = dir.path().join("index");
    std::fs::copy(path, &index).map_err(copy_err(path))?;
    open(&index, object_hash)?
        .map(|file| file.into_parts().0)
        .map_err(|e| bad(&e))
}

/// gix's reading of the index file at `path` (the checksum is not verified,
/// as git does not on reads; the shared index of a split one must match its
/// link), once the file and the shared index beside it have passed
/// [`check_before_decoding`]; what gix may allocate is bounded by the
/// file's size.
fn open(path: &Path, object_hash: gix::hash::Kind) -> Result<gix::Result<gix::index::File>, Error> {
    let len = check_before_decoding(path, object_hash.len_in_bytes())?;
    let mut options = decode_options();
    options.alloc_limit_bytes = Some(alloc_limit(len));
    Ok(gix::index::File::at(path, object_hash, true, options))
}

/// What gix may allocate for an index file of `len` bytes: no more than
/// this much per byte of it.
fn alloc_limit(len: u64) -> usize {
    usize::try_from(len)
        .unwrap_or(usize::MAX)
        .saturating_mul(64)
        .max(1 << 16)
}

/// Deepest cache-tree accepted. gix decodes the cache-tree extension with
/// one call per level of nesting (up to 2 KiB of stack each, unoptimised);
/// git writes one level per directory level, and no real tree nests this
/// deep. A deeper one is crafted: refused before gix recurses into it.
pub const MAX_CACHE_TREE_DEPTH: usize = 1024;

/// The size of the index file at `path`, once its cache-tree is known to
/// nest no deeper than [`MAX_CACHE_TREE_DEPTH`]. The file is mapped, its
/// entries skipped and its extensions listed; what cannot be parsed is
/// left to gix, which reports it.
fn check_before_decoding(path: &Path, hash_len: usize) -> Result<u64, Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if len == 0 {
        return Ok(0);
    }
    // SAFETY: git replaces the index by renaming a new file over it; a
    // mapping of the old one stays valid, and it is only read here.
    let data = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
    let Some(found) = extensions(&data, hash_len) else {
        return Ok(len);
    };
    if let Some(depth) = found.tree_depth.filter(|&d| d > MAX_CACHE_TREE_DEPTH) {
        return Err(Error::Git(format!(
            "{}: cannot read the index: its cache-tree nests {depth} levels deep, more than any real tree (crafted or corrupt; `git read-tree HEAD` rewrites it)",
            path.display()
        )));
    }
    // A split index: gix reads the shared part beside it.
    if let Some(shared) = found.shared {
        let beside = path.with_file_name(format!("sharedindex.{shared}"));
        if beside.is_file() && beside != path {
            check_before_decoding(&beside, hash_len)?;
        }
    }
    Ok(len)
}

/// What [`extensions`] found in an index file.
struct Extensions {
    /// How deep the cache-tree (`TREE`) nests, when there is one.
    tree_depth: Option<usize>,
    /// The id of the shared index a split index links to (`link`).
    shared: Option<ObjectId>,
}

/// The extensions of an index file that decide how it is read; `None`
/// when the file cannot be parsed this far.
fn extensions(data: &[u8], hash_len: usize) -> Option<Extensions> {
    let be32 = |at: usize| -> Option<usize> {
        Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    if data.get(..4)? != b"DIRC" {
        return None;
    }
    let version = be32(4)?;
    let mut at = 12;
    // Entries: stat data (40 bytes), id, flags; an extended flags word in
    // version 3+; the path, NUL-padded to 8 bytes (versions 2 and 3) or
    // prefix-compressed and NUL-terminated (version 4).
    for _ in 0..be32(8)? {
        let start = at;
        let flags = u16::from_be_bytes(
            data.get(at + 40 + hash_len..at + 42 + hash_len)?
                .try_into()
                .ok()?,
        );
        at += 42 + hash_len;
        if flags & 0x4000 != 0 && version >= 3 {
            at += 2;
        }
        if version == 4 {
            while *data.get(at)? & 0x80 != 0 {
                at += 1;
            }
            at += 1;
        }
        at += memchr::memchr(0, data.get(at..)?)? + 1;
        if version != 4 {
            at = start + (at - start).div_ceil(8) * 8;
        }
    }
    // Extensions: a signature, a length, the data; then the checksum.
    let mut found = Extensions {
        tree_depth: None,
        shared: None,
    };
    while at + 8 + hash_len <= data.len() {
        let size = be32(at + 4)?;
        let body = data.get(at + 8..(at + 8).checked_add(size)?)?;
        match &data[at..at + 4] {
            b"TREE" => found.tree_depth = Some(tree_depth(body, hash_len)),
            b"link" => found.shared = body.get(..hash_len).map(ObjectId::from_bytes_or_panic),
            _ => {}
        }
        at += 8 + size;
    }
    Some(found)
}

/// The nesting of a cache-tree extension's nodes (the root is level 1), as
/// far as they parse (`name NUL entries SP
/// subtrees LF [id]`, in pre-order), counted with a stack of the children
/// each open node still expects.
fn tree_depth(mut data: &[u8], hash_len: usize) -> usize {
    // One node: its subtree count, and the bytes after it.
    let node = |data: &[u8]| -> Option<(usize, usize)> {
        let nul = memchr::memchr(0, data)?;
        let lf = nul + 1 + memchr::memchr(b'\n', &data[nul + 1..])?;
        let counts = std::str::from_utf8(&data[nul + 1..lf]).ok()?;
        let (entries, subtrees) = counts.split_once(' ')?;
        let id = if entries.parse::<i64>().ok()? >= 0 {
            hash_len
        } else {
            0
        };
        Some((subtrees.parse().ok()?, lf + 1 + id))
    };
    let mut open: Vec<usize> = Vec::new();
    let mut deepest = 0;
    // Up to the first byte that is no node: a decoder reads as far.
    while let Some((subtrees, used)) = node(data).filter(|&(_, used)| used <= data.len()) {
        data = &data[used..];
        match open.last_mut() {
            Some(top) => *top -= 1,
            // A node after the root's subtree is complete.
            None if deepest > 0 => break,
            None => {}
        }
        // This node's level: its open ancestors, and itself.
        deepest = deepest.max(open.len() + 1);
        if subtrees > 0 {
            open.push(subtrees);
        } else {
            while open.last() == Some(&0) {
                open.pop();
            }
        }
    }
    deepest
}

/// The shared index a split index names, in `git_dir`, when gix looked
/// for it elsewhere (`missing`) and it is in `git_dir`.
fn shared_index_in(git_dir: &Path, missing: &OpenError) -> Option<std::path::PathBuf> {
    let name = missing.path.file_name()?;
    let is_shared = name.as_encoded_bytes().starts_with(b"sharedindex.");
    if !is_shared || missing.source.kind() != std::io::ErrorKind::NotFound {
        return None;
    }
    let shared = git_dir.join(name);
    (shared != missing.path && shared.is_file()).then_some(shared)
}

fn decode_options() -> gix::index::decode::Options {
    gix::index::decode::Options {
        // One thread: the staged scan reads one index, and most are small.
        thread_limit: Some(1),
        ..Default::default()
    }
}

/// An index file's bytes, decoded (for tests and fuzzing: a split index
/// cannot be read this way, as its shared part is another file).
pub fn decode(data: &[u8], object_hash: gix::hash::Kind) -> Result<State, Error> {
    let fail = |why: String| Error::Git(format!("cannot read the index: {why}"));
    let mut options = decode_options();
    // What the input can justify: no more than this much per byte of it.
    options.alloc_limit_bytes = Some(data.len().saturating_mul(64).max(1 << 16));
    let stamp = State::new(object_hash).timestamp();
    let (state, _) =
        State::from_bytes(data, stamp, object_hash, options).map_err(|e| fail(error_chain(&e)))?;
    if state.link().is_some() {
        return Err(fail(
            "a split index, whose shared part is a separate file".into(),
        ));
    }
    Ok(state)
}

/// `error` and its sources, each once, joined by `: `.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// The stage-0 entries of `index` that differ from HEAD's tree
/// (`head_tree`, `None` on an unborn branch), sorted by path. Trees are
/// read from `repo`.
pub fn staged_changes(
    repo: &gix::Repository,
    index: &State,
    head_tree: Option<ObjectId>,
) -> Result<Vec<Change>, Error> {
    let mut diff = Diff {
        repo,
        index,
        buf: Vec::new(),
        changes: Vec::new(),
        sparse: Vec::new(),
    };
    let mut directories = vec![Directory {
        prefix: 0,
        from: 0,
        to: index.entries().len(),
        cache: index.tree(),
        head: head_tree,
    }];
    while let Some(directory) = directories.pop() {
        diff.directory(directory, &mut directories)?;
    }
    while let Some(pair) = diff.sparse.pop() {
        diff.trees(pair)?;
    }
    let mut changes = diff.changes;
    changes.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    Ok(changes)
}

/// The index entries `from..to`, all under one directory whose path (with
/// its slash) is `prefix` bytes long, to compare with that directory's
/// tree in HEAD (`head`) and its cache-tree node (`cache`).
struct Directory<'a> {
    prefix: usize,
    from: usize,
    to: usize,
    cache: Option<&'a CacheTree>,
    head: Option<ObjectId>,
}

/// A tree of the index (a sparse directory entry, or a tree below one) and
/// the tree at the same path in HEAD (`None` when HEAD has none there).
struct TreePair {
    /// The directory's path, with its slash.
    path: Vec<u8>,
    head: Option<ObjectId>,
    staged: ObjectId,
}

/// A tree's entries: name → (mode, id).
type TreeEntries = FxHashMap<Vec<u8>, (u32, ObjectId)>;

struct Diff<'a> {
    repo: &'a gix::Repository,
    index: &'a State,
    buf: Vec<u8>,
    changes: Vec<Change>,
    /// Sparse directories whose tree differs from HEAD's.
    sparse: Vec<TreePair>,
}

impl<'a> Diff<'a> {
    /// Compare one directory's entries with its tree in HEAD; push its
    /// subdirectories on `pending`.
    fn directory(
        &mut self,
        dir: Directory<'a>,
        pending: &mut Vec<Directory<'a>>,
    ) -> Result<(), Error> {
        let cached = dir.cache.filter(|c| c.num_entries.is_some()).map(|c| c.id);
        if cached.is_some() && cached == dir.head {
            return Ok(());
        }
        let head_entries = match dir.head {
            Some(id) => self.read_tree(id)?,
            None => TreeEntries::default(),
        };
        let entries = self.index.entries();
        let mut i = dir.from;
        while i < dir.to {
            let entry = &entries[i];
            let path = entry.path(self.index);
            let rest = &path[dir.prefix..];
            match memchr::memchr(b'/', rest) {
                // A sparse directory entry: `name/`, and a tree id.
                Some(slash) if slash + 1 == rest.len() && entry.mode == Mode::DIR => {
                    let head = tree_id(head_entries.get(&rest[..slash]));
                    if head != Some(entry.id) {
                        self.sparse.push(TreePair {
                            path: path.to_vec(),
                            head,
                            staged: entry.id,
                        });
                    }
                    i += 1;
                }
                // A subdirectory: its entries are the next ones sharing
                // `name/` (the index is sorted by path).
                Some(slash) => {
                    let name = &rest[..slash];
                    let sub = dir.prefix + slash + 1;
                    let mut j = i + 1;
                    while j < dir.to {
                        let p = entries[j].path(self.index);
                        if p.len() > sub && p[dir.prefix..sub - 1] == *name && p[sub - 1] == b'/' {
                            j += 1;
                        } else {
                            break;
                        }
                    }
                    let cache = dir
                        .cache
                        .and_then(|c| c.children.iter().find(|t| t.name.as_slice() == name));
                    pending.push(Directory {
                        prefix: sub,
                        from: i,
                        to: j,
                        cache,
                        head: tree_id(head_entries.get(name)),
                    });
                    i = j;
                }
                None => {
                    i += 1;
                    let placeholder = entry.flags.contains(Flags::INTENT_TO_ADD);
                    if entry.stage() != Stage::Unconflicted || placeholder {
                        continue;
                    }
                    let mode = entry.mode.bits();
                    if head_entries.get(rest.as_bytes()) != Some(&(mode, entry.id)) {
                        self.changes.push(Change {
                            path: path.to_vec(),
                            mode,
                            id: entry.id,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Compare a staged tree with HEAD's at the same path, down to the
    /// blobs (and submodule commits) that differ.
    fn trees(&mut self, first: TreePair) -> Result<(), Error> {
        let mut pending = vec![first];
        while let Some(pair) = pending.pop() {
            let head_entries = match pair.head {
                Some(id) => self.read_tree(id)?,
                None => TreeEntries::default(),
            };
            for (name, (mode, id)) in self.read_tree(pair.staged)? {
                let head = head_entries.get(&name);
                let mut path = pair.path.clone();
                path.extend_from_slice(&name);
                if mode == MODE_TREE {
                    let head = tree_id(head);
                    if head != Some(id) {
                        path.push(b'/');
                        pending.push(TreePair {
                            path,
                            head,
                            staged: id,
                        });
                    }
                } else if head != Some(&(mode, id)) {
                    self.changes.push(Change { path, mode, id });
                }
            }
        }
        Ok(())
    }

    /// A tree's entries, with git's canonical modes.
    fn read_tree(&mut self, id: ObjectId) -> Result<TreeEntries, Error> {
        let fail = |why: String| Error::Git(format!("cannot read tree {id}: {why}"));
        let tree = self
            .repo
            .objects
            .find_tree_iter(&id, &mut self.buf)
            .map_err(|e| fail(error_chain(&e)))?;
        let mut entries = TreeEntries::default();
        for entry in tree {
            let entry = entry.map_err(|e| fail(error_chain(&e)))?;
            let mode = u32::from(entry.mode.kind() as u16);
            entries.insert(entry.filename.to_vec(), (mode, entry.oid.to_owned()));
        }
        Ok(entries)
    }
}

/// The id of a tree entry that is a tree.
fn tree_id(entry: Option<&(u32, ObjectId)>) -> Option<ObjectId> {
    entry
        .filter(|(mode, _)| *mode == MODE_TREE)
        .map(|&(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_bytes(version: u8, count: u8, body: &[u8]) -> Vec<u8> {
        let mut data = b"DIRC\0\0\0".to_vec();
        data.push(version);
        data.extend([0, 0, 0, count]);
        data.extend(body);
        data.extend([0u8; 20]);
        data
    }

    #[test]
    fn cache_tree_depth_counts_levels_on_an_explicit_stack() {
        // root { a { b { c } }, d }: three levels below the root.
        let tree = b"\0-1 2\na\0-1 1\nb\0-1 1\nc\0-1 0\nd\0-1 0\n";
        assert_eq!(tree_depth(tree, 20), 4);
        assert_eq!(tree_depth(b"\0-1 0\n", 20), 1);
        // An id follows each valid node; what does not parse ends the count
        // (gix reports it).
        let mut valid = b"\x002 0\n".to_vec();
        valid.extend([7u8; 20]);
        assert_eq!(tree_depth(&valid, 20), 1);
        assert_eq!(tree_depth(&valid[..10], 20), 0);
        assert_eq!(tree_depth(b"\0-1 0\nx\0-1 0\n", 20), 1);
        let deep: Vec<u8> = std::iter::once(&b"\0-1 1\n"[..])
            .chain(std::iter::repeat_n(&b"d\0-1 1\n"[..], 99_998))
            .chain(std::iter::once(&b"d\0-1 0\n"[..]))
            .flatten()
            .copied()
            .collect();
        assert_eq!(tree_depth(&deep, 20), 100_000);
        // Garbage after a deep chain does not hide its depth.
        let mut garbage = deep.clone();
        garbage.extend(b"junk");
        assert_eq!(tree_depth(&garbage, 20), 100_000);
    }

    /// The entries of indexes git wrote, in every version, are skipped to
    /// their extensions: the cache-tree found nests as deep as the tree.
    #[test]
    fn extensions_are_found_past_the_entries_of_every_version() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", dir.path())
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        for path in ["top.txt", "a/b/c/deep.txt", "a/b/other.txt", "a/x.txt"] {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, path).unwrap();
        }
        git(&["add", "."]);
        git(&["write-tree"]);
        for version in ["2", "3", "4"] {
            git(&["update-index", "--index-version", version]);
            git(&["write-tree"]);
            let data = std::fs::read(dir.path().join(".git/index")).unwrap();
            let found = extensions(&data, 20).unwrap();
            assert_eq!(found.tree_depth, Some(4), "version {version}");
            assert!(found.shared.is_none());
        }
    }

    #[test]
    fn malformed_indexes_are_errors_not_panics() {
        let sha1 = gix::hash::Kind::Sha1;
        assert!(decode(b"", sha1).is_err());
        assert!(decode(&[0u8; 40], sha1).is_err());
        assert!(
            decode(&index_bytes(2, 5, b""), sha1).is_err(),
            "five entries promised, none there"
        );
        assert!(decode(&index_bytes(9, 0, b""), sha1).is_err());
        let empty = decode(&index_bytes(2, 0, b""), sha1).unwrap();
        assert!(empty.entries().is_empty());
        let mut children_missing = b"TREE\0\0\0\x06".to_vec();
        children_missing.extend(b"\0-1 9\n");
        // A cache-tree that does not parse is left out: the comparison
        // then reads HEAD's trees instead of trusting it.
        let without = decode(&index_bytes(2, 0, &children_missing), sha1).unwrap();
        assert!(without.tree().is_none());
    }

    #[test]
    fn a_split_index_needs_its_shared_part() {
        let mut link = b"link\0\0\0\x14".to_vec();
        link.extend([7u8; 20]);
        let err = decode(&index_bytes(2, 0, &link), gix::hash::Kind::Sha1).unwrap_err();
        assert!(err.to_string().contains("split index"), "{err}");
    }

    #[test]
    fn error_chains_name_each_cause_once() {
        let io = std::io::Error::other("disk on fire");
        let outer = OpenError {
            path: "x".into(),
            source: io,
        };
        assert_eq!(
            error_chain(&outer),
            "Could not open index file at \"x\": disk on fire"
        );
    }
}
