//! The commands behind the CLI: each returns whether the run found
//! something that fails it, and the binary maps that to an exit code.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};

use crate::cli::{ColorChoice, Command, CommonArgs, RulesArgs, ScanArgs};
use crate::engine::Matcher;
use crate::error::Error;
use crate::report::{self, Report};
use crate::rules::{check_rules, Example, RuleSet};
use crate::scan::ScanSettings;
use crate::source::worktree::{scan_worktree, WorktreeOptions};
use crate::source::ScanOutput;

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
        Command::History(_) => Err(Error::Usage(
            "`skyscan history` is not available in this build yet".into(),
        )),
        Command::Staged(_) => Err(Error::Usage(
            "`skyscan staged` is not available in this build yet".into(),
        )),
        Command::Rules(args) => rules(args),
    }
}

fn scan(args: ScanArgs) -> Result<Outcome, Error> {
    let common = &args.common;
    unsupported_options(common)?;
    let matcher = Matcher::new(RuleSet::builtin()?);
    let opts = WorktreeOptions {
        no_ignore: args.no_ignore,
        threads: common.threads,
        max_filesize: common.max_filesize,
        settings: ScanSettings {
            reveal: common.show_secrets,
        },
    };
    let output = scan_worktree(&matcher, &args.paths, &opts)?;
    finish(matcher.rules(), &output, "scan", common)
}

/// Render the report, print warnings, and decide the outcome.
fn finish(
    rules: &RuleSet,
    output: &ScanOutput,
    mode: &str,
    common: &CommonArgs,
) -> Result<Outcome, Error> {
    for w in &output.warnings {
        eprintln!("skyscan: warning: {w}");
    }
    let report = Report {
        rules,
        output,
        mode,
        fail_on: common.fail_on.threshold(),
    };
    match &common.output {
        Some(path) => {
            let file = File::create(path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            let mut out = BufWriter::new(file);
            report::write(&report, common.format, &mut out, false).map_err(Error::Write)?;
            out.flush().map_err(Error::Write)?;
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
    Ok(if report.fails() {
        Outcome::Findings
    } else if output.stats.errors > 0 {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    })
}

/// Options the CLI contract names that this build cannot honour yet: say so
/// rather than silently scanning without them.
fn unsupported_options(common: &CommonArgs) -> Result<(), Error> {
    if common.config.is_some() {
        return Err(Error::Usage(
            "--config: configuration files are not supported in this build yet".into(),
        ));
    }
    if common.baseline.is_some() {
        return Err(Error::Usage(
            "--baseline: baselines are not supported in this build yet".into(),
        ));
    }
    Ok(())
}

fn rules(args: RulesArgs) -> Result<Outcome, Error> {
    let set = RuleSet::builtin()?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if args.check {
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
                    }
                }
            }
            write!(out, "{text}").map_err(Error::Write)?;
        }
    }
    Ok(Outcome::Clean)
}
