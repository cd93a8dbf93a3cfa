//! Scanning the blobs the walk found. Packed blobs are resolved in bulk
//! along their packs' delta forests and scanned on the thread that resolved
//! them, while their content is still in cache. What the packs cannot give
//! (loose objects, corrupt entries, missing objects) is read through
//! gitoxide with one handle per batch, which also words the warning for
//! anything unreadable.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use super::trees::{BlobRef, WalkResult};

use crate::engine::Scratch;
use crate::finding::Finding;
use crate::git::odb::Header;
use crate::git::packs::{Kind, Resolved};
use crate::git::Odb;
use crate::scan::{decode, scan_file};
use crate::source::archive::{self, ArchiveScan, Limits};
use crate::source::{Counters, ScanContext};

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// What scanning the blobs produced.
pub struct BlobScan {
    /// The findings of each blob that has any, by index into the records.
    pub findings: Vec<(usize, Vec<Finding>)>,
    pub warnings: Vec<String>,
    /// Blobs absent from the object database (not corrupt: missing), when
    /// the scanner was told to count them instead of naming each.
    pub absent: usize,
}

/// What could not be read, gathered across threads.
#[derive(Default)]
struct Unread {
    warnings: Mutex<Vec<String>>,
    /// Blobs missing from a partial clone (counted, not named).
    absent: AtomicUsize,
}

/// The shared state of one blob scan.
pub struct BlobScanner<'a> {
    pub cx: &'a ScanContext<'a>,
    pub counters: &'a Counters,
    /// Blobs scanned so far, for the progress line.
    pub scanned: &'a AtomicUsize,
    /// A partial clone: blobs absent locally are expected (the promisor
    /// remote has them), counted rather than named one by one.
    pub partial_clone: bool,
}

impl BlobScanner<'_> {
    /// Scan every blob of `records`.
    pub fn scan(&self, objects: &Odb, pool: &rayon::ThreadPool, records: &WalkResult) -> BlobScan {
        let store = &objects.store;
        const NO_JOB: u32 = u32::MAX;
        let mut job_of = vec![NO_JOB; store.len()];
        let mut elsewhere = Vec::new();
        for (i, r) in records.blobs.iter().enumerate() {
            match r.blob() {
                BlobRef::Packed(pos) => job_of[pos as usize] = i as u32,
                BlobRef::External(_) => elsewhere.push(i),
            }
        }
        let found = Mutex::new(Vec::new());
        let unread = Unread::default();
        let failed = store.resolve_all(
            pool,
            Kind::Blob,
            |pos| job_of[pos as usize] != NO_JOB,
            self.cx.max_filesize,
            |pos, blob| {
                let job = job_of[pos as usize] as usize;
                let hits = match blob {
                    Resolved::Data(data) => self.scan_content(&records.path(job), data, &unread),
                    Resolved::Large(_) => {
                        self.counters.large.fetch_add(1, Ordering::Relaxed);
                        None
                    }
                };
                self.scanned.fetch_add(1, Ordering::Relaxed);
                if let Some(f) = hits {
                    found.lock().expect("lock").push((job, f));
                }
            },
        );
        elsewhere.extend(failed.into_iter().map(|pos| job_of[pos as usize] as usize));
        pool.install(|| {
            elsewhere.par_chunks(256).for_each(|chunk| {
                let mut local = Vec::new();
                self.scan_fallback(objects, records, chunk, &mut local, &unread);
                found.lock().expect("lock").extend(local);
            })
        });
        let mut findings = found.into_inner().expect("lock");
        findings.sort_by_key(|(job, _)| *job);
        BlobScan {
            findings,
            warnings: unread.warnings.into_inner().expect("lock"),
            absent: unread.absent.into_inner(),
        }
    }

    /// Read `jobs` through gitoxide (one handle per batch) and scan them.
    fn scan_fallback(
        &self,
        objects: &Odb,
        records: &WalkResult,
        jobs: &[usize],
        found: &mut Vec<(usize, Vec<Finding>)>,
        unread: &Unread,
    ) {
        let warn = |m: String| unread.warnings.lock().expect("lock").push(m);
        let handle = objects.handle();
        let mut buf = Vec::new();
        for &job in jobs {
            let path = records.path(job);
            let id = records.oid(job, &objects.store);
            self.scanned.fetch_add(1, Ordering::Relaxed);
            // A partial clone leaves blobs out on purpose: counted, not named.
            if self.partial_clone && matches!(objects.header_with(&handle, id), Ok(Header::Missing))
            {
                self.counters.errors.fetch_add(1, Ordering::Relaxed);
                unread.absent.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            match objects.read_with(&handle, id, self.cx.max_filesize, &mut buf) {
                Ok(Some(_)) => {
                    if let Some(f) = self.scan_content(&path, &buf, unread) {
                        found.push((job, f));
                    }
                }
                Ok(None) => {
                    self.counters.large.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    self.counters.errors.fetch_add(1, Ordering::Relaxed);
                    warn(format!("blob {id} ({path}): {e}"));
                }
            }
        }
    }

    /// Scan one blob's content; `None` when it has no findings or is binary.
    /// An archive is opened and its entries scanned; what it holds was
    /// committed with it, so path rules apply to its entries.
    fn scan_content(&self, path: &str, data: &[u8], unread: &Unread) -> Option<Vec<Finding>> {
        if archive::format_of(path).is_some() {
            let archives = ArchiveScan {
                matcher: &self.cx.matcher,
                settings: &self.cx.settings,
                limits: Limits::new(self.cx.max_filesize),
                committed: true,
                counters: self.counters,
            };
            let warn = |m: String| unread.warnings.lock().expect("lock").push(m);
            let found = SCRATCH.with(|s| archives.scan(path, data, &mut s.borrow_mut(), &warn));
            return (!found.is_empty()).then_some(found);
        }
        let Some(text) = decode(data) else {
            self.counters.binary.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        self.counters.files.fetch_add(1, Ordering::Relaxed);
        self.counters
            .bytes
            .fetch_add(text.len() as u64, Ordering::Relaxed);
        // Path rules are judged per path, not per blob.
        let found = SCRATCH.with(|s| {
            scan_file(
                &self.cx.matcher,
                path,
                &text,
                &mut s.borrow_mut(),
                &self.cx.settings,
                false,
            )
        });
        (!found.is_empty()).then_some(found)
    }
}
