//! Logged prompts (SC9). The regex finds a log call with a prompt-like word
//! in it; this judge reads the call's arguments (across lines, up to the
//! closing parenthesis) and keeps it only when a prompt *value* is logged:
//! a prompt name outside string literals (or inside `${...}` / f-string
//! braces), that is not a constant string assigned in the same file.
//! A notebook's top-level `print(prompt)` shows the reader a prompt; it is
//! not a log line.

use super::code::{has_word, nearby_lines, strip_declaration, unquote_notebook};
use super::{Case, Verdict};

/// Most bytes of a call's arguments read.
const MAX_ARGS: usize = 2000;

pub fn review(case: &Case<'_>) -> Verdict {
    // A notebook's code cells reach the judges as one script named
    // `<path>.ipynb.py`; a notebook scanned as raw JSON keeps its name.
    let cells = case.path.contains(".ipynb.");
    if cells || case.path.ends_with(".ipynb") {
        let (lines, at) = nearby_lines(case.text, case.start, 0, 0);
        let source = if cells {
            lines[at].text.into()
        } else {
            unquote_notebook(lines[at].text)
        };
        if source.starts_with("print(") {
            return Verdict::Drop;
        }
    }
    if case.matched().starts_with("console.") && runs_in_browser(case) {
        return Verdict::Drop;
    }
    let Some(open) = case.text[case.start..case.end]
        .iter()
        .position(|&b| b == b'(')
        .map(|i| case.start + i)
    else {
        return Verdict::Drop;
    };
    let mut args = call_arguments(case.text, open + 1);
    let notebook = case.path.ends_with(".ipynb");
    if notebook {
        args = args.replace(r#"\""#, "\"").replace(r"\n", "\n");
    }
    let python = case.path.ends_with(".py") || notebook;
    let names = prompt_names(&args, python);
    let Ok(text) = std::str::from_utf8(case.text) else {
        return Verdict::keep();
    };
    if python && shown_before_input(text, case.start) {
        return Verdict::Drop;
    }
    let line = text[..case.start].matches('\n').count();
    if names.iter().any(|n| !constant_at(text, line, n)) {
        Verdict::keep()
    } else {
        Verdict::Drop
    }
}

/// A prompt printed just before `input()` asks a person at the terminal;
/// it is not a model prompt.
fn shown_before_input(text: &str, pos: usize) -> bool {
    text[pos..]
        .lines()
        .skip(1)
        .take(3)
        .any(|l| l.contains("input("))
}

/// Whether `name`, logged on line `line` (0-based), holds a constant there:
/// the nearest assignment above it in the same function is a plain string,
/// or it is a parameter that every call in the file passes a plain string.
/// Without either, the whole file decides ([`is_constant`]).
fn constant_at(text: &str, line: usize, name: &str) -> bool {
    if name.contains('.') {
        return false;
    }
    let lines: Vec<&str> = text.lines().collect();
    let floor = line.saturating_sub(80);
    for n in (floor..line.min(lines.len())).rev() {
        let t = lines[n].trim_start();
        if t.starts_with("def ") || t.starts_with("async def ") || t.starts_with("function ") {
            if has_word(t, name) {
                let function = t
                    .trim_start_matches("async ")
                    .trim_start_matches("def ")
                    .trim_start_matches("function ");
                let function: String = function
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                return called_with_literals_only(&lines, &function);
            }
            break;
        }
        let Some(rest) = t.strip_prefix(name) else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        if value.starts_with('=') {
            continue;
        }
        let mut value = value.trim().to_string();
        // `prompt = (` with the string on the next lines.
        if value == "(" || value.is_empty() {
            value = lines
                .get(n + 1)
                .map_or(String::new(), |l| l.trim().to_string());
        }
        return is_plain_string(&value);
    }
    is_constant(text, name)
}

/// Every call of `function` in the file passes a plain string first (and
/// there is at least one call).
fn called_with_literals_only(lines: &[&str], function: &str) -> bool {
    if function.is_empty() {
        return false;
    }
    let call = format!("{function}(");
    let mut calls = 0;
    for (n, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if t.starts_with("def ") || t.starts_with("async def ") || t.starts_with("function ") {
            continue;
        }
        let Some(at) = l.find(&call) else {
            continue;
        };
        if at > 0 && l[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        calls += 1;
        let mut first = l[at + call.len()..].trim().to_string();
        if first.is_empty() {
            first = lines
                .get(n + 1)
                .map_or(String::new(), |x| x.trim().to_string());
        }
        if !is_plain_string(&first) {
            return false;
        }
    }
    calls > 0
}

/// A string literal without interpolation.
fn is_plain_string(value: &str) -> bool {
    (value.starts_with('"') || value.starts_with('\''))
        || (value.starts_with('`') && !value.contains("${"))
}

/// Browser code: its `console` output stays in the user's own developer
/// tools, it is not a log anyone else keeps.
fn runs_in_browser(case: &Case<'_>) -> bool {
    let path = case.path;
    let head = &case.text[..case.text.len().min(512)];
    let use_client = memchr::memmem::find(head, b"use client").is_some();
    use_client
        || path.ends_with(".vue")
        || path.ends_with(".svelte")
        || path.ends_with(".component.ts")
        || path.contains("/public/")
        || path.contains("/static/")
}

/// The text of a call's arguments, from just after its `(` to the matching
/// `)` (or a bounded length).
fn call_arguments(text: &[u8], from: usize) -> String {
    let end = (from + MAX_ARGS).min(text.len());
    let mut depth = 1i32;
    let mut stop = end;
    for (i, &b) in text[from..end].iter().enumerate() {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    stop = from + i;
                    break;
                }
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&text[from..stop]).into_owned()
}

/// Prompt-like identifiers in code position: outside string literals, or
/// inside `${...}` of a template literal / `{...}` of an f-string.
fn prompt_names(args: &str, python: bool) -> Vec<String> {
    let mut code = String::with_capacity(args.len());
    let bytes = args.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'"' || c == b'\'' || c == b'`' {
            let f_string = python && i > 0 && matches!(bytes[i - 1], b'f' | b'F');
            let template = c == b'`';
            i += 1;
            while i < bytes.len() && bytes[i] != c {
                if bytes[i] == b'\\' {
                    i += 2;
                    continue;
                }
                let interp = (template && bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{'))
                    || (f_string && bytes[i] == b'{' && bytes.get(i + 1) != Some(&b'{'));
                if interp {
                    i += if template { 2 } else { 1 };
                    code.push(' ');
                    while i < bytes.len() && bytes[i] != b'}' {
                        code.push(bytes[i] as char);
                        i += 1;
                    }
                    code.push(' ');
                }
                i += 1;
            }
            i += 1;
            code.push(' ');
            continue;
        }
        code.push(c as char);
        i += 1;
    }
    let mut names = Vec::new();
    for token in code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
        let last = token.rsplit('.').next().unwrap_or(token);
        let lower = last.to_ascii_lowercase();
        let is_prompt = lower == "prompt"
            || lower.ends_with("_prompt")
            || lower.ends_with("prompt")
                && last.len() > 6
                && last.as_bytes()[last.len() - 6] == b'P'
            || lower == "prompt_text"
            || lower == "prompttext"
            || lower == "prompt_raw";
        let measured = lower.contains("hash") || lower.contains("len");
        // `result.output.prompt`: what a model or tool returned, not input.
        let returned = token.split('.').rev().skip(1).any(|seg| {
            let seg = seg.to_ascii_lowercase();
            ["output", "result", "response", "completion"]
                .iter()
                .any(|w| seg.contains(w))
        });
        if returned {
            continue;
        }
        if is_prompt && !measured && !token.is_empty() {
            names.push(token.to_string());
        }
    }
    names
}

/// A name assigned only string literals in the file (`PROMPT = "..."`,
/// `const prompt = 'a cat'`), and never a parameter: logging it reveals
/// nothing a user typed.
fn is_constant(text: &str, name: &str) -> bool {
    if name.contains('.') {
        return false;
    }
    let mut literal = false;
    let lines: Vec<&str> = text.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        let source = unquote_notebook(line);
        let t = strip_declaration(&source);
        let Some(rest) = t.strip_prefix(name) else {
            // A parameter of that name: `def f(prompt)`, `(prompt) =>`,
            // `function f(prompt: string)`.
            if is_parameter(t, name) {
                return false;
            }
            continue;
        };
        let rest = rest.trim_start();
        let rest = match rest.strip_prefix(':') {
            // `prompt: str = "..."`; `prompt: value` is an object key.
            Some(r) => match r.split_once('=') {
                Some((_, v)) => v,
                None => continue,
            },
            None => match rest.strip_prefix('=') {
                Some(v) if !v.starts_with('=') => v,
                _ => continue,
            },
        };
        let mut value = rest.trim_start().to_string();
        // `const prompt =` with the value on the next line.
        if value.is_empty() {
            value = lines.get(n + 1).map_or(String::new(), |l| {
                unquote_notebook(l).trim_start().to_string()
            });
        }
        let plain_string = (value.starts_with('"') || value.starts_with('\''))
            || (value.starts_with('`') && !value.contains("${"));
        if plain_string && !value.contains(".format(") && !value.contains(" + ") {
            literal = true;
        } else {
            return false;
        }
    }
    literal
}

fn is_parameter(line: &str, name: &str) -> bool {
    let is_def = line.starts_with("def ")
        || line.starts_with("async def ")
        || line.contains("function")
        || line.contains("=>");
    is_def && super::code::has_word(line, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_strings() {
        assert_eq!(
            prompt_names(r#""prompt received""#, true),
            Vec::<String>::new()
        );
        assert_eq!(
            prompt_names(r#"f"prompt={user_prompt}""#, true),
            ["user_prompt"]
        );
        assert_eq!(prompt_names("`PROMPT: ${prompt}`", false), ["prompt"]);
        assert_eq!(
            prompt_names("'Generating', { prompt: request.prompt }", false),
            ["prompt", "request.prompt"]
        );
        assert_eq!(prompt_names("prompt_hash", true), Vec::<String>::new());
    }

    #[test]
    fn constant_prompts() {
        assert!(is_constant(
            "const prompt = 'a cat';\nconsole.log(prompt);",
            "prompt"
        ));
        assert!(!is_constant(
            "function go(prompt) {\n  console.log(prompt);\n}",
            "prompt"
        ));
        assert!(!is_constant("prompt = f\"about {topic}\"\n", "prompt"));
        assert!(!is_constant("prompt = input()\n", "prompt"));
    }
}
