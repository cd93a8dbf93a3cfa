//! skyscan: a security linter and secret scanner for code that calls the
//! Skytells AI API. The binary is a thin layer over this library: rules
//! (`rules`), the matching engine (`engine`), judgement of a match by the
//! code around it (`judge`), sources of bytes (`source`), non-regex checks
//! (`checks`), report printers (`report`), the rules' example check
//! (`selfcheck`) and live key verification (`verify`, only on request).

pub mod app;
pub mod baseline;
pub mod checks;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod hook;
pub mod judge;
pub mod report;
pub mod rules;
pub mod scan;
pub mod selfcheck;
pub mod source;
pub mod time;
pub mod verify;

pub use error::Error;
