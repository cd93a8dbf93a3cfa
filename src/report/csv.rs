//! CSV (RFC 4180, through the `csv` crate): a header and one row per
//! finding, for spreadsheets and data tools; three columns place a finding
//! in a Jupyter notebook (cell, output, line; empty elsewhere), the last
//! three hold `--verify`'s answer (status, HTTP status, time).
//! Cells that a spreadsheet would read as a formula (text from the scanned
//! files starting with `=`, `+`, `-`, `@`, a tab or a carriage return) get
//! a leading `'`, so opening the report cannot run what a scanned file
//! holds.

use std::io::{self, Write};

use super::Report;
use crate::finding::Finding;

/// The columns, in order.
pub const HEADER: [&str; 23] = [
    "rule_id",
    "checklist",
    "severity",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "message",
    "snippet",
    "match",
    "fingerprint",
    "commit",
    "author",
    "email",
    "date",
    "occurrences",
    "cell",
    "cell_output",
    "cell_line",
    "verification",
    "verification_http_status",
    "verification_checked_at",
];

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(HEADER)?;
    for f in &report.output.findings {
        csv.write_record(row(f))?;
    }
    csv.flush()
}

fn row(f: &Finding) -> Vec<String> {
    let p = f.provenance.as_ref();
    let v = f.verification.as_ref();
    let provenance = |get: fn(&crate::finding::Provenance) -> &String| {
        p.map(|p| defuse(get(p))).unwrap_or_default()
    };
    let cell = |get: fn(&crate::finding::CellLocation) -> Option<usize>| {
        f.notebook
            .as_ref()
            .and_then(get)
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    vec![
        f.rule_id.clone(),
        f.checklist.clone(),
        f.severity.as_str().to_string(),
        defuse(&f.path),
        f.line.to_string(),
        f.column.to_string(),
        f.end_line.to_string(),
        f.end_column.to_string(),
        defuse(&f.message),
        defuse(&f.snippet),
        defuse(&f.matched),
        f.fingerprint.clone(),
        provenance(|p| &p.commit),
        provenance(|p| &p.author),
        provenance(|p| &p.email),
        provenance(|p| &p.date),
        f.occurrences.map(|n| n.to_string()).unwrap_or_default(),
        cell(|c| Some(c.cell)),
        cell(|c| c.output),
        cell(|c| Some(c.line)),
        v.map(|v| v.status.as_str().to_string()).unwrap_or_default(),
        v.and_then(|v| v.http_status)
            .map(|s| s.to_string())
            .unwrap_or_default(),
        v.and_then(|v| v.checked_at.clone()).unwrap_or_default(),
    ]
}

/// `text`, with a `'` before it when a spreadsheet would take it for a
/// formula.
fn defuse(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{defuse, HEADER};

    #[test]
    fn the_scanner_knows_the_header() {
        assert!(HEADER.join(",").starts_with(crate::scan::CSV_HEADER_START));
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("key = 1"), "key = 1");
        assert_eq!(defuse(""), "");
    }
}
