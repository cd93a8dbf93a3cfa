//! skyscan: a security linter and secret scanner for code that calls the
//! Skytells AI API. The binary (`main.rs`) is a thin layer over this library.
//! Each module, and what it owns:

/// The commands behind the CLI: options resolved, sources run, reports written.
pub mod app;
/// Baselines: fingerprints of accepted findings, so a scan reports what is new.
pub mod baseline;
/// Findings that are not one regex over content: env files, key reuse, history.
pub mod checks;
/// Command-line definitions (clap derive), after the CLI contract.
pub mod cli;
/// `.skyscan.toml`: rules turned off or re-graded, allowlists, custom rules.
pub mod config;
/// The matching engine: the keyword prefilter (Teddy, with an Aho-Corasick fallback), then the rules' regexes.
pub mod engine;
/// Every error the library reports (exit code 2).
pub mod error;
/// The `Finding` model, masking and fingerprints.
pub mod finding;
/// Entry points for the fuzz targets and their regression replays.
#[doc(hidden)]
pub mod fuzzing;
/// Git formats read for scanning: object ids, packs and their delta forests, commits, the index.
pub mod git;
/// `skyscan hook install|uninstall`: the plain git pre-commit hook.
pub mod hook;
/// Judgement in code: the statements around a match keep, drop or re-grade it.
pub mod judge;
/// The history scan's progress line (indicatif) and its `SKYSCAN_TRACE` phase timings.
pub mod progress;
/// One printer per output format over one report.
pub mod report;
/// Rules as data: `rules/*.toml` parsed, compiled and checked.
pub mod rules;
/// The per-file pipeline every source shares: decode, match, judge, find.
pub mod scan;
/// The rules' self-check: every example found, every negative example not.
pub mod selfcheck;
/// Where bytes come from: the worktree, the staged index, git history, archives.
pub mod source;
/// Dates: commit times, RFC 3339 in reports, `--since`.
pub mod time;
/// Live verification of found keys (`--verify`), only on request.
pub mod verify;

pub use error::Error;
