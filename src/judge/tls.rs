//! TLS switches (SC5) in context. Three shapes of code turn verification off
//! without being the mistake the checklist is about:
//!
//! - library code that follows its caller's own option (`if verify is
//!   False:` / `if (this.bypassSSL)`): still worth knowing, as a note;
//! - a test that builds the setting only to assert on it, or hands the
//!   options to a plain-HTTP request: no verification is skipped anywhere;
//! - Python code that sets `check_hostname = False` and then checks the
//!   hostname or pins the certificate itself, or requires a certificate.

use super::code::{has_word, name_before, nearby_lines, Line};
use super::{is_test_path, Adjust, Case, Verdict};
use crate::rules::Severity;

/// Lines looked at around a TLS switch.
const AROUND: usize = 25;

/// Words that name an option whose purpose is to turn verification off.
const OPT_OUT_WORDS: &[&str] = &[
    "verify",
    "insecure",
    "skip",
    "bypass",
    "unsafe",
    "invalid",
    "disable",
    "ignore",
    "selfsigned",
    "self_signed",
    "trustall",
    "trust_all",
    "noverify",
    "no_verify",
    "reject",
    "strict",
];

/// Any language: drop tests of the setting itself, plain-HTTP requests;
/// grade a switch that follows a caller's opt-out option as a note.
pub fn review_option(case: &Case<'_>) -> Verdict {
    let (lines, at) = nearby_lines(case.text, case.start, AROUND, AROUND);
    if is_test_path(case.path)
        && (asserts_on_setting(&lines, at) || plain_http(&lines, at) || mocked(&lines, at))
    {
        return Verdict::Drop;
    }
    if let Some(option) = caller_option(&lines, at) {
        return Verdict::regrade(
            Severity::Note,
            format!(
                "verification is turned off (`{{match}}`) only when the caller asks for it (`{option}`): make sure no default or documented example does"
            ),
        );
    }
    Verdict::keep()
}

/// Values that turn an option on, and off, as code writes them.
const TRUE_VALUES: &[&str] = &["true", "True", "TRUE", "1", "yes", "on"];
const FALSE_VALUES: &[&str] = &["false", "False", "FALSE", "0", "no", "off", "nil", "None"];

/// Words in an option's name that make `true` the value that turns
/// verification off (`InsecureSkipVerify`, `danger_accept_invalid_certs`);
/// for other options (`verify`, `rejectUnauthorized`) it is `false`.
const TRUE_DISABLES: &[&str] = &[
    "insecure",
    "skip",
    "disable",
    "allow",
    "accept",
    "trust",
    "danger",
    "ignore",
    "bypass",
    "noverify",
    "no_verify",
    "unsafe",
];

/// As `inner` (a TLS judge), for a match whose value may be a name: an option
/// set from a variable or constant (`InsecureSkipVerify: skip`) is kept only
/// when the same file assigns that name the value that turns verification
/// off, and it is reported where the option takes effect.
pub fn review_variable(case: &Case<'_>, inner: fn(&Case<'_>) -> Verdict) -> Verdict {
    // The value ends the match, but for the delimiter some patterns take
    // after it (`InsecureSkipVerify: skip,`).
    let matched = case
        .matched()
        .trim_end_matches([' ', '\t', '\r', '\n', ',', ';', ')', '}', ']', '/']);
    // Minified booleans.
    let matched_owned;
    let matched = if let Some(head) = matched.strip_suffix("!1") {
        matched_owned = format!("{head}false");
        matched_owned.as_str()
    } else if let Some(head) = matched.strip_suffix("!0") {
        matched_owned = format!("{head}true");
        matched_owned.as_str()
    } else {
        matched
    };
    let value_start = matched
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$'))
        .map_or(0, |i| i + 1);
    let value = &matched[value_start..];
    let option = matched[..value_start].to_ascii_lowercase();
    let disabling = if TRUE_DISABLES.iter().any(|w| option.contains(w)) {
        TRUE_VALUES
    } else {
        FALSE_VALUES
    };
    let unquoted = value.trim_matches(|c| c == '"' || c == '\'');
    if TRUE_VALUES.contains(&unquoted) || FALSE_VALUES.contains(&unquoted) {
        // A literal: the switch is off only with the disabling value.
        return if disabling.contains(&unquoted) {
            inner(case)
        } else {
            Verdict::Drop
        };
    }
    if value.is_empty() || value.starts_with(|c: char| c.is_ascii_digit()) {
        return inner(case);
    }
    // The name as assigned: its last segment (`this.skip`, `cfg.skip`).
    let name = value
        .rsplit('.')
        .next()
        .unwrap_or(value)
        .trim_start_matches('$');
    if name.is_empty() || !assigns(case.text, name, disabling) {
        return Verdict::Drop;
    }
    match inner(case) {
        Verdict::Keep(adjust) if adjust.message.is_none() => Verdict::Keep(Adjust {
            message: Some(format!(
                "TLS verification is turned off through `{name}`, which this file sets to a disabling value (`{{match}}`)"
            )),
            ..adjust
        }),
        other => other,
    }
}

/// Whether `text` assigns `name` one of `values` (`name = value`,
/// `name := value`, `const name = value`, `$name = value`), quoted or not.
fn assigns(text: &[u8], name: &str, values: &[&str]) -> bool {
    let text = String::from_utf8_lossy(text);
    let mut from = 0;
    while let Some(i) = text[from..].find(name).map(|i| i + from) {
        from = i + name.len();
        // Only a statement assigns: before the name on its line, nothing
        // but declaration words and types (`const`, `private static final
        // boolean`, `var`) and a `self.`/`this.` receiver, never a call's
        // keyword argument (`get(url, verify=False)`).
        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        let prefix = text[line_start..i].trim_end_matches(['$', '@']);
        let prefix = prefix
            .strip_suffix("self.")
            .or_else(|| prefix.strip_suffix("this."))
            .unwrap_or(prefix);
        let declaration = prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ' || c == '\t');
        if !declaration || prefix.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = text[from..].trim_start_matches([' ', '\t']);
        // A type between the name and `=` (`skip bool = true`, `skip: bool = true`).
        let rest = rest
            .strip_prefix(':')
            .filter(|r| !r.starts_with('='))
            .map_or(rest, |r| {
                let r = r.trim_start();
                r.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    .trim_start()
            });
        let rest = rest
            .strip_prefix(":=")
            .or_else(|| rest.strip_prefix('=').filter(|r| !r.starts_with('=')));
        let Some(rest) = rest else { continue };
        let rest = rest.trim_start_matches([' ', '\t']);
        let value = rest
            .trim_start_matches(['"', '\''])
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        if values.contains(&value) {
            return true;
        }
    }
    false
}

/// Python: as [`review_option`], and `check_hostname = False` is fine where
/// the same function checks the hostname or certificate itself or requires
/// a certificate (`verify_mode = CERT_REQUIRED`).
pub fn review_python(case: &Case<'_>) -> Verdict {
    if case.matched().contains("check_hostname") {
        let (lines, at) = nearby_lines(case.text, case.start, AROUND * 2, AROUND * 2);
        let body = function_body(&lines, at);
        let verifies_itself = body.iter().any(|l| {
            let t = l.text;
            t.contains("CERT_REQUIRED")
                || t.contains("match_hostname")
                || t.contains("getpeercert")
                || t.contains("fingerprint")
                || t.contains("assert_fingerprint")
                || t.contains("server_hostname") && (t.contains("verify") || t.contains("check"))
        });
        if verifies_itself {
            return Verdict::Drop;
        }
    }
    review_option(case)
}

/// The lines of the function around line `at` (by indentation), or the
/// lines given when the match is at module level.
fn function_body<'a, 'b>(lines: &'b [Line<'a>], at: usize) -> &'b [Line<'a>] {
    let def = lines[..=at].iter().rposition(|l| {
        let t = l.trimmed();
        t.starts_with("def ") || t.starts_with("async def ")
    });
    let Some(def) = def else {
        return lines;
    };
    let indent = lines[def].indent();
    let end = lines[def + 1..]
        .iter()
        .position(|l| !l.is_blank() && l.indent() <= indent)
        .map_or(lines.len(), |i| def + 1 + i);
    &lines[def..end.max(at + 1)]
}

/// A test that builds the setting and asserts on it (on its own line, or
/// within a few lines below, possibly through the options object it stored
/// the setting in): nothing connects.
fn asserts_on_setting(lines: &[Line<'_>], at: usize) -> bool {
    // An options object stored in a variable (`const ssl = { ... }`): an
    // assertion on that variable further down checks the setting too.
    let here = lines[at].text;
    let target = here.find(" = ").and_then(|i| {
        let value = here[i + 3..].trim_start();
        value
            .starts_with('{')
            .then(|| name_before(here, i).rsplit('.').next().unwrap_or(""))
            .filter(|t| !t.is_empty())
    });
    let reach = if target.is_some() { 25 } else { 6 };
    let end = (at + reach).min(lines.len());
    (at..end).any(|i| {
        let lower = lines[i].trimmed().to_ascii_lowercase();
        let is_assertion = lower.starts_with("assert")
            || lower.starts_with("self.assert")
            || lower.starts_with("self::assert")
            || lower.starts_with("$this->assert")
            || lower.starts_with("expect(")
            || lower.contains("assert.")
            || lower.starts_with("require.");
        if !is_assertion {
            return false;
        }
        let names_setting = [
            "verify",
            "insecure",
            "reject",
            "cert",
            "check_hostname",
            "ssl",
            "tls",
        ]
        .iter()
        .any(|w| lower.contains(w));
        // The assertion's own lines (it may span a few).
        let statement = &lines[i..(i + 10).min(lines.len())];
        names_setting || target.is_some_and(|v| statement.iter().any(|l| has_word(l.text, v)))
    })
}

/// A test whose network is mocked around the setting (`patch(...)`,
/// `MagicMock`, `jest.mock`), or a line marked as never run (`# pragma: no
/// cover`): no connection is made with it.
fn mocked(lines: &[Line<'_>], at: usize) -> bool {
    if lines[at].text.contains("pragma: no cover") {
        return true;
    }
    let from = at.saturating_sub(15);
    let to = (at + 16).min(lines.len());
    lines[from..to].iter().any(|l| {
        let t = l.text;
        t.contains("patch(")
            || t.contains("MagicMock")
            || t.contains("_mock.")
            || t.contains("Mock(")
            || t.contains("jest.mock(")
            || t.contains("vi.mock(")
            || t.contains("gomock.")
            || t.contains("httptest.NewUnstartedServer")
    })
}

/// The options are handed to a plain-HTTP request (`http.get(opts`).
fn plain_http(lines: &[Line<'_>], at: usize) -> bool {
    let window = &lines[at..(at + 8).min(lines.len())];
    let plain = window.iter().any(|l| {
        let t = l.text;
        (has_word(t, "http.get") || has_word(t, "http.request")) && !t.contains("https")
    });
    plain && !window.iter().any(|l| l.text.contains("https."))
}

/// The condition guarding the switch, when it is the caller's opt-out
/// option: the switch's own line (`if not verify: ...`) or the nearest
/// enclosing `if` (by indentation, or the line just above for braces).
fn caller_option(lines: &[Line<'_>], at: usize) -> Option<String> {
    let here = &lines[at];
    let condition_of = |t: &str| -> Option<String> {
        let t = t.trim();
        let rest = t
            .strip_prefix("if ")
            .or_else(|| t.strip_prefix("if("))
            .or_else(|| t.strip_prefix("elif "))
            .or_else(|| t.strip_prefix("} else if ("))
            .or_else(|| t.strip_prefix("else if ("))?;
        let rest = rest.trim_start();
        let cond = match rest.strip_prefix('(') {
            Some(inner) => balanced(inner),
            None => rest.split([':', '{']).next().unwrap_or(rest),
        }
        .trim();
        let lower = cond.to_ascii_lowercase();
        OPT_OUT_WORDS
            .iter()
            .any(|w| lower.contains(w))
            .then(|| cond.to_string())
    };
    if let Some(c) = condition_of(here.text) {
        return Some(c);
    }
    let indent = here.indent();
    let enclosing = lines[..at]
        .iter()
        .rev()
        .take(8)
        .find(|l| !l.is_blank() && l.indent() < indent)?;
    condition_of(enclosing.text)
}

/// The text up to the parenthesis that closes an already opened one.
fn balanced(s: &str) -> &str {
    let mut depth = 1usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &s[..i];
                }
            }
            _ => {}
        }
    }
    s
}
