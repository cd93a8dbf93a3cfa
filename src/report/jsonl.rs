//! JSON Lines: one finding per line, the same object as in the `json`
//! report's `findings`, and nothing else, so that `jq`, log shippers and
//! other line-oriented tools can consume findings as they stream.

use std::io::{self, Write};

use super::Report;

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.output.findings {
        serde_json::to_writer(&mut *out, finding)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
