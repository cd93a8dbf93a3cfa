//! Errors the library reports. Each one is something a user can act on:
//! the CLI prints it with miette and exits with code 2.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("rule pack {name} is malformed: {reason}")]
    #[diagnostic(code(skyscan::rules))]
    Pack { name: String, reason: String },

    #[error("rule `{id}` is invalid: {reason}")]
    Rule { id: String, reason: String },

    #[error("path not found: {}", .path.display())]
    #[diagnostic(code(skyscan::path))]
    PathNotFound {
        path: PathBuf,
        /// What the command takes (each command has its own hint).
        #[help]
        hint: String,
    },

    /// A file that could not be read. The OS error is the source: miette
    /// prints it once, below the message.
    #[error("cannot read {}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file that could not be created or written (`--output`,
    /// `--sarif-output`, `--summary`, a baseline, a hook).
    #[error("cannot write {}", .path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write the report")]
    Write(#[source] std::io::Error),

    #[error("git: {0}")]
    Git(String),

    #[error("{0}")]
    #[diagnostic(code(skyscan::usage))]
    Usage(String),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<ConfigError>),
}

/// A configuration error, shown with the offending line.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("invalid configuration {path}: {message}")]
#[diagnostic(code(skyscan::config))]
pub struct ConfigError {
    path: String,
    message: String,
    #[source_code]
    source_code: miette::NamedSource<String>,
    #[label("{message}")]
    span: Option<miette::SourceSpan>,
}

impl ConfigError {
    /// An error in the configuration `text` read from `path`, at the byte
    /// range `span` when known.
    pub fn new(
        path: &str,
        text: &str,
        message: String,
        span: Option<std::ops::Range<usize>>,
    ) -> ConfigError {
        ConfigError {
            path: path.to_string(),
            message,
            source_code: miette::NamedSource::new(path, text.to_string()),
            span: span.map(|r| (r.start, r.end.saturating_sub(r.start)).into()),
        }
    }
}
