//! The per-file pipeline every source shares: decode, skip binaries, run the
//! matcher, turn matches into findings, then add the path rules for files
//! that are (or would be) committed, and the SC2 finding for a credential
//! in a web framework's client bundle.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

mod decode;
mod notebook;

use crate::checks::{client_bundle, env_files};
use crate::engine::{Matcher, Scratch};
use crate::finding::Finding;
use crate::judge::{Case, Project, Verdict};

/// Bytes looked at to decide that a file is binary.
pub const BINARY_PROBE: usize = 8192;

/// What the sources need to know to scan one file.
#[derive(Debug, Clone, Default)]
pub struct ScanSettings {
    /// Print secrets in full (`--show-secrets`).
    pub reveal: bool,
    /// What the judges may ask about the project (see [`Project`]);
    /// `None` when nothing is known.
    pub project: Option<Arc<Project>>,
    /// Told, one line at a time, which file was scanned or skipped and why
    /// (`--verbose`); sources that know no more than their counts say nothing.
    pub log: Option<fn(&str)>,
}

impl ScanSettings {
    /// Tell the log, if there is one; `line` is only built then.
    pub fn log(&self, line: impl FnOnce() -> String) {
        if let Some(log) = self.log {
            log(&line());
        }
    }
}

/// Text of a file ready for matching, or `None` for a binary file.
/// Text with a UTF-16 byte-order mark is decoded to UTF-8 (by `encoding_rs`,
/// malformed units becoming U+FFFD); other text is matched as it is.
pub fn decode(data: &[u8]) -> Option<Cow<'_, [u8]>> {
    match encoding_rs::Encoding::for_bom(data) {
        Some((encoding, bom)) if encoding != encoding_rs::UTF_8 => {
            let (text, _) = encoding.decode_without_bom_handling(&data[bom..]);
            Some(Cow::Owned(text.into_owned().into_bytes()))
        }
        _ => {
            let probe = &data[..data.len().min(BINARY_PROBE)];
            if memchr::memchr(0, probe).is_some() {
                None
            } else {
                Some(Cow::Borrowed(data))
            }
        }
    }
}

/// Scan one file's decoded text. `committed` says whether the file is
/// tracked by git or would be committed (always true outside a repository):
/// only then do the path rules (committed `.env` files) apply. A Jupyter
/// notebook is scanned cell by cell (see [`notebook`]).
pub fn scan_file(
    matcher: &Matcher,
    path: &str,
    text: &[u8],
    scratch: &mut Scratch,
    settings: &ScanSettings,
    committed: bool,
) -> Vec<Finding> {
    if is_own_output(path, text) {
        return Vec::new();
    }
    let mut findings = match notebook::scan_notebook(matcher, path, text, scratch, settings) {
        Some(found) => found,
        None => content_findings(matcher, path, path, text, scratch, settings)
            .into_iter()
            .map(|l| l.finding)
            .collect(),
    };
    // A line can hold a secret and also match a rule that is not about
    // secrets (a browser fetch with a literal key): mask every secret of the
    // file in every finding, not only in its own.
    if !settings.reveal {
        let secrets: Vec<String> = findings.iter().filter_map(|f| f.secret.clone()).collect();
        if !secrets.is_empty() {
            for f in &mut findings {
                f.conceal(&secrets);
            }
        }
    }
    let shipped = client_bundle::bundle_findings(matcher.rules(), path, &findings);
    findings.extend(shipped);
    if committed && env_files::is_env_candidate(matcher.rules(), path) {
        let extra = env_files::env_file_findings(matcher.rules(), path, &findings, text);
        findings.splice(0..0, extra);
    }
    findings
}

/// A content finding with the byte span of its match in the text scanned.
pub(crate) struct Located {
    pub start: usize,
    pub end: usize,
    /// The span of the secret, for a credential.
    pub secret: Option<(usize, usize)>,
    pub finding: Finding,
}

/// The content rules' findings in `text`, judged, secrets not yet masked
/// across findings, with those in the text that decoders find encoded in
/// it (see [`decode`]). Rules and judges see the file as `scan_as` (which
/// rules apply depends on it); findings name `report_as`.
pub(crate) fn content_findings(
    matcher: &Matcher,
    scan_as: &str,
    report_as: &str,
    text: &[u8],
    scratch: &mut Scratch,
    settings: &ScanSettings,
) -> Vec<Located> {
    let (mut findings, encoded) =
        judged_findings(matcher, scan_as, report_as, text, scratch, settings);
    if !encoded.is_empty() {
        let decoded = decode::decoded_findings(
            matcher,
            scan_as,
            report_as,
            text,
            &mut findings,
            encoded,
            scratch,
            settings,
        );
        // Encoded text may hold the key in plain (a percent-encoded query
        // whose key needs no escaping): it was found without decoding.
        let plain = findings.len();
        for d in decoded {
            let seen = findings[..plain].iter().any(|p| {
                p.finding.rule_id == d.finding.rule_id
                    && p.finding.secret == d.finding.secret
                    && p.start < d.end
                    && d.start < p.end
            });
            if !seen {
                findings.push(d);
            }
        }
        findings.sort_by_key(|l| l.start);
    }
    findings
}

/// The content rules' findings in `text`, judged; and the encoded text
/// the decoder rules found in it, not yet decoded.
fn judged_findings(
    matcher: &Matcher,
    scan_as: &str,
    report_as: &str,
    text: &[u8],
    scratch: &mut Scratch,
    settings: &ScanSettings,
) -> (Vec<Located>, Vec<decode::Segment>) {
    let rules = matcher.rules().rules();
    static UNKNOWN: std::sync::LazyLock<Project> = std::sync::LazyLock::new(Project::unknown);
    let project = settings.project.as_deref().unwrap_or(&UNKNOWN);
    let mut once = HashSet::new();
    let mut findings = Vec::new();
    let mut encoded = Vec::new();
    for m in matcher.scan(scan_as, text, scratch) {
        let rule = &rules[m.rule];
        if let Some(encoding) = rule.spec.decode {
            encoded.push(decode::Segment {
                start: m.start,
                end: m.end,
                encoding,
                rule: m.rule,
            });
            continue;
        }
        let adjust = match rule.judge {
            None => Default::default(),
            Some(judge) => {
                let case = Case {
                    path: scan_as,
                    text,
                    start: m.start,
                    end: m.end,
                    project,
                };
                match crate::judge::review(judge, &case) {
                    Verdict::Drop => continue,
                    Verdict::Keep(adjust) => adjust,
                }
            }
        };
        if rule.spec.once_per_file && !once.insert((m.rule, &text[m.start..m.end])) {
            continue;
        }
        let mut finding = Finding::from_match(rule, report_as, text, &m, settings.reveal);
        if let Some(severity) = adjust.severity {
            finding.severity = severity;
        }
        if let Some(message) = adjust.message {
            finding.message = message.replace("{match}", &finding.matched);
        }
        findings.push(Located {
            start: m.start,
            end: m.end,
            secret: m.secret,
            finding,
        });
    }
    (findings, encoded)
}

/// Bytes looked at, at the start of a file, to recognise skyscan's own output.
const OWN_OUTPUT_PROBE: usize = 4096;

/// How a CSV report of skyscan's begins (see `report::csv`).
pub const CSV_HEADER_START: &str = "rule_id,checklist,severity,path,line,column,";

/// A report or baseline skyscan wrote (JSON, JSON Lines, SARIF, CSV): its
/// snippets quote the code it found, so scanning it would report every
/// finding a second time.
pub fn is_own_output(path: &str, text: &[u8]) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    // `--format csv`: its header names the columns of a finding.
    if name.ends_with(".csv") {
        return text.starts_with(CSV_HEADER_START.as_bytes());
    }
    if ![".json", ".jsonl", ".sarif"]
        .iter()
        .any(|e| name.ends_with(e))
    {
        return false;
    }
    let head = &text[..text.len().min(OWN_OUTPUT_PROBE)];
    let has = |hay: &[u8], needle: &str| memchr::memmem::find(hay, needle.as_bytes()).is_some();
    let names_skyscan =
        |hay: &[u8]| has(hay, "\"name\": \"skyscan\"") || has(hay, "\"name\":\"skyscan\"");
    // `--format json`: `{"tool": {"name": "skyscan", ...`
    let report = has(head, "\"tool\"") && names_skyscan(head);
    // SARIF: the driver's name comes after the results, anywhere in the file.
    let sarif = has(head, "sarif") && names_skyscan(text);
    // A baseline, or findings one per line: fingerprints with rule ids.
    let findings = has(head, "\"fingerprint\"") && has(head, "\"rule_id\"");
    report || sarif || findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_reports_and_baselines_are_recognised() {
        let report = br#"{ "tool": { "name": "skyscan", "version": "0.1.0" }, "findings": [] }"#;
        assert!(is_own_output("out/report.json", report));
        let baseline = br#"{ "version": 1, "findings": [ { "fingerprint": "0f41", "rule_id": "x", "path": "a" } ] }"#;
        assert!(is_own_output(".skyscan-baseline.json", baseline));
        let sarif = br#"{ "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": [ { "tool": { "driver": { "name": "skyscan" } } } ] }"#;
        assert!(is_own_output("skyscan.sarif", sarif));
        assert!(!is_own_output(
            "package.json",
            br#"{ "name": "skyscan-ui" }"#
        ));
        assert!(!is_own_output("report.txt", report));
        let csv = b"rule_id,checklist,severity,path,line,column,end_line,end_column,message\n";
        assert!(is_own_output("out/skyscan.csv", csv));
        assert!(!is_own_output("data.csv", b"id,name\n1,curl -k\n"));
    }

    #[test]
    fn binary_is_skipped_text_is_kept() {
        assert!(decode(b"abc\0def").is_none());
        assert_eq!(decode(b"plain").unwrap().as_ref(), b"plain");
        assert_eq!(decode(b"").unwrap().as_ref(), b"");
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut le = vec![0xFF, 0xFE];
        for u in "key=1".encode_utf16() {
            le.extend(u.to_le_bytes());
        }
        assert_eq!(decode(&le).unwrap().as_ref(), b"key=1");
        let mut be = vec![0xFE, 0xFF];
        for u in "ok".encode_utf16() {
            be.extend(u.to_be_bytes());
        }
        assert_eq!(decode(&be).unwrap().as_ref(), b"ok");
        // A lone surrogate and an odd last byte become U+FFFD.
        let broken = [0xFF, 0xFE, 0x00, 0xD8, b'a', 0, b'b'];
        assert_eq!(
            decode(&broken).unwrap().as_ref(),
            "\u{FFFD}a\u{FFFD}".as_bytes()
        );
        // A UTF-8 byte-order mark is kept, as any UTF-8 text.
        assert_eq!(decode(b"\xEF\xBB\xBFx").unwrap().as_ref(), b"\xEF\xBB\xBFx");
    }
}
