//! What is staged, read straight from git's index file: the entries that
//! differ from HEAD, found the way `git diff --cached` finds them.
//!
//! The index's cache-tree extension records, for each directory whose
//! entries have not changed since it was last written as a tree, that
//! tree's id. Where that id equals the directory's tree in HEAD, nothing
//! below it is staged, and the whole directory is skipped without reading
//! a tree. A small change in a large repository thus reads a handful of
//! trees, where a full comparison reads every tree of HEAD.
//!
//! Index versions 2, 3 and 4 are read. Anything else (a split or sparse
//! index, an unknown required extension, a malformed file) is
//! [`Unsupported`]: the caller then compares through libgit2, which also
//! reports a corrupt index properly.

use std::collections::HashMap;

use git2::{ObjectType, Oid, Repository};

use crate::git::pack::ObjectId;

/// Why a split index cannot be read here (nor by libgit2).
pub const SPLIT_INDEX: &str = "split index";
/// Why a sparse index cannot be read here (nor by libgit2).
pub const SPARSE_INDEX: &str = "sparse index";

/// The index cannot be read here; compare through libgit2 instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

/// An index entry that differs from HEAD (added, modified, or changed in
/// type or mode), at stage 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: Vec<u8>,
    pub mode: u32,
    pub id: ObjectId,
}

/// One entry of the index.
#[derive(Debug, Clone)]
struct IndexEntry {
    path: Vec<u8>,
    mode: u32,
    id: ObjectId,
    stage: u8,
    /// `git add -N`: a placeholder, not content to commit.
    intent_to_add: bool,
}

/// A directory of the cache-tree extension.
#[derive(Debug, Default)]
struct CacheTree {
    name: Vec<u8>,
    /// The tree id of the directory's entries; `None` once an entry below
    /// it has changed since it was written.
    id: Option<ObjectId>,
    children: Vec<CacheTree>,
}

/// A parsed index file.
#[derive(Debug)]
struct IndexFile {
    entries: Vec<IndexEntry>,
    tree: Option<CacheTree>,
}

const ENTRY_FIXED: usize = 62;

/// Parse an index file's bytes.
fn parse(data: &[u8]) -> Result<IndexFile, Unsupported> {
    let bad = Unsupported("malformed index");
    if data.len() < 12 + 20 || &data[..4] != b"DIRC" {
        return Err(bad);
    }
    let version = be32(&data[4..8]);
    if !(2..=4).contains(&version) {
        return Err(Unsupported("index version"));
    }
    let count = be32(&data[8..12]) as usize;
    // Extensions and entries end where the trailing checksum starts.
    let end = data.len() - 20;
    let mut at = 12;
    let mut entries = Vec::with_capacity(count.min(end / ENTRY_FIXED));
    let mut previous: Vec<u8> = Vec::new();
    let mut nameless = false;
    for _ in 0..count {
        let fixed = data.get(at..at + ENTRY_FIXED).ok_or(bad.clone())?;
        let mode = be32(&fixed[24..28]);
        let id: ObjectId = fixed[40..60].try_into().expect("20 bytes");
        let flags = u16::from_be_bytes([fixed[60], fixed[61]]);
        let stage = ((flags >> 12) & 3) as u8;
        let mut next = at + ENTRY_FIXED;
        let mut intent_to_add = false;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return Err(bad);
            }
            let extended = data.get(next..next + 2).ok_or(bad.clone())?;
            intent_to_add = u16::from_be_bytes([extended[0], extended[1]]) & 0x2000 != 0;
            next += 2;
        }
        let path = if version == 4 {
            let (strip, used) =
                varint(data.get(next..end).ok_or(bad.clone())?).ok_or(bad.clone())?;
            next += used;
            let rest = data.get(next..end).ok_or(bad.clone())?;
            let nul = memchr::memchr(0, rest).ok_or(bad.clone())?;
            let keep = previous.len().checked_sub(strip).ok_or(bad.clone())?;
            let mut path = previous[..keep].to_vec();
            path.extend_from_slice(&rest[..nul]);
            next += nul + 1;
            path
        } else {
            let rest = data.get(next..end).ok_or(bad.clone())?;
            let nul = memchr::memchr(0, rest).ok_or(bad.clone())?;
            let path = rest[..nul].to_vec();
            // NUL-padded to a multiple of eight bytes (at least one NUL).
            let len = next + nul - at;
            next = at + (len + 8) / 8 * 8;
            path
        };
        if next > end {
            return Err(bad);
        }
        // Only a split index has entries without a path: it says so in an
        // extension, read below.
        nameless |= path.is_empty();
        if version == 4 {
            previous.clone_from(&path);
        }
        entries.push(IndexEntry {
            path,
            mode,
            id,
            stage,
            intent_to_add,
        });
        at = next;
    }
    let mut tree = None;
    while at < end {
        let header = data.get(at..at + 8).ok_or(bad.clone())?;
        let size = be32(&header[4..8]) as usize;
        let body = data.get(at + 8..at + 8 + size).ok_or(bad.clone())?;
        match &header[..4] {
            b"TREE" => {
                let mut rest = body;
                tree = Some(parse_cache_tree(&mut rest, 0).ok_or(bad.clone())?);
            }
            // Optional extensions (an upper-case first letter) can be
            // ignored; a required one (a split or sparse index) cannot.
            sig if sig[0].is_ascii_uppercase() => {}
            b"link" => return Err(Unsupported(SPLIT_INDEX)),
            b"sdir" => return Err(Unsupported(SPARSE_INDEX)),
            _ => return Err(Unsupported("required index extension")),
        }
        at += 8 + size;
    }
    if nameless {
        return Err(bad);
    }
    Ok(IndexFile { entries, tree })
}

/// One cache-tree node and its children, in pre-order:
/// `name NUL entry_count SP subtree_count LF [id]`.
fn parse_cache_tree(data: &mut &[u8], depth: usize) -> Option<CacheTree> {
    if depth > 4096 {
        return None;
    }
    let nul = memchr::memchr(0, data)?;
    let name = data[..nul].to_vec();
    let rest = &data[nul + 1..];
    let lf = memchr::memchr(b'\n', rest)?;
    let counts = std::str::from_utf8(&rest[..lf]).ok()?;
    let (entries, subtrees) = counts.split_once(' ')?;
    let entries: i64 = entries.parse().ok()?;
    let subtrees: usize = subtrees.parse().ok()?;
    let mut rest = &rest[lf + 1..];
    let id = if entries >= 0 {
        let id: ObjectId = rest.get(..20)?.try_into().ok()?;
        rest = &rest[20..];
        Some(id)
    } else {
        None
    };
    let mut children = Vec::with_capacity(subtrees.min(rest.len()));
    for _ in 0..subtrees {
        children.push(parse_cache_tree(&mut rest, depth + 1)?);
    }
    *data = rest;
    Some(CacheTree { name, id, children })
}

/// Git's offset varint (index v4 path prefixes): `(value, bytes used)`.
fn varint(data: &[u8]) -> Option<(usize, usize)> {
    let mut bytes = data.iter();
    let mut c = *bytes.next()?;
    let mut value = usize::from(c & 0x7f);
    let mut used = 1;
    while c & 0x80 != 0 {
        c = *bytes.next()?;
        used += 1;
        value = value.checked_add(1)?.checked_mul(128)? | usize::from(c & 0x7f);
    }
    Some((value, used))
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes(b[..4].try_into().expect("four bytes"))
}

/// Parse an index file, counting its entries (for fuzzing).
#[doc(hidden)]
pub fn parse_index_entries(data: &[u8]) -> Result<usize, Unsupported> {
    parse(data).map(|index| index.entries.len())
}

const MODE_TREE: u32 = 0o040000;

/// The stage-0 entries of an index file (its bytes) that differ from
/// HEAD's tree (`head_tree`, `None` on an unborn branch). Trees are read
/// through `repo`.
pub fn staged_changes(
    repo: &Repository,
    index_data: &[u8],
    head_tree: Option<Oid>,
) -> Result<Vec<Change>, Unsupported> {
    let index = parse(index_data)?;
    let mut diff = Diff {
        repo,
        entries: &index.entries,
        changes: Vec::new(),
    };
    let head = head_tree.map(|t| t.as_bytes().try_into().expect("20 bytes"));
    diff.directory(0, 0, index.entries.len(), index.tree.as_ref(), head)?;
    Ok(diff.changes)
}

struct Diff<'a> {
    repo: &'a Repository,
    entries: &'a [IndexEntry],
    changes: Vec<Change>,
}

impl Diff<'_> {
    /// Compare the index entries `entries[from..to]`, all under one
    /// directory whose path (with its slash) is `prefix` bytes long, with
    /// that directory's tree in HEAD.
    fn directory(
        &mut self,
        prefix: usize,
        from: usize,
        to: usize,
        cache: Option<&CacheTree>,
        head: Option<ObjectId>,
    ) -> Result<(), Unsupported> {
        if let (Some(cached), Some(head)) = (cache.and_then(|c| c.id), head) {
            if cached == head {
                return Ok(());
            }
        }
        let head_entries = match head {
            Some(id) => self.read_tree(id)?,
            None => HashMap::new(),
        };
        let mut i = from;
        while i < to {
            let rest = &self.entries[i].path[prefix..];
            if let Some(slash) = memchr::memchr(b'/', rest) {
                // A subdirectory: its entries are the next ones sharing
                // `name/` (the index is sorted by path).
                let name = &rest[..slash];
                let sub = prefix + slash + 1;
                let mut j = i + 1;
                while j < to {
                    let p = &self.entries[j].path;
                    if p.len() > sub && p[prefix..sub - 1] == *name && p[sub - 1] == b'/' {
                        j += 1;
                    } else {
                        break;
                    }
                }
                let child = cache.and_then(|c| c.children.iter().find(|t| t.name == name));
                let head_sub = head_entries
                    .get(name)
                    .filter(|(mode, _)| *mode == MODE_TREE)
                    .map(|&(_, id)| id);
                self.directory(sub, i, j, child, head_sub)?;
                i = j;
                continue;
            }
            let entry = &self.entries[i];
            i += 1;
            if entry.stage != 0 || entry.intent_to_add {
                continue;
            }
            let unchanged = head_entries
                .get(rest)
                .is_some_and(|&(mode, id)| mode == entry.mode && id == entry.id);
            if !unchanged {
                self.changes.push(Change {
                    path: entry.path.clone(),
                    mode: entry.mode,
                    id: entry.id,
                });
            }
        }
        Ok(())
    }

    /// A HEAD tree's entries: name → (mode, id).
    fn read_tree(&self, id: ObjectId) -> Result<HashMap<Vec<u8>, (u32, ObjectId)>, Unsupported> {
        let oid = Oid::from_bytes(id.as_bytes()).map_err(|_| Unsupported("object id"))?;
        let tree = self
            .repo
            .find_tree(oid)
            .map_err(|_| Unsupported("unreadable HEAD tree"))?;
        Ok(tree
            .iter()
            .map(|e| {
                let mode = match e.kind() {
                    Some(ObjectType::Tree) => MODE_TREE,
                    _ => e.filemode() as u32,
                };
                let id = ObjectId::from_bytes_or_panic(e.id().as_bytes());
                (e.name_bytes().to_vec(), (mode, id))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_varints_decode() {
        assert_eq!(varint(&[0x05]), Some((5, 1)));
        assert_eq!(varint(&[0x7f]), Some((127, 1)));
        // Two bytes: ((0 + 1) << 7) | 0 = 128.
        assert_eq!(varint(&[0x80, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0x81, 0x01]), Some((((1 + 1) << 7) | 1, 2)));
        assert_eq!(varint(&[0x80]), None);
        assert_eq!(varint(&[]), None);
    }

    #[test]
    fn cache_tree_parses_in_pre_order() {
        let mut data = Vec::new();
        data.extend(b"\x003 1\n");
        data.extend([1u8; 20]);
        data.extend(b"src\0-1 0\n");
        let mut rest = &data[..];
        let tree = parse_cache_tree(&mut rest, 0).unwrap();
        assert!(rest.is_empty());
        assert_eq!(tree.id, Some(ObjectId::from_bytes_or_panic(&[1; 20])));
        assert_eq!(tree.children.len(), 1);
        assert_eq!(tree.children[0].name, b"src");
        assert_eq!(tree.children[0].id, None);
    }

    #[test]
    fn malformed_indexes_are_unsupported_not_panics() {
        assert!(parse(b"").is_err());
        assert!(parse(&[0u8; 40]).is_err());
        let mut header = b"DIRC\0\0\0\x02\0\0\0\x05".to_vec();
        header.extend([0u8; 20]);
        assert!(parse(&header).is_err(), "five entries promised, none there");
        let mut v9 = b"DIRC\0\0\0\x09\0\0\0\0".to_vec();
        v9.extend([0u8; 20]);
        assert_eq!(parse(&v9).unwrap_err(), Unsupported("index version"));
        let mut empty = b"DIRC\0\0\0\x02\0\0\0\0".to_vec();
        empty.extend([0u8; 20]);
        assert!(parse(&empty).unwrap().entries.is_empty());
        let mut cache = Vec::new();
        cache.extend(b"\x00-1 9\n");
        let mut rest = &cache[..];
        assert!(parse_cache_tree(&mut rest, 0).is_none(), "children missing");
    }
}
