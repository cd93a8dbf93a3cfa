//! Jupyter notebooks (`.ipynb`, nbformat 4). A notebook is JSON: its cells'
//! code, its prose and its outputs are JSON strings, with quotes and
//! newlines escaped, so rules and judges written for source code misread
//! them. Here the notebook is parsed (serde_json, borrowing each string
//! from the file through `RawValue`, so that its place in the file is
//! known) and scanned as two texts:
//!
//! - the code cells, one after the other, as a script in the kernel's
//!   language (`<path>.py` for Python notebooks, the kernel's
//!   `file_extension` otherwise): rules whose globs name `**/*.py` apply,
//!   and judges see every cell's imports and definitions, as the kernel does;
//! - markdown and raw cells and the text of outputs (stream text, the
//!   textual MIME types of `execute_result`/`display_data`, error values and
//!   tracebacks), as plain text (`<path>.txt`): credential rules apply, code
//!   rules do not.
//!
//! Each finding is mapped back to the exact line and column of the `.ipynb`
//! file (undoing the JSON escapes), so SARIF and GitHub annotations point at
//! real text, and carries its [`CellLocation`]. Whatever else the file holds
//! (metadata, attachments) is scanned as written, as any JSON file is. A
//! notebook that is not valid nbformat 4 JSON is left to the plain-text scan.
//!
//! Bounds: the file is already under the size cap; serde_json limits
//! nesting to 128 levels, nothing here recurses, and the texts built are no
//! larger than the file.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{content_findings, Located, ScanSettings};
use crate::engine::{Matcher, Scratch};
use crate::finding::{position, CellLocation, Finding};

/// The findings of a notebook at `path`, or `None` when `text` is not a
/// notebook this module can read (then it is scanned as plain text).
pub(super) fn scan_notebook(
    matcher: &Matcher,
    path: &str,
    text: &[u8],
    scratch: &mut Scratch,
    settings: &ScanSettings,
) -> Option<Vec<Finding>> {
    if !path.to_ascii_lowercase().ends_with(".ipynb") {
        return None;
    }
    let file = std::str::from_utf8(text).ok()?;
    let notebook: Notebook = serde_json::from_str(file).ok()?;
    let mut code = Piece::default();
    let mut prose = Piece::default();
    for (n, cell) in notebook.cells.iter().enumerate() {
        let cell_no = n + 1;
        if let Some(source) = cell.source {
            let piece = if cell.cell_type == "code" {
                &mut code
            } else {
                &mut prose
            };
            piece.begin_part(cell_no, None);
            piece.add_value(file, source, false);
        }
        for (k, output) in cell.outputs.iter().enumerate() {
            prose.begin_part(cell_no, Some(k + 1));
            for value in output.texts() {
                prose.add_value(file, value.0, value.1);
            }
        }
    }
    let code_as = format!("{path}{}", code_extension(notebook.metadata));
    let prose_as = format!("{path}.txt");
    let mut findings = Vec::new();
    let mut covered = Vec::new();
    for (piece, scan_as) in [(&code, &code_as), (&prose, &prose_as)] {
        covered.extend(
            piece
                .segments
                .iter()
                .map(|s| (s.file, s.file + s.raw.len())),
        );
        if piece.text.is_empty() {
            continue;
        }
        let found = content_findings(
            matcher,
            scan_as,
            path,
            piece.text.as_bytes(),
            scratch,
            settings,
        );
        findings.extend(found.into_iter().map(|l| piece.place(l, text)));
    }
    // The rest of the file, as it is written: what a cell or an output
    // holds was scanned above.
    covered.sort_unstable();
    let elsewhere = content_findings(matcher, path, path, text, scratch, settings)
        .into_iter()
        .filter(|l| !is_covered(&covered, l.start))
        .map(|l| l.finding);
    findings.extend(elsewhere);
    Some(findings)
}

/// The parts of nbformat 4 that are scanned; everything else is skipped
/// by serde without being kept.
#[derive(Deserialize)]
struct Notebook<'a> {
    #[serde(borrow)]
    cells: Vec<Cell<'a>>,
    #[serde(borrow, default)]
    metadata: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Cell<'a> {
    #[serde(default)]
    cell_type: String,
    /// A string or a list of strings.
    #[serde(borrow, default)]
    source: Option<&'a RawValue>,
    #[serde(borrow, default)]
    outputs: Vec<Output<'a>>,
}

#[derive(Deserialize)]
struct Output<'a> {
    /// `stream` output.
    #[serde(borrow, default)]
    text: Option<&'a RawValue>,
    /// `execute_result` and `display_data`: MIME type → content.
    #[serde(borrow, default)]
    data: Option<std::collections::BTreeMap<String, &'a RawValue>>,
    /// `error` output.
    #[serde(borrow, default)]
    evalue: Option<&'a RawValue>,
    #[serde(borrow, default)]
    traceback: Option<&'a RawValue>,
}

impl Output<'_> {
    /// The output's texts, with whether their list items are separate lines
    /// (a traceback's entries carry no newline of their own).
    fn texts(&self) -> impl Iterator<Item = (&RawValue, bool)> + '_ {
        let data = self.data.iter().flatten().filter_map(|(mime, value)| {
            let textual = mime.starts_with("text/")
                || mime.ends_with("+json")
                || mime.ends_with("+xml")
                || ["application/javascript", "application/json"].contains(&mime.as_str());
            textual.then_some((*value, false))
        });
        self.text
            .map(|t| (t, false))
            .into_iter()
            .chain(data)
            .chain(self.evalue.map(|t| (t, false)))
            .chain(self.traceback.map(|t| (t, true)))
    }
}

/// The extension under which code cells are scanned: the kernel's
/// `language_info.file_extension`, `.py` when the notebook names no language
/// or Python, `.txt` (no code rules) for another language without one.
fn code_extension(metadata: Option<&RawValue>) -> String {
    #[derive(Deserialize, Default)]
    struct Metadata {
        #[serde(default)]
        language_info: Option<LanguageInfo>,
        #[serde(default)]
        kernelspec: Option<KernelSpec>,
    }
    #[derive(Deserialize)]
    struct LanguageInfo {
        name: Option<String>,
        file_extension: Option<String>,
    }
    #[derive(Deserialize)]
    struct KernelSpec {
        language: Option<String>,
    }
    let meta: Metadata = metadata
        .and_then(|m| serde_json::from_str(m.get()).ok())
        .unwrap_or_default();
    let info = meta.language_info.as_ref();
    let extension = info.and_then(|i| i.file_extension.as_deref()).filter(|e| {
        e.len() <= 12
            && e.strip_prefix('.').is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric())
            })
    });
    if let Some(extension) = extension {
        return extension.to_string();
    }
    let language = info
        .and_then(|i| i.name.clone())
        .or_else(|| meta.kernelspec.and_then(|k| k.language));
    match language {
        Some(l) if !l.to_ascii_lowercase().starts_with("python") => ".txt".into(),
        _ => ".py".into(),
    }
}

/// Text built from pieces of a notebook, with the way back to the file.
#[derive(Default)]
struct Piece<'a> {
    text: String,
    /// In order of `at`.
    segments: Vec<Segment<'a>>,
    parts: Vec<Part>,
}

/// One JSON value of the file, decoded into a [`Piece`] at `at`.
struct Segment<'a> {
    at: usize,
    /// Decoded length.
    len: usize,
    /// The value as written in the file, at byte offset `file`.
    raw: &'a str,
    file: usize,
    /// A JSON string (escapes undone), or a value copied as written.
    string: bool,
    /// Index into `Piece::parts`.
    part: usize,
}

/// A cell's source or one of its outputs, starting at `start` in the text.
struct Part {
    cell: usize,
    output: Option<usize>,
    start: usize,
}

impl<'a> Piece<'a> {
    fn begin_part(&mut self, cell: usize, output: Option<usize>) {
        self.end_line();
        self.parts.push(Part {
            cell,
            output,
            start: self.text.len(),
        });
    }

    fn end_line(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
    }

    /// Add a string, a list of strings (each on its own line when
    /// `separate`) or another JSON value (as written).
    fn add_value(&mut self, file: &'a str, value: &'a RawValue, separate: bool) {
        match value.get().as_bytes().first() {
            Some(b'[') => {
                let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(value.get()) else {
                    return;
                };
                for item in items {
                    if separate {
                        self.end_line();
                    }
                    if item.get().starts_with('"') {
                        self.add_segment(file, item);
                    }
                }
            }
            Some(b'"' | b'{') => self.add_segment(file, value),
            _ => {}
        }
    }

    fn add_segment(&mut self, file: &'a str, value: &'a RawValue) {
        let raw = value.get();
        let string = raw.starts_with('"');
        let decoded = if string {
            match serde_json::from_str::<String>(raw) {
                Ok(s) => s,
                Err(_) => return,
            }
        } else {
            raw.to_string()
        };
        let Some(part) = self.parts.len().checked_sub(1) else {
            return;
        };
        self.segments.push(Segment {
            at: self.text.len(),
            len: decoded.len(),
            raw,
            file: raw.as_ptr() as usize - file.as_ptr() as usize,
            string,
            part,
        });
        self.text.push_str(&decoded);
    }

    /// The segment holding byte `off` of the text (for an end offset, the
    /// one holding the byte before it).
    fn segment(&self, off: usize, is_end: bool) -> &Segment<'a> {
        let key = if is_end { off.saturating_sub(1) } else { off };
        let i = self.segments.partition_point(|s| s.at <= key);
        &self.segments[i.saturating_sub(1)]
    }

    /// Byte offset in the file of byte `off` of the text.
    fn file_offset(&self, off: usize, is_end: bool) -> usize {
        let s = self.segment(off, is_end);
        let within = off.saturating_sub(s.at).min(s.len);
        if s.string {
            s.file + 1 + raw_offset(&s.raw[1..s.raw.len() - 1], within)
        } else {
            s.file + within
        }
    }

    /// A finding in the text, moved to its place in the notebook file.
    fn place(&self, located: Located, file: &[u8]) -> Finding {
        let Located {
            start,
            end,
            finding,
            ..
        } = located;
        let mut f = finding;
        let part = &self.parts[self.segment(start, false).part];
        let from = part.start.min(start);
        let line = memchr::memchr_iter(b'\n', &self.text.as_bytes()[from..start]).count() + 1;
        let at = CellLocation {
            cell: part.cell,
            output: part.output,
            line,
        };
        (f.line, f.column) = position(file, self.file_offset(start, false));
        (f.end_line, f.end_column) = position(file, self.file_offset(end, true));
        f.message = format!("{} ({at})", f.message);
        f.notebook = Some(at);
        f
    }
}

/// Offset in `raw` (the inside of a JSON string literal) of byte `decoded`
/// of its decoded text.
fn raw_offset(raw: &str, decoded: usize) -> usize {
    let bytes = raw.as_bytes();
    let (mut r, mut d) = (0, 0);
    while d < decoded && r < bytes.len() {
        if bytes[r] != b'\\' {
            let width = utf8_width(bytes[r]);
            r += width;
            d += width;
            continue;
        }
        match bytes.get(r + 1) {
            Some(b'u') => {
                let unit = |at: usize| {
                    raw.get(at..at + 4)
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                };
                let first = unit(r + 2).unwrap_or(0);
                let low = (0xD800..0xDC00).contains(&first)
                    && raw.get(r + 6..r + 8) == Some("\\u")
                    && unit(r + 8).is_some_and(|u| (0xDC00..0xE000).contains(&u));
                if low {
                    r += 12;
                    d += 4;
                } else {
                    r += 6;
                    d += char::from_u32(first).map_or(3, char::len_utf8);
                }
            }
            _ => {
                r += 2;
                d += 1;
            }
        }
    }
    r.min(bytes.len())
}

/// Length of the UTF-8 sequence that starts with byte `b`.
fn utf8_width(b: u8) -> usize {
    match b {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// Whether byte `off` of the file lies in one of the sorted `ranges`.
fn is_covered(ranges: &[(usize, usize)], off: usize) -> bool {
    let i = ranges.partition_point(|&(start, _)| start <= off);
    i > 0 && off < ranges[i - 1].1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_offsets_undo_escapes() {
        assert_eq!(raw_offset("abc", 2), 2);
        // `a\"b`: decoded `a"b`, byte 2 (`b`) is at raw 3.
        assert_eq!(raw_offset(r#"a\"b"#, 2), 3);
        // `\u00e9x`: é is 2 bytes decoded, 6 raw.
        assert_eq!(raw_offset(r"\u00e9x", 2), 6);
        // A surrogate pair: 4 bytes decoded, 12 raw.
        assert_eq!(raw_offset(r"\ud83d\ude00k", 4), 12);
        assert_eq!(raw_offset(r"ab\n", 9), 4);
    }

    #[test]
    fn covered_ranges() {
        let ranges = [(10, 20), (30, 40)];
        assert!(!is_covered(&ranges, 5));
        assert!(is_covered(&ranges, 10));
        assert!(is_covered(&ranges, 19));
        assert!(!is_covered(&ranges, 20));
        assert!(is_covered(&ranges, 35));
        assert!(!is_covered(&ranges, 40));
    }

    #[test]
    fn code_extension_follows_the_kernel() {
        let ext = |m: &str| code_extension(Some(&RawValue::from_string(m.into()).unwrap()));
        assert_eq!(code_extension(None), ".py");
        assert_eq!(ext(r#"{"kernelspec": {"language": "python"}}"#), ".py");
        assert_eq!(
            ext(r#"{"language_info": {"name": "R", "file_extension": ".r"}}"#),
            ".r"
        );
        assert_eq!(ext(r#"{"language_info": {"name": "julia"}}"#), ".txt");
        assert_eq!(
            ext(r#"{"language_info": {"file_extension": "../x"}}"#),
            ".py"
        );
        assert_eq!(ext(r#"{"language_info": 3}"#), ".py");
    }
}
