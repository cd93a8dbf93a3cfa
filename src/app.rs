//! The commands behind the CLI: each returns whether the run found
//! something that fails it, and the binary maps that to an exit code.
//! Scanning commands gather a [`Scanned`](crate::app::Scanned) run
//! (findings, the configuration used, inputs that could not be scanned) and
//! hand it to `output`, which applies the baseline, decides the outcome and
//! writes the report; `rules_command` writes what `skyscan rules` shows.

mod output;
mod remote;
mod rules_command;

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::cli::{
    Cli, ColorChoice, Command, CommonArgs, HistoryArgs, HookCommand, ScanArgs, StagedArgs,
};
use crate::config::Allowlist;
use crate::error::Error;
use crate::rules::{Mode, RuleSet};
use crate::scan::ScanSettings;
use crate::source::history::{scan_history, HistoryOptions};
use crate::source::staged::scan_staged;
use crate::source::worktree::{scan_worktree, WorktreeOptions, SCAN_PATH_HINT};
use crate::source::{ScanContext, ScanOutput};

pub use output::Scanned;
pub use remote::sanitize_remote_url;

/// How a command ended, short of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above `--fail-on`.
    Clean,
    /// Findings at or above `--fail-on` (or a rule check failed).
    Findings,
    /// Some input could not be read or found; the rest was scanned and
    /// reported.
    Incomplete,
}

pub fn run(command: Command) -> Result<Outcome, Error> {
    match command {
        Command::Scan(args) => scan(args),
        Command::History(args) => history(args),
        Command::Staged(args) => staged(args),
        Command::Rules(args) => rules_command::run(args),
        Command::Hook(HookCommand::Install { path, force }) => {
            let (verb, hook) = match crate::hook::install(&path, force)? {
                crate::hook::Installed::New(p) => ("installed", p),
                crate::hook::Installed::Updated(p) => ("updated", p),
                crate::hook::Installed::Replaced(p) => ("replaced", p),
            };
            say(&format!("skyscan: {verb} {}", hook.display()))
        }
        Command::Hook(HookCommand::Uninstall { path }) => match crate::hook::uninstall(&path)? {
            crate::hook::Uninstalled::Removed(p) => {
                say(&format!("skyscan: removed {}", p.display()))
            }
            crate::hook::Uninstalled::Absent(p) => say(&format!(
                "skyscan: no pre-commit hook at {}; nothing to remove",
                p.display()
            )),
        },
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "skyscan", &mut script);
            print_bytes(&script)
        }
        Command::Man { command } => man_page(command.as_deref()),
    }
}

/// Print a line on standard output (a closed pipe is not an error).
fn say(line: &str) -> Result<Outcome, Error> {
    print_bytes(format!("{line}\n").as_bytes())
}

/// Write `bytes` to standard output. Generators (completions, man page)
/// render to memory first: they panic on a write error, a closed pipe
/// included.
fn print_bytes(bytes: &[u8]) -> Result<Outcome, Error> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::Write(e)),
        _ => Ok(Outcome::Clean),
    }
}

/// The manual page of skyscan, or of one of its commands, as roff.
fn man_page(command: Option<&str>) -> Result<Outcome, Error> {
    let mut cli = Cli::command();
    cli.build();
    let page = match command {
        None => cli,
        Some(name) => match cli.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cli
                    .get_subcommands()
                    .map(|c| c.get_name())
                    .filter(|n| *n != "help")
                    .collect();
                return Err(Error::Usage(format!(
                    "no command `{name}` (one of: {})",
                    names.join(", ")
                )));
            }
        },
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(Error::Write)?;
    print_bytes(&roff)
}

/// `--color` for everything written from now on (reports, messages,
/// errors); `auto` leaves the choice to `anstream` (terminal, NO_COLOR,
/// CLICOLOR, CLICOLOR_FORCE).
fn set_color(choice: ColorChoice) {
    let choice = match choice {
        ColorChoice::Auto => return,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

fn scan(args: ScanArgs) -> Result<Outcome, Error> {
    let common = &args.common;
    set_color(common.color);
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if args.stdin_filename.is_some() && !stdin {
        return Err(Error::Usage(
            "--stdin-filename names standard input: give `-` as a path to read it".into(),
        ));
    }
    let (roots, missing): (Vec<PathBuf>, Vec<PathBuf>) = args
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .partition(|p| std::fs::symlink_metadata(p).is_ok());
    if roots.is_empty() && !stdin {
        return Err(Error::PathNotFound {
            path: missing[0].clone(),
            hint: SCAN_PATH_HINT.into(),
        });
    }
    let errors = missing
        .iter()
        .map(|p| format!("path not found: {}", p.display()))
        .collect();
    let root = roots.first().map_or(Path::new("."), PathBuf::as_path);
    let (rules, allow, config) = configured_rules(common, root)?;
    let cx = scan_context(&rules, Mode::Worktree, common);
    let mut output = ScanOutput::default();
    if !roots.is_empty() {
        let opts = WorktreeOptions {
            no_ignore: args.no_ignore,
        };
        output = scan_worktree(&cx, &roots, &opts)?;
    }
    if stdin {
        let name = args.stdin_filename.as_deref().unwrap_or("-");
        let input = &mut io::stdin().lock() as &mut dyn Read;
        output.merge(crate::source::stdin::scan_stdin(&cx, input, name)?);
    }
    settle(&rules, Mode::Worktree, &allow, &mut output);
    output::finish(
        Scanned {
            rules: &rules,
            output,
            mode: Mode::Worktree,
            vcs: remote::vcs_info(root),
            config,
            errors,
        },
        common,
    )
}

fn history(args: HistoryArgs) -> Result<Outcome, Error> {
    let common = &args.common;
    set_color(common.color);
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
        max_key_age_days: args.max_key_age,
        now: crate::time::now(),
        all_objects: args.all_objects,
    };
    let cx = ScanContext {
        progress: !common.quiet,
        ..scan_context(&rules, Mode::History, common)
    };
    let mut output = scan_history(&cx, &args.path, &opts)?;
    settle(&rules, Mode::History, &allow, &mut output);
    output::finish(
        Scanned {
            rules: &rules,
            output,
            mode: Mode::History,
            vcs: remote::vcs_info(&args.path),
            config,
            errors: Vec::new(),
        },
        common,
    )
}

fn staged(args: StagedArgs) -> Result<Outcome, Error> {
    let common = &args.common;
    set_color(common.color);
    let (rules, allow, config) = configured_rules(common, &args.path)?;
    let cx = scan_context(&rules, Mode::Staged, common);
    let mut output = scan_staged(&cx, &args.path)?;
    settle(&rules, Mode::Staged, &allow, &mut output);
    output::finish(
        Scanned {
            rules: &rules,
            output,
            mode: Mode::Staged,
            vcs: remote::vcs_info(&args.path),
            config,
            errors: Vec::new(),
        },
        common,
    )
}

/// What every source is given, from the common flags: the rules of
/// `mode`, the per-file settings, the size cap and the threads.
fn scan_context<'a>(rules: &'a RuleSet, mode: Mode, common: &CommonArgs) -> ScanContext<'a> {
    ScanContext {
        settings: ScanSettings {
            reveal: common.show_secrets,
            log: common.verbose.then_some(output::verbose as fn(&str)),
            ..ScanSettings::default()
        },
        max_filesize: common.max_filesize,
        threads: common.threads,
        ..ScanContext::new(rules, mode)
    }
}

/// What every command does with a source's output before reporting it:
/// the allowlist drops what it names, then the checks across files run
/// over what is left.
fn settle(rules: &RuleSet, mode: Mode, allow: &Allowlist, output: &mut ScanOutput) {
    allow.filter(&mut output.findings);
    let across = crate::checks::across_files(rules, mode, &output.findings);
    output.add_findings(across);
}

/// The built-in rules with the configuration applied (`--config FILE`, or
/// the nearest `.skyscan.toml` from `root` up to the repository's top
/// level), its allowlist, and the file that was used.
fn configured_rules(
    common: &CommonArgs,
    root: &Path,
) -> Result<(RuleSet, Allowlist, Option<PathBuf>), Error> {
    let rules = RuleSet::builtin()?;
    let found = crate::config::locate(common.config.as_deref(), root);
    if common.verbose {
        match &found {
            Some(path) => output::verbose(&format!("configuration: {}", path.display())),
            None => {
                let dirs: Vec<String> = crate::config::search_dirs(root)
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect();
                output::verbose(&format!(
                    "configuration: none (no {} in {})",
                    crate::config::DEFAULT_FILE,
                    dirs.join(", ")
                ));
            }
        }
    }
    match found {
        Some(path) => {
            let (rules, allow) = crate::config::load(&path, rules)?;
            Ok((rules, allow, Some(path)))
        }
        None => Ok((rules, Allowlist::default(), None)),
    }
}
