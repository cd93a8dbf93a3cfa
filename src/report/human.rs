//! The human printer: one miette diagnostic per finding (rule, checklist
//! item, the masked source line with the match underlined, the fix), then
//! the checklist summary and a one-line total. Text is always styled (miette's
//! colour theme, `anstyle` for the summary); the caller's `anstream` stream
//! strips the styles when colour is off.

use std::fmt;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{checklist_summary, history_keys, ItemStatus, Report};
use crate::finding::Finding;
use crate::rules::{ChecklistItem, Severity};

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let theme = GraphicalTheme::unicode();
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    for finding in &report.output.findings {
        let help = report
            .rules
            .get(&finding.rule_id)
            .map(|r| r.spec.fix.trim().to_string());
        let diag = FindingDiagnostic::new(finding, help);
        let mut text = String::new();
        handler
            .render_report(&mut text, &diag)
            .map_err(|_| io::Error::other("rendering a diagnostic failed"))?;
        writeln!(out, "{text}")?;
    }
    write_summary(report, out)
}

const PASS: Style = AnsiColor::Green.on_default();
const FAIL: Style = AnsiColor::Red.on_default().bold();
const NOT_CHECKED: Style = Style::new().dimmed();

fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Security checklist ({}):", report.mode.command())?;
    let keys = history_keys(report);
    for (item, status) in checklist_summary(report) {
        let (style, mark, note) = match status {
            ItemStatus::Pass => (PASS, "pass", String::new()),
            ItemStatus::Fail(n) => (
                FAIL,
                "FAIL",
                format!("  {n} finding{}", if n == 1 { "" } else { "s" }),
            ),
            ItemStatus::NotChecked => (NOT_CHECKED, "----", "  not checked by this command".into()),
        };
        let note = match keys {
            Some(keys) if item == ChecklistItem(7) => format!("{note}; {keys}"),
            _ => note,
        };
        let line = format!(
            "  {style}{mark}{style:#}  {:<5} {:<48}{note}",
            item.to_string(),
            item.title()
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    let findings = &report.output.findings;
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let stats = &report.output.stats;
    writeln!(
        out,
        "\n{} finding{} ({} error, {} warning, {} note) in {} file{} ({} bytes scanned)",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
        stats.files_scanned,
        if stats.files_scanned == 1 { "" } else { "s" },
        stats.bytes_scanned,
    )?;
    if stats.skipped_binary + stats.skipped_large + stats.errors > 0 {
        writeln!(
            out,
            "skipped: {} binary, {} over the size cap, {} unreadable",
            stats.skipped_binary, stats.skipped_large, stats.errors
        )?;
    }
    Ok(())
}

/// A finding as a miette diagnostic.
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    help: Option<String>,
    source: LineSource,
    label: SourceSpan,
}

impl<'a> FindingDiagnostic<'a> {
    fn new(finding: &'a Finding, help: Option<String>) -> Self {
        // Names and lines come from the scanned repository: control
        // characters in them must not reach the terminal.
        let text = printable(&finding.snippet);
        let matched = printable(&finding.matched);
        let label = match text.find(matched.as_str()) {
            Some(off) if !matched.is_empty() => (off, matched.len()).into(),
            _ => {
                let off = char_offset_of_column(&text, finding.column);
                (off, 0).into()
            }
        };
        FindingDiagnostic {
            finding,
            help,
            source: LineSource {
                name: match finding.notebook {
                    // `notebook.ipynb (cell 3, line 2)`: the line shown is
                    // the cell's text, numbered as in the file.
                    Some(at) => printable(&format!("{} ({at})", finding.path)),
                    None => printable(&finding.path),
                },
                text,
                first_line: finding.line.saturating_sub(1),
            },
            label,
        }
    }
}

/// Byte offset of a 1-based UTF-16 column in `text` (clamped to its length).
fn char_offset_of_column(text: &str, column: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units + 1 >= column {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.finding.fmt(f)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&printable(&self.finding.message))
    }
}

/// `s` with control characters (escape sequences, carriage returns,
/// newlines in file names) shown as `\u{..}` escapes; tabs are kept.
pub fn printable(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\t') {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let key = match &self.finding.verification {
            Some(v) => format!(", key {}", v.status.as_str()),
            None => String::new(),
        };
        Some(Box::new(format!(
            "{} ({}{key})",
            self.finding.rule_id, self.finding.checklist
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        if self.source.text.is_empty() {
            None
        } else {
            Some(&self.source)
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.source.text.is_empty() {
            return None;
        }
        let label = LabeledSpan::new_with_span(Some(self.finding.rule_name.clone()), self.label);
        Some(Box::new(std::iter::once(label)))
    }
}

/// One masked source line that reports its real line number.
struct LineSource {
    name: String,
    text: String,
    first_line: usize,
}

impl SourceCode for LineSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_to_offset() {
        assert_eq!(char_offset_of_column("abc", 1), 0);
        assert_eq!(char_offset_of_column("abc", 3), 2);
        assert_eq!(char_offset_of_column("é😀x", 4), "é😀".len());
        assert_eq!(char_offset_of_column("ab", 9), 2);
    }
}
