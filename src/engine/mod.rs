//! The matching engine. The rules' keywords are the prefilter, searched one
//! of two ways. Where the CPU has AVX2, `teddy` (a Teddy searcher written
//! for these keyword sets) finds every keyword, in either case where its
//! rule ignores case, in one SIMD pass over the file. It is planned per
//! class of files once the class has had `ONE_PASS_AFTER` bytes searched;
//! before that, and on other CPUs, the `aho-corasick` crate searches them
//! (`KeywordSearcher`): its packed Teddy in groups of up to `PACKED_MAX`
//! literals (short ones apart), or an automaton, plus a pass over a
//! lower-cased copy for keywords that ignore case. Each class of files
//! (by the rules its path admits: included names, extensions, directories,
//! and excluded extensions) gets its own searchers, built on first use and
//! kept per thread, so a Java rule's keywords are not looked for in C files.
//! A file without a keyword hit costs the prefilter's pass and nothing else.
//! Around each hit, only the rules owning that keyword run their regex, in a
//! window widened to whole lines. Matches then go through the rule's own
//! filters (path globs, file-level requirement, context words, exclusions)
//! and, for secrets, the placeholder and entropy filters; the judges
//! (`judge`) read the code around what is left.

pub mod filters;
mod teddy;

use aho_corasick::{packed, AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::rules::{LazyRegex, Rule, RuleKind, RuleSet};

/// How far a window may grow past its keyword window to reach a line boundary.
const MAX_LINE_EXTENSION: usize = 2048;

/// The inline suppression marker.
pub const ALLOW_MARKER: &[u8] = b"skyscan:allow";

/// A match of a content rule, in byte offsets of the scanned buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMatch {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    /// The span of the `secret` group, for credential rules.
    pub secret: Option<(usize, usize)>,
    /// The span of a `hidden` group: text masked in output like a secret,
    /// without being a credential (a hard-coded fallback secret).
    pub hidden: Option<(usize, usize)>,
}

/// The rule set and its prefilters. Cheap to share
/// between threads; per-thread state lives in [`Scratch`].
pub struct Matcher {
    rules: RuleSet,
    /// Content rules that apply to some files only (by their path globs or
    /// their excluded extensions): their keywords are searched only in
    /// files they may apply to.
    gates: Vec<(usize, Gate)>,
    /// One prefilter per class of files (the set of gated rules a file
    /// admits), built on first use.
    prefilters: Mutex<HashMap<Vec<u64>, Arc<Prefilter>>>,
    /// The file names that some gate reads beyond their extension.
    special_names: SpecialNames,
    /// The gates that read a path's directories (see `Gate::reads_directories`).
    directory_gates: Vec<usize>,
    /// Bytes a class of files is searched with `aho-corasick` before its
    /// one-pass searcher is planned (tests set 0, and `u64::MAX` for never).
    one_pass_after: u64,
}

/// What the gates look for in a file's name besides its extension: exact
/// names, prefixes and infixes. For any other name, a file's class depends
/// only on its directory and its extension, and is looked up by them.
#[derive(Debug, Default)]
struct SpecialNames {
    names: HashSet<String>,
    prefixes: Vec<String>,
    infixes: Vec<String>,
}

impl SpecialNames {
    fn of<'g>(gates: impl Iterator<Item = &'g Gate>) -> SpecialNames {
        let mut special = SpecialNames::default();
        for admit in gates.filter_map(|g| g.admit.as_ref()) {
            special.names.extend(admit.names.iter().cloned());
            special.prefixes.extend(admit.prefixes.iter().cloned());
            special.infixes.extend(admit.infixes.iter().cloned());
        }
        special.prefixes.sort();
        special.prefixes.dedup();
        special.infixes.sort();
        special.infixes.dedup();
        special
    }

    fn contains(&self, name: &str) -> bool {
        self.names.contains(name)
            || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
            || self.infixes.iter().any(|i| name.contains(i.as_str()))
    }
}

/// The prefilter of one class of files, and for each of its literals the
/// rules a hit activates.
struct Prefilter {
    /// All the literals in one pass, where the CPU allows: planned once the
    /// class has had `one_pass_after` bytes searched by the searchers below
    /// (planning costs milliseconds, which a class of a few small files
    /// would not win back).
    teddy: OnceLock<Option<teddy::Teddy>>,
    /// The literals, for that plan: bytes, and whether case is ignored.
    all: Vec<(Vec<u8>, bool)>,
    /// Bytes searched in files of this class so far, and the threshold.
    searched: AtomicU64,
    one_pass_after: u64,
    /// The literals of rules whose keywords keep their case, searched in
    /// the file's bytes.
    exact: Option<KeywordSearcher>,
    /// The lower-cased literals of rules whose keywords ignore case,
    /// searched in a lower-cased copy of the file; their pattern numbers
    /// follow the `n_exact` exact ones.
    folded: Option<KeywordSearcher>,
    n_exact: usize,
    activates: Vec<Vec<usize>>,
}

/// Which files a rule may apply to, judged from the file's path alone:
/// `admit` is a superset of what its `paths` globs match (extensions, exact
/// names, name prefixes, directory names), `excluded` a subset of what its
/// `exclude_paths` globs match (extensions excluded at any depth).
#[derive(Debug, Default)]
struct Gate {
    admit: Option<Admit>,
    excluded: Vec<String>,
}

#[derive(Debug, Default)]
struct Admit {
    extensions: Vec<String>,
    names: Vec<String>,
    prefixes: Vec<String>,
    infixes: Vec<String>,
    dirs: Vec<String>,
}

/// A file name or extension made of plain characters only (no glob syntax).
fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
}

/// The extensions of a `*.ext` or `*.{a,b}` file-name glob, when it has
/// that shape: `*.tf.json` gives `json` (a superset), `*.{a,b}` gives both.
fn glob_extensions(last: &str) -> Option<Vec<String>> {
    let rest = last.strip_prefix("*.")?;
    let ext = rest.rsplit('.').next().unwrap_or(rest);
    if let Some(list) = ext.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
        if !list.split(',').all(plain) || rest.contains(['{', '}']) && !rest.starts_with('{') {
            return None;
        }
        return Some(list.split(',').map(str::to_string).collect());
    }
    plain(ext).then(|| vec![ext.to_string()])
}

impl Gate {
    /// The gate of a rule's globs; `None` when the rule may apply to every
    /// file.
    fn of(paths: &[String], exclude_paths: &[String]) -> Option<Gate> {
        let gate = Gate {
            admit: Admit::of(paths),
            excluded: Self::excluded_extensions(exclude_paths),
        };
        (gate.admit.is_some() || !gate.excluded.is_empty()).then_some(gate)
    }

    /// Extensions that `exclude_paths` excludes wherever they are:
    /// `**/*.ext` and `**/*.{a,b}` globs only (a subset of what the globs
    /// exclude: a file is dropped only when the glob surely matches it).
    fn excluded_extensions(exclude_paths: &[String]) -> Vec<String> {
        exclude_paths
            .iter()
            .filter_map(|g| g.strip_prefix("**/"))
            .filter(|last| {
                !last.contains('/') && last.strip_prefix("*.").is_some_and(|e| !e.contains('.'))
            })
            .filter_map(glob_extensions)
            .flatten()
            .collect()
    }

    /// Whether the gate looks at a path's directories (prefixes, infixes
    /// and directory names), not only at the file's name and extension.
    fn reads_directories(&self) -> bool {
        self.admit
            .as_ref()
            .is_some_and(|a| !(a.prefixes.is_empty() && a.infixes.is_empty() && a.dirs.is_empty()))
    }

    /// Whether the file at `path` (named `name`, with extension `ext`) may
    /// match.
    fn admits(&self, path: &str, name: &str, ext: Option<&str>) -> bool {
        ext.is_none_or(|e| !self.excluded.iter().any(|x| x == e))
            && self
                .admit
                .as_ref()
                .is_none_or(|a| a.admits(path, name, ext))
    }
}

impl Admit {
    /// A superset of the files `paths` match; `None` when there are no
    /// globs or one is of a shape not understood here (`**` or `*` as a
    /// whole name after a glob directory, classes...): the rule is then
    /// searched in every file.
    fn of(paths: &[String]) -> Option<Admit> {
        if paths.is_empty() {
            return None;
        }
        let mut admit = Admit::default();
        for glob in paths {
            let mut parts = glob.rsplit('/');
            let last = parts.next().unwrap_or(glob);
            if let Some(exts) = glob_extensions(last) {
                admit.extensions.extend(exts);
            } else if let Some(infix) = last
                .strip_prefix('*')
                .and_then(|l| l.strip_suffix('*'))
                .filter(|i| plain(i))
            {
                admit.infixes.push(infix.to_string());
            } else if let Some(prefix) = last.strip_suffix('*').filter(|p| plain(p)) {
                admit.prefixes.push(prefix.to_string());
            } else if plain(last) {
                admit.names.push(last.to_string());
            } else if let Some(exts) = last
                .rsplit_once('.')
                .filter(|(stem, _)| !stem.contains(['{', '[', '?']))
                .and_then(|(_, ext)| glob_extensions(&format!("*.{ext}")))
            {
                // `appsettings*.json`, `docker-compose*.{yml,yaml}`: the
                // extensions alone, a superset.
                admit.extensions.extend(exts);
            } else if matches!(last, "*" | "**") {
                // `**/nginx/**`, `**/inventory/*`: a directory of that name.
                let dir = parts.next().filter(|d| plain(d))?;
                admit.dirs.push(dir.to_string());
            } else {
                return None;
            }
        }
        Some(admit)
    }

    /// A prefix glob's `*` also crosses `/` (`Dockerfile*` matches
    /// `Dockerfile.d/x`), so a prefix is looked for at the start of every
    /// component and an infix (`*haproxy*`) anywhere in the path; a
    /// directory name, in every component but the last.
    fn admits(&self, path: &str, name: &str, ext: Option<&str>) -> bool {
        ext.is_some_and(|e| self.extensions.iter().any(|x| x == e))
            || self.names.iter().any(|n| n == name)
            || self
                .prefixes
                .iter()
                .any(|p| path.split('/').any(|c| c.starts_with(p.as_str())))
            || self.infixes.iter().any(|i| path.contains(i.as_str()))
            || (!self.dirs.is_empty() && {
                let dirs = path.rsplit_once('/').map_or("", |(d, _)| d);
                dirs.split('/').any(|c| self.dirs.iter().any(|d| d == c))
            })
    }
}

/// Buffers reused from file to file by one thread.
#[derive(Default)]
pub struct Scratch {
    windows: Vec<Vec<(usize, usize)>>,
    touched: Vec<usize>,
    applies: Vec<u8>,
    /// The file's bytes in ASCII lower case, for keywords that ignore case.
    folded: Vec<u8>,
    /// The class of the current file, and this thread's copy of the
    /// prefilters already looked up (no lock per file).
    class: Vec<u64>,
    prefilters: HashMap<Vec<u64>, Arc<Prefilter>>,
    /// The directory of the last file, and the prefilters of its files by
    /// extension (see [`Matcher::prefilter`]).
    dir: String,
    by_extension: HashMap<String, Arc<Prefilter>>,
    /// For names no gate reads: the class bits of the gates that look at
    /// the extension alone, by extension (the other gates read the
    /// directories, and are judged per directory).
    ext_class: HashMap<String, Vec<u64>>,
}

impl Scratch {
    /// Forget the last file's windows (only those of the rules it touched
    /// are cleared), with room for `n_rules` rules.
    fn forget_windows(&mut self, n_rules: usize) {
        if self.windows.len() != n_rules {
            self.windows = vec![Vec::new(); n_rules];
            self.applies = vec![0; n_rules];
        }
        for &r in &self.touched {
            self.windows[r].clear();
            self.applies[r] = 0;
        }
        self.touched.clear();
    }
}

impl Matcher {
    pub fn new(rules: RuleSet) -> Matcher {
        let gates = rules
            .rules()
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r.kind, RuleKind::Content { .. }))
            .filter_map(|(i, r)| Gate::of(&r.spec.paths, &r.spec.exclude_paths).map(|g| (i, g)))
            .collect::<Vec<_>>();
        let special_names = SpecialNames::of(gates.iter().map(|(_, g)| g));
        let directory_gates = (0..gates.len())
            .filter(|&k| gates[k].1.reads_directories())
            .collect();
        Matcher {
            rules,
            gates,
            prefilters: Mutex::new(HashMap::new()),
            special_names,
            directory_gates,
            one_pass_after: ONE_PASS_AFTER,
        }
    }

    /// The prefilter for the file at `path`: the keywords of the rules that
    /// apply everywhere and of the gated rules its path admits.
    fn prefilter(&self, path: &str, scratch: &mut Scratch) -> Arc<Prefilter> {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let ext = name.rsplit_once('.').map(|(_, e)| e);
        // Files of one directory come one after another: their classes are
        // kept by extension until the directory changes (an extension
        // holds no `/`, so `/` stands for none).
        let by_extension = !self.special_names.contains(name);
        let ext_key = ext.unwrap_or("/");
        if by_extension {
            if scratch.dir != dir {
                scratch.dir.clear();
                scratch.dir.push_str(dir);
                scratch.by_extension.clear();
            }
            if let Some(p) = scratch.by_extension.get(ext_key) {
                return Arc::clone(p);
            }
        }
        let found = self.prefilter_of_class(path, name, ext, scratch);
        if by_extension {
            scratch
                .by_extension
                .insert(ext_key.to_string(), Arc::clone(&found));
        }
        found
    }

    /// Set the bit of each of the gates `which` that admits the file.
    fn admit_into(
        &self,
        bits: &mut [u64],
        which: impl Iterator<Item = usize>,
        path: &str,
        name: &str,
        ext: Option<&str>,
    ) {
        for k in which {
            if self.gates[k].1.admits(path, name, ext) {
                bits[k / 64] |= 1 << (k % 64);
            }
        }
    }

    /// The prefilter for the file at `path`, from the gates it passes.
    fn prefilter_of_class(
        &self,
        path: &str,
        name: &str,
        ext: Option<&str>,
        scratch: &mut Scratch,
    ) -> Arc<Prefilter> {
        let words = self.gates.len().div_ceil(64);
        let class = &mut scratch.class;
        class.clear();
        if self.special_names.contains(name) {
            class.resize(words, 0);
            self.admit_into(class, 0..self.gates.len(), path, name, ext);
        } else {
            // A name no gate reads: the gates of extensions are judged once
            // per extension, the gates of directories here.
            let by_ext = scratch
                .ext_class
                .entry(ext.unwrap_or("/").to_string())
                .or_insert_with(|| {
                    let mut bits = vec![0u64; words];
                    let by_name =
                        (0..self.gates.len()).filter(|&k| !self.gates[k].1.reads_directories());
                    self.admit_into(&mut bits, by_name, path, name, ext);
                    bits
                });
            class.extend_from_slice(by_ext);
            self.admit_into(class, self.directory_gates.iter().copied(), path, name, ext);
        }
        if let Some(p) = scratch.prefilters.get(class.as_slice()) {
            return Arc::clone(p);
        }
        let built = {
            let mut shared = self.prefilters.lock().expect("prefilter cache");
            let built = shared.entry(class.clone()).or_insert_with(|| {
                let excluded: HashSet<usize> = self
                    .gates
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| class[k / 64] & (1 << (k % 64)) == 0)
                    .map(|(_, (r, _))| *r)
                    .collect();
                Arc::new(Prefilter::new(&self.rules, &excluded, self.one_pass_after))
            });
            Arc::clone(built)
        };
        scratch
            .prefilters
            .insert(scratch.class.clone(), Arc::clone(&built));
        built
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Find every content-rule match in `data`, a file at `path`
    /// (repository-relative, `/`-separated): the prefilter's keyword hits
    /// open windows for the rules they activate, and only those rules'
    /// regexes run, only in their windows.
    pub fn scan(&self, path: &str, data: &[u8], scratch: &mut Scratch) -> Vec<RawMatch> {
        let prefilter = self.prefilter(path, scratch);
        if prefilter.is_empty() {
            return Vec::new();
        }
        scratch.forget_windows(self.rules.rules().len());
        self.open_windows(&prefilter, path, data, scratch);
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for &r in &scratch.touched {
            if !scratch.windows[r].is_empty() {
                self.confirm(r, data, &scratch.windows[r], &mut seen, &mut out);
            }
        }
        resolve_precedence(&mut out, self.rules.rules());
        out.sort_by_key(|m| (m.start, m.rule));
        out
    }

    /// Run the prefilter over `data`, opening a window around each keyword
    /// hit for the rules it activates; each rule's windows end up sorted
    /// and disjoint.
    fn open_windows(&self, prefilter: &Prefilter, path: &str, data: &[u8], scratch: &mut Scratch) {
        let mut folded = std::mem::take(&mut scratch.folded);
        let mut on_hit = |pattern: usize, hit_start: usize, hit_end: usize| {
            let activated = &prefilter.activates[pattern];
            self.note_hit(activated, path, data.len(), (hit_start, hit_end), scratch);
        };
        let one_pass = prefilter.one_pass(data.len());
        if let Some(teddy) = one_pass {
            teddy.find(data, &mut on_hit);
        } else if let Some(searcher) = &prefilter.exact {
            searcher.for_each_hit(data, &mut on_hit);
        }
        if let (None, Some(searcher)) = (one_pass, &prefilter.folded) {
            // ASCII lower case keeps every byte where it was: hits in the
            // copy are hits in `data`.
            folded.clear();
            folded.extend_from_slice(data);
            folded.make_ascii_lowercase();
            let n_exact = prefilter.n_exact;
            searcher.for_each_hit(&folded, |p, start, end| on_hit(n_exact + p, start, end));
        }
        scratch.folded = folded;
        // Several keyword groups report their hits one group after another,
        // and the one-pass searcher reports a literal when it meets its
        // fingerprint: put each rule's windows back in order and merge the
        // overlaps.
        if one_pass.is_some() || !prefilter.hits_in_order() {
            for &r in &scratch.touched {
                merge_windows(&mut scratch.windows[r]);
            }
        }
    }

    /// A keyword hit at `hit` in a file of `len` bytes: for each rule in
    /// `activated` that applies to `path` (judged once per file), open a
    /// window of the rule's width around the hit, or widen the last one
    /// when they overlap.
    #[inline]
    fn note_hit(
        &self,
        activated: &[usize],
        path: &str,
        len: usize,
        (hit_start, hit_end): (usize, usize),
        scratch: &mut Scratch,
    ) {
        for &r in activated {
            let rule = &self.rules.rules()[r];
            if scratch.applies[r] == 0 {
                scratch.applies[r] = if rule.applies_to(path) { 1 } else { 2 };
                scratch.touched.push(r);
            }
            if scratch.applies[r] != 1 {
                continue;
            }
            let w = rule.spec.window;
            let start = hit_start.saturating_sub(w);
            let end = (hit_end + w).min(len);
            let windows = &mut scratch.windows[r];
            match windows.last_mut() {
                Some(last) if start <= last.1 && start >= last.0 => last.1 = last.1.max(end),
                _ => windows.push((start, end)),
            }
        }
    }

    /// Run rule `r`'s regex in its `windows` of `data` (widened to whole
    /// lines) and add the matches its filters keep to `out`; `seen` drops a
    /// match found again through a neighbouring window.
    fn confirm(
        &self,
        r: usize,
        data: &[u8],
        windows: &[(usize, usize)],
        seen: &mut HashSet<(usize, usize, usize)>,
        out: &mut Vec<RawMatch>,
    ) {
        let rule = &self.rules.rules()[r];
        let RuleKind::Content {
            regex,
            exclude,
            file_requires,
            file_excludes,
            context,
        } = &rule.kind
        else {
            return;
        };
        if file_requires
            .as_ref()
            .is_some_and(|re| !re.get().is_match(data))
            || file_excludes
                .as_ref()
                .is_some_and(|re| re.get().is_match(data))
        {
            return;
        }
        for &(ws, we) in windows {
            let ws = line_start(data, ws);
            let we = line_end(data, we);
            for caps in regex.get().captures_iter(&data[ws..we]) {
                // A `span` group narrows the reported match (for patterns
                // that consume a leading delimiter).
                let m = caps
                    .name("span")
                    .unwrap_or_else(|| caps.get(0).expect("group 0 always matches"));
                if m.is_empty() {
                    continue;
                }
                let (start, end) = (ws + m.start(), ws + m.end());
                if !seen.insert((r, start, end)) {
                    continue;
                }
                let secret = caps.name("secret").map(|s| (ws + s.start(), ws + s.end()));
                let filters = MatchFilters {
                    exclude: exclude.as_ref(),
                    context: context.as_ref(),
                };
                if !filters.keep(rule, data, (start, end), secret) {
                    continue;
                }
                let hidden = caps.name("hidden").map(|s| (ws + s.start(), ws + s.end()));
                out.push(RawMatch {
                    rule: r,
                    start,
                    end,
                    secret,
                    hidden,
                });
            }
        }
    }
}

/// The patterns a content rule's match must pass besides its own regex.
struct MatchFilters<'r> {
    exclude: Option<&'r LazyRegex>,
    context: Option<&'r LazyRegex>,
}

impl MatchFilters<'_> {
    /// Whether the match `start..end` of `rule` (its secret at `secret`) is
    /// kept: not excluded, a secret that looks real, the context words
    /// nearby, not on a comment line when the rule skips those, no
    /// `skyscan:allow` on its lines.
    #[inline]
    fn keep(
        &self,
        rule: &Rule,
        data: &[u8],
        (start, end): (usize, usize),
        secret: Option<(usize, usize)>,
    ) -> bool {
        if self
            .exclude
            .is_some_and(|ex| ex.get().is_match(&data[start..end]))
        {
            return false;
        }
        if secret.is_some_and(|(ss, se)| !secret_passes(rule, data, ss, se)) {
            return false;
        }
        if let Some(ctx) = self.context {
            let (cs, ce) = lines_around(data, start, end, rule.spec.context_lines);
            if !ctx.get().is_match(&data[cs..ce]) {
                return false;
            }
        }
        if rule.spec.skip_comments && is_comment_line(data, start) {
            return false;
        }
        !is_suppressed(data, start, end)
    }
}

/// Sort `windows` and merge those that overlap.
fn merge_windows(windows: &mut Vec<(usize, usize)>) {
    if windows.len() < 2 {
        return;
    }
    windows.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(windows.len());
    for &(start, end) in windows.iter() {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    *windows = merged;
}

/// The prefilter's searcher from the `aho-corasick` crate, used until a
/// class of files has its one-pass searcher ([`teddy`]) and where the CPU
/// has none: the crate's SIMD packed search (Teddy) where the CPU and the
/// keyword set allow it, its automaton otherwise. A set larger than
/// [`PACKED_MAX`] is split into groups of at most that size, each searched
/// in its own pass: a dozen SIMD passes over a file still beat one pass of
/// the automaton (1.2 s against 3.2 s on the Linux tree). Each reports
/// leftmost-first, non-overlapping hits (across groups, hits may overlap).
enum KeywordSearcher {
    /// Groups of literals, with the number of the first literal of each.
    Packed(Vec<(usize, packed::Searcher)>),
    Automaton(AhoCorasick),
}

/// Literals per Teddy searcher. Teddy takes at most 64, but it slows down
/// well before that (more literals per bucket, more false candidates to
/// verify). On the Linux tree, with literals sorted by length (106 for a C
/// file then), groups of 32 took 1.00 s, of 24 0.96 s, of 20 0.88 s, of 16
/// 0.89 s, of 12 0.97 s, of 8 1.11 s; fat Teddy (16 buckets) for groups of
/// 16, 1.03 s. With 73 literals for a C file, 16, 23 and 34 are within noise.
/// With 78 (this release), groups of 20 took 0.84 s, of 16 0.89 s, of 27
/// 0.87 s.
const PACKED_MAX: usize = 20;

/// Bytes a class of files is searched with `aho-corasick` before its
/// one-pass searcher is planned. Planning takes 1 to 5 ms; the one pass
/// saves about 0.5 ns a byte, so it pays from a MiB or two on. On the Linux
/// tree, 24 classes were planned at first sight, a third of them for a
/// handful of files.
const ONE_PASS_AFTER: u64 = 1 << 20;

impl Prefilter {
    fn is_empty(&self) -> bool {
        self.exact.is_none() && self.folded.is_none()
    }

    /// Whether `aho-corasick`'s hits come by increasing start (one pass).
    fn hits_in_order(&self) -> bool {
        let n = |s: &Option<KeywordSearcher>| match s {
            Some(KeywordSearcher::Packed(groups)) => groups.len(),
            Some(KeywordSearcher::Automaton(_)) => 1,
            None => 0,
        };
        n(&self.exact) + n(&self.folded) <= 1
    }

    /// The prefilter of the content rules not in `excluded`.
    fn new(rules: &RuleSet, excluded: &HashSet<usize>, one_pass_after: u64) -> Prefilter {
        let included = |i: usize, r: &Rule| {
            matches!(r.kind, RuleKind::Content { .. }) && !excluded.contains(&i)
        };
        let (exact, mut activates) =
            Self::literals(rules, |i, r| included(i, r) && !r.keywords_ignore_case());
        let (folded, folded_activates) =
            Self::literals(rules, |i, r| included(i, r) && r.keywords_ignore_case());
        activates.extend(folded_activates);
        let all: Vec<(Vec<u8>, bool)> = exact
            .iter()
            .map(|l| (l.as_bytes().to_vec(), false))
            .chain(folded.iter().map(|l| (l.as_bytes().to_vec(), true)))
            .collect();
        Prefilter {
            teddy: OnceLock::new(),
            all,
            searched: AtomicU64::new(0),
            one_pass_after,
            n_exact: exact.len(),
            exact: (!exact.is_empty()).then(|| KeywordSearcher::new(&exact)),
            folded: (!folded.is_empty()).then(|| KeywordSearcher::new(&folded)),
            activates,
        }
    }

    /// The one-pass searcher for a file of `len` bytes, once the class has
    /// searched enough bytes to be worth planning it (where the CPU allows).
    fn one_pass(&self, len: usize) -> Option<&teddy::Teddy> {
        if let Some(planned) = self.teddy.get() {
            return planned.as_ref();
        }
        let before = self.searched.fetch_add(len as u64, Ordering::Relaxed);
        if self.one_pass_after == u64::MAX || before < self.one_pass_after {
            return None;
        }
        self.teddy
            .get_or_init(|| {
                let literals: Vec<(&[u8], bool)> =
                    self.all.iter().map(|(l, f)| (l.as_slice(), *f)).collect();
                teddy::Teddy::new(&literals)
            })
            .as_ref()
    }

    /// The literals to search for the rules `which` selects (lower-cased
    /// when those rules ignore case), and the rules each literal activates.
    fn literals(
        rules: &RuleSet,
        which: impl Fn(usize, &Rule) -> bool,
    ) -> (Vec<String>, Vec<Vec<usize>>) {
        let keywords_of = |r: &Rule| -> Vec<String> {
            let fold = r.keywords_ignore_case();
            r.spec
                .keywords
                .iter()
                .map(|k| {
                    if fold {
                        k.to_ascii_lowercase()
                    } else {
                        k.clone()
                    }
                })
                .collect()
        };
        let selected: Vec<(usize, Vec<String>)> = rules
            .rules()
            .iter()
            .enumerate()
            .filter(|(i, r)| which(*i, r))
            .map(|(i, r)| (i, keywords_of(r)))
            .collect();
        let mut keywords: Vec<&String> = selected.iter().flat_map(|(_, k)| k).collect();
        keywords.sort_unstable();
        keywords.dedup();
        // The prefilter searches only the minimal keywords: one that contains
        // another is dropped (wherever it occurs, the shorter one occurs too),
        // and a hit activates every rule with a keyword containing the hit.
        // Fewer literals mean fewer SIMD passes.
        let mut literals: Vec<String> = keywords
            .iter()
            .filter(|k| !keywords.iter().any(|o| o != *k && k.contains(o.as_str())))
            .map(|k| k.to_string())
            .collect();
        // Sorted by length, so that the groups of `group_ranges` hold
        // literals of like length.
        literals.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        // Hits do not overlap: where `SSL_VERIFY` is found in
        // `SSL_VERIFY_NONE`, `VERIFY_NONE` is not. A hit therefore also
        // activates the rules of every literal that can start inside it
        // (a suffix of the hit is a prefix of that literal).
        let hides = |a: &str, b: &str| {
            (1..a.len().min(b.len())).any(|k| a.as_bytes()[a.len() - k..] == b.as_bytes()[..k])
        };
        let activates = literals
            .iter()
            .map(|lit| {
                let reached: Vec<&String> = literals
                    .iter()
                    .filter(|other| *other == lit || hides(lit, other))
                    .collect();
                selected
                    .iter()
                    .filter(|(_, kws)| {
                        kws.iter()
                            .any(|k| reached.iter().any(|l| k.contains(l.as_str())))
                    })
                    .map(|(i, _)| *i)
                    .collect()
            })
            .collect();
        (literals, activates)
    }
}

/// The literals of each Teddy pass: runs of literals shorter than four
/// bytes and runs of the others, each cut into balanced groups of at most
/// [`PACKED_MAX`]. Teddy fingerprints as many leading bytes (up to four) as
/// its group's shortest literal has: a three-byte literal in a group would
/// blunt the masks of all the others (on the Linux tree, the one group
/// mixing `sk-`, `hf_`, `eyJ`... with four-byte literals cost as much as
/// the four other groups together).
fn group_ranges(literals: &[String]) -> Vec<std::ops::Range<usize>> {
    let short = |l: &String| l.len() < 4;
    let mut out = Vec::new();
    let mut start = 0;
    while start < literals.len() {
        let class = short(&literals[start]);
        let end = literals[start..]
            .iter()
            .position(|l| short(l) != class)
            .map_or(literals.len(), |p| start + p);
        let groups = (end - start).div_ceil(PACKED_MAX);
        let size = (end - start).div_ceil(groups);
        out.extend((start..end).step_by(size).map(|s| s..(s + size).min(end)));
        start = end;
    }
    out
}

impl KeywordSearcher {
    fn new(keywords: &[String]) -> KeywordSearcher {
        let packed: Option<Vec<(usize, packed::Searcher)>> = group_ranges(keywords)
            .into_iter()
            .map(|range| {
                packed::Config::new()
                    .match_kind(packed::MatchKind::LeftmostFirst)
                    .builder()
                    .extend(&keywords[range.clone()])
                    .build()
                    .map(|s| (range.start, s))
            })
            .collect();
        match packed {
            Some(searchers) => KeywordSearcher::Packed(searchers),
            None => KeywordSearcher::Automaton(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(keywords)
                    .expect("keywords are non-empty literals"),
            ),
        }
    }

    /// Call `f(pattern, start, end)` for each keyword hit in `data`.
    fn for_each_hit(&self, data: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        match self {
            KeywordSearcher::Packed(groups) => {
                for (first, s) in groups {
                    for m in s.find_iter(data) {
                        f(first + m.pattern().as_usize(), m.start(), m.end());
                    }
                }
            }
            KeywordSearcher::Automaton(ac) => {
                for m in ac.find_iter(data) {
                    f(m.pattern().as_usize(), m.start(), m.end());
                }
            }
        }
    }
}

/// Boundary, placeholder and entropy checks for a credential.
fn secret_passes(rule: &Rule, data: &[u8], start: usize, end: usize) -> bool {
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if start > 0 && is_token(data[start - 1]) {
        return false;
    }
    if end < data.len() && is_token(data[end]) {
        return false;
    }
    let Ok(secret) = std::str::from_utf8(&data[start..end]) else {
        return false;
    };
    if filters::is_placeholder(secret) {
        return false;
    }
    match rule.spec.min_entropy {
        Some(min) => filters::shannon_entropy(filters::key_body(secret)) >= min,
        None => true,
    }
}

/// When several rules report overlapping secrets (a Skytells key is also a
/// generic `sk-` key), keep only the rule with the highest precedence. A
/// secret inside what a rule of higher precedence reports (the key ID of
/// an AWS key pair) goes with it too.
fn resolve_precedence(matches: &mut Vec<RawMatch>, rules: &[Rule]) {
    let span = |m: &RawMatch| m.secret.unwrap_or((m.start, m.end));
    let mut drop = vec![false; matches.len()];
    for i in 0..matches.len() {
        let Some((s1, e1)) = matches[i].secret else {
            continue;
        };
        for j in 0..matches.len() {
            if i == j || matches[j].secret.is_none() {
                continue;
            }
            let (s2, e2) = span(&matches[j]);
            let overlap = s1 < e2 && s2 < e1;
            let pi = rules[matches[i].rule].spec.precedence;
            let pj = rules[matches[j].rule].spec.precedence;
            let inside = matches[j].start <= s1 && e1 <= matches[j].end;
            if (overlap && (pj > pi || (pj == pi && j < i))) || (inside && pj > pi) {
                drop[i] = true;
                break;
            }
        }
    }
    let mut k = 0;
    matches.retain(|_| {
        k += 1;
        !drop[k - 1]
    });
}

/// A line carrying `skyscan:allow` is not reported.
fn is_suppressed(data: &[u8], start: usize, end: usize) -> bool {
    let (s, e) = lines_around(data, start, end, 0);
    memchr::memmem::find(&data[s..e], ALLOW_MARKER).is_some()
}

/// True when the line holding `pos` starts (before `pos`) with a comment marker.
fn is_comment_line(data: &[u8], pos: usize) -> bool {
    let lead = &data[line_start(data, pos)..pos];
    let lead = lead.trim_ascii_start();
    [&b"#"[..], b"//", b"/*", b"*", b"--", b"<!--"]
        .iter()
        .any(|m| lead.starts_with(m))
}

/// Start of the line holding `pos` (looking back at most `MAX_LINE_EXTENSION`).
pub fn line_start(data: &[u8], pos: usize) -> usize {
    let floor = pos.saturating_sub(MAX_LINE_EXTENSION);
    memchr::memrchr(b'\n', &data[floor..pos]).map_or(floor, |i| floor + i + 1)
}

/// End of the line holding `pos`, excluding the newline.
pub fn line_end(data: &[u8], pos: usize) -> usize {
    let ceil = (pos + MAX_LINE_EXTENSION).min(data.len());
    memchr::memchr(b'\n', &data[pos..ceil]).map_or(ceil, |i| pos + i)
}

/// The byte range of the lines holding `start..end`, widened by `extra`
/// lines on each side.
pub fn lines_around(data: &[u8], start: usize, end: usize, extra: usize) -> (usize, usize) {
    let mut s = line_start(data, start);
    for _ in 0..extra {
        if s == 0 {
            break;
        }
        s = line_start(data, s - 1);
    }
    let mut e = line_end(data, end.max(start));
    for _ in 0..extra {
        if e >= data.len() {
            break;
        }
        e = line_end(data, e + 1);
    }
    (s, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(globs: &[&str]) -> Vec<String> {
        globs.iter().map(|s| s.to_string()).collect()
    }

    fn admitted(gate: &Gate, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap();
        gate.admits(path, name, name.rsplit_once('.').map(|(_, e)| e))
    }

    #[test]
    fn classes_kept_by_directory_and_extension_miss_no_special_name() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let mut s = Scratch::default();
        let text = b"FROM node:20\nARG OPENAI_ADMIN_KEY\n";
        let ids = |path: &str, s: &mut Scratch| -> Vec<String> {
            m.scan(path, text, s)
                .iter()
                .map(|x| m.rules().rules()[x.rule].id().to_string())
                .collect()
        };
        // Same directory, no extension: a Dockerfile is not a plain file.
        assert!(ids("deploy/notes", &mut s).is_empty());
        assert_eq!(
            ids("deploy/Dockerfile", &mut s),
            ["admin-key-in-automation"]
        );
        assert!(ids("deploy/NOTES", &mut s).is_empty());
        // Same name and extension in another directory: looked up again.
        assert!(ids("src/build.sh", &mut s).is_empty());
        assert_eq!(ids("deploy/build.sh", &mut s), ["admin-key-in-automation"]);
        // A rule gated by a directory name: its class changes with the
        // directory, for files of the same extension.
        let conf = b"ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n";
        let found = |path: &str, s: &mut Scratch| !m.scan(path, conf, s).is_empty();
        assert!(!found("etc/site", &mut s));
        assert!(found("etc/nginx/site", &mut s));
        assert!(!found("etc/site", &mut s));
    }

    #[test]
    fn classes_by_extension_and_directory_equal_every_gate_judged() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let mut s = Scratch::default();
        let paths = [
            "a.py",
            "src/app.py",
            "deploy/build.sh",
            "src/build.sh",
            "etc/nginx/site",
            "etc/site",
            "nginx/x.conf",
            "Dockerfile",
            "docker/Dockerfile.dev",
            "x/.env",
            ".github/workflows/ci.yml",
            "k8s/secret.yaml",
            "conf/haproxy.cfg",
            "a/b/c.c",
            "inventory/hosts",
            "group_vars/all.yml",
            "README",
            "app/config/app.yaml",
            "src/main.rs",
            "web/index.html",
            "lib/x.js",
            "x.tf",
            "terraform/main.tf",
        ];
        for path in paths.iter().chain(paths.iter().rev()) {
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
            let ext = name.rsplit_once('.').map(|(_, e)| e);
            m.prefilter_of_class(path, name, ext, &mut s);
            let mut every = vec![0u64; m.gates.len().div_ceil(64)];
            m.admit_into(&mut every, 0..m.gates.len(), path, name, ext);
            assert_eq!(s.class, every, "{path} (in {dir})");
        }
    }

    #[test]
    fn gates_are_a_superset_of_what_path_globs_match() {
        let g = |globs: &[&str]| Gate::of(&strings(globs), &[]);
        let code = g(&[
            "**/*.{java,kt}",
            "**/*.tf.json",
            "**/Dockerfile*",
            "**/hosts",
            "**/appsettings*.json",
            "**/docker-compose*.{yml,yaml}",
            "**/nginx/**",
            "**/inventory/*",
            "**/*haproxy*",
        ])
        .unwrap();
        for (path, admits) in [
            ("src/App.java", true),
            ("main.tf.json", true),
            ("x/Dockerfile.prod", true),
            ("Dockerfile.d/base", true),
            ("etc/hosts", true),
            ("appsettings.Development.json", true),
            ("docker-compose.prod.yaml", true),
            ("etc/nginx/sites/default", true),
            ("deploy/inventory/prod", true),
            ("etc/haproxy.cfg.tmpl", true),
            ("haproxy/x", true),
            ("src/app.py", false),
            ("myhosts", false),
            ("nginx", false),
            ("src/inventory.c", false),
        ] {
            assert_eq!(admitted(&code, path), admits, "{path}");
        }
        // Shapes not understood here leave the rule in every prefilter.
        assert!(g(&["**/*"]).is_none());
        assert!(g(&["**/[ab]/*"]).is_none());
        assert!(g(&["**/conf?.d"]).is_none());
        assert!(g(&[]).is_none());
    }

    #[test]
    fn excluded_extensions_are_a_subset_of_what_exclude_globs_match() {
        let gate = Gate::of(
            &[],
            &strings(&[
                "**/*.{md,rst}",
                "**/*.c",
                "**/*.test.*",
                "**/*.tf.json",
                "docs/*.txt",
                "**/test_*.py",
            ]),
        )
        .unwrap();
        assert_eq!(gate.excluded, ["md", "rst", "c"]);
        for (path, admits) in [
            ("README.md", false),
            ("a/b/x.c", false),
            ("x.test.js", true),
            ("main.json", true),
            ("notes.txt", true),
            ("test_a.py", true),
            ("Makefile", true),
        ] {
            assert_eq!(admitted(&gate, path), admits, "{path}");
        }
        // Exclusions and inclusions combine.
        let both = Gate::of(&strings(&["**/*.{sh,md}"]), &strings(&["**/*.md"])).unwrap();
        assert!(admitted(&both, "run.sh"));
        assert!(!admitted(&both, "doc.md"));
        assert!(!admitted(&both, "main.c"));
        assert!(Gate::of(&[], &strings(&["**/tests/**"])).is_none());
    }

    #[test]
    fn gated_prefilters_follow_the_rules_own_path_matching() {
        // Over the built-in rules, every rule a file's path lets apply has
        // its keywords in that file's prefilter.
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let mut s = Scratch::default();
        for path in [
            "src/main.c",
            "include/x.h",
            "app.py",
            "web/index.ts",
            "Dockerfile",
            "ci/.gitlab-ci.yml",
            "etc/nginx/conf.d/site.conf",
            "inventory/hosts",
            "appsettings.Production.json",
            "README.md",
            "scripts/install.sh",
            ".npmrc",
        ] {
            let prefilter = m.prefilter(path, &mut s);
            for (i, rule) in m.rules().rules().iter().enumerate() {
                if matches!(rule.kind, RuleKind::Content { .. }) && rule.applies_to(path) {
                    assert!(
                        prefilter.activates.iter().any(|a| a.contains(&i)),
                        "{} applies to {path} but its keywords are not searched there",
                        rule.id()
                    );
                }
            }
        }
    }

    #[test]
    fn a_keyword_inside_another_hit_still_activates_its_rules() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let mut s = Scratch::default();
        let code = b"mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);";
        let found = m.scan("src/tls.c", code, &mut s);
        let ids: Vec<&str> = found
            .iter()
            .map(|x| m.rules().rules()[x.rule].id())
            .collect();
        assert!(ids.contains(&"c-tls-verify-none"), "{ids:?}");
    }

    #[test]
    fn line_bounds() {
        let d = b"one\ntwo\nthree";
        assert_eq!(line_start(d, 5), 4);
        assert_eq!(line_end(d, 5), 7);
        assert_eq!(lines_around(d, 5, 6, 1), (0, 13));
        assert_eq!(lines_around(d, 0, 0, 0), (0, 3));
    }

    #[test]
    fn suppression_marker_on_the_line() {
        let d = b"a = 1\nkey = x # skyscan:allow\nb = 2";
        assert!(is_suppressed(d, 6, 13));
        assert!(!is_suppressed(d, 0, 3));
    }

    #[test]
    fn comment_lines() {
        let d = b"x = 1\n  # verify=False\ny = f(verify=False)";
        assert!(is_comment_line(d, 10));
        assert!(!is_comment_line(d, d.len() - 13));
    }

    #[test]
    fn the_one_pass_searcher_and_aho_corasick_agree_on_every_example() {
        let rules = RuleSet::builtin().unwrap();
        let mut one_pass = Matcher::new(rules.clone());
        one_pass.one_pass_after = 0;
        let mut groups = Matcher::new(rules.clone());
        groups.one_pass_after = u64::MAX;
        let (mut s1, mut s2) = (Scratch::default(), Scratch::default());
        let mut compared = 0;
        for rule in rules.rules() {
            let path = rule.spec.example_path.as_deref().unwrap_or("example.txt");
            for example in rule
                .spec
                .examples
                .iter()
                .chain(&rule.spec.negative_examples)
            {
                let (path, text) = match example {
                    crate::rules::Example::Text(t) => (path, t.as_str()),
                    crate::rules::Example::File { path, text } => (path.as_str(), text.as_str()),
                    _ => continue,
                };
                let spans = |m: &Matcher, s: &mut Scratch| -> Vec<(usize, usize, usize)> {
                    let found = m.scan(path, text.as_bytes(), s);
                    found.iter().map(|x| (x.rule, x.start, x.end)).collect()
                };
                let (a, b) = (spans(&one_pass, &mut s1), spans(&groups, &mut s2));
                assert_eq!(a, b, "{} on {path}", rule.id());
                compared += 1;
            }
        }
        assert!(compared > 500, "only {compared} examples");
    }

    #[test]
    fn packed_and_automaton_searchers_agree() {
        let kws: Vec<String> = ["sk-", "verify", "NEXT_PUBLIC_", "curl"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let packed = KeywordSearcher::new(&kws);
        assert!(matches!(packed, KeywordSearcher::Packed(_)) || !cfg!(target_arch = "x86_64"));
        let automaton = KeywordSearcher::Automaton(
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .build(&kws)
                .unwrap(),
        );
        let data = b"curl -k x; sk-abc verify=False NEXT_PUBLIC_X sk-sk-".repeat(50);
        // Groups report one after another: compare the hits in order.
        let hits = |s: &KeywordSearcher| {
            let mut v = Vec::new();
            s.for_each_hit(&data, |p, a, b| v.push((a, b, p)));
            v.sort_unstable();
            v
        };
        assert_eq!(hits(&packed), hits(&automaton));
        assert_eq!(hits(&packed).len(), 6 * 50);
    }

    #[test]
    fn containing_keywords_are_folded_into_shorter_ones() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let mut s = Scratch::default();
        // `sk-proj-` is not searched itself; the `sk-` hit activates the rule.
        let key = b"k = 'sk-proj-Zr8qT2mW4vLn7Kc1Xy9PbF3hJd6GsA0eQ5Zr8qT2mW4vLn7Kc1'"; // skyscan:allow
        let found = m.scan("a.py", key, &mut s);
        let ids: Vec<&str> = found
            .iter()
            .map(|x| m.rules().rules()[x.rule].id())
            .collect();
        assert_eq!(ids, ["openai-api-key"]);
        let prefilter = m.prefilter("a.py", &mut s);
        if cfg!(target_arch = "x86_64") {
            assert!(matches!(prefilter.exact, Some(KeywordSearcher::Packed(_))));
        }
        // Past the threshold the class is searched in one pass.
        assert!(prefilter.one_pass(1).is_none());
        assert!(
            prefilter.one_pass(ONE_PASS_AFTER as usize).is_none(),
            "the file that crosses the threshold is still searched as before"
        );
        assert_eq!(prefilter.one_pass(1).is_some(), teddy::available());
    }

    #[test]
    fn a_key_pair_takes_its_key_id_and_secret_with_it() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let mut s = Scratch::default();
        let text = "aws_access_key_id = AKIAGG7ABM75ZZ7VLEJ3\n\
                    aws_secret_access_key = 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\n";
        let ids: Vec<&str> = m
            .scan("deploy/credentials", text.as_bytes(), &mut s)
            .iter()
            .map(|x| m.rules().rules()[x.rule].id())
            .collect();
        // Alone, each half is its own finding (a warning and an error).
        assert_eq!(ids, ["aws-access-key-pair"]);
        let alone = m.scan("deploy/credentials", &text.as_bytes()[..41], &mut s);
        assert_eq!(m.rules().rules()[alone[0].rule].id(), "aws-access-key-id");
    }

    #[test]
    fn keywords_of_case_insensitive_rules_ignore_case() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let mut s = Scratch::default();
        let found = |text: &str, s: &mut Scratch| -> Vec<String> {
            m.scan("app/config.py", text.as_bytes(), s)
                .iter()
                .map(|x| m.rules().rules()[x.rule].id().to_string())
                .collect()
        };
        for name in [
            "SkyTells_token",
            "SKYTELLS_TOKEN",
            "skytells_token",
            "sKyTeLlS_token",
        ] {
            let text = format!("{name} = \"Hn4Wq8Zr2Kc7Lm1Xb5Vt9Pd3Jf6Gs0Ay\"\n");
            assert_eq!(
                found(&text, &mut s),
                ["skytells-api-key-assignment"],
                "{name}"
            );
        }
        // A rule whose regex starts with `(?i)` ignores case by default; the
        // token rules keep theirs.
        let rule = |id: &str| m.rules().rules().iter().find(|r| r.id() == id).unwrap();
        assert!(rule("skytells-api-key-assignment").keywords_ignore_case());
        assert!(!rule("openai-api-key").keywords_ignore_case());
        let prefilter = m.prefilter("app/config.py", &mut s);
        assert!(prefilter.exact.is_some() && prefilter.folded.is_some());
    }

    #[test]
    fn no_keyword_no_match() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let mut s = Scratch::default();
        assert!(m.scan("a.txt", b"nothing to see here", &mut s).is_empty());
    }
}
