//! The matching engine. The rules' keywords are the prefilter: SIMD Teddy
//! searchers of a dozen literals each where the CPU allows, an Aho-Corasick
//! automaton otherwise. Each class of files (by the rules its name admits)
//! gets its own searcher, built on first use, so a Java rule's keywords are
//! not looked for in C files. A file without a keyword hit costs the passes
//! of its searcher and nothing else. Around each hit, only the rules owning
//! that keyword run their regex, in a window widened to whole lines. Matches
//! then go through the rule's own filters (path globs, file-level
//! requirement, context words, exclusions) and, for secrets, the placeholder
//! and entropy filters; the judges (`judge`) read the code around what is
//! left.

pub mod filters;

use aho_corasick::{packed, AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::rules::{Rule, RuleKind, RuleSet};

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
    /// Content rules whose path globs admit only some file names (by
    /// extension, exact name or name prefix): their keywords are searched
    /// only in files they may apply to.
    gates: Vec<(usize, Gate)>,
    /// One prefilter per class of files (the set of gated rules a file
    /// admits), built on first use.
    prefilters: Mutex<HashMap<Vec<u64>, Arc<Prefilter>>>,
}

/// The keyword searcher of one class of files, and for each of its
/// literals the rules a hit activates.
struct Prefilter {
    keywords: Option<KeywordSearcher>,
    activates: Vec<Vec<usize>>,
}

/// The file names a rule's path globs can match, as a superset: extensions,
/// exact names and name prefixes.
#[derive(Debug, Default)]
struct Gate {
    extensions: Vec<String>,
    names: Vec<String>,
    prefixes: Vec<String>,
}

impl Gate {
    /// The gate of a rule's `paths`; `None` when a glob's last component is
    /// not of a shape understood here (`**`, `*`, classes...): the rule is
    /// then searched in every file.
    fn of(paths: &[String]) -> Option<Gate> {
        if paths.is_empty() {
            return None;
        }
        let mut gate = Gate::default();
        let plain = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
        };
        for glob in paths {
            let last = glob.rsplit('/').next().unwrap_or(glob);
            if let Some(rest) = last.strip_prefix("*.") {
                // `*.tf.json` can only match names ending in `.json`.
                let ext = rest.rsplit('.').next().unwrap_or(rest);
                if let Some(list) = ext.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
                    if !list.split(',').all(plain)
                        || rest.contains(['{', '}']) && !rest.starts_with('{')
                    {
                        return None;
                    }
                    gate.extensions.extend(list.split(',').map(str::to_string));
                } else if plain(ext) {
                    gate.extensions.push(ext.to_string());
                } else {
                    return None;
                }
            } else if let Some(prefix) = last.strip_suffix('*').filter(|p| plain(p)) {
                gate.prefixes.push(prefix.to_string());
            } else if plain(last) {
                gate.names.push(last.to_string());
            } else {
                return None;
            }
        }
        Some(gate)
    }

    /// Whether the file at `path` (named `name`) may match. A prefix glob's
    /// `*` also crosses `/` (`Dockerfile*` matches `Dockerfile.d/x`), so a
    /// prefix is looked for at the start of every component.
    fn admits(&self, path: &str, name: &str) -> bool {
        let ext = name.rsplit_once('.').map(|(_, e)| e);
        ext.is_some_and(|e| self.extensions.iter().any(|x| x == e))
            || self.names.iter().any(|n| n == name)
            || self
                .prefixes
                .iter()
                .any(|p| path.split('/').any(|c| c.starts_with(p.as_str())))
    }
}

/// Buffers reused from file to file by one thread.
#[derive(Default)]
pub struct Scratch {
    windows: Vec<Vec<(usize, usize)>>,
    touched: Vec<usize>,
    applies: Vec<u8>,
}

impl Matcher {
    pub fn new(rules: RuleSet) -> Matcher {
        let gates = rules
            .rules()
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r.kind, RuleKind::Content { .. }))
            .filter_map(|(i, r)| Gate::of(&r.spec.paths).map(|g| (i, g)))
            .collect();
        Matcher {
            rules,
            gates,
            prefilters: Mutex::new(HashMap::new()),
        }
    }

    /// The prefilter for the file at `path`: the keywords of the rules that
    /// apply everywhere and of the gated rules its name admits.
    fn prefilter(&self, path: &str) -> Arc<Prefilter> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let mut class = vec![0u64; self.gates.len().div_ceil(64)];
        for (k, (_, gate)) in self.gates.iter().enumerate() {
            if gate.admits(path, name) {
                class[k / 64] |= 1 << (k % 64);
            }
        }
        let mut cache = self.prefilters.lock().expect("prefilter cache");
        if let Some(p) = cache.get(&class) {
            return Arc::clone(p);
        }
        let excluded: HashSet<usize> = self
            .gates
            .iter()
            .enumerate()
            .filter(|(k, _)| class[k / 64] & (1 << (k % 64)) == 0)
            .map(|(_, (r, _))| *r)
            .collect();
        let built = Arc::new(Prefilter::new(&self.rules, &excluded));
        cache.insert(class, Arc::clone(&built));
        built
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Find every content-rule match in `data`, a file at `path`
    /// (repository-relative, `/`-separated).
    pub fn scan(&self, path: &str, data: &[u8], scratch: &mut Scratch) -> Vec<RawMatch> {
        let prefilter = self.prefilter(path);
        let Some(searcher) = &prefilter.keywords else {
            return Vec::new();
        };
        let n_rules = self.rules.rules().len();
        if scratch.windows.len() != n_rules {
            scratch.windows = vec![Vec::new(); n_rules];
            scratch.applies = vec![0; n_rules];
        }
        for &r in &scratch.touched {
            scratch.windows[r].clear();
            scratch.applies[r] = 0;
        }
        scratch.touched.clear();

        searcher.for_each_hit(data, |pattern, hit_start, hit_end| {
            for &r in &prefilter.activates[pattern] {
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
                let end = (hit_end + w).min(data.len());
                let windows = &mut scratch.windows[r];
                match windows.last_mut() {
                    Some(last) if start <= last.1 && start >= last.0 => last.1 = last.1.max(end),
                    _ => windows.push((start, end)),
                }
            }
        });
        // Several keyword groups report their hits one group after another:
        // put each rule's windows back in order and merge the overlaps.
        if matches!(searcher, KeywordSearcher::Packed(groups) if groups.len() > 1) {
            for &r in &scratch.touched {
                merge_windows(&mut scratch.windows[r]);
            }
        }

        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for &r in &scratch.touched {
            if scratch.windows[r].is_empty() {
                continue;
            }
            let rule = &self.rules.rules()[r];
            let RuleKind::Content {
                regex,
                exclude,
                file_requires,
                file_excludes,
                context,
            } = &rule.kind
            else {
                continue;
            };
            if file_requires
                .as_ref()
                .is_some_and(|re| !re.get().is_match(data))
                || file_excludes
                    .as_ref()
                    .is_some_and(|re| re.get().is_match(data))
            {
                continue;
            }
            for &(ws, we) in &scratch.windows[r] {
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
                    if let Some(ex) = exclude {
                        if ex.get().is_match(&data[start..end]) {
                            continue;
                        }
                    }
                    if let Some((ss, se)) = secret {
                        if !secret_passes(rule, data, ss, se) {
                            continue;
                        }
                    }
                    if let Some(ctx) = context {
                        let (cs, ce) = lines_around(data, start, end, rule.spec.context_lines);
                        if !ctx.get().is_match(&data[cs..ce]) {
                            continue;
                        }
                    }
                    if rule.spec.skip_comments && is_comment_line(data, start) {
                        continue;
                    }
                    if is_suppressed(data, start, end) {
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
        resolve_precedence(&mut out, self.rules.rules());
        out.sort_by_key(|m| (m.start, m.rule));
        out
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

/// The keyword prefilter: SIMD packed search (Teddy) where the CPU and the
/// keyword set allow it, an Aho-Corasick automaton otherwise. A set larger
/// than [`PACKED_MAX`] is split into groups of that size, each searched in
/// its own pass: a dozen SIMD passes over a file still beat one pass of the
/// automaton (1.2 s against 3.2 s on the Linux tree). Each reports leftmost-first,
/// non-overlapping hits (across groups, hits may overlap).
enum KeywordSearcher {
    /// Groups of literals, with the number of the first literal of each.
    Packed(Vec<(usize, packed::Searcher)>),
    Automaton(AhoCorasick),
}

/// Literals per Teddy searcher. Teddy takes at most 64, but it slows down
/// sharply well before that (more literals per bucket, more false
/// candidates to verify): on the Linux tree with 128 literals, groups of
/// 64 took 2.2 s, of 32 2.0 s, of 20 1.5 s, of 12 1.2 s, of 8 1.3 s.
const PACKED_MAX: usize = 12;

impl Prefilter {
    /// The prefilter of the content rules not in `excluded`.
    fn new(rules: &RuleSet, excluded: &HashSet<usize>) -> Prefilter {
        let included = |i: usize, r: &crate::rules::Rule| {
            matches!(r.kind, RuleKind::Content { .. }) && !excluded.contains(&i)
        };
        let mut keywords: Vec<String> = Vec::new();
        for (i, rule) in rules.rules().iter().enumerate() {
            if included(i, rule) {
                for k in &rule.spec.keywords {
                    if !keywords.contains(k) {
                        keywords.push(k.clone());
                    }
                }
            }
        }
        // The prefilter searches only the minimal keywords: one that contains
        // another is dropped (wherever it occurs, the shorter one occurs too),
        // and a hit activates every rule with a keyword containing the hit.
        // Fewer literals mean fewer SIMD passes.
        let literals: Vec<String> = keywords
            .iter()
            .filter(|k| !keywords.iter().any(|o| o != *k && k.contains(o.as_str())))
            .cloned()
            .collect();
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
                rules
                    .rules()
                    .iter()
                    .enumerate()
                    .filter(|(i, r)| {
                        included(*i, r)
                            && r.spec
                                .keywords
                                .iter()
                                .any(|k| reached.iter().any(|l| k.contains(l.as_str())))
                    })
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        let keywords = (!literals.is_empty()).then(|| KeywordSearcher::new(&literals));
        Prefilter {
            keywords,
            activates,
        }
    }
}

impl KeywordSearcher {
    fn new(keywords: &[String]) -> KeywordSearcher {
        let groups = keywords.len().div_ceil(PACKED_MAX).max(1);
        let size = keywords.len().div_ceil(groups);
        let packed: Option<Vec<(usize, packed::Searcher)>> = keywords
            .chunks(size.max(1))
            .enumerate()
            .map(|(g, chunk)| {
                packed::Config::new()
                    .match_kind(packed::MatchKind::LeftmostFirst)
                    .builder()
                    .extend(chunk)
                    .build()
                    .map(|s| (g * size.max(1), s))
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
/// generic `sk-` key), keep only the rule with the highest precedence.
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
            if overlap && (pj > pi || (pj == pi && j < i)) {
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

    #[test]
    fn gates_are_a_superset_of_what_path_globs_match() {
        let g = |globs: &[&str]| Gate::of(&globs.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let code = g(&[
            "**/*.{java,kt}",
            "**/*.tf.json",
            "**/Dockerfile*",
            "**/hosts",
        ])
        .unwrap();
        for (path, admitted) in [
            ("src/App.java", true),
            ("main.tf.json", true),
            ("x/Dockerfile.prod", true),
            ("Dockerfile.d/base", true),
            ("etc/hosts", true),
            ("src/app.py", false),
            ("myhosts", false),
        ] {
            let name = path.rsplit('/').next().unwrap();
            assert_eq!(code.admits(path, name), admitted, "{path}");
        }
        // Shapes not understood here leave the rule in every prefilter.
        assert!(g(&["**/nginx/**"]).is_none());
        assert!(g(&["**/inventory/*"]).is_none());
        assert!(g(&[]).is_none());
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
        let hits = |s: &KeywordSearcher| {
            let mut v = Vec::new();
            s.for_each_hit(&data, |p, a, b| v.push((p, a, b)));
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
        let prefilter = m.prefilter("a.py");
        assert!(
            matches!(prefilter.keywords, Some(KeywordSearcher::Packed(_)))
                || !cfg!(target_arch = "x86_64")
        );
    }

    #[test]
    fn no_keyword_no_match() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let mut s = Scratch::default();
        assert!(m.scan("a.txt", b"nothing to see here", &mut s).is_empty());
    }
}
