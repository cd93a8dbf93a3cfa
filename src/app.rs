//! The commands behind the CLI: each returns whether the run found
//! something that fails it, and the binary maps that to an exit code.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};

use std::path::{Path, PathBuf};

use crate::baseline::Baseline;
use crate::cli::{
    ColorChoice, Command, CommonArgs, HistoryArgs, HookCommand, RulesArgs, ScanArgs, StagedArgs,
};
use crate::config::Allowlist;
use crate::engine::Matcher;
use crate::error::Error;
use crate::report::{self, Report, VcsInfo};
use crate::rules::{Example, Mode, RuleSet};
use crate::scan::ScanSettings;
use crate::selfcheck::check_rules;
use crate::source::history::{scan_history, HistoryOptions};
use crate::source::staged::scan_staged;
use crate::source::worktree::{scan_worktree, WorktreeOptions, SCAN_PATH_HINT};
use crate::source::ScanOutput;

mod remote;

pub use remote::sanitize_remote_url;
use remote::vcs_info;

/// How a command ended, short of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above `--fail-on`.
    Clean,
    /// Findings at or above `--fail-on` (or a rule check failed).
    Findings,
    /// Some input could not be read; the rest was scanned and reported.
    Incomplete,
}

pub fn run(command: Command) -> Result<Outcome, Error> {
    match command {
        Command::Scan(args) => scan(args),
        Command::History(args) => history(args),
        Command::Staged(args) => staged(args),
        Command::Rules(args) => rules(args),
        Command::Hook(HookCommand::Install { path, force }) => {
            let (verb, hook) = match crate::hook::install(&path, force)? {
                crate::hook::Installed::New(p) => ("installed", p),
                crate::hook::Installed::Updated(p) => ("updated", p),
                crate::hook::Installed::Replaced(p) => ("replaced", p),
            };
            println!("skyscan: {verb} {}", hook.display());
            Ok(Outcome::Clean)
        }
    }
}

fn scan(args: ScanArgs) -> Result<Outcome, Error> {
    let common = &args.common;
    // Like ripgrep: a path that does not exist is an error, the others are
    // scanned all the same, and the run exits 2.
    let (roots, missing): (Vec<PathBuf>, Vec<PathBuf>) = args
        .paths
        .iter()
        .cloned()
        .partition(|p| std::fs::symlink_metadata(p).is_ok());
    if roots.is_empty() {
        return Err(Error::PathNotFound {
            path: missing[0].clone(),
            hint: SCAN_PATH_HINT.into(),
        });
    }
    let errors = missing
        .iter()
        .map(|p| format!("path not found: {}", p.display()))
        .collect();
    let root = roots[0].as_path();
    let (rules, allow, config) = configured_rules(common, root)?;
    let matcher = Matcher::new(rules.for_mode(Mode::Worktree));
    let opts = WorktreeOptions {
        no_ignore: args.no_ignore,
        threads: common.threads,
        max_filesize: common.max_filesize,
        settings: ScanSettings {
            reveal: common.show_secrets,
            ..ScanSettings::default()
        },
    };
    let mut output = scan_worktree(&matcher, &roots, &opts)?;
    allow.filter(&mut output.findings);
    let reuse = crate::checks::key_reuse::key_reuse_findings(&rules, &output.findings);
    output.add_findings(reuse);
    finish(
        &rules,
        output,
        Mode::Worktree,
        vcs_info(root),
        common,
        config,
        errors,
    )
}

fn history(args: HistoryArgs) -> Result<Outcome, Error> {
    let common = &args.common;
    let since = args
        .since
        .as_deref()
        .map(|s| {
            crate::time::parse_date(s).ok_or_else(|| {
                Error::Usage(format!(
                    "--since: `{s}` is not a date (YYYY-MM-DD, a day the month has; or an RFC 3339 time)"
                ))
            })
        })
        .transpose()?;
    let (rules, allow, config) = configured_rules(common, &args.path)?;
    let opts = HistoryOptions {
        range: args.range.clone(),
        since,
        threads: common.threads,
        max_filesize: common.max_filesize,
        settings: ScanSettings {
            reveal: common.show_secrets,
            ..ScanSettings::default()
        },
        max_key_age_days: args.max_key_age,
        now: crate::time::now(),
        progress: true,
    };
    let mut output = scan_history(&rules, &args.path, &opts)?;
    allow.filter(&mut output.findings);
    finish(
        &rules,
        output,
        Mode::History,
        vcs_info(&args.path),
        common,
        config,
        Vec::new(),
    )
}

fn staged(args: StagedArgs) -> Result<Outcome, Error> {
    let common = &args.common;
    let (rules, allow, config) = configured_rules(common, &args.path)?;
    let settings = ScanSettings {
        reveal: common.show_secrets,
        ..ScanSettings::default()
    };
    let mut output = scan_staged(&rules, &args.path, common.max_filesize, settings)?;
    allow.filter(&mut output.findings);
    finish(
        &rules,
        output,
        Mode::Staged,
        vcs_info(&args.path),
        common,
        config,
        Vec::new(),
    )
}

/// Render the report, print errors (inputs that could not be scanned at
/// all) and warnings, and decide the outcome.
fn finish(
    rules: &RuleSet,
    mut output: ScanOutput,
    mode: Mode,
    vcs: Option<VcsInfo>,
    common: &CommonArgs,
    config: Option<PathBuf>,
    errors: Vec<String>,
) -> Result<Outcome, Error> {
    let sarif = common.format == report::Format::Sarif || common.sarif_output.is_some();
    if sarif {
        for f in &output.findings {
            if report::relative_uri(&f.path).is_none() {
                output.warnings.push(format!(
                    "SARIF: `{}` names no file a relative reference can point at (an empty, `.` or `..` name): its {} result has no location, the path is in its properties",
                    f.path, f.rule_id
                ));
            }
        }
    }
    for e in &errors {
        eprintln!("skyscan: error: {}", crate::report::printable(e));
    }
    for w in &output.warnings {
        eprintln!("skyscan: warning: {}", crate::report::printable(w));
    }
    let mut accepted_all = false;
    if let Some(path) = &common.write_baseline {
        let baseline = Baseline::of(&output.findings);
        baseline.write(path)?;
        eprintln!(
            "skyscan: wrote {} finding fingerprint(s) to {}",
            baseline.findings.len(),
            path.display()
        );
        accepted_all = true;
    }
    if let Some(path) = &common.baseline {
        let dropped = Baseline::read(path)?.filter(&mut output.findings);
        if dropped > 0 {
            eprintln!("skyscan: {dropped} finding(s) are in the baseline and not reported");
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
    match &common.output {
        Some(path) => {
            write_file(path, |out| {
                report::write(&report, common.format, out, false)
            })?;
        }
        None => {
            let stdout = io::stdout();
            let color = match common.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            let mut out = BufWriter::new(stdout.lock());
            report::write(&report, common.format, &mut out, color).map_err(Error::Write)?;
            out.flush().map_err(Error::Write)?;
        }
    }
    if let Some(path) = &common.sarif_output {
        write_file(path, |out| {
            report::write(&report, report::Format::Sarif, out, false)
        })?;
    }
    if let Some(path) = &common.summary {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| Error::Create {
                path: path.clone(),
                source,
            })?;
        let mut out = BufWriter::new(file);
        report::write_markdown_summary(&report, &mut out)
            .and_then(|_| out.flush())
            .map_err(|source| Error::Create {
                path: path.clone(),
                source,
            })?;
    }
    Ok(if !errors.is_empty() {
        Outcome::Incomplete
    } else if report.fails() && !accepted_all {
        Outcome::Findings
    } else if output.stats.errors > 0 {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    })
}

/// Create `path` and write it with `render`.
fn write_file(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let failed = |source| Error::Create {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(failed)?;
    let mut out = BufWriter::new(file);
    render(&mut out).and_then(|()| out.flush()).map_err(failed)
}

/// The built-in rules with the configuration applied (`--config FILE`, or
/// the nearest `.skyscan.toml` from `root` up to the repository's top
/// level), its allowlist, and the file that was used.
fn configured_rules(
    common: &CommonArgs,
    root: &Path,
) -> Result<(RuleSet, Allowlist, Option<PathBuf>), Error> {
    let rules = RuleSet::builtin()?;
    match crate::config::locate(common.config.as_deref(), root) {
        Some(path) => {
            let (rules, allow) = crate::config::load(&path, rules)?;
            Ok((rules, allow, Some(path)))
        }
        None => Ok((rules, Allowlist::default(), None)),
    }
}

fn rules(args: RulesArgs) -> Result<Outcome, Error> {
    let set = RuleSet::builtin()?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if args.check {
        // A pattern over the compile limits would otherwise match nothing,
        // silently.
        set.compile_all()?;
        let failures = check_rules(&set);
        let examples: usize = set
            .rules()
            .iter()
            .map(|r| r.spec.examples.len() + r.spec.negative_examples.len())
            .sum();
        for f in &failures {
            writeln!(out, "FAIL {}: {}", f.rule, f.problem).map_err(Error::Write)?;
        }
        writeln!(
            out,
            "{} rules, {} examples checked, {} failure{}",
            set.rules().len(),
            examples,
            failures.len(),
            if failures.len() == 1 { "" } else { "s" }
        )
        .map_err(Error::Write)?;
        return Ok(if failures.is_empty() {
            Outcome::Clean
        } else {
            Outcome::Findings
        });
    }
    if args.keywords {
        let mut keywords: Vec<&str> = set
            .rules()
            .iter()
            .flat_map(|r| r.spec.keywords.iter().map(String::as_str))
            .collect();
        keywords.sort_unstable();
        keywords.dedup();
        for k in keywords {
            writeln!(out, "{k}").map_err(Error::Write)?;
        }
        return Ok(Outcome::Clean);
    }
    if args.markdown {
        write!(out, "{}", set.markdown_table()).map_err(Error::Write)?;
        return Ok(Outcome::Clean);
    }
    match args.id {
        None => {
            for r in set.rules() {
                writeln!(
                    out,
                    "{:<40} {:<5} {:<8} {:<10} {}",
                    r.spec.id,
                    r.spec.checklist.to_string(),
                    r.spec.severity.as_str(),
                    r.spec.precision.as_str(),
                    r.spec.name
                )
                .map_err(Error::Write)?;
            }
        }
        Some(id) => {
            let rule = set.get(&id).ok_or_else(|| {
                Error::Usage(format!("unknown rule `{id}` (see `skyscan rules`)"))
            })?;
            let s = &rule.spec;
            let mut text = format!(
                "{} ({})\n\nchecklist: {} — {}\nseverity:  {}\nprecision: {}\n\n{}\n",
                s.name,
                s.id,
                s.checklist,
                s.checklist.title(),
                s.severity.as_str(),
                s.precision.as_str(),
                rule.help_text()
            );
            for (title, list) in [
                ("Examples", &s.examples),
                ("Negative examples", &s.negative_examples),
            ] {
                text.push_str(&format!("\n{title}:\n"));
                for e in list {
                    match e {
                        Example::Text(t) => text.push_str(&format!("  {}\n", t.trim())),
                        Example::File { path, text: t } => {
                            text.push_str(&format!("  [{path}] {}\n", t.trim()))
                        }
                        Example::Files { files } => {
                            text.push_str("  files:\n");
                            for (path, body) in files {
                                text.push_str(&format!("    [{path}] {}\n", body.trim()));
                            }
                        }
                        Example::History { commits } => {
                            text.push_str("  history:\n");
                            for (n, c) in commits.iter().enumerate() {
                                let files: Vec<&str> = c.files.keys().map(String::as_str).collect();
                                text.push_str(&format!(
                                    "    commit {} ({} days ago): writes {:?}, deletes {:?}\n",
                                    n + 1,
                                    c.days_ago,
                                    files,
                                    c.delete
                                ));
                            }
                        }
                    }
                }
            }
            write!(out, "{text}").map_err(Error::Write)?;
        }
    }
    Ok(Outcome::Clean)
}
