//! The end of every scanning command: apply the baseline, decide the
//! outcome, then say what needs saying. Reports go to standard output (the
//! human one through an `anstream` stream that keeps or strips its colours)
//! or to the files asked for; warnings and errors go to standard error.
//! `--quiet` silences both when there is no finding and nothing went wrong;
//! a reader that closes the pipe early ends the output, not the run: the
//! exit code is still the one the findings call for.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anstyle::{AnsiColor, Style};

use super::Outcome;
use crate::baseline::Baseline;
use crate::cli::CommonArgs;
use crate::error::Error;
use crate::report::{self, Format, Report, VcsInfo};
use crate::rules::{Mode, RuleSet};
use crate::source::ScanOutput;

/// What a scanning command found, and how.
pub struct Scanned<'a> {
    pub rules: &'a RuleSet,
    pub output: ScanOutput,
    pub mode: Mode,
    pub vcs: Option<VcsInfo>,
    /// The configuration file applied, if any.
    pub config: Option<PathBuf>,
    /// Inputs that could not be scanned at all (a path that does not exist).
    pub errors: Vec<String>,
}

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();

/// A `--verbose` line on standard error.
pub fn verbose(line: &str) {
    let _ = writeln!(anstream::stderr(), "skyscan: {}", report::printable(line));
}

fn message(style: Style, label: &str, text: &str) {
    let _ = writeln!(
        anstream::stderr(),
        "skyscan: {style}{label}:{style:#} {}",
        report::printable(text)
    );
}

/// Apply the baseline, write the reports, and decide the outcome.
pub(super) fn finish(run: Scanned, common: &CommonArgs) -> Result<Outcome, Error> {
    let Scanned {
        rules,
        mut output,
        mode,
        vcs,
        config,
        errors,
    } = run;
    if common.format == Format::Sarif || common.sarif_output.is_some() {
        for f in &output.findings {
            if report::relative_uri(&f.path).is_none() {
                output.warnings.push(format!(
                    "SARIF: `{}` names no file a relative reference can point at (an empty, `.` or `..` name): its {} result has no location, the path is in its properties",
                    f.path, f.rule_id
                ));
            }
        }
    }
    let mut notes = Vec::new();
    let mut accepted_all = false;
    if let Some(path) = &common.write_baseline {
        let baseline = Baseline::of(&output.findings);
        baseline.write(path)?;
        notes.push(format!(
            "wrote {} finding fingerprint(s) to {}",
            baseline.findings.len(),
            path.display()
        ));
        accepted_all = true;
    }
    if let Some(path) = &common.baseline {
        let dropped = Baseline::read(path)?.filter(&mut output.findings);
        if dropped > 0 {
            notes.push(format!(
                "{dropped} finding(s) are in the baseline and not reported"
            ));
        }
    }
    let report = Report {
        rules,
        output: &output,
        mode,
        vcs,
        fail_on: common.fail_on.threshold(),
        config: config.as_deref(),
        errors: &errors,
    };
    let outcome = if !errors.is_empty() {
        Outcome::Incomplete
    } else if report.fails() && !accepted_all {
        Outcome::Findings
    } else if output.stats.errors > 0 {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    };
    let speak = !common.quiet || !output.findings.is_empty() || outcome != Outcome::Clean;
    if speak {
        for e in &errors {
            message(ERROR, "error", e);
        }
        for w in &output.warnings {
            message(WARNING, "warning", w);
        }
        for n in &notes {
            let _ = writeln!(anstream::stderr(), "skyscan: {n}");
        }
    }
    if common.verbose {
        let s = &output.stats;
        verbose(&format!(
            "{} file(s) scanned ({} bytes); skipped {} binary, {} over the size cap, {} unreadable",
            s.files_scanned, s.bytes_scanned, s.skipped_binary, s.skipped_large, s.errors
        ));
    }
    match &common.output {
        Some(path) => write_file(path, &report, common.format)?,
        None if speak => write_stdout(&report, common.format)?,
        None => {}
    }
    if let Some(path) = &common.sarif_output {
        write_file(path, &report, Format::Sarif)?;
    }
    if let Some(path) = &common.summary {
        append_summary(path, &report)?;
    }
    Ok(outcome)
}

/// Write the report to standard output. A closed pipe ends the output
/// quietly; the outcome stands.
fn write_stdout(report: &Report, format: Format) -> Result<(), Error> {
    let stdout = io::stdout().lock();
    let written = if format == Format::Human {
        let mut out = BufWriter::new(anstream::AutoStream::auto(stdout));
        report::write(report, format, &mut out).and_then(|()| out.flush())
    } else {
        let mut out = BufWriter::new(stdout);
        report::write(report, format, &mut out).and_then(|()| out.flush())
    };
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::Write(e)),
        _ => Ok(()),
    }
}

/// Create `path` and write the report to it (the human one without
/// colours).
fn write_file(path: &Path, report: &Report, format: Format) -> Result<(), Error> {
    let failed = |source| Error::Create {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(failed)?;
    let written = if format == Format::Human {
        let mut out = BufWriter::new(anstream::AutoStream::never(file));
        report::write(report, format, &mut out).and_then(|()| out.flush())
    } else {
        let mut out = BufWriter::new(file);
        report::write(report, format, &mut out).and_then(|()| out.flush())
    };
    written.map_err(failed)
}

/// Append the Markdown checklist summary to `path`.
fn append_summary(path: &Path, report: &Report) -> Result<(), Error> {
    let failed = |source| Error::Create {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(failed)?;
    let mut out = BufWriter::new(file);
    report::write_markdown_summary(report, &mut out)
        .and_then(|()| out.flush())
        .map_err(failed)
}
