//! The integration tests, as one test binary: the modules below were 27
//! `tests/*.rs` files, and cargo linked each into its own executable
//! against the whole dependency graph after every change to `src/` (19-21 s
//! of rebuild after touching `src/lib.rs`, 1.4 GB of test binaries; now
//! 6-8 s and 0.24 GB, measured on a busy 2-core machine). As modules of one
//! crate they link once, run in one harness that spreads all of them over
//! the threads, and share `common` (the helpers in `tests/common/`) without
//! each file declaring it again. The price: a change to one test file
//! recompiles the whole test crate (about 3 s instead of under 1 s).
//!
//! Run one module with a filter: `cargo test --test it scan_cli::`, one test
//! with its full name: `cargo test --test it hostile_input::unreadable`.
//! Data the modules read stays where it was (`tests/cmd/`, `fixtures/`),
//! found from `CARGO_MANIFEST_DIR` or the package root, which is the
//! working directory cargo runs tests in.

#[path = "../common/mod.rs"]
mod common;

mod action;
mod architecture;
mod archives_cli;
mod bundles_cli;
mod checklist_cli;
mod cmd;
mod completions_cli;
mod config_cli;
mod decoding_cli;
mod errors_cli;
mod fuzz_regressions;
mod history_cli;
mod history_packs;
mod hook_cli;
mod hostile_input;
mod hostile_packs;
mod judges_cli;
mod notebooks_cli;
mod output_cli;
mod packaging;
mod practices_cli;
mod progress_cli;
mod report_snapshots;
mod rule_examples;
mod rule_versions;
mod rules_cli;
mod sarif;
mod scan_cli;
mod staged_formats;
mod staged_index;
mod tls_coverage;
mod verify_cli;
