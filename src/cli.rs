//! Command-line definitions (clap derive). Commands, flags, formats and
//! exit codes are a contract that scripts, the GitHub Action and outside
//! checks rely on: README.md's "Usage" and "Exit codes" describe it, and
//! `tests/cmd/` (trycmd) holds it to the `--help` texts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;
use crate::rules::Severity;

#[derive(Debug, Parser)]
#[command(
    name = "skyscan",
    version,
    about = "Security linter and secret scanner for code that calls the Skytells API",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan the working tree (honours .gitignore unless --no-ignore).
    Scan(ScanArgs),
    /// Scan every blob reachable in git history.
    History(HistoryArgs),
    /// Scan the content staged in the git index (for pre-commit hooks).
    Staged(StagedArgs),
    /// List the rules, or explain one.
    Rules(RulesArgs),
    /// Manage the git pre-commit hook that runs `skyscan staged`.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Print a shell completion script to standard output.
    ///
    /// bash: `skyscan completions bash > ~/.local/share/bash-completion/completions/skyscan`;
    /// zsh: write `_skyscan` to a directory on $fpath; fish:
    /// `skyscan completions fish > ~/.config/fish/completions/skyscan.fish`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output: `skyscan man | man -l -`.
    Man {
        /// A command's own page (`skyscan man scan`: skyscan-scan(1)).
        command: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write `.git/hooks/pre-commit` (or the hook under core.hooksPath).
    Install {
        /// The repository.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Replace a pre-commit hook that skyscan did not write.
        #[arg(long)]
        force: bool,
    },
    /// Remove the pre-commit hook, if skyscan wrote it (a hook anyone else
    /// wrote is left alone).
    Uninstall {
        /// The repository.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The name standard input (`-`) is reported under; path rules (`.env`
    /// files, per-path allowlists) apply to it.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Also scan files ignored by .gitignore, .ignore and git excludes.
    #[arg(long)]
    pub no_ignore: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The repository to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Only commits in this range (A..B).
    #[arg(long)]
    pub range: Option<String>,
    /// Only commits made on or after this date (YYYY-MM-DD, UTC; or an
    /// RFC 3339 time).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Keys first committed more than this many days ago are overdue for
    /// rotation (SC6).
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    pub max_key_age: u64,
    /// Also scan objects that no ref reaches (force-pushed commits, fetched
    /// pull-request heads, dropped stashes); not with --range or --since.
    #[arg(long, conflicts_with_all = ["range", "since"])]
    pub all_objects: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct StagedArgs {
    /// The repository whose index to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule id to explain.
    pub id: Option<String>,
    /// Check every rule against its examples and negative examples.
    #[arg(long, conflicts_with_all = ["id", "markdown"])]
    pub check: bool,
    /// Print the rule table as Markdown (as in the README).
    #[arg(long, conflicts_with = "id")]
    pub markdown: bool,
    /// Print every distinct content-rule keyword, one per line (for benchmarks
    /// that compare with a literal search).
    #[arg(long, conflicts_with_all = ["id", "markdown", "check"])]
    pub keywords: bool,
    /// Print every practice of the vendor's documents with the rules that
    /// check it, or why a static scan cannot, as Markdown (as in the README).
    #[arg(long, conflicts_with_all = ["id", "markdown", "check", "keywords"])]
    pub checklist: bool,
}

/// Flags every scanning command takes.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a SARIF report to FILE (whatever --format is).
    #[arg(long, value_name = "FILE")]
    pub sarif_output: Option<PathBuf>,
    /// Append a Markdown checklist summary to FILE (e.g. $GITHUB_STEP_SUMMARY).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Configuration file (default: the nearest .skyscan.toml from the scan
    /// root up to the repository's top level).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report only findings that are not in this baseline.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the fingerprints of the current findings in FILE (they are
    /// then accepted: the run exits 0).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Exit with code 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Number of threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Print secrets in full instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,
    /// Skip files larger than this (bytes; K, M and G suffixes allowed).
    #[arg(long, value_name = "SIZE", default_value = "25M", value_parser = parse_size)]
    pub max_filesize: u64,
    /// Check each key found with its provider (a read-only request to the
    /// provider's official API): live, revoked or unknown. Off by default;
    /// without it skyscan opens no network connection.
    #[arg(long)]
    pub verify: bool,
    /// Report only keys that verification found live (needs --verify, or
    /// `verify = true` in the configuration given with --config).
    #[arg(long)]
    pub only_live: bool,
    /// Exit with code 1 only when a live key is found (instead of
    /// --fail-on; needs verification like --only-live).
    #[arg(long)]
    pub fail_on_live: bool,
    /// When to colour human output and messages (auto honours NO_COLOR,
    /// CLICOLOR and CLICOLOR_FORCE).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print nothing (on standard output or standard error) when there is
    /// no finding and nothing went wrong.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say which configuration was used and which files were scanned or
    /// skipped (on standard error).
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `123`, `64K`, `25M`, `1G` (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().last() {
        Some((i, 'K' | 'k')) => (&s[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&s[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("`{s}` is not a size (e.g. 1048576, 512K, 25M, 1G)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10"), Ok(10));
        assert_eq!(parse_size("2K"), Ok(2048));
        assert_eq!(parse_size("25M"), Ok(25 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("M").is_err());
        assert!(parse_size("ten").is_err());
        assert!(parse_size("99999999999G").is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
