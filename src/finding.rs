//! The `Finding` model every source produces and every report consumes,
//! with the two rules that hold in all formats: secrets are masked unless
//! the user asks otherwise, and a fingerprint never holds a line number or a
//! raw secret.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::{line_end, line_start, RawMatch};
use crate::rules::{ChecklistItem, Encoding, Rule, Severity};

/// Longest snippet kept for a finding, in characters.
pub(crate) const SNIPPET_MAX: usize = 240;

/// One reported problem.
#[derive(Clone, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub checklist: String,
    pub severity: Severity,
    /// Repository-relative path with `/` separators.
    pub path: String,
    /// 1-based line and column (columns count UTF-16 code units, as SARIF does).
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    /// 1-based, exclusive.
    pub end_column: usize,
    pub message: String,
    /// The source line, secret masked unless `--show-secrets`.
    pub snippet: String,
    /// The matched text, masked like the snippet.
    #[serde(rename = "match")]
    pub matched: String,
    pub fingerprint: String,
    /// Where a finding from git history first appeared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// In how many distinct blobs of history the same match was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<usize>,
    /// For a finding in a Jupyter notebook's cell or output: where, in
    /// notebook terms (`line`/`column` stay positions in the `.ipynb` file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notebook: Option<CellLocation>,
    /// For a finding in decoded text (base64 in a Kubernetes Secret, a
    /// percent-encoded URL...): the layers undone to reach it, outermost
    /// first. `line`/`column` then span the encoded text in the file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decoded: Vec<Decoded>,
    /// With `--verify`: whether the key is live, revoked or unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    /// The raw secret; kept in memory for cross-file checks, never serialised.
    #[serde(skip)]
    pub secret: Option<String>,
    #[serde(skip)]
    pub checklist_item: ChecklistItem,
}

/// The commit that first introduced what a history finding is about.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Provenance {
    /// Empty for an object that no commit holds (see `reference`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub commit: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub author: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// Commit time, RFC 3339 UTC.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub date: String,
    #[serde(skip)]
    pub time: i64,
    /// For a tree or blob that a ref reaches without any commit (a tag of
    /// a blob, say): that ref. There is no commit, author or date then.
    /// `unreachable` ([`UNREACHABLE`]) for objects no ref reaches
    /// (`history --all-objects`): a commit keeps its id, author and date;
    /// a blob no commit names has none, and its id is the finding's path.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// What the provider said about a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// The provider accepted the key.
    Live,
    /// The provider rejected the key, as it documents for a revoked one.
    Revoked,
    /// Anything else: no check exists, the network failed, the provider
    /// was busy, or its answer does not say.
    Unknown,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Live => "live",
            KeyStatus::Revoked => "revoked",
            KeyStatus::Unknown => "unknown",
        }
    }
}

/// The live verification of one finding's key (JSON `verification`,
/// filled in by `verify` when asked for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub status: KeyStatus,
    /// The status of the provider's answer, when there was one.
    pub http_status: Option<u16>,
    /// When the check was made (RFC 3339, UTC); absent when none was.
    pub checked_at: Option<String>,
    /// Who was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
    /// Why the status is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The `ref` of the provenance of objects that no ref reaches
/// (`history --all-objects`).
pub const UNREACHABLE: &str = "unreachable";

/// One layer of encoding undone to reach a finding.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Decoded {
    pub encoding: Encoding,
    /// The decoder rule that recognised the encoded text.
    pub rule: String,
}

/// A place in a Jupyter notebook: 1-based cell, output and line numbers.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct CellLocation {
    /// The cell, counting every cell (code, markdown, raw) from 1.
    pub cell: usize,
    /// The cell's output the finding is in (counting from 1); absent for the
    /// cell's own source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<usize>,
    /// The line within the cell's source, or within that output's text.
    pub line: usize,
}

impl std::fmt::Display for CellLocation {
    /// `cell 3, line 2` or `cell 3, output 1, line 2`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cell {}", self.cell)?;
        if let Some(output) = self.output {
            write!(f, ", output {output}")?;
        }
        write!(f, ", line {}", self.line)
    }
}

impl Provenance {
    pub fn short_commit(&self) -> &str {
        &self.commit[..self.commit.len().min(10)]
    }

    /// `"{verb} in <short id> by <author> on <day>"`, for messages.
    pub fn describe(&self, verb: &str) -> String {
        let unreachable = self.reference.as_deref() == Some(UNREACHABLE);
        match &self.reference {
            Some(_) if unreachable && self.commit.is_empty() => {
                return "in an object that no ref or commit reaches".to_string();
            }
            Some(reference) if !unreachable => {
                return format!("in no commit: {reference} reaches it");
            }
            _ => {}
        }
        format!(
            "{verb} in {} by {} on {}{}",
            self.short_commit(),
            self.author,
            &self.date[..self.date.len().min(10)],
            if unreachable {
                ", a commit that no ref reaches"
            } else {
                ""
            }
        )
    }
}

impl std::fmt::Debug for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finding")
            .field("rule_id", &self.rule_id)
            .field("path", &self.path)
            .field("line", &self.line)
            .field("matched", &self.matched)
            .finish_non_exhaustive()
    }
}

impl Finding {
    /// Build a finding from a content match in `data`.
    pub fn from_match(rule: &Rule, path: &str, data: &[u8], m: &RawMatch, reveal: bool) -> Finding {
        let (line, column) = position(data, m.start);
        let (end_line, end_column) = position(data, m.end);
        let secret = m
            .secret
            .map(|(s, e)| String::from_utf8_lossy(&data[s..e]).into_owned());
        let matched_raw = String::from_utf8_lossy(&data[m.start..m.end]).into_owned();
        let hidden = m
            .hidden
            .map(|(s, e)| String::from_utf8_lossy(&data[s..e]).into_owned());
        let conceal = |text: &str| {
            let mut out = text.to_string();
            if !reveal {
                for s in [&secret, &hidden].into_iter().flatten() {
                    if !s.is_empty() {
                        out = out.replace(s.as_str(), &mask(s));
                    }
                }
            }
            out
        };
        let ls = line_start(data, m.start);
        let le = line_end(data, m.start);
        let line_text = String::from_utf8_lossy(&data[ls..le]);
        let snippet = clip(&conceal(line_text.trim_end_matches('\r')), SNIPPET_MAX);
        let matched = clip(&conceal(&matched_raw), SNIPPET_MAX);
        let identity = secret.as_deref().unwrap_or(matched_raw.trim());
        Finding {
            line,
            column,
            end_line,
            end_column,
            message: rule.spec.message.replace("{match}", &matched),
            snippet,
            matched,
            fingerprint: fingerprint(&rule.fingerprint_id(), path, identity),
            secret,
            ..Finding::of_rule(rule, path)
        }
    }

    /// A finding of `rule` at line 1 of `path`, to be filled in.
    fn of_rule(rule: &Rule, path: &str) -> Finding {
        Finding {
            rule_id: rule.spec.id.clone(),
            rule_name: rule.spec.name.clone(),
            checklist: rule.spec.checklist.to_string(),
            checklist_item: rule.spec.checklist,
            severity: rule.spec.severity,
            path: path.to_string(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            message: String::new(),
            snippet: String::new(),
            matched: String::new(),
            fingerprint: String::new(),
            provenance: None,
            occurrences: None,
            notebook: None,
            decoded: Vec::new(),
            verification: None,
            secret: None,
        }
    }

    /// Build a finding about a file as a whole (line 1).
    pub fn for_file(rule: &Rule, path: &str, first_line: &str) -> Finding {
        let name = path.rsplit('/').next().unwrap_or(path);
        Finding {
            end_column: first_line.encode_utf16().count() + 1,
            message: rule.spec.message.replace("{match}", name),
            matched: name.to_string(),
            fingerprint: fingerprint(&rule.fingerprint_id(), path, ""),
            ..Finding::of_rule(rule, path)
        }
    }
}

impl Finding {
    /// The same location and secret reported under another rule (for checks
    /// derived from a content finding, such as a key left in history).
    pub fn derived(&self, rule: &Rule, message: String) -> Finding {
        let identity = self.secret.as_deref().unwrap_or(&self.matched);
        Finding {
            rule_id: rule.spec.id.clone(),
            rule_name: rule.spec.name.clone(),
            checklist: rule.spec.checklist.to_string(),
            checklist_item: rule.spec.checklist,
            severity: rule.spec.severity,
            message,
            fingerprint: fingerprint(&rule.fingerprint_id(), &self.path, identity),
            ..self.clone()
        }
    }
}

impl Finding {
    /// Move a finding made on a file inside a container (an archive entry,
    /// scanned under its inner path so that path rules see that path) to
    /// the container: the path becomes `container!inner`, and the
    /// fingerprint is derived again from the rule, the full path and the
    /// old fingerprint (which holds the hash of the secret or match).
    pub fn relocate(&mut self, container: &str) {
        self.path = format!("{container}!{}", self.path);
        self.fingerprint = fingerprint(&self.rule_id, &self.path, &self.fingerprint);
    }
}

impl Finding {
    /// Mask each of `secrets` wherever it appears in this finding's text.
    pub fn conceal(&mut self, secrets: &[String]) {
        for text in [&mut self.snippet, &mut self.matched, &mut self.message] {
            conceal_in(text, secrets);
        }
    }
}

/// Mask each of `secrets` wherever it appears in `text`.
pub fn conceal_in(text: &mut String, secrets: &[String]) {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret.as_str()) {
            *text = text.replace(secret.as_str(), &mask(secret));
        }
    }
}

/// 1-based line and UTF-16 column of byte offset `pos`.
pub fn position(data: &[u8], pos: usize) -> (usize, usize) {
    let line = memchr::memchr_iter(b'\n', &data[..pos]).count() + 1;
    let ls = memchr::memrchr(b'\n', &data[..pos]).map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&data[ls..pos])
        .encode_utf16()
        .count()
        + 1;
    (line, col)
}

/// Keep a short prefix of a secret and mask the rest with `*`: at most 8
/// characters and never more than a quarter of it stay readable.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = (n / 4).min(8);
    let mut out: String = secret.chars().take(keep).collect();
    out.extend(std::iter::repeat_n('*', n - keep));
    out
}

/// Content-based fingerprint: rule id, normalised path and a hash of the
/// secret (or matched text). No line numbers, no raw secret.
pub fn fingerprint(rule_id: &str, path: &str, identity: &str) -> String {
    let inner = Sha256::digest(identity.as_bytes());
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(normalise_path(path).as_bytes());
    h.update([0]);
    h.update(inner);
    let digest = h.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Paths compare with `/` separators and without a leading `./`.
pub fn normalise_path(path: &str) -> String {
    let p = path.replace('\\', "/");
    p.trim_start_matches("./").to_string()
}

/// Shorten `s` to `max` characters, marking the cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_a_short_prefix() {
        let key = "sk-q8ZrT2mW4vLn7Kc1Xy9PbF3hJd6GsA0e"; // skyscan:allow
        let m = mask(key);
        assert_eq!(m.chars().count(), key.chars().count());
        assert!(m.starts_with("sk-q8ZrT"));
        assert!(!m.contains("Xy9PbF3hJd6GsA0e"));
        assert_eq!(mask("abcd"), "a***");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn fingerprint_is_stable_and_content_based() {
        let a = fingerprint("r", "./src/a.py", "sk-1");
        assert_eq!(a, fingerprint("r", "src/a.py", "sk-1"));
        assert_ne!(a, fingerprint("r", "src/a.py", "sk-2"));
        assert_ne!(a, fingerprint("q", "src/a.py", "sk-1"));
        assert_eq!(a.len(), 32);
        assert!(!a.contains("sk-1"));
    }

    #[test]
    fn positions_are_one_based_utf16() {
        let d = "ab\nxé😀k".as_bytes();
        assert_eq!(position(d, 0), (1, 1));
        assert_eq!(position(d, 3), (2, 1));
        let k = d.len() - 1;
        // x (1) + é (1) + 😀 (2 UTF-16 units) = column 5
        assert_eq!(position(d, k), (2, 5));
    }
}
