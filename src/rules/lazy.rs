//! Rule patterns are parsed when a pack loads (so a bad pattern is an error
//! then) but compiled on first use: a pre-commit scan of a few files should
//! not pay for compiling every rule, and most rules never see a keyword hit.

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};

/// A byte regex compiled on first use.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    /// Parse `pattern` now; compile it later.
    pub fn new(pattern: &str) -> Result<LazyRegex, String> {
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern)
            .map_err(|e| e.to_string())?;
        Ok(LazyRegex {
            pattern: pattern.to_string(),
            compiled: OnceLock::new(),
        })
    }

    /// The compiled regex. A pattern that parsed but cannot be compiled
    /// (over the size limits) matches nothing; `compile` reports it.
    pub fn get(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            build(&self.pattern)
                .unwrap_or_else(|_| build("[a&&b]").expect("an empty class compiles"))
        })
    }

    /// Compile now, reporting an error (used by load-time checks and tests).
    pub fn compile(&self) -> Result<&Regex, String> {
        if let Some(re) = self.compiled.get() {
            return Ok(re);
        }
        let re = build(&self.pattern)?;
        Ok(self.compiled.get_or_init(|| re))
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }
}

/// Rules are about ASCII syntax (identifiers, flags, keys): ASCII classes
/// compile several times faster than Unicode ones and match the same text in
/// source code.
fn build(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(1 << 22)
        .dfa_size_limit(1 << 22)
        .build()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_now_compiles_later() {
        assert!(LazyRegex::new("(unclosed").is_err());
        let re = LazyRegex::new(r"sk-\w+").unwrap();
        assert!(re.compiled.get().is_none());
        assert!(re.get().is_match(b"x sk-abc"));
        assert!(re.compiled.get().is_some());
    }

    #[test]
    fn oversized_pattern_is_reported_and_matches_nothing() {
        let re = LazyRegex::new(r"(?:[a-z]{1000}){1000}").unwrap();
        assert!(re.compile().is_err());
        assert!(!re.get().is_match(&[b'a'; 5000]));
        assert!(!re.get().is_match(b""));
    }
}
