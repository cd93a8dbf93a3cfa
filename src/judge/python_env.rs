//! Python environment reads. `os.getenv("KEY")` is only a problem (SC8) when
//! the key is required and nothing notices that it is missing: the read is
//! not itself a condition, no alternative follows it, and no check on the
//! value comes within a few statements (or anywhere, for a module constant).
//! SDK constructors that default a parameter from the environment and
//! validate it later, and tests, are not findings. A read whose default is a
//! hard-coded secret (`SECRET_KEY = os.getenv("SECRET_KEY", "dev")`) is a
//! different problem, judged here for the SC1 rule.

use super::code::{has_word, name_before, nearby_lines, unquote_notebook, SourceLine};
use super::project::Argument;
use super::{is_test_path, Case, Verdict};

/// Lines after a read in which a check on its value counts.
const CHECK_LINES_AFTER: usize = 25;
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

/// Lines that end a block and start another: a check after them is about
/// other values.
const BLOCK_ENDS: &[&str] = &[
    "elif",
    "else",
    "except",
    "finally",
    "def ",
    "async def ",
    "class ",
    "case ",
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
        let (lines, at) = nearby_lines(case.text, case.start, 0, 0);
        if lines[at].text.matches("\\n").count() > 2 {
            return Verdict::Drop;
        }
    }
    let statement = Statement::at(case);
    // A comment inside a notebook cell (the engine's comment filter sees
    // only the JSON quoting), or a doctest example in a docstring.
    let lead = statement.before.trim_start();
    if lead.starts_with('#') || lead.starts_with(">>>") || lead.starts_with("...") {
        return Verdict::Drop;
    }
    if statement.is_condition() || statement.is_alternative() || statement.is_returned() {
        return Verdict::Drop;
    }
    // Checks in the file first (cheap), then what the project's callees do.
    if statement.checked_nearby(call.name)
        || statement.target_checked_in_file(case.text)
        || name_handled_in_file(case.text, call.name)
        || statement.target_unused(case.text)
    {
        return Verdict::Drop;
    }
    // `Retriever(api_key=os.getenv("K"))` where the repository's own
    // `Retriever` handles a missing `api_key` (raises, or uses it only when
    // set); the same through a variable or a spread dict.
    let source = python_source(case);
    if let Some((callee, arg)) = statement.argument_of(case) {
        if case
            .project
            .python_callee_handles(case.path, &source, &callee, &arg, call.name)
        {
            return Verdict::Drop;
        }
    }
    if statement.dict_value_passed_to_handling_callee(case, &source, call.name)
        || statement.target_passed_to_checking_callee(case, &source, call.name)
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
    // Temporary-credential session tokens are optional by nature.
    if upper.ends_with("SESSION_TOKEN") {
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
                let nested_read =
                    arg.starts_with("os.getenv(") || arg.starts_with("os.environ.get(");
                match arg {
                    "" | "None" => Default::None,
                    "\"\"" | "''" | r#"\"\""# => Default::Empty,
                    // `os.getenv("A", os.getenv("B", ""))`: the chain ends empty.
                    _ if nested_read
                        && (arg.ends_with("''") || arg.ends_with("\"\"") || !arg.contains(',')) =>
                    {
                        Default::Empty
                    }
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
    /// Byte offset in the file of each of `lines`.
    starts: Vec<usize>,
}

impl Statement {
    fn at(case: &Case<'_>) -> Statement {
        let (lines, at) =
            nearby_lines(case.text, case.start, CHECK_LINES_BEFORE, CHECK_LINES_AFTER);
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
            // Close the JSON string so that the notebook quoting comes off.
            before = unquote_notebook(&format!("{before}\"")).into_owned();
        }
        let after = clean(line.text.get(end..).unwrap_or(""));
        // `key=os.getenv(...)` on its own line inside a call is a keyword
        // argument, not an assignment.
        let target =
            assignment_target(&before).filter(|_| enclosing_call(case.text, case.start).is_none());
        Statement {
            lines: SourceLine::of(&lines, notebook),
            starts: lines.iter().map(|l| l.start).collect(),
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
        // A conditional expression picks it or something else.
        if b.ends_with(" else") || b == "else" || a.starts_with("if ") {
            return true;
        }
        // `default=os.getenv(...)`: the default of a command-line option or
        // a model field, which the option parser or model validates.
        if b.ends_with("default=") {
            return true;
        }
        // The line after continues the chain (`os.getenv("A")` then
        // `or os.getenv("B")` on the next line).
        if a.is_empty() || a == "," {
            let below = self.lines[self.at + 1..]
                .iter()
                .find(|l| !l.line().is_blank())
                .map(|l| l.text.trim_start().to_string())
                .unwrap_or_default();
            if below.starts_with("or ") || below.starts_with("and ") {
                return true;
            }
        }
        // The read starts a line that continues a condition or a chain
        // from the line above.
        if b.is_empty() {
            let above = self.lines[..self.at]
                .iter()
                .rev()
                .find(|l| !l.line().is_blank())
                .map(|l| l.text.trim().to_string())
                .unwrap_or_default();
            let opens_condition = ["if ", "elif ", "while ", "assert ", "if(", "not ("]
                .iter()
                .any(|k| above.starts_with(k))
                && above.ends_with('(');
            if above.ends_with(" or") || above.ends_with(" and") || opens_condition {
                return true;
            }
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

    /// The call and keyword the read is passed to: `Callee(name=<read>)`,
    /// with the call's parenthesis on this line or a few lines above.
    fn argument_of(&self, case: &Case<'_>) -> Option<(String, Argument)> {
        let (callee, open) = enclosing_call(case.text, case.start)?;
        let b = self.before.trim_end();
        if let Some(head) = b.strip_suffix('=') {
            if head.ends_with(['=', '!', '<', '>']) {
                return None;
            }
            let param = name_before(head, head.len());
            if param.is_empty() || param.contains('.') {
                return None;
            }
            return Some((callee, Argument::Keyword(param.to_string())));
        }
        // A positional argument: only other arguments between the
        // parenthesis and the read.
        let between = String::from_utf8_lossy(&case.text[open + 1..case.start]);
        let between = between.trim_end();
        if !(between.is_empty() || between.ends_with(',')) {
            return None;
        }
        let mut depth = 0i32;
        let mut commas = 0;
        for c in between.chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => commas += 1,
                '=' if depth == 0 => return None,
                _ => {}
            }
        }
        Some((callee, Argument::Positional(commas)))
    }

    /// The assigned variable is handed, a few lines on, as `kw=variable`
    /// to a callee of the project that refuses a missing value.
    fn target_passed_to_checking_callee(&self, case: &Case<'_>, source: &str, env: &str) -> bool {
        let Some(target) = &self.target else {
            return false;
        };
        let end = self.block_end();
        (self.at + 1..end).any(|i| {
            let start = self.starts[i];
            let stop = crate::engine::line_end(case.text, start);
            let raw = String::from_utf8_lossy(&case.text[start..stop]);
            keyword_uses(&raw, target).into_iter().any(|(offset, kw)| {
                enclosing_call(case.text, start + offset).is_some_and(|(callee, _)| {
                    let arg = Argument::Keyword(kw.clone());
                    case.project
                        .python_callee_handles(case.path, source, &callee, &arg, env)
                })
            })
        })
    }

    /// `CONFIG = {"key": os.getenv("K"), ...}` later spread into a call
    /// (`Callee(**CONFIG)`) of a callee that handles a missing `key`.
    fn dict_value_passed_to_handling_callee(
        &self,
        case: &Case<'_>,
        source: &str,
        env: &str,
    ) -> bool {
        let b = self.before.trim_end();
        let Some(head) = b.strip_suffix(':') else {
            return false;
        };
        let head = head.trim_end();
        let Some(key) = head
            .strip_suffix(['"', '\''])
            .and_then(|h| h.rsplit_once(['"', '\'']).map(|(_, k)| k))
        else {
            return false;
        };
        // The dict's own name: the assignment that opens its brace.
        let floor = case.start.saturating_sub(4096);
        let mut depth = 0i32;
        let mut brace = None;
        for i in (floor..case.start).rev() {
            match case.text[i] {
                b')' | b']' | b'}' => depth += 1,
                b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
                b'{' => {
                    brace = Some(i);
                    break;
                }
                b'(' | b'[' => return false,
                _ => {}
            }
        }
        let Some(brace) = brace else {
            return false;
        };
        let head =
            String::from_utf8_lossy(&case.text[crate::engine::line_start(case.text, brace)..brace]);
        let Some(dict) = assignment_target(head.trim_end()).filter(|d| !d.contains('.')) else {
            return false;
        };
        let spread = format!("**{dict}");
        let arg = Argument::Keyword(key.to_string());
        source.match_indices(spread.as_str()).any(|(at, _)| {
            let after = source[at + spread.len()..].chars().next();
            after.is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
                && enclosing_call(source.as_bytes(), at).is_some_and(|(callee, _)| {
                    case.project
                        .python_callee_handles(case.path, source, &callee, &arg, env)
                })
        })
    }

    /// The assigned variable is never read again: nothing can go wrong
    /// with its value.
    fn target_unused(&self, text: &[u8]) -> bool {
        let Some(target) = &self.target else {
            return false;
        };
        if target.contains('.') {
            return false;
        }
        let after = crate::engine::line_end(text, self.starts[self.at]);
        let rest = std::str::from_utf8(&text[after..]).unwrap_or("");
        !lines_containing(rest, target)
            .into_iter()
            .any(|l| has_word(l, target))
    }

    /// The index (in `lines`) where the read's block ends: another branch
    /// (`elif`, `else`, `except`) or the next definition holds other values.
    fn block_end(&self) -> usize {
        let indent = self.lines[self.at].line().indent();
        self.lines[self.at + 1..]
            .iter()
            .map(SourceLine::line)
            .position(|l| {
                let t = l.trimmed();
                !l.is_blank() && l.indent() < indent && BLOCK_ENDS.iter().any(|k| t.starts_with(k))
            })
            .map_or(self.lines.len(), |i| self.at + 1 + i)
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
        lines_containing(text, attr).into_iter().any(|l| {
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
        let after = &self.lines[self.at + 1..self.block_end()];
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
    let lines = quoted.iter().flat_map(|q| lines_containing(text, q));
    lines.into_iter().any(|line| {
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

/// The lines of `text` that contain `needle`, each once, found with a
/// substring search rather than by walking every line.
fn lines_containing<'t>(text: &'t str, needle: &str) -> Vec<&'t str> {
    let mut out: Vec<&str> = Vec::new();
    if needle.is_empty() {
        return out;
    }
    let bytes = text.as_bytes();
    let mut last_start = usize::MAX;
    for at in memchr::memmem::find_iter(bytes, needle.as_bytes()) {
        let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        if start == last_start {
            continue;
        }
        last_start = start;
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        out.push(&text[start..end]);
    }
    out
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
        || t.contains("bool(")
        || t.contains("all(")
        || t.contains("any(")
}

/// The file as Python source: a notebook's lines with their JSON quoting
/// removed, so that its imports and definitions read as code.
fn python_source<'a>(case: &Case<'a>) -> std::borrow::Cow<'a, str> {
    let text = String::from_utf8_lossy(case.text);
    if case.path.ends_with(".ipynb") {
        text.lines()
            .map(unquote_notebook)
            .collect::<Vec<_>>()
            .join("\n")
            .into()
    } else {
        text
    }
}

/// The name of the call whose parenthesis is still open at byte `pos`
/// (looking back at most 4 KiB), as written, and the parenthesis' offset:
/// `YouRM` for `rm = YouRM(\n  key=<pos>`, `rm.YouRM` for `rm.YouRM(key=<pos>`.
fn enclosing_call(text: &[u8], pos: usize) -> Option<(String, usize)> {
    let floor = pos.saturating_sub(4096);
    let mut depth = 0i32;
    let mut open = None;
    for i in (floor..pos).rev() {
        match text[i] {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' => {
                open = Some(i);
                break;
            }
            b'[' | b'{' => return None,
            _ => {}
        }
    }
    let open = open?;
    let before_call = String::from_utf8_lossy(&text[floor..open]);
    let callee = name_before(&before_call, before_call.len());
    (!callee.is_empty()).then(|| (callee.to_string(), open))
}

/// Each `kw=name` (keyword argument whose value is exactly `name`) in
/// `line`: the offset of the value (inside the call's parentheses) and the
/// keyword.
fn keyword_uses(line: &str, name: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = line[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let after_ok = line[from..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
        let head = line[..at].trim_end();
        let Some(head) = head.strip_suffix('=') else {
            continue;
        };
        if !after_ok || head.ends_with(['=', '!', '<', '>']) {
            continue;
        }
        let head = head.trim_end();
        let kw = name_before(head, head.len());
        if !kw.is_empty() && !kw.contains('.') {
            out.push((at, kw.to_string()));
        }
    }
    out
}

/// `x = x or fallback` and `x or default` after the read, with a fallback
/// that is not empty (`api_key or ""` still sends an empty key). A new
/// value assigned to the same name (`x = a or b`) is not a fallback.
fn is_fallback(line: &str, target: &str) -> bool {
    let source = unquote_notebook(line);
    let Some(i) = source.find(" or ") else {
        return false;
    };
    let fallback = source[i + 4..].trim_start();
    let empty = ["\"\"", "''", "None"]
        .iter()
        .any(|e| fallback.starts_with(e));
    let left = &source[..i];
    let value = match left.find('=') {
        Some(eq) if !left[eq + 1..].starts_with('=') => &left[eq + 1..],
        _ => left,
    };
    !empty && mentions(value, target)
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
