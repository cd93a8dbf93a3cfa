//! One-pass keyword search for the prefilter: a Teddy searcher (SIMD nibble
//! tables, after Geoff Langdale's design in Hyperscan) fitted to skyscan's
//! keyword sets.
//!
//! Why hand-written: `aho-corasick`'s packed Teddy takes at most 64
//! literals, all matched with their case, fingerprints every literal by its
//! first bytes and reports leftmost-first hits. A C file's keywords (about 90
//! literals of 3 to 28 bytes, a sixth of them matched ignoring ASCII case)
//! took it six passes over the file plus a lower-cased copy of it. Here:
//!
//! - a literal is fingerprinted by a window of up to [`WIDTH`] of its bytes,
//!   anywhere in it, chosen so that literals share fingerprints (a dozen TLS
//!   keywords, `SSL_VERIFY` to `sslverify`, are all found through `erif`
//!   ignoring case) and common ones are avoided;
//! - a fingerprint matched ignoring case puts both cases of its letters in
//!   the nibble tables, so no lower-cased copy is made;
//! - fingerprints are sorted into 16 buckets by a model of how common bytes
//!   and 4-grams are in source code (`ngrams.bin`, see
//!   `scripts/ngram-model.py`), short ones apart from the others;
//! - every occurrence of every literal is reported, in one pass.
//!
//! How it works: for each byte of a fingerprint, the byte's low and high
//! nibbles set its bucket's bit in two 16-entry tables of that position.
//! Over 32 input positions at once (64 with AVX-512BW), the bytes at offset
//! `i` look up the tables of position `i` (`pshufb`) and the results of all
//! positions are ANDed: a position left with a bucket bit may start a
//! fingerprint. Those positions are gathered with the kinds of fingerprint
//! (length, case) their buckets hold, then looked up as those kinds in a
//! hash table of the fingerprints, and the literals of a fingerprint found
//! there are compared. The SIMD loop needs AVX2; elsewhere [`Teddy::new`]
//! gives `None` and the engine searches with `aho-corasick`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::OnceLock;

/// Bytes in a fingerprint, at most.
pub const WIDTH: usize = 4;
/// Each accumulator holds the bits of eight buckets.
const ACCUMULATORS: usize = 2;
const BUCKETS: usize = 8 * ACCUMULATORS;
/// What a fingerprint costs beyond its own rate (the room it takes in a
/// bucket's tables), in the greedy choice of fingerprints: high enough that
/// a fingerprint shared by several literals is preferred.
const PRINT_COST: f64 = 2e-4;

/// Whether this CPU can run the searcher.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// How common bytes and 4-grams are in source code.
struct Model {
    byte: [f64; 256],
    /// The most common 4-grams and their frequencies, sorted by their first
    /// two bytes, and where those of each first two bytes start.
    grams: Vec<([u8; 4], f64)>,
    starts: Vec<u32>,
}

impl Model {
    fn get() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::parse(include_bytes!("ngrams.bin")))
    }

    /// `ngrams.bin`: 256 little-endian u32 byte frequencies, then (4-gram,
    /// u32 frequency) pairs, all per 2^32.
    fn parse(raw: &[u8]) -> Model {
        let scale = 2f64.powi(32);
        let freq = |b: &[u8]| f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])) / scale;
        let (head, rest) = raw.split_at(1024.min(raw.len()));
        let mut byte = [0.0; 256];
        for (f, c) in byte.iter_mut().zip(head.chunks_exact(4)) {
            *f = freq(c);
        }
        let mut grams: Vec<([u8; 4], f64)> = rest
            .chunks_exact(8)
            .map(|c| ([c[0], c[1], c[2], c[3]], freq(&c[4..])))
            .collect();
        grams.sort_by_key(|(g, _)| (g[0], g[1]));
        let mut starts = vec![0u32; 1 << 16 | 1];
        for (g, _) in &grams {
            starts[pair(g[0], g[1]) + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        Model {
            byte,
            grams,
            starts,
        }
    }

    /// The common 4-grams that start with the two bytes of `pair`.
    fn starting(&self, pair: usize) -> &[([u8; 4], f64)] {
        &self.grams[self.starts[pair] as usize..self.starts[pair + 1] as usize]
    }

    /// The frequency of the common 4-grams that begin with `head` (three or
    /// four bytes); 0 when none is common.
    fn frequency(&self, head: &[u8]) -> f64 {
        self.starting(pair(head[0], head[1]))
            .iter()
            .filter(|(g, _)| g.starts_with(head))
            .map(|(_, f)| f)
            .sum()
    }
}

/// The index of two first bytes in [`Model::starts`].
fn pair(a: u8, b: u8) -> usize {
    usize::from(a) << 8 | usize::from(b)
}

/// A fingerprint: up to [`WIDTH`] bytes, lower case when `fold`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
struct Print {
    bytes: Vec<u8>,
    fold: bool,
}

impl Print {
    /// Whether every text that `lit` matches holds this fingerprint at `at`
    /// (`lit` is lower case when it is matched ignoring case).
    fn covers(&self, lit: &[u8], lit_fold: bool, at: usize) -> bool {
        let Some(w) = lit.get(at..at + self.bytes.len()) else {
            return false;
        };
        if self.fold {
            w.eq_ignore_ascii_case(&self.bytes)
        } else {
            w == self.bytes.as_slice() && !(lit_fold && w.iter().any(u8::is_ascii_alphabetic))
        }
    }

    /// The hash-table key of the fingerprint.
    fn key(&self) -> u64 {
        let mut word = [0u8; 4];
        word[..self.bytes.len()].copy_from_slice(&self.bytes);
        key(u32::from_le_bytes(word), self.bytes.len(), self.fold)
    }

    /// The byte values position `i` accepts (both cases when `fold`).
    fn variants(&self, i: usize) -> impl Iterator<Item = u8> + '_ {
        let b = self.bytes[i];
        let other = (self.fold && b.is_ascii_alphabetic()).then_some(b ^ 0x20);
        std::iter::once(b).chain(other)
    }

    /// How often the fingerprint occurs per position of source code.
    fn rate(&self, model: &Model) -> f64 {
        let bytes: f64 = (0..self.bytes.len())
            .map(|i| {
                self.variants(i)
                    .map(|b| model.byte[usize::from(b)])
                    .sum::<f64>()
            })
            .product();
        // The common 4-grams (or 3-gram prefixes) it matches.
        let mut grams = 0.0;
        if self.bytes.len() >= 3 {
            let mut spelled: Vec<Vec<u8>> = vec![Vec::new()];
            for i in 0..self.bytes.len() {
                spelled = spelled
                    .iter()
                    .flat_map(|s| {
                        self.variants(i).map(move |b| {
                            let mut s = s.clone();
                            s.push(b);
                            s
                        })
                    })
                    .collect();
            }
            grams = spelled.iter().map(|s| model.frequency(s)).sum();
        }
        grams + bytes
    }
}

/// The hash-table key of a fingerprint: its bytes (little-endian, lower
/// case when `fold`), its length and whether it ignores case. Never 0.
#[inline]
fn key(word: u32, len: usize, fold: bool) -> u64 {
    u64::from(word) | (len as u64) << 33 | u64::from(fold) << 32
}

/// The nibble tables of one bucket while buckets are filled: for each
/// position, the low and the high nibbles its fingerprints' bytes have.
#[derive(Clone, Copy, Default)]
struct Tables {
    lo: [u16; WIDTH],
    hi: [u16; WIDTH],
    used: bool,
}

impl Tables {
    fn add(&mut self, print: &Print) {
        self.used = true;
        for i in 0..WIDTH {
            if i >= print.bytes.len() {
                // Past a short fingerprint's end any byte may follow.
                self.lo[i] = u16::MAX;
                self.hi[i] = u16::MAX;
                continue;
            }
            for b in print.variants(i) {
                self.lo[i] |= 1 << (b & 15);
                self.hi[i] |= 1 << (b >> 4);
            }
        }
    }

    /// The byte values position `i` passes.
    fn passing(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let bits = |set: u16| (0..16).filter(move |n| set >> n & 1 == 1);
        bits(self.hi[i]).flat_map(move |h| bits(self.lo[i]).map(move |l| h << 4 | l))
    }

    /// How often the bucket fires per position of source code: the common
    /// 4-grams its tables pass, plus what the byte frequencies give when
    /// bytes are taken as independent.
    fn rate(&self, model: &Model) -> f64 {
        if !self.used {
            return 0.0;
        }
        let passes =
            |i: usize, x: u8| self.lo[i] >> (x & 15) & 1 == 1 && self.hi[i] >> (x >> 4) & 1 == 1;
        let mut second = [0usize; 256];
        let mut n = 0;
        for x in self.passing(1) {
            second[n] = x;
            n += 1;
        }
        let second = &second[..n];
        let grams: f64 = self
            .passing(0)
            .flat_map(|first| second.iter().map(move |&s| first << 8 | s))
            .flat_map(|pair| model.starting(pair))
            .filter(|(g, _)| (2..WIDTH).all(|i| passes(i, g[i])))
            .map(|(_, f)| f)
            .sum();
        let bytes: f64 = (0..WIDTH)
            .map(|i| self.passing(i).map(|x| model.byte[x]).sum::<f64>())
            .product();
        grams + bytes
    }
}

/// A literal to compare where its fingerprint is found.
#[derive(Debug)]
struct Literal {
    /// Lower case when `fold`.
    bytes: Box<[u8]>,
    fold: bool,
    /// The number it is reported by.
    id: usize,
    /// Where in the literal its fingerprint starts.
    offset: usize,
}

/// A fingerprint for each literal (and where in it), chosen greedily: the
/// candidate covering the most literals for its cost first (a lazy greedy
/// set cover: a candidate's cost per new literal only grows).
fn choose_prints(literals: &[(&[u8], bool)], model: &Model) -> Vec<(Print, usize)> {
    // Every window of every literal, with and without case, and the
    // literals (and places) each covers.
    let mut covers: HashMap<Print, Vec<(usize, usize)>> = HashMap::new();
    for (k, &(bytes, fold)) in literals.iter().enumerate() {
        let w = bytes.len().min(WIDTH);
        for (o, win) in bytes.windows(w).enumerate() {
            let exact = Print {
                bytes: win.to_vec(),
                fold: false,
            };
            let folded = Print {
                bytes: win.to_ascii_lowercase(),
                fold: true,
            };
            for print in [exact, folded] {
                if !print.covers(bytes, fold, o) {
                    continue;
                }
                let at = covers.entry(print).or_default();
                // A literal is covered at the first place only.
                if at.last().is_none_or(|&(last, _)| last != k) {
                    at.push((k, o));
                }
            }
        }
    }
    let mut candidates: Vec<(Print, Vec<(usize, usize)>)> = covers.into_iter().collect();
    candidates.sort_by(|a, b| a.0.cmp(&b.0));
    let cost: Vec<f64> = candidates
        .iter()
        .map(|(p, _)| p.rate(model) + PRINT_COST)
        .collect();
    let mut chosen: Vec<Option<(usize, usize)>> = vec![None; literals.len()];
    let ratio = |c: usize, chosen: &[Option<(usize, usize)>]| {
        let new = candidates[c]
            .1
            .iter()
            .filter(|(k, _)| chosen[*k].is_none())
            .count();
        (new > 0).then(|| cost[c] / new as f64)
    };
    // Costs are positive: their bits order like the numbers.
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> = (0..candidates.len())
        .filter_map(|c| ratio(c, &chosen).map(|r| Reverse((r.to_bits(), c))))
        .collect();
    while let Some(Reverse((bits, c))) = heap.pop() {
        match ratio(c, &chosen) {
            None => {}
            Some(r) if r.to_bits() == bits => {
                for &(k, o) in &candidates[c].1 {
                    if chosen[k].is_none() {
                        chosen[k] = Some((c, o));
                    }
                }
            }
            Some(r) => heap.push(Reverse((r.to_bits(), c))),
        }
    }
    chosen
        .into_iter()
        .map(|c| {
            let (c, o) = c.expect("each literal is covered by its own windows");
            (candidates[c].0.clone(), o)
        })
        .collect()
}

/// The bucket of each fingerprint: greedily, most common first, each where
/// it raises the rate of its bucket least. Short fingerprints (which leave
/// positions of their bucket open) never share a bucket with full ones.
fn assign_buckets(prints: &[Print], model: &Model) -> Vec<usize> {
    let mut order: Vec<usize> = (0..prints.len()).collect();
    let alone: Vec<f64> = prints.iter().map(|p| p.rate(model)).collect();
    order.sort_by(|&a, &b| alone[b].total_cmp(&alone[a]).then(a.cmp(&b)));
    let mut tables = [Tables::default(); BUCKETS];
    let mut rates = [0.0f64; BUCKETS];
    let mut short: [Option<bool>; BUCKETS] = [None; BUCKETS];
    let mut bucket = vec![0; prints.len()];
    for k in order {
        let is_short = prints[k].bytes.len() < WIDTH;
        let fits: Vec<usize> = (0..BUCKETS)
            .filter(|&b| short[b].is_none_or(|s| s == is_short))
            .collect();
        // With more kinds of fingerprint than buckets, any bucket.
        let fits = if fits.is_empty() {
            (0..BUCKETS).collect()
        } else {
            fits
        };
        let best = fits
            .into_iter()
            .map(|b| {
                let mut t = tables[b];
                t.add(&prints[k]);
                let rate = t.rate(model);
                (b, rate - rates[b], rate)
            })
            .min_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)))
            .expect("there are buckets");
        tables[best.0].add(&prints[k]);
        rates[best.0] = best.2;
        short[best.0] = Some(short[best.0].unwrap_or(false) || is_short);
        bucket[k] = best.0;
    }
    bucket
}

/// Per accumulator and fingerprint position, for each nibble value: one bit
/// per bucket of the accumulator.
type NibbleTables = [[[u8; 16]; WIDTH]; ACCUMULATORS];

/// Per accumulator, for each byte of bucket bits: one bit per kind of
/// fingerprint those buckets hold.
type KindsOf = [[u8; 256]; ACCUMULATORS];

/// The low- and high-nibble tables of the fingerprints, each in its bucket.
fn nibble_tables(prints: &[(Print, usize)]) -> (NibbleTables, NibbleTables) {
    let mut lo = [[[0u8; 16]; WIDTH]; ACCUMULATORS];
    let mut hi = [[[0u8; 16]; WIDTH]; ACCUMULATORS];
    for &(ref print, b) in prints {
        let mut t = Tables::default();
        t.add(print);
        for i in 0..WIDTH {
            for n in 0..16 {
                if t.lo[i] >> n & 1 == 1 {
                    lo[b / 8][i][n] |= 1 << (b % 8);
                }
                if t.hi[i] >> n & 1 == 1 {
                    hi[b / 8][i][n] |= 1 << (b % 8);
                }
            }
        }
    }
    (lo, hi)
}

/// The open-addressed table of `n_prints` distinct fingerprints: for each
/// slot its fingerprint's key (0: empty) and the literals it fingerprints
/// (literal `k` fingerprinted by `prints[k]`).
fn fingerprint_table(
    literals: &[(&[u8], bool)],
    prints: &[(Print, usize)],
    n_prints: usize,
) -> (Vec<u64>, Vec<Vec<Literal>>) {
    let size = (n_prints * 4).next_power_of_two();
    let mut slots = vec![0u64; size];
    let mut table: Vec<Vec<Literal>> = (0..size).map(|_| Vec::new()).collect();
    for (id, (print, offset)) in prints.iter().enumerate() {
        let key = print.key();
        let mut s = slot(key, size);
        while slots[s] != 0 && slots[s] != key {
            s = (s + 1) & (size - 1);
        }
        slots[s] = key;
        table[s].push(Literal {
            bytes: literals[id].0.into(),
            fold: literals[id].1,
            id,
            offset: *offset,
        });
    }
    (slots, table)
}

/// The kinds (length, ignore case) of the fingerprints, and per accumulator,
/// for each byte of bucket bits, the kinds those buckets hold (one bit per
/// kind).
fn kind_tables(prints: &[(Print, usize)]) -> (Vec<(usize, bool)>, KindsOf) {
    let mut kinds: Vec<(usize, bool)> = prints
        .iter()
        .map(|(p, _)| (p.bytes.len(), p.fold))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let kind_bit = |p: &Print| {
        let k = kinds
            .iter()
            .position(|&k| k == (p.bytes.len(), p.fold))
            .expect("every fingerprint's kind is listed");
        1u8 << k
    };
    let mut bucket_kinds = [0u8; BUCKETS];
    for (p, b) in prints {
        bucket_kinds[*b] |= kind_bit(p);
    }
    let kinds_of = std::array::from_fn(|a| {
        std::array::from_fn(|bits: usize| {
            (0..8)
                .filter(|b| bits >> b & 1 == 1)
                .fold(0, |m, b| m | bucket_kinds[a * 8 + b])
        })
    });
    (kinds, kinds_of)
}

#[derive(Debug)]
pub struct Teddy {
    /// Per accumulator and position: for each low nibble, the buckets
    /// (one bit each) with a fingerprint whose byte there has that nibble.
    lo: NibbleTables,
    /// The same for high nibbles.
    hi: NibbleTables,
    /// Open-addressed table of fingerprint keys (0: empty), and for each
    /// slot the literals fingerprinted by its key.
    slots: Vec<u64>,
    literals: Vec<Vec<Literal>>,
    /// The (length, ignore case) of the fingerprints in the table.
    kinds: Vec<(usize, bool)>,
    /// Per accumulator, for each byte of bucket bits: the kinds (bits of
    /// `kinds`) of fingerprint those buckets hold, so that a candidate is
    /// looked up only as what may have started there.
    kinds_of: KindsOf,
    /// Whether the CPU has AVX-512BW: 64 positions at a time instead of 32.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    wide: bool,
}

impl Teddy {
    /// A searcher for `literals` (bytes, and whether ASCII case is ignored,
    /// in which case the bytes are in lower case), literal `k` reported as
    /// number `k`; `None` without AVX2, or when there is no literal or an
    /// empty one. Planning takes about a millisecond for a hundred literals.
    pub fn new(literals: &[(&[u8], bool)]) -> Option<Teddy> {
        if !available() || literals.is_empty() || literals.iter().any(|(l, _)| l.is_empty()) {
            return None;
        }
        let model = Model::get();
        let prints = choose_prints(literals, model);
        let mut distinct: Vec<Print> = prints.iter().map(|(p, _)| p.clone()).collect();
        distinct.sort();
        distinct.dedup();
        let buckets = assign_buckets(&distinct, model);
        let distinct: Vec<(Print, usize)> = distinct.into_iter().zip(buckets).collect();
        let (lo, hi) = nibble_tables(&distinct);
        let (slots, table) = fingerprint_table(literals, &prints, distinct.len());
        let (kinds, kinds_of) = kind_tables(&distinct);
        #[cfg(target_arch = "x86_64")]
        let wide = std::is_x86_feature_detected!("avx512bw");
        #[cfg(not(target_arch = "x86_64"))]
        let wide = false;
        Some(Teddy {
            lo,
            hi,
            slots,
            literals: table,
            kinds,
            kinds_of,
            wide,
        })
    }

    /// Call `f(literal, start, end)` for every occurrence of every literal
    /// in `data` (not in order of position: a literal fingerprinted further
    /// in is reported later).
    pub fn find(&self, data: &[u8], f: &mut dyn FnMut(usize, usize, usize)) {
        #[cfg(target_arch = "x86_64")]
        let done = if self.wide {
            // SAFETY: `wide` says the CPU has AVX-512BW.
            unsafe { self.find_avx512(data, f) }
        } else {
            // SAFETY: a Teddy is only built where the CPU has AVX2.
            unsafe { self.find_avx2(data, f) }
        };
        #[cfg(not(target_arch = "x86_64"))]
        let done = 0;
        for q in done..data.len() {
            let kinds = self.fires_at(data, q);
            if kinds != 0 {
                self.verify(data, q, kinds, f);
            }
        }
    }

    /// The kinds of fingerprint whose buckets pass at `q` (bytes past the
    /// end of `data` pass: the comparison rejects what does not fit).
    fn fires_at(&self, data: &[u8], q: usize) -> u8 {
        (0..ACCUMULATORS).fold(0, |kinds, a| {
            let mut bits = u8::MAX;
            for (i, &b) in data[q..].iter().take(WIDTH).enumerate() {
                bits &= self.lo[a][i][usize::from(b & 15)] & self.hi[a][i][usize::from(b >> 4)];
            }
            kinds | self.kinds_of[a][usize::from(bits)]
        })
    }

    /// Look the bytes at `q` up among the fingerprints and compare the
    /// literals of those found.
    #[inline]
    fn verify(&self, data: &[u8], q: usize, kinds: u8, f: &mut dyn FnMut(usize, usize, usize)) {
        let avail = (data.len() - q).min(4);
        let word = match data.get(q..q + 4) {
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
            _ => {
                let mut word = [0u8; 4];
                word[..avail].copy_from_slice(&data[q..q + avail]);
                u32::from_le_bytes(word)
            }
        };
        let lower = ascii_lower(word);
        let size = self.slots.len();
        let mut rest = kinds;
        while rest != 0 {
            let k = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            let (len, fold) = self.kinds[k];
            if len > avail {
                continue;
            }
            let w = if fold { lower } else { word };
            let w = if len == 4 {
                w
            } else {
                w & ((1 << (8 * len)) - 1)
            };
            let key = key(w, len, fold);
            let mut s = slot(key, size);
            while self.slots[s] != 0 {
                if self.slots[s] == key {
                    compare(data, q, &self.literals[s], f);
                    break;
                }
                s = (s + 1) & (size - 1);
            }
        }
    }

    /// The SIMD loop over 32 positions at a time; returns the first
    /// position it did not look at.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn find_avx2(&self, data: &[u8], f: &mut dyn FnMut(usize, usize, usize)) -> usize {
        use std::arch::x86_64::*;
        // Positions p..p + 32 read bytes up to p + 32 + WIDTH - 1.
        let span = 32 + WIDTH - 1;
        if data.len() < span {
            return 0;
        }
        let last = data.len() - span;
        let table = |t: &[u8; 16]| {
            // SAFETY: 16 bytes are read from a 16-byte array.
            unsafe { _mm256_broadcastsi128_si256(_mm_loadu_si128(t.as_ptr().cast())) }
        };
        let lo: [[__m256i; WIDTH]; ACCUMULATORS] =
            std::array::from_fn(|a| std::array::from_fn(|i| table(&self.lo[a][i])));
        let hi: [[__m256i; WIDTH]; ACCUMULATORS] =
            std::array::from_fn(|a| std::array::from_fn(|i| table(&self.hi[a][i])));
        let nibble = _mm256_set1_epi8(0x0F);
        let ptr = data.as_ptr();
        // Candidates are gathered and verified in batches, out of the loop.
        const BATCH: usize = 256;
        let mut found = [(0usize, 0u8); BATCH];
        let mut n = 0;
        let mut p = 0;
        while p <= last {
            let mut acc = [_mm256_set1_epi8(-1); ACCUMULATORS];
            for i in 0..WIDTH {
                // SAFETY: p + i + 32 <= last + span = data.len().
                let v = unsafe { _mm256_loadu_si256(ptr.add(p + i).cast()) };
                let l = _mm256_and_si256(v, nibble);
                let h = _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble);
                for a in 0..ACCUMULATORS {
                    let r = _mm256_and_si256(
                        _mm256_shuffle_epi8(lo[a][i], l),
                        _mm256_shuffle_epi8(hi[a][i], h),
                    );
                    acc[a] = _mm256_and_si256(acc[a], r);
                }
            }
            let mut any = acc[0];
            for a in &acc[1..] {
                any = _mm256_or_si256(any, *a);
            }
            let none = _mm256_movemask_epi8(_mm256_cmpeq_epi8(any, _mm256_setzero_si256()));
            let mut bits = !(none as u32);
            if bits != 0 {
                let mut fired = [[0u8; 32]; ACCUMULATORS];
                for (out, acc) in fired.iter_mut().zip(&acc) {
                    // SAFETY: 32 bytes are written to a 32-byte array.
                    unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), *acc) };
                }
                while bits != 0 {
                    let j = bits.trailing_zeros() as usize;
                    found[n] = (p + j, self.kinds_at(&fired, j));
                    n += 1;
                    bits &= bits - 1;
                }
            }
            if n > BATCH - 32 {
                self.verify_all(data, &found[..n], f);
                n = 0;
            }
            p += 32;
        }
        self.verify_all(data, &found[..n], f);
        p
    }

    /// [`Teddy::find_avx2`] over 64 positions at a time.
    ///
    /// # Safety
    /// The CPU must have AVX-512BW.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512bw")]
    unsafe fn find_avx512(&self, data: &[u8], f: &mut dyn FnMut(usize, usize, usize)) -> usize {
        use std::arch::x86_64::*;
        let span = 64 + WIDTH - 1;
        if data.len() < span {
            return 0;
        }
        let last = data.len() - span;
        let table = |t: &[u8; 16]| {
            // SAFETY: 16 bytes are read from a 16-byte array.
            unsafe { _mm512_broadcast_i32x4(_mm_loadu_si128(t.as_ptr().cast())) }
        };
        let lo: [[__m512i; WIDTH]; ACCUMULATORS] =
            std::array::from_fn(|a| std::array::from_fn(|i| table(&self.lo[a][i])));
        let hi: [[__m512i; WIDTH]; ACCUMULATORS] =
            std::array::from_fn(|a| std::array::from_fn(|i| table(&self.hi[a][i])));
        let nibble = _mm512_set1_epi8(0x0F);
        let ptr = data.as_ptr();
        const BATCH: usize = 512;
        let mut found = [(0usize, 0u8); BATCH];
        let mut n = 0;
        let mut p = 0;
        while p <= last {
            let mut acc = [_mm512_set1_epi8(-1); ACCUMULATORS];
            for i in 0..WIDTH {
                // SAFETY: p + i + 64 <= last + span = data.len().
                let v = unsafe { _mm512_loadu_si512(ptr.add(p + i).cast()) };
                let l = _mm512_and_si512(v, nibble);
                let h = _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble);
                for a in 0..ACCUMULATORS {
                    let r = _mm512_and_si512(
                        _mm512_shuffle_epi8(lo[a][i], l),
                        _mm512_shuffle_epi8(hi[a][i], h),
                    );
                    acc[a] = _mm512_and_si512(acc[a], r);
                }
            }
            let mut any = acc[0];
            for a in &acc[1..] {
                any = _mm512_or_si512(any, *a);
            }
            let mut bits: u64 = _mm512_test_epi8_mask(any, any);
            if bits != 0 {
                let mut fired = [[0u8; 64]; ACCUMULATORS];
                for (out, acc) in fired.iter_mut().zip(&acc) {
                    // SAFETY: 64 bytes are written to a 64-byte array.
                    unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), *acc) };
                }
                while bits != 0 {
                    let j = bits.trailing_zeros() as usize;
                    found[n] = (p + j, self.kinds_at(&fired, j));
                    n += 1;
                    bits &= bits - 1;
                }
            }
            if n > BATCH - 64 {
                self.verify_all(data, &found[..n], f);
                n = 0;
            }
            p += 64;
        }
        self.verify_all(data, &found[..n], f);
        p
    }

    /// The kinds of fingerprint of the buckets that fired at lane `j`.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn kinds_at<const N: usize>(&self, fired: &[[u8; N]; ACCUMULATORS], j: usize) -> u8 {
        (0..ACCUMULATORS).fold(0, |k, a| k | self.kinds_of[a][usize::from(fired[a][j])])
    }

    /// [`Teddy::verify`] at each of `candidates` (position, kinds).
    #[cfg(target_arch = "x86_64")]
    fn verify_all(
        &self,
        data: &[u8],
        candidates: &[(usize, u8)],
        f: &mut dyn FnMut(usize, usize, usize),
    ) {
        for &(q, kinds) in candidates {
            self.verify(data, q, kinds, f);
        }
    }
}

/// Report the literals of `lits` whose fingerprint, found at `q`, is part
/// of a whole occurrence.
fn compare(data: &[u8], q: usize, lits: &[Literal], f: &mut dyn FnMut(usize, usize, usize)) {
    for lit in lits {
        let Some(start) = q.checked_sub(lit.offset) else {
            continue;
        };
        let end = start + lit.bytes.len();
        let Some(text) = data.get(start..end) else {
            continue;
        };
        // The first byte alone turns most candidates away, without a call.
        let same = if lit.fold {
            text[0].eq_ignore_ascii_case(&lit.bytes[0]) && text.eq_ignore_ascii_case(&lit.bytes)
        } else {
            text[0] == lit.bytes[0] && *text == *lit.bytes
        };
        if same {
            f(lit.id, start, end);
        }
    }
}

/// `word` with its ASCII capitals made small, four bytes at once.
#[inline]
fn ascii_lower(word: u32) -> u32 {
    const ONES: u32 = 0x0101_0101;
    let low7 = word & (0x7F * ONES);
    // In each byte's top bit: at least `A`; above `Z`.
    let from_a = low7.wrapping_add((0x80 - u32::from(b'A')) * ONES);
    let past_z = low7.wrapping_add((0x7F - u32::from(b'Z')) * ONES);
    let capital = from_a & !past_z & !word & (0x80 * ONES);
    word | capital >> 2
}

#[inline]
fn slot(key: u64, size: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & (size - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every occurrence of every literal, by brute force.
    fn brute(literals: &[(&[u8], bool)], data: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for q in 0..data.len() {
            for (k, &(lit, fold)) in literals.iter().enumerate() {
                if let Some(s) = data.get(q..q + lit.len()) {
                    if (fold && s.eq_ignore_ascii_case(lit)) || (!fold && s == lit) {
                        out.push((q, k, q + lit.len()));
                    }
                }
            }
        }
        out
    }

    fn found(t: &Teddy, data: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        t.find(data, &mut |k, s, e| out.push((s, k, e)));
        out.sort_unstable();
        out
    }

    /// A small deterministic generator (xorshift), seeded per case.
    fn bytes(seed: u64, len: usize, alphabet: &[u8]) -> Vec<u8> {
        let mut x = seed.max(1);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                alphabet[(x % alphabet.len() as u64) as usize]
            })
            .collect()
    }

    #[test]
    fn finds_every_occurrence_that_brute_force_finds() {
        if !available() {
            eprintln!("no AVX2 here: the engine uses aho-corasick");
            return;
        }
        let literals: Vec<(&[u8], bool)> = vec![
            (b"sk-", false),
            (b"ghp_", false),
            (b"gho_", false),
            (b"SSL_VERIFY", false),
            (b"verify_none", false),
            (b"sslverify", true),
            (b"skytells", true),
            (b"a", false),
            (b"ab", true),
            (b"sk-proj-", false),
            (b"_-_", false),
        ];
        let t = Teddy::new(&literals).expect("AVX2 is here");
        // The AVX2 loop too, where the CPU would take the AVX-512 one.
        let mut narrow = Teddy::new(&literals).expect("AVX2 is here");
        narrow.wide = false;
        let alphabet = b"sSkK-_ghpoaAbBvVeErRiIfFyYlLtTnN_ 0\n";
        for seed in 1..300u64 {
            let len = (seed as usize * 7) % 400;
            let mut data = bytes(seed, len, alphabet);
            // Plant whole literals at the edges and across 32-byte blocks.
            for (i, (lit, _)) in literals.iter().enumerate() {
                let at = (seed as usize * 31 + i * 17) % (data.len() + 1);
                data.splice(at..at, lit.iter().copied());
            }
            data.extend_from_slice(b"SkyTells");
            let want = brute(&literals, &data);
            assert_eq!(found(&t, &data), want, "seed {seed}");
            assert_eq!(found(&narrow, &data), want, "seed {seed}, AVX2");
        }
    }

    #[test]
    fn literals_share_fingerprints_and_case_is_folded_in_the_tables() {
        if !available() {
            return;
        }
        let literals: Vec<(&[u8], bool)> = vec![
            (b"SSL_VERIFY", false),
            (b"set_verify", false),
            (b"sslverify", true),
        ];
        let t = Teddy::new(&literals).expect("AVX2 is here");
        let keys = t.slots.iter().filter(|&&k| k != 0).count();
        assert_eq!(keys, 1, "one fingerprint for the three: {t:?}");
        let text = b"x = SslVerify; SSL_VERIFY; ssl_verify; set_verify";
        let ids: Vec<usize> = found(&t, text).iter().map(|&(_, k, _)| k).collect();
        assert_eq!(ids, vec![2, 0, 1]);
    }

    #[test]
    fn the_model_is_whole() {
        let raw = include_bytes!("ngrams.bin");
        assert_eq!((raw.len() - 1024) % 8, 0);
        let m = Model::get();
        assert!(m.grams.len() > 1000);
        assert_eq!(m.starts[1 << 16] as usize, m.grams.len());
        let total: f64 = m.byte.iter().sum();
        assert!(
            (0.99..1.01).contains(&total),
            "byte frequencies sum to {total}"
        );
        // Source code is full of spaces and `e`, not of `~`.
        assert!(m.byte[usize::from(b' ')] > m.byte[usize::from(b'~')]);
        assert!(m.frequency(b"turn") > 0.0, "`return` is common");
        assert!(m.frequency(b"tur") >= m.frequency(b"turn"));
    }

    #[test]
    fn capitals_are_made_small_and_nothing_else_changes() {
        for w in [*b"ABCZ", *b"@[`{", *b"az09", *b"\xC1\xDA_-", *b"Ssl_"] {
            let got = ascii_lower(u32::from_le_bytes(w)).to_le_bytes();
            assert_eq!(got.to_vec(), w.to_ascii_lowercase(), "{w:?}");
        }
    }
}
