//! Judgement in code, after a rule's regex has matched. A regex sees one
//! window of text; whether a match is worth a maintainer's time often depends
//! on the statements around it: an `os.getenv` read that the next line
//! checks, a public env name that only appears in an error message, a `==`
//! between two things that are not signatures. A rule names its judge in its
//! pack (`judge = "python-getenv"`); the judge reads the code around each
//! match and keeps it, drops it, or changes its severity and message.
//!
//! Judges are heuristics over source text, not parsers: each looks at a few
//! statements around the match, bounded in lines and bytes, so a judge costs
//! nothing on files without matches and little on files with them. Every
//! behaviour a judge has is pinned by an example or negative example of a
//! rule that uses it (`skyscan rules --check`), and every judge has negative
//! examples that its rule's regex matches and only the judge turns down (a
//! test in `selfcheck`). `bench/precision.sh` measures them on real code.

mod code;
mod database_url;
mod fixtures;
mod jwt;
mod project;
mod prompts;
mod public_env;
mod python_defs;
mod python_env;
mod signature;
mod tls;
mod webhook;

pub use crate::rules::Judge;
pub use project::Project;
pub use python_env::is_credential_name;

use crate::rules::Severity;

/// Review one match with the judge its rule names.
pub fn review(judge: Judge, case: &Case<'_>) -> Verdict {
    match judge {
        Judge::PythonGetenv => python_env::review_getenv(case),
        Judge::PythonDefaultSecret => python_env::review_default_secret(case),
        Judge::PublicEnv => public_env::review(case),
        Judge::ClientKey => public_env::review_client_key(case),
        Judge::SignatureCompare => signature::review(case),
        Judge::PythonTls => tls::review_python(case),
        Judge::TlsOption => tls::review_option(case),
        Judge::FixtureSecret => fixtures::review_fixture(case),
        Judge::SupabaseJwt => jwt::review_supabase(case),
        Judge::TlsVariable => tls::review_variable(case, tls::review_option),
        Judge::PythonTlsVariable => tls::review_variable(case, tls::review_python),
        Judge::RawPrompt => prompts::review(case),
        Judge::DatabaseUrl => database_url::review_url(case),
        Judge::UnverifiedWebhook => webhook::review(case),
    }
}

/// One match and what surrounds it.
pub struct Case<'a> {
    /// Repository-relative, `/`-separated.
    pub path: &'a str,
    /// The whole (decoded) file.
    pub text: &'a [u8],
    /// The match, in byte offsets of `text`.
    pub start: usize,
    pub end: usize,
    /// What is known of the project the file belongs to.
    pub project: &'a Project,
}

impl Case<'_> {
    /// The matched text.
    pub fn matched(&self) -> &str {
        std::str::from_utf8(&self.text[self.start..self.end]).unwrap_or("")
    }
}

/// What a judge decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not worth reporting.
    Drop,
    /// Report it, possibly re-graded.
    Keep(Adjust),
}

impl Verdict {
    pub fn keep() -> Verdict {
        Verdict::Keep(Adjust::default())
    }

    /// Keep at another severity, with a message that says why (`{match}` is
    /// replaced by the masked match, as in rule messages).
    pub fn regrade(severity: Severity, message: impl Into<String>) -> Verdict {
        Verdict::Keep(Adjust {
            severity: Some(severity),
            message: Some(message.into()),
        })
    }

    /// Keep with another message.
    pub fn reword(message: impl Into<String>) -> Verdict {
        Verdict::Keep(Adjust {
            severity: None,
            message: Some(message.into()),
        })
    }
}

/// Changes a judge makes to a finding it keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adjust {
    pub severity: Option<Severity>,
    pub message: Option<String>,
}

/// True for paths of test code: `tests/`, `__tests__/`, `test_*.py`,
/// `*_test.go`, `*.test.ts`, `conftest.py`...
pub fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let dirs = &lower[..lower.len() - name.len()];
    let in_test_dir = dirs.split('/').any(|d| {
        matches!(
            d,
            "test" | "tests" | "__tests__" | "testing" | "spec" | "specs" | "e2e" | "__mocks__"
        )
    });
    let stem = name.split('.').next().unwrap_or(name);
    in_test_dir
        || name == "conftest.py"
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || name.contains(".test.")
        || name.contains(".spec.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_paths() {
        for p in [
            "tests/test_client.py",
            "pkg/__tests__/a.ts",
            "src/foo_test.go",
            "a/conftest.py",
            "web/src/x.test.tsx",
            "test_api.py",
            "spec/models/user_spec.rb",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in [
            "src/client.py",
            "app/latest.py",
            "contest.py",
            "src/testimony.ts",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }
}
