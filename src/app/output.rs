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
use crate::finding::{Finding, KeyStatus};
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
    let verify = verification_wanted(common, config.as_deref(), &mut output.warnings)?;
    if (common.only_live || common.fail_on_live) && !verify {
        return Err(Error::Usage(
            "--only-live and --fail-on-live need verification: add --verify (or `verify = true` in the configuration given with --config)".into(),
        ));
    }
    if common.format == Format::Sarif || common.sarif_output.is_some() {
        warn_of_unlocatable_paths(&mut output);
    }
    let baselines = apply_baselines(common, &mut output.findings)?;
    if verify {
        verify_keys(common, rules, &mut output)?;
    }
    let report = Report {
        rules,
        output: &output,
        fail_on_live: common.fail_on_live,
        mode,
        vcs,
        fail_on: common.fail_on.threshold(),
        config: config.as_deref(),
        errors: &errors,
    };
    let outcome = if !errors.is_empty() {
        Outcome::Incomplete
    } else if report.fails() && !baselines.accepted_all {
        Outcome::Findings
    } else if output.stats.errors > 0 {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    };
    let speak = !common.quiet || !output.findings.is_empty() || outcome != Outcome::Clean;
    if speak {
        print_messages(&errors, &output.warnings, &baselines.notes);
    }
    if common.verbose {
        let s = &output.stats;
        verbose(&format!(
            "{} file(s) scanned ({} bytes); skipped {} binary, {} over the size cap, {} unreadable",
            s.files_scanned, s.bytes_scanned, s.skipped_binary, s.skipped_large, s.errors
        ));
    }
    write_reports(common, &report, speak)?;
    Ok(outcome)
}

/// A warning for each finding whose path SARIF cannot locate (an empty,
/// `.` or `..` name): its result carries the path in its properties.
fn warn_of_unlocatable_paths(output: &mut ScanOutput) {
    for f in &output.findings {
        if report::relative_uri(&f.path).is_none() {
            output.warnings.push(format!(
                "SARIF: `{}` names no file a relative reference can point at (an empty, `.` or `..` name): its {} result has no location, the path is in its properties",
                f.path, f.rule_id
            ));
        }
    }
}

/// What the baseline options did.
struct Baselines {
    /// What to tell the user (a baseline written, findings dropped).
    notes: Vec<String>,
    /// Whether every finding was just written to a new baseline, so none
    /// fails the run.
    accepted_all: bool,
}

/// `--write-baseline` (record every finding) then `--baseline` (drop the
/// findings it records).
fn apply_baselines(common: &CommonArgs, findings: &mut Vec<Finding>) -> Result<Baselines, Error> {
    let mut done = Baselines {
        notes: Vec::new(),
        accepted_all: false,
    };
    if let Some(path) = &common.write_baseline {
        let baseline = Baseline::of(findings);
        baseline.write(path)?;
        done.notes.push(format!(
            "wrote {} finding fingerprint(s) to {}",
            baseline.findings.len(),
            path.display()
        ));
        done.accepted_all = true;
    }
    if let Some(path) = &common.baseline {
        let dropped = Baseline::read(path)?.filter(findings);
        if dropped > 0 {
            done.notes.push(format!(
                "{dropped} finding(s) are in the baseline and not reported"
            ));
        }
    }
    Ok(done)
}

/// Check the keys found with their providers (`--verify`), then keep only
/// the live ones with `--only-live`.
fn verify_keys(common: &CommonArgs, rules: &RuleSet, output: &mut ScanOutput) -> Result<(), Error> {
    let log = common.verbose.then_some(verbose as fn(&str));
    let warnings = crate::verify::verify_findings(&mut output.findings, rules, log)?;
    output.warnings.extend(warnings);
    if common.verbose {
        let t = crate::verify::tally(&output.findings);
        verbose(&format!(
            "verification: {} key(s) checked; {} live, {} revoked, {} unknown",
            t.keys_checked, t.live, t.revoked, t.unknown
        ));
    }
    if common.only_live {
        output.findings.retain(|f| {
            f.verification
                .as_ref()
                .is_some_and(|v| v.status == KeyStatus::Live)
        });
    }
    Ok(())
}

/// Errors, warnings and notes, on standard error.
fn print_messages(errors: &[String], warnings: &[String], notes: &[String]) {
    for e in errors {
        message(ERROR, "error", e);
    }
    for w in warnings {
        message(WARNING, "warning", w);
    }
    for n in notes {
        let _ = writeln!(anstream::stderr(), "skyscan: {n}");
    }
}

/// The report to `--output` (or standard output when `speak`), the SARIF
/// copy to `--sarif-output`, the checklist summary to `--summary`.
fn write_reports(common: &CommonArgs, report: &Report, speak: bool) -> Result<(), Error> {
    match &common.output {
        Some(path) => write_file(path, report, common.format)?,
        None if speak => write_stdout(report, common.format)?,
        None => {}
    }
    if let Some(path) = &common.sarif_output {
        write_file(path, report, Format::Sarif)?;
    }
    if let Some(path) = &common.summary {
        append_summary(path, report)?;
    }
    Ok(())
}

/// Whether keys are checked with their providers: `--verify`, or
/// `verify = true` in a configuration the user named with `--config`. A
/// configuration found in the scanned repository cannot turn it on (a
/// repository must not decide that a scan sends its keys over the network:
/// a planted canary key would report who scanned it); that, and any
/// attempt to say where keys go, is a warning.
fn verification_wanted(
    common: &CommonArgs,
    config: Option<&Path>,
    warnings: &mut Vec<String>,
) -> Result<bool, Error> {
    let Some(path) = config else {
        return Ok(common.verify);
    };
    let setting = crate::config::verify_setting(path)?;
    for key in &setting.ignored {
        warnings.push(format!(
            "`{key}` in {} is ignored: where keys are sent for verification is fixed in skyscan and cannot be configured",
            path.display()
        ));
    }
    let user_config = common.config.is_some();
    if setting.enabled == Some(true) && !common.verify && !user_config {
        warnings.push(format!(
            "`verify = true` in {} is ignored: a configuration found in the scanned repository cannot turn on network checks; pass --verify, or name your own file with --config",
            path.display()
        ));
    }
    Ok(common.verify || (user_config && setting.enabled == Some(true)))
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
