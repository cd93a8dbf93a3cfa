//! Secrets hidden under an encoding: base64 in a Kubernetes `Secret` or a
//! Docker `auth`, a basic-auth header, a percent-encoded URL, JSON or
//! JavaScript string escapes.
//!
//! Decoder rules (`decode = "..."` in the packs) find the encoded text like
//! any other rule: their keywords join the prefilter, so a file without
//! one costs nothing more. Each piece of text they match is decoded; when
//! it decodes to text, the file is scanned again as a *view* with that text
//! in place of the encoded one. The view keeps the lines around it, so a
//! rule that needs a name next to the key (`SKYTELLS_API_KEY: c2st...`)
//! still sees it, and judges read the same file. A finding of the view that
//! touches decoded text and is a credential is reported at the encoded
//! text in the file, with the layers undone (`decoded`); findings elsewhere in the view were
//! already found in the file and are dropped. Decoded text may itself hold
//! encoded text (a `.dockerconfigjson` holds `auth` values): views are
//! built again from the last one, at most [`MAX_LAYERS`] deep.
//!
//! Base64 and percent-decoding use the `base64` and `percent-encoding`
//! crates; string escapes are decoded here, since no crate decodes the
//! union of JSON and JavaScript escapes in a fragment of a string.

use std::borrow::Cow;
use std::ops::Range;

use base64::engine::general_purpose::GeneralPurpose;
use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};
use base64::Engine as _;

use super::{judged_findings, Located, ScanSettings};
use crate::engine::{line_end, line_start, Matcher, Scratch};
use crate::finding::{clip, mask, position, Decoded, SNIPPET_MAX};
use crate::rules::Encoding;

/// Layers of encoding undone, at most (base64 of a JSON document holding
/// base64, then one more).
pub const MAX_LAYERS: usize = 3;
/// Encoded texts decoded per layer of one file, at most.
const MAX_SEGMENTS: usize = 512;
/// Bytes of decoded text per file, at most, over all layers.
const MAX_DECODED: usize = 4 << 20;

/// Encoded text a decoder rule matched, in the text scanned.
pub(crate) struct Segment {
    pub start: usize,
    pub end: usize,
    pub encoding: Encoding,
    /// The decoder rule's index.
    pub rule: usize,
}

/// Decoded text in a view, and the encoded text in the file it stands for.
struct Region {
    view: Range<usize>,
    file: Range<usize>,
    layers: Vec<Decoded>,
}

/// The findings in what `segments` of `text` decode to, located at the
/// encoded text in `text`. A finding whose secret is encoded text that
/// decodes is superseded by what it decodes to: it is removed from `plain`
/// (the findings of `text` itself), and from each layer by the next.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decoded_findings(
    matcher: &Matcher,
    scan_as: &str,
    report_as: &str,
    text: &[u8],
    plain: &mut Vec<Located>,
    mut segments: Vec<Segment>,
    scratch: &mut Scratch,
    settings: &ScanSettings,
) -> Vec<Located> {
    let mut out: Vec<Located> = Vec::new();
    let mut budget = MAX_DECODED;
    // The last view and its findings (in its own offsets), with where its
    // decoded parts came from; `None` before the first.
    let mut current: Cow<'_, [u8]> = Cow::Borrowed(text);
    let mut last: Option<(Vec<Region>, Vec<Located>)> = None;
    for _ in 0..MAX_LAYERS {
        let (view, regions, decoded) =
            build_view(matcher, &current, &mut segments, last.as_ref(), &mut budget);
        // Superseded: a finding inside encoded text that decoding changes.
        // A key that reads the same decoded (a plain key in a
        // percent-encoded query) keeps its own, more precise place.
        let superseded = |l: &Located| {
            let (s, e) = l.secret.unwrap_or((l.start, l.end));
            let kept_verbatim = |r: &Region| {
                let secret = l.finding.secret.as_deref().unwrap_or_default();
                !secret.is_empty()
                    && memchr::memmem::find(&view[r.view.clone()], secret.as_bytes()).is_some()
            };
            decoded
                .iter()
                .zip(&regions)
                .any(|(d, r)| d.start <= s && e <= d.end && !kept_verbatim(r))
        };
        match &mut last {
            None => plain.retain(|l| !superseded(l)),
            Some((regions, found)) => {
                found.retain(|l| !superseded(l));
                out.extend(relocate_all(std::mem::take(found), regions, text, settings));
            }
        }
        if regions.is_empty() {
            last = None;
            break;
        }
        let (found, next) = judged_findings(matcher, scan_as, report_as, &view, scratch, settings);
        // Only credentials: decoding is for what encoding hides, and a
        // setting quoted in an escaped JSON dump is prose, not code.
        let found = found
            .into_iter()
            .filter(|l| l.secret.is_some())
            .filter(|l| {
                regions
                    .iter()
                    .any(|r| l.start < r.view.end && r.view.start < l.end)
            })
            .collect();
        last = Some((regions, found));
        current = Cow::Owned(view);
        segments = next;
    }
    if let Some((regions, found)) = last {
        out.extend(relocate_all(found, &regions, text, settings));
    }
    out
}

/// `current` with each segment that decodes to text replaced by that text;
/// the regions of decoded text; the spans (in `current`) of the segments
/// decoded. Past the first layer (`last` is the layer before), only
/// segments inside text the last layer decoded are new.
fn build_view(
    matcher: &Matcher,
    current: &[u8],
    segments: &mut [Segment],
    last: Option<&(Vec<Region>, Vec<Located>)>,
    budget: &mut usize,
) -> (Vec<u8>, Vec<Region>, Vec<Range<usize>>) {
    let rules = matcher.rules().rules();
    // The longest first; of equal spans, the decoder listed first (the
    // more specific ones come first in their pack).
    segments.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end), s.rule));
    let mut view = Vec::new();
    let mut regions: Vec<Region> = Vec::new();
    let mut decoded_spans = Vec::new();
    let mut copied = 0;
    for seg in segments.iter().take(MAX_SEGMENTS) {
        if seg.start < copied {
            continue; // inside a segment already decoded
        }
        let (file, mut layers) = match last {
            None => (seg.start..seg.end, Vec::new()),
            Some((parents, _)) => match parents
                .iter()
                .find(|p| p.view.start <= seg.start && seg.end <= p.view.end)
            {
                Some(p) => (p.file.clone(), p.layers.clone()),
                None => continue,
            },
        };
        let Some(decoded) = decode(seg.encoding, &current[seg.start..seg.end]) else {
            continue;
        };
        if decoded.len() > *budget {
            break;
        }
        *budget -= decoded.len();
        layers.push(Decoded {
            encoding: seg.encoding,
            rule: rules[seg.rule].spec.id.clone(),
        });
        view.extend_from_slice(&current[copied..seg.start]);
        let start = view.len();
        view.extend_from_slice(&decoded);
        regions.push(Region {
            view: start..view.len(),
            file,
            layers,
        });
        decoded_spans.push(seg.start..seg.end);
        copied = seg.end;
    }
    view.extend_from_slice(&current[copied..]);
    (view, regions, decoded_spans)
}

/// Findings of a view moved to the encoded text in the file that the
/// decoded text they touch stands for.
fn relocate_all<'a>(
    found: Vec<Located>,
    regions: &'a [Region],
    text: &'a [u8],
    settings: &'a ScanSettings,
) -> impl Iterator<Item = Located> + 'a {
    found.into_iter().filter_map(move |located| {
        let mut touched = regions
            .iter()
            .filter(|r| located.start < r.view.end && r.view.start < located.end);
        let first = touched.next()?;
        let end = touched.next_back().map_or(first.file.end, |r| r.file.end);
        let span = first.file.start..end;
        Some(relocate(
            located,
            text,
            span,
            &first.layers,
            settings.reveal,
        ))
    })
}

/// A finding of a view, moved to the encoded text `span` of the file.
fn relocate(
    located: Located,
    text: &[u8],
    span: Range<usize>,
    layers: &[Decoded],
    reveal: bool,
) -> Located {
    let mut f = located.finding;
    (f.line, f.column) = position(text, span.start);
    (f.end_line, f.end_column) = position(text, span.end);
    // The encoded text is the secret in another form: mask it like one.
    let ls = line_start(text, span.start);
    let le = line_end(text, span.start);
    let before = String::from_utf8_lossy(&text[ls..span.start]);
    let encoded = String::from_utf8_lossy(&text[span.start..span.end.min(le)]);
    let after = String::from_utf8_lossy(&text[span.end.min(le)..le]);
    let encoded = if reveal {
        encoded.into_owned()
    } else {
        mask(&encoded)
    };
    f.snippet = clip(
        &format!("{before}{encoded}{}", after.trim_end_matches('\r')),
        SNIPPET_MAX,
    );
    let names: Vec<&str> = layers.iter().map(|l| l.encoding.as_str()).collect();
    f.message = format!("{} (decoded from {})", f.message, names.join(", then "));
    f.decoded = layers.to_vec();
    Located {
        start: span.start,
        end: span.end,
        secret: None,
        finding: f,
    }
}

/// What `encoded` decodes to, when that is text (UTF-8 without control
/// characters other than tab and line breaks) and differs from it.
pub fn decode(encoding: Encoding, encoded: &[u8]) -> Option<Vec<u8>> {
    let decoded = match encoding {
        Encoding::Base64 => base64(encoded)?,
        Encoding::Percent => percent_encoding::percent_decode(encoded).collect(),
        Encoding::Escapes => unescape(encoded)?,
    };
    (decoded != encoded && is_text(&decoded)).then_some(decoded)
}

/// Standard or URL-safe base64 (either alphabet, even mixed), padded or not.
fn base64(encoded: &[u8]) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let standard: Vec<u8> = encoded
        .iter()
        .map(|&b| match b {
            b'-' => b'+',
            b'_' => b'/',
            b => b,
        })
        .collect();
    LENIENT.decode(standard).ok()
}

/// JSON and JavaScript string escapes: `\uXXXX` (surrogate pairs
/// joined), `\u{X...}`, `\xXX` and the one-character escapes. `None` when
/// an escape is malformed.
fn unescape(encoded: &[u8]) -> Option<Vec<u8>> {
    let hex = |digits: &[u8]| -> Option<u32> {
        let s = std::str::from_utf8(digits).ok()?;
        u32::from_str_radix(s, 16).ok()
    };
    let mut out = Vec::with_capacity(encoded.len());
    let mut i = 0;
    let push = |out: &mut Vec<u8>, c: char| {
        let mut buf = [0; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    };
    while i < encoded.len() {
        let b = encoded[i];
        if b != b'\\' || i + 1 == encoded.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = encoded[i + 1];
        i += 2;
        match e {
            b'u' if encoded.get(i) == Some(&b'{') => {
                let close = encoded[i..].iter().position(|&c| c == b'}')?;
                let c = char::from_u32(hex(&encoded[i + 1..i + close])?)?;
                push(&mut out, c);
                i += close + 1;
            }
            b'u' => {
                let unit = hex(encoded.get(i..i + 4)?)?;
                i += 4;
                let c = if (0xD800..0xDC00).contains(&unit) && encoded.get(i..i + 2) == Some(b"\\u")
                {
                    let low = hex(encoded.get(i + 2..i + 6)?)?;
                    i += 6;
                    char::decode_utf16([unit as u16, low as u16]).next()?.ok()?
                } else {
                    char::from_u32(unit)?
                };
                push(&mut out, c);
            }
            b'x' => {
                let c = char::from_u32(hex(encoded.get(i..i + 2)?)?)?;
                i += 2;
                push(&mut out, c);
            }
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'b' | b'f' | b'v' | b'0' => out.push(b' '),
            other => out.push(other),
        }
    }
    Some(out)
}

/// UTF-8 with no control character but tab, line feed and carriage return.
fn is_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && std::str::from_utf8(bytes).is_ok_and(|s| {
            s.chars()
                .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_either_alphabet_padded_or_not() {
        assert_eq!(
            decode(Encoding::Base64, b"c2stcHJvag==").unwrap(),
            b"sk-proj"
        );
        assert_eq!(decode(Encoding::Base64, b"c2stcHJvag").unwrap(), b"sk-proj");
        // `?>>` is `Pz4+` in the standard alphabet, `Pz4-` in the URL-safe one.
        assert_eq!(decode(Encoding::Base64, b"Pz4-").unwrap(), b"?>>");
        assert_eq!(decode(Encoding::Base64, b"Pz4+").unwrap(), b"?>>");
    }

    #[test]
    fn only_text_is_decoded() {
        // Bytes that are not UTF-8, control characters, an invalid length.
        assert!(decode(Encoding::Base64, b"/w==").is_none());
        assert!(decode(Encoding::Base64, b"AAEC").is_none());
        assert!(decode(Encoding::Base64, b"c2stc").is_none());
        // Nothing to undo.
        assert!(decode(Encoding::Percent, b"plain").is_none());
        assert!(decode(Encoding::Escapes, b"plain").is_none());
    }

    #[test]
    fn percent_and_escapes() {
        assert_eq!(
            decode(Encoding::Percent, b"%7B%22key%22%3A%22sk%2Dab%22%7D").unwrap(),
            b"{\"key\":\"sk-ab\"}"
        );
        assert_eq!(
            decode(
                Encoding::Escapes,
                br#"sk\u002dproj\x2dab\"\/\u{1F600}\ud83d\ude00"#
            )
            .unwrap(),
            "sk-proj-ab\"/\u{1F600}\u{1F600}".as_bytes()
        );
        assert!(decode(Encoding::Escapes, br"\u00").is_none());
        assert!(decode(Encoding::Escapes, br"\ud800x").is_none());
    }
}
