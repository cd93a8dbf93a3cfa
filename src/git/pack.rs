//! Git packfiles read directly: the version 2 index (`.idx`), the entry
//! headers of the pack, zlib inflation and delta application.
//!
//! Why by hand, when gitoxide (`gix-pack`) reads packs: a library reads one
//! object at a time, so a deltified object costs the inflation of its delta
//! chain, again for every object on the chain (a cache softens this, at a
//! memory cost). Reading the pack here lets the history scan resolve each
//! delta from its base while the base is still in memory, so that every
//! object of the pack is inflated exactly once (see `packs`), with
//! libdeflate. Ids are SHA-1 or SHA-256 (20 or 32 bytes). Anything this
//! module cannot read is left to gitoxide by the caller.

use std::cell::RefCell;
use std::fs::File;
use std::path::Path;

use memmap2::Mmap;

/// An object id, SHA-1 or SHA-256 (owned).
pub type ObjectId = gix::ObjectId;
/// An object id borrowed (from a mapped index, a tree entry).
pub use gix::oid;

/// The kind of an object as a pack stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackKind {
    Commit,
    Tree,
    Blob,
    Tag,
    /// A delta against the entry at this pack offset.
    OfsDelta(u64),
    /// A delta against the object with this id.
    RefDelta(ObjectId),
}

/// The header of one pack entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryHeader {
    pub kind: PackKind,
    /// Inflated size of the entry's data (for a delta, of the delta itself).
    pub size: u64,
    /// Where the zlib stream starts.
    pub data_offset: u64,
}

/// Why a pack or one of its entries could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    #[error("{0}")]
    Io(String),
    #[error("unsupported pack index (only version 2 with SHA-1 ids is read directly)")]
    UnsupportedIndex,
    #[error("pack index is truncated or inconsistent")]
    BadIndex,
    #[error("not a pack file, or a version this reader does not know")]
    BadPack,
    #[error("corrupt entry header at pack offset {0}")]
    BadHeader(u64),
    #[error("entry at pack offset {0} declares a size no object can have")]
    ImpossibleSize(u64),
    #[error("corrupt zlib stream at pack offset {0}")]
    BadZlib(u64),
    #[error("corrupt zlib stream")]
    Zlib,
    #[error("corrupt delta")]
    BadDelta,
    #[error("object too large for this platform")]
    TooLarge,
}

/// One pack: its index (object ids and offsets) and its mapped data.
pub struct Pack {
    data: Mmap,
    index: Mmap,
    count: usize,
    /// Bytes per object id: 20 (SHA-1) or 32 (SHA-256).
    hash_len: usize,
}

const IDX_MAGIC: &[u8; 4] = b"\xfftOc";
const FANOUT: usize = 8;
const IDS: usize = FANOUT + 256 * 4;

impl Pack {
    /// Open the pack whose index is at `idx_path` (`pack-*.idx`), in a
    /// repository whose object ids are `hash` ids.
    pub fn open(idx_path: &Path, hash: gix::hash::Kind) -> Result<Pack, PackError> {
        let hash_len = hash.len_in_bytes();
        let pack_path = idx_path.with_extension("pack");
        let map = |p: &Path| -> Result<Mmap, PackError> {
            let file = File::open(p).map_err(|e| PackError::Io(format!("{}: {e}", p.display())))?;
            // SAFETY: git never rewrites a pack or index in place (new packs
            // are written under new names and renamed); the same assumption
            // git and its libraries make when they map packs.
            unsafe { Mmap::map(&file) }.map_err(|e| PackError::Io(format!("{}: {e}", p.display())))
        };
        let index = map(idx_path)?;
        if index.len() < IDS || &index[..4] != IDX_MAGIC {
            return Err(PackError::UnsupportedIndex);
        }
        if be32(&index[4..8]) != 2 {
            return Err(PackError::UnsupportedIndex);
        }
        let count = be32(&index[FANOUT + 255 * 4..IDS]) as usize;
        // ids, CRCs and 32-bit offsets, then the two trailing checksums.
        let minimum = IDS + count * (hash_len + 4 + 4) + 2 * hash_len;
        if index.len() < minimum {
            return Err(PackError::BadIndex);
        }
        let large = (index.len() - minimum) / 8;
        let data = map(&pack_path)?;
        if data.len() < 12 + hash_len
            || &data[..4] != b"PACK"
            || !matches!(be32(&data[4..8]), 2 | 3)
        {
            return Err(PackError::BadPack);
        }
        if be32(&data[8..12]) as usize != count {
            return Err(PackError::BadIndex);
        }
        let pack = Pack {
            data,
            index,
            count,
            hash_len,
        };
        // Every offset must point inside the pack's body.
        let end = pack.body_end();
        for i in 0..count {
            match pack.offset_checked(i, large) {
                Some(o) if o >= 12 && o < end => {}
                _ => return Err(PackError::BadIndex),
            }
        }
        Ok(pack)
    }

    /// Number of objects in the pack.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The id of the `i`-th object in id order.
    pub fn id(&self, i: usize) -> ObjectId {
        self.id_ref(i).to_owned()
    }

    /// The id of the `i`-th object in id order, where the index holds it.
    #[inline]
    pub fn id_ref(&self, i: usize) -> &oid {
        let at = IDS + i * self.hash_len;
        oid::from_bytes_unchecked(&self.index[at..at + self.hash_len])
    }

    /// Bytes per object id in this pack.
    pub fn hash_len(&self) -> usize {
        self.hash_len
    }

    /// The pack offset of the `i`-th object in id order.
    pub fn offset(&self, i: usize) -> u64 {
        self.offset_checked(i, usize::MAX)
            .expect("offsets checked at open")
    }

    fn offset_checked(&self, i: usize, large: usize) -> Option<u64> {
        let at = IDS + self.count * (self.hash_len + 4) + i * 4;
        let small = be32(&self.index[at..at + 4]);
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let k = (small & 0x7fff_ffff) as usize;
        if k >= large {
            return None;
        }
        let at = IDS + self.count * (self.hash_len + 8) + k * 8;
        let bytes = self.index.get(at..at + 8)?;
        Some(u64::from_be_bytes(bytes.try_into().ok()?))
    }

    /// Where entries end: the pack's trailing checksum starts there.
    pub fn body_end(&self) -> u64 {
        (self.data.len() - self.hash_len) as u64
    }

    /// Parse the entry header at `offset`.
    pub fn header(&self, offset: u64) -> Result<EntryHeader, PackError> {
        let bad = || PackError::BadHeader(offset);
        let body = &self.data[..self.body_end() as usize];
        let mut at = usize::try_from(offset).map_err(|_| bad())?;
        let mut next = || -> Result<u8, PackError> {
            let b = *body.get(at).ok_or_else(bad)?;
            at += 1;
            Ok(b)
        };
        let mut c = next()?;
        let code = (c >> 4) & 7;
        let mut size = u64::from(c & 15);
        let mut shift = 4;
        while c & 0x80 != 0 {
            c = next()?;
            if shift > 57 {
                return Err(PackError::ImpossibleSize(offset));
            }
            size |= u64::from(c & 0x7f) << shift;
            shift += 7;
        }
        let kind = match code {
            1 => PackKind::Commit,
            2 => PackKind::Tree,
            3 => PackKind::Blob,
            4 => PackKind::Tag,
            6 => {
                let mut c = next()?;
                let mut back = u64::from(c & 0x7f);
                while c & 0x80 != 0 {
                    c = next()?;
                    back = back
                        .checked_add(1)
                        .and_then(|b| b.checked_mul(128))
                        .ok_or_else(bad)?
                        | u64::from(c & 0x7f);
                }
                if back == 0 || back > offset {
                    return Err(bad());
                }
                PackKind::OfsDelta(offset - back)
            }
            7 => {
                let id = body.get(at..at + self.hash_len).ok_or_else(bad)?;
                at += self.hash_len;
                PackKind::RefDelta(ObjectId::from_bytes_or_panic(id))
            }
            _ => return Err(bad()),
        };
        Ok(EntryHeader {
            kind,
            size,
            data_offset: at as u64,
        })
    }

    /// Inflate the entry whose header is `header`, into `out` (cleared).
    /// `end` bounds the compressed stream (the next entry's offset).
    pub fn inflate(
        &self,
        header: &EntryHeader,
        end: u64,
        out: &mut Vec<u8>,
    ) -> Result<(), PackError> {
        let start = header.data_offset as usize;
        let end = (end.min(self.body_end()) as usize).max(start);
        inflate_exact(&self.data[start..end], header.size, out)
            .map_err(|_| PackError::BadZlib(header.data_offset))
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes(b[..4].try_into().expect("four bytes"))
}

thread_local! {
    static INFLATER: RefCell<libdeflater::Decompressor> = RefCell::new(libdeflater::Decompressor::new());
}

/// Inflate a zlib stream that must produce exactly `size` bytes.
pub fn inflate_exact(input: &[u8], size: u64, out: &mut Vec<u8>) -> Result<(), PackError> {
    let size = usize::try_from(size).map_err(|_| PackError::TooLarge)?;
    out.clear();
    // A corrupt header must not make us allocate without bound: a zlib
    // stream expands at most about 1032:1.
    if size > input.len().saturating_mul(1100).saturating_add(64) {
        return Err(PackError::Zlib);
    }
    // The whole stream is at hand and its size is known: one call into
    // libdeflate, with no room for more (a longer stream is an error).
    out.resize(size, 0);
    INFLATER.with(|d| match d.borrow_mut().zlib_decompress(input, out) {
        Ok(n) if n == size => Ok(()),
        _ => {
            out.clear();
            Err(PackError::Zlib)
        }
    })
}

/// The result size a delta declares, without applying it.
pub fn delta_result_size(delta: &[u8]) -> Result<u64, PackError> {
    let mut at = 0;
    varint(delta, &mut at)?;
    varint(delta, &mut at)
}

/// Apply a git delta to `base`, into `out` (cleared).
pub fn apply_delta(base: &[u8], delta: &[u8], out: &mut Vec<u8>) -> Result<(), PackError> {
    let mut at = 0;
    let base_size = varint(delta, &mut at)?;
    if base_size != base.len() as u64 {
        return Err(PackError::BadDelta);
    }
    let size = usize::try_from(varint(delta, &mut at)?).map_err(|_| PackError::TooLarge)?;
    // Each instruction byte adds at most 64 KiB (copy) or 127 bytes (insert).
    if size > (delta.len() - at).saturating_mul(0x10000) {
        return Err(PackError::BadDelta);
    }
    out.clear();
    out.reserve_exact(size);
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut offset = 0usize;
            let mut len = 0usize;
            for bit in 0..4 {
                if op & (1 << bit) != 0 {
                    offset |= usize::from(*delta.get(at).ok_or(PackError::BadDelta)?) << (8 * bit);
                    at += 1;
                }
            }
            for bit in 0..3 {
                if op & (0x10 << bit) != 0 {
                    len |= usize::from(*delta.get(at).ok_or(PackError::BadDelta)?) << (8 * bit);
                    at += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            let chunk = offset
                .checked_add(len)
                .and_then(|end| base.get(offset..end))
                .ok_or(PackError::BadDelta)?;
            if out.len() + chunk.len() > size {
                return Err(PackError::BadDelta);
            }
            out.extend_from_slice(chunk);
        } else if op != 0 {
            let chunk = delta
                .get(at..at + usize::from(op))
                .ok_or(PackError::BadDelta)?;
            if out.len() + chunk.len() > size {
                return Err(PackError::BadDelta);
            }
            out.extend_from_slice(chunk);
            at += usize::from(op);
        } else {
            return Err(PackError::BadDelta);
        }
    }
    if out.len() != size {
        return Err(PackError::BadDelta);
    }
    Ok(())
}

fn varint(data: &[u8], at: &mut usize) -> Result<u64, PackError> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let b = *data.get(*at).ok_or(PackError::BadDelta)?;
        *at += 1;
        if shift > 63 {
            return Err(PackError::BadDelta);
        }
        value |= u64::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fuzzing::push_varint as encode_varint;

    #[test]
    fn delta_copies_and_inserts() {
        let base = b"hello, world";
        let mut delta = Vec::new();
        encode_varint(base.len() as u64, &mut delta);
        encode_varint(13, &mut delta);
        // copy offset 0, length 7: "hello, "
        delta.extend([0x80 | 0x10, 7]);
        // insert "there!"
        delta.push(6);
        delta.extend(b"there!");
        let mut out = Vec::new();
        apply_delta(base, &delta, &mut out).unwrap();
        assert_eq!(out, b"hello, there!");
        assert_eq!(delta_result_size(&delta).unwrap(), 13);
    }

    #[test]
    fn corrupt_deltas_are_errors() {
        let base = b"abc";
        let mut out = Vec::new();
        // Wrong base size.
        assert!(apply_delta(base, &[4, 1, 1, b'x'], &mut out).is_err());
        // Copy past the end of the base.
        assert!(apply_delta(base, &[3, 5, 0x80 | 0x10, 5], &mut out).is_err());
        // Result longer than declared.
        assert!(apply_delta(base, &[3, 1, 2, b'x', b'y'], &mut out).is_err());
        // Reserved opcode and truncation.
        assert!(apply_delta(base, &[3, 1, 0], &mut out).is_err());
        assert!(apply_delta(base, &[3], &mut out).is_err());
        assert!(apply_delta(base, &[3, 2, 5, b'x'], &mut out).is_err());
    }

    #[test]
    fn inflate_checks_the_declared_size() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(b"some object data").unwrap();
        let stream = z.finish().unwrap();
        let mut out = Vec::new();
        inflate_exact(&stream, 16, &mut out).unwrap();
        assert_eq!(out, b"some object data");
        assert!(inflate_exact(&stream, 15, &mut out).is_err());
        assert!(inflate_exact(&stream, 17, &mut out).is_err());
        assert!(inflate_exact(&stream[..stream.len() / 2], 16, &mut out).is_err());
        assert!(inflate_exact(b"not zlib", 4, &mut out).is_err());
    }
}
