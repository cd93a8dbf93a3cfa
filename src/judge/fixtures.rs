//! Credentials in test code (SC1). Test suites need keys of the right
//! shape: signing secrets for webhook tests, private keys for TLS tests.
//! Most are made up, and say so; the rest are still credentials someone
//! generated, and worth a look, but not with the urgency of a key in the
//! application.

use super::code::nearby_lines;
use super::{is_test_path, Case, Verdict};
use crate::rules::Severity;

/// Words on or just above a test key's line that say it is made up.
const MADE_UP: &[&str] = &[
    "dummy",
    "fake",
    "mock",
    "made up",
    "made-up",
    "not a real",
    "example",
];

/// Outside tests: keep. In a test path: drop a key its line (or the one
/// above) calls made up, or that is assigned to a name for the tests;
/// grade the rest as a warning.
pub fn review_fixture(case: &Case<'_>) -> Verdict {
    if !is_test_path(case.path) {
        return Verdict::keep();
    }
    let (lines, at) = nearby_lines(case.text, case.start, 1, 0);
    let said_made_up = lines[..=at].iter().any(|l| {
        let lower = l.text.to_ascii_lowercase();
        MADE_UP.iter().any(|w| lower.contains(w))
    });
    // A name that says it is for the tests (`TEST_SECRET = "whsec_..."`).
    let line = &lines[at];
    let named_for_tests = line
        .text
        .get(..case.start - line.start)
        .is_some_and(|before| before.to_ascii_lowercase().contains("test"));
    if said_made_up || named_for_tests {
        return Verdict::Drop;
    }
    Verdict::regrade(
        Severity::Warning,
        "a credential is kept in test code (`{match}`): if it was ever used outside the tests, revoke it; otherwise generate it when the tests run",
    )
}
