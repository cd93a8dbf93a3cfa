//! Python environment reads. `os.getenv("KEY")` is only a problem (SC8) when
//! the key is required and nothing notices that it is missing: the read is
//! not itself a condition, no alternative follows it, and no check on the
//! value comes within a few statements (or anywhere, for a module constant).
//! SDK constructors that default a parameter from the environment and
//! validate it later, and tests, are not findings. A read whose default is a
//! hard-coded secret (`SECRET_KEY = os.getenv("SECRET_KEY", "dev")`) is a
//! different problem, judged here for the SC1 rule.

use super::code::{has_word, lines_around, name_before, unquote_notebook, SourceLine};
use super::{is_test_path, Case, Verdict};

/// Lines after a read in which a check on its value counts.
const CHECK_LINES_AFTER: usize = 15;
/// Lines before a read in which a check on the variable name counts.
const CHECK_LINES_BEFORE: usize = 15;

/// Last words of names that hold settings, not credentials.
const SETTING_WORDS: &[&str] = &[
    "URL",
    "URI",
    "URLS",
    "TTL",
    "PATH",
    "FILE",
    "DIR",
    "ENDPOINT",
    "HOST",
    "PORT",
    "TIMEOUT",
    "EXPIRE",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "LIFETIME",
    "HEADER",
    "NAME",
    "TYPE",
    "ENABLED",
    "LIMIT",
    "PREFIX",
    "LENGTH",
    "ALGORITHM",
    "ALG",
    "VERSION",
    "COUNT",
    "SIZE",
    "REGION",
    "MODE",
    "FORMAT",
    "ENV",
    "MODEL",
    "ID",
    "IDS",
    "LOCATION",
    "SCOPE",
    "SCOPES",
    "AUDIENCE",
    "ISSUER",
];

/// SC8: keep a read of a required key that nothing checks.
pub fn review_getenv(case: &Case<'_>) -> Verdict {
    if is_test_path(case.path) {
        return Verdict::Drop;
    }
    let call = Call::parse(case.matched());
    if !is_credential_name(call.name) {
        return Verdict::Drop;
    }
    let empty_default = match call.default {
        Default::None => false,
        Default::Empty => true,
        Default::Other => return Verdict::Drop,
    };
    // A notebook cell stored as one JSON string (`"source": "import os\n..."`)
    // has no lines to judge the read by.
    if case.path.ends_with(".ipynb") {
        let (lines, at) = lines_around(case.text, case.start, 0, 0);
        if lines[at].text.matches("\\n").count() > 2 {
            return Verdict::Drop;
        }
    }
    let statement = Statement::at(case);
    // A comment inside a notebook cell (the engine's comment filter sees
    // only the JSON quoting).
    if statement.before.trim_start().starts_with('#') {
        return Verdict::Drop;
    }
    if statement.is_condition() || statement.is_alternative() || statement.is_returned() {
        return Verdict::Drop;
    }
    if statement.checked_nearby(call.name)
        || statement.target_checked_in_file(case.text)
        || name_handled_in_file(case.text, call.name)
    {
        return Verdict::Drop;
    }
    if empty_default {
        return Verdict::reword(
            "`{match}` falls back to an empty string when the key is missing; the app fails later with a confusing auth error",
        );
    }
    Verdict::keep()
}

/// SC1: keep a hard-coded fallback for a secret unless code right after it
/// refuses to run with that fallback.
pub fn review_default_secret(case: &Case<'_>) -> Verdict {
    if is_test_path(case.path) {
        return Verdict::Drop;
    }
    let call = Call::parse(case.matched());
    if !is_credential_name(call.name) {
        return Verdict::Drop;
    }
    let statement = Statement::at(case);
    if statement.checked_nearby(call.name) {
        return Verdict::Drop;
    }
    Verdict::keep()
}

/// True when an environment variable name is a credential's, not a
/// setting's (`OPENAI_API_KEY` but not `TOKEN_URL`, `MAX_TOKENS`).
pub fn is_credential_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper.split('_').filter(|w| !w.is_empty()).collect();
    let Some(last) = words.last() else {
        return false;
    };
    if SETTING_WORDS.contains(last) {
        return false;
    }
    if words
        .iter()
        .any(|w| matches!(*w, "TTL" | "TOKENS" | "USE" | "ENABLE" | "DISABLE"))
    {
        return false;
    }
    words.iter().any(|w| {
        matches!(
            *w,
            "KEY" | "APIKEY" | "SECRET" | "TOKEN" | "PASSWORD" | "PASSWD" | "PAT" | "CREDENTIALS"
        )
    }) || upper.contains("APIKEY")
        || upper.contains("SECRET")
        || upper.contains("TOKEN")
}

/// The parts of an `os.getenv("NAME", default)` call.
struct Call<'a> {
    name: &'a str,
    default: Default,
}

enum Default {
    /// No default, or `None`.
    None,
    /// `""` or `''`.
    Empty,
    /// Anything else: a literal or another expression.
    Other,
}

impl<'a> Call<'a> {
    fn parse(call: &'a str) -> Call<'a> {
        let open = call.find(['"', '\'']).unwrap_or(0);
        let quote = call[open..].chars().next().unwrap_or('"');
        let rest = &call[(open + 1).min(call.len())..];
        let close = rest.find(quote).unwrap_or(rest.len());
        let name = rest[..close].trim_end_matches('\\');
        let after = rest[(close + 1).min(rest.len())..].trim_start();
        let default = match after.strip_prefix(',') {
            None => Default::None,
            Some(arg) => {
                let arg = arg.trim().trim_end_matches(')').trim();
                let arg = arg.trim_end_matches(',').trim();
                match arg {
                    "" | "None" => Default::None,
                    "\"\"" | "''" | r#"\"\""# => Default::Empty,
                    _ => Default::Other,
                }
            }
        };
        Call { name, default }
    }
}

/// The line holding a read, split around it, with its neighbours.
struct Statement {
    /// Source lines around the read (notebook quoting removed).
    lines: Vec<SourceLine>,
    at: usize,
    /// The line's text before and after the call (notebook quoting removed).
    before: String,
    after: String,
    /// The variable the value is assigned to, if the statement is one.
    target: Option<String>,
}

impl Statement {
    fn at(case: &Case<'_>) -> Statement {
        let (lines, at) =
            lines_around(case.text, case.start, CHECK_LINES_BEFORE, CHECK_LINES_AFTER);
        let line = lines[at];
        let end = (case.end - line.start).min(line.text.len());
        let start = (case.start - line.start).min(end);
        let notebook = case.path.ends_with(".ipynb");
        let clean = |s: &str| -> String {
            if notebook {
                s.replace("\\\"", "\"")
            } else {
                s.to_string()
            }
        };
        let mut before = clean(line.text.get(..start).unwrap_or(""));
        if notebook {
            before = unquote_notebook(&format!("{before}\"")).into_owned();
            before.pop();
        }
        let after = clean(line.text.get(end..).unwrap_or(""));
        let target = assignment_target(&before);
        Statement {
            lines: SourceLine::of(&lines, notebook),
            at,
            before,
            after,
            target,
        }
    }

    /// The read is a condition itself: `if os.getenv(...)`, `assert`,
    /// `bool(...)`, `... is None`, a comparison, `pytest.mark.skipif`.
    fn is_condition(&self) -> bool {
        let b = self.before.trim_start();
        let b_end = self.before.trim_end();
        let a = self.after.trim_start();
        let starts = |s: &str| b.starts_with(s);
        starts("if ")
            || starts("elif ")
            || starts("while ")
            || starts("assert ")
            || b_end.ends_with("not")
            || b_end.ends_with("bool(")
            || b_end.ends_with(" if")
            || ["is None", "is not None", "==", "!=", "in ", "not in "]
                .iter()
                .any(|p| a.starts_with(p))
            || self.lines[self.at.saturating_sub(3)..=self.at]
                .iter()
                .any(|l| l.text.contains("skipif"))
    }

    /// The read is one alternative among others: `os.getenv("A") or
    /// os.getenv("B")`, `param or os.getenv(...)`, `... and ...`, or it sets
    /// a parameter's default inside `if param is None:`.
    fn is_alternative(&self) -> bool {
        let b = self.before.trim_end();
        let a = self.after.trim_start();
        if b.ends_with(" or")
            || b.ends_with(" and")
            || a.starts_with("or ")
            || a.starts_with("and ")
        {
            return true;
        }
        // `Field(default_factory=lambda: os.getenv(...))`: a default the
        // model validates, like a constructor parameter.
        if b.ends_with("lambda:") {
            return true;
        }
        let Some(target) = &self.target else {
            return false;
        };
        // `if api_key is None:` / `if not api_key:` opening the block.
        let indent = self.lines[self.at].line().indent();
        let enclosing = self.lines[..self.at]
            .iter()
            .map(SourceLine::line)
            .rev()
            .find(|l| !l.is_blank() && l.indent() < indent);
        enclosing.is_some_and(|l| {
            let t = l.trimmed();
            (t.starts_with("if ") || t.starts_with("elif ")) && mentions(t, target)
        })
    }

    /// `return os.getenv(...)`: a getter hands the optional value to its
    /// callers, which decide.
    fn is_returned(&self) -> bool {
        self.before.trim() == "return"
    }

    /// A module constant (`API_KEY = ...`), an attribute (`self.api_key =
    /// ...`) or a class field is checked anywhere in the file, typically in
    /// the methods or functions that use it.
    fn target_checked_in_file(&self, text: &[u8]) -> bool {
        let Some(target) = &self.target else {
            return false;
        };
        let attr = target.rsplit('.').next().unwrap_or(target);
        let constant = attr
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        let shared = constant || target.contains('.') || self.in_class_body();
        if !shared {
            return false;
        }
        let Ok(text) = std::str::from_utf8(text) else {
            return false;
        };
        let dotted = format!(".{attr}");
        text.lines().any(|l| {
            is_check(l) && (has_word(l, attr) || l.contains(&dotted)) && !l.contains("getenv")
        })
    }

    /// The statement is a field of a class body (its nearest less indented
    /// line opens a class).
    fn in_class_body(&self) -> bool {
        let indent = self.lines[self.at].line().indent();
        indent > 0
            && self.lines[..self.at]
                .iter()
                .map(SourceLine::line)
                .rev()
                .find(|l| !l.is_blank() && l.indent() < indent)
                .is_some_and(|l| l.trimmed().starts_with("class "))
    }

    /// A check on the value (through its variable) or on the variable's
    /// name comes within a few statements.
    fn checked_nearby(&self, name: &str) -> bool {
        let quoted = [format!("\"{name}\""), format!("'{name}'")];
        let after = &self.lines[self.at + 1..];
        let before = &self.lines[..self.at];
        let by_target = self.target.as_ref().is_some_and(|target| {
            after
                .iter()
                .any(|l| is_check(&l.text) && mentions(&l.text, target))
                || after.iter().any(|l| is_fallback(&l.text, target))
        });
        let by_name = before
            .iter()
            .chain(after)
            .any(|l| is_check(&l.text) && quoted.iter().any(|q| l.text.contains(q.as_str())));
        // A module constant checked anywhere in the file (inside the
        // functions that use it) counts too.
        by_target || by_name
    }
}

/// The file handles the variable by name somewhere: a check such as a
/// module-level `if not os.getenv("K"): raise`, an error message naming it,
/// or a list of required names (`env = ["K", "OTHER"]`) that generic code
/// checks.
fn name_handled_in_file(text: &[u8], name: &str) -> bool {
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    let quoted = [format!("\"{name}\""), format!("'{name}'")];
    text.lines().any(|line| {
        let Some(at) = quoted.iter().find_map(|q| line.find(q.as_str())) else {
            return false;
        };
        let source = unquote_notebook(line);
        let t = source.trim_start();
        if is_check(line) {
            return true;
        }
        if line.contains("getenv") || line.contains("environ") {
            return false;
        }
        let says = ["raise ", "print(", "logger.", "logging.", "warn"]
            .iter()
            .any(|w| t.starts_with(w) || t.contains(&format!(" {w}")));
        let prev = line[..at].trim_end().chars().next_back();
        let next = line[at + name.len() + 2..].trim_start().chars().next();
        let listed = matches!(prev, None | Some('[' | '(' | '{' | ','))
            && matches!(next, None | Some(',' | ']' | ')' | '}'));
        says || listed
    })
}

/// Lines that test a value: `if`, `elif`, `assert`, `while`, a conditional
/// expression, `raise ... if`.
fn is_check(line: &str) -> bool {
    let source = unquote_notebook(line);
    let t = source.trim_start();
    t.starts_with("if ")
        || t.starts_with("if(")
        || t.starts_with("elif ")
        || t.starts_with("assert ")
        || t.starts_with("while ")
        || t.contains(" if ")
        || t.contains("is None")
        || t.contains("is not None")
}

/// `x = x or fallback` and `x or default` after the read, with a fallback
/// that is not empty (`api_key or ""` still sends an empty key).
fn is_fallback(line: &str, target: &str) -> bool {
    let source = unquote_notebook(line);
    let Some(i) = source.find(" or ") else {
        return false;
    };
    let fallback = source[i + 4..].trim_start();
    let empty = ["\"\"", "''", "None"]
        .iter()
        .any(|e| fallback.starts_with(e));
    !empty && mentions(&source[..i], target)
}

/// `target` as a whole name in `line`; for `self.x`, `x` alone counts too
/// (the check may read it through another object).
fn mentions(line: &str, target: &str) -> bool {
    if line.contains(target) && has_word(line, target) {
        return true;
    }
    match target.rsplit_once('.') {
        Some((_, attr)) => line.contains(&format!(".{attr}")) || has_word(line, attr),
        None => false,
    }
}

/// `name = `, `self.name = `, `name: str = ` at the start of the statement.
fn assignment_target(before: &str) -> Option<String> {
    let t = before.trim_end();
    let head = t.strip_suffix('=')?;
    if head.ends_with(['=', '!', '<', '>']) {
        return None;
    }
    let head = head.trim_end();
    // `name: Type =`
    let head = match head.split_once(':') {
        Some((name, _)) => name.trim_end(),
        None => head,
    };
    let name = name_before(head, head.len());
    let lead = head[..head.len() - name.len()].trim();
    (!name.is_empty() && lead.is_empty() && !name.starts_with('.')).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names() {
        for n in [
            "OPENAI_API_KEY",
            "GITHUB_TOKEN",
            "JWT_SECRET",
            "DB_PASSWORD",
            "SERPAPIKEY",
        ] {
            assert!(is_credential_name(n), "{n}");
        }
        for n in [
            "TOKEN_URL",
            "MAX_TOKENS",
            "CACHE_TTL_SECONDS",
            "SECRET_NAME",
            "API_KEY_HEADER",
        ] {
            assert!(!is_credential_name(n), "{n}");
        }
    }

    #[test]
    fn call_parts() {
        let c = Call::parse(r#"os.getenv("K", "")"#);
        assert_eq!(c.name, "K");
        assert!(matches!(c.default, Default::Empty));
        assert!(matches!(
            Call::parse("os.environ.get('K')").default,
            Default::None
        ));
        assert!(matches!(
            Call::parse(r#"os.getenv("K", other)"#).default,
            Default::Other
        ));
    }

    #[test]
    fn assignment_targets() {
        assert_eq!(assignment_target("key = ").as_deref(), Some("key"));
        assert_eq!(
            assignment_target("    self.api_key: str = ").as_deref(),
            Some("self.api_key")
        );
        assert_eq!(assignment_target("client = Client(api_key="), None);
        assert_eq!(assignment_target("if x == "), None);
    }
}
