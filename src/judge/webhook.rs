//! Unverified webhooks (SC10). The vendor signs every webhook delivery with
//! an `X-Skytells-Signature` header and asks receivers to validate it before
//! processing the payload. The rules' regexes find what declares a webhook
//! handler: a route whose path says `webhook` (Flask, FastAPI, Express), a
//! function named for webhooks (Django views, helpers taking the request),
//! a Next.js route handler or API route under a `webhook` path. This judge
//! finds the handler's text (the decorated function's indented block, the
//! route call's arguments, the function's braces) and reports it when it
//! never reads a signature, or reads one and never compares it.
//!
//! Verification counts however it is done: a constant-time compare or an
//! HMAC in the handler, a call to something named for verification
//! (`verify_signature(request)`, `webhooks.verify(...)`), middleware or a
//! dependency named so on the route, or a call to a function of the same
//! file that computes an HMAC. The file must name the vendor (the rule's
//! `file_requires`), the handler must take or read a request, and tests are
//! left out. Constant time is `*-signature-equality`'s business.
//!
//! Hand-written rather than a parser per language: the judge needs the
//! extent of one function and a few words in it, and has to work on
//! Python, JavaScript and TypeScript alike.

use super::{is_test_path, Case, Verdict};

/// Most bytes of a handler looked at.
const MAX_HANDLER: usize = 64 * 1024;

pub fn review(case: &Case<'_>) -> Verdict {
    if is_test_path(case.path) {
        return Verdict::Drop;
    }
    let Ok(text) = std::str::from_utf8(case.text) else {
        return Verdict::Drop;
    };
    let python = is_python(case.path);
    let handler = if python {
        python_handler(text, case.start)
    } else {
        js_handler(text, case.start, case.end, case.path)
    };
    let Some(handler) = handler else {
        return Verdict::Drop;
    };
    let body = &text[handler.clone()];
    if !takes_request(body, python) || !reads_payload(body) || sends_or_manages(case.matched()) {
        return Verdict::Drop;
    }
    let lower = body.to_ascii_lowercase();
    if verifies(&lower) || calls_local_verifier(text, body) {
        return Verdict::Drop;
    }
    if reads_signature(&lower) {
        Verdict::reword(
            "webhook handler (`{match}`) reads the X-Skytells-Signature header but never compares it: compute the HMAC of the raw body and compare in constant time before processing",
        )
    } else {
        Verdict::keep()
    }
}

fn is_python(path: &str) -> bool {
    path.ends_with(".py") || path.ends_with(".ipynb") || path.ends_with(".ipynb.py")
}

/// The handler reads a request: a parameter or a use of one.
fn takes_request(body: &str, python: bool) -> bool {
    let words: &[&str] = if python {
        &["request", "req"]
    } else {
        &["req", "request", "c.req"]
    };
    words.iter().any(|w| has_word(body, w))
}

/// The handler reads what was delivered: a JSON body, raw body, form data
/// or a parsed prediction.
fn reads_payload(body: &str) -> bool {
    [
        "json",
        ".body",
        ".data",
        "payload",
        "prediction",
        "get_data",
        ".text()",
        "stream",
    ]
    .iter()
    .any(|w| body.contains(w))
}

/// A function named for webhooks that sends, registers or checks them
/// rather than receiving one (`send_webhook`, `createWebhook`,
/// `verify_webhook`).
fn sends_or_manages(matched: &str) -> bool {
    let Some(name) = matched
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .rfind(|w| w.to_ascii_lowercase().contains("webhook"))
    else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    const VERBS: &[&str] = &[
        "send",
        "create",
        "register",
        "delete",
        "remove",
        "list",
        "update",
        "setup",
        "set_",
        "subscribe",
        "unsubscribe",
        "trigger",
        "test",
        "verify",
        "validate",
        "check",
        "sign",
        "build",
        "make",
        "format",
        "get",
        "fetch",
        "dispatch",
        "emit",
        "notify",
        "post_to",
        "deliver",
        "retry",
        "schedule",
        "enqueue",
        "mock",
        "fake",
    ];
    let function = matched.contains("def ") || matched.contains("function ");
    function && VERBS.iter().any(|v| lower.starts_with(v))
}

/// Words that verify a signature, in lower case: constant-time compares,
/// HMAC computations, and calls named for verification.
fn verifies(lower: &str) -> bool {
    const PRIMITIVES: &[&str] = &[
        "compare_digest",
        "timingsafeequal",
        "hmac.new",
        "createhmac",
        "hmac(",
        "subtle.verify",
        "constructevent",
        "construct_event",
    ];
    if PRIMITIVES.iter().any(|p| lower.contains(p)) {
        return true;
    }
    // `verify_signature(`, `verifyWebhook(`, `webhooks.verify(`,
    // `validate_signature(`, `is_valid_signature(`, `check_signature(`, a
    // dependency `Depends(verify_...)`, Express middleware `verifySkytells`.
    let bytes = lower.as_bytes();
    let mut at = 0;
    while let Some(i) = lower[at..].find("verif").map(|i| at + i) {
        let rest = &lower[i..];
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let after = rest[name_end..].trim_start();
        // A call, or a name passed as middleware / a dependency.
        if after.starts_with('(') || after.starts_with(',') || after.starts_with(')') {
            return true;
        }
        at = i + 5;
        if at >= bytes.len() {
            break;
        }
    }
    [
        "validate_signature",
        "validatesignature",
        "check_signature",
        "checksignature",
        "is_valid_signature",
        "isvalidsignature",
        "validate_webhook",
        "validatewebhook",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

/// The handler reads a signature header (the vendor's, or any).
fn reads_signature(lower: &str) -> bool {
    lower.contains("skytells-signature")
        || lower.contains("skytells_signature")
        || lower.contains("signature")
}

/// The handler calls a function defined in the same file whose own text
/// verifies (`ok = check(request)` with `def check(...)` computing an HMAC).
fn calls_local_verifier(file: &str, body: &str) -> bool {
    for name in called_names(body) {
        for def in [
            format!("def {name}("),
            format!("function {name}("),
            format!("const {name} ="),
        ] {
            if let Some(at) = file.find(&def) {
                let end = (at + 4096).min(file.len());
                let end = (end..=file.len())
                    .find(|&i| file.is_char_boundary(i))
                    .unwrap_or(file.len());
                let lower = file[at..end].to_ascii_lowercase();
                if verifies(&lower) {
                    return true;
                }
            }
        }
    }
    false
}

/// Names followed by `(` in `body`.
fn called_names(body: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let b = body.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c != b'(' || i == 0 {
            continue;
        }
        let start = body[..i]
            .rfind(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
            .map_or(0, |s| s + 1);
        let name = &body[start..i];
        if name.len() > 2 && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// True when `word` occurs in `text` with no identifier character on
/// either side.
fn has_word(text: &str, word: &str) -> bool {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(word).map(|i| from + i) {
        let before = i.checked_sub(1).map(|j| b[j]);
        let after = b.get(i + word.len()).copied();
        if !before.is_some_and(ident) && !after.is_some_and(ident) {
            return true;
        }
        from = i + word.len();
    }
    false
}

/// Byte range of the start of the line holding `pos`.
fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Python: the decorated or named function, from its first decorator to the
/// end of its indented block. A match on a `def` whose decorators are
/// themselves a webhook route is left to the decorator's match.
fn python_handler(text: &str, pos: usize) -> Option<std::ops::Range<usize>> {
    let start = line_start(text, pos);
    let first = text[start..].lines().next()?.trim_start();
    let def_at = if first.starts_with('@') {
        // The next `def` at the decorator's indentation.
        let indent = indent_of(&text[start..]);
        let mut at = start;
        loop {
            let line = text[at..].lines().next()?;
            let t = line.trim_start();
            if !t.is_empty()
                && indent_of(line) == indent
                && (t.starts_with("def ") || t.starts_with("async def "))
            {
                break at;
            }
            if !t.is_empty() && indent_of(line) < indent {
                return None;
            }
            at += line.len() + 1;
            if at >= text.len() || at - start > MAX_HANDLER {
                return None;
            }
        }
    } else {
        if decorated_as_webhook_route(text, start) {
            return None;
        }
        start
    };
    let def_line = text[def_at..].lines().next()?;
    let indent = indent_of(def_line);
    // The signature may span lines: skip to the `:` that closes it.
    let mut depth = 0i32;
    let mut body_from = None;
    for (i, c) in text[def_at..].char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ':' if depth == 0 => {
                body_from = Some(def_at + i + 1);
                break;
            }
            _ => {}
        }
        if i > 4096 {
            return None;
        }
    }
    let body_from = body_from?;
    let mut end = text[body_from..]
        .find('\n')
        .map_or(text.len(), |i| body_from + i);
    let mut at = end + 1;
    while at < text.len() && at - start < MAX_HANDLER {
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line = &text[at..line_end];
        let t = line.trim_start();
        if !t.is_empty() && !t.starts_with('#') && indent_of(line) <= indent {
            break;
        }
        end = line_end;
        at = line_end + 1;
    }
    Some(start..end.min(text.len()))
}

/// True when the decorators right above the `def` at `def_start` include a
/// route whose path says `webhook` (that decorator is the match reported).
fn decorated_as_webhook_route(text: &str, def_start: usize) -> bool {
    let mut end = def_start;
    while end > 0 {
        let start = line_start(text, end - 1);
        let line = text[start..end].trim();
        if !line.starts_with('@') {
            return false;
        }
        if line.to_ascii_lowercase().contains("webhook") && line.contains('(') {
            return true;
        }
        end = start;
    }
    false
}

/// JavaScript/TypeScript: an Express route call's arguments, or a
/// function's body. A Next.js route handler or a default export counts only
/// under a path that says `webhook`.
fn js_handler(text: &str, start: usize, end: usize, path: &str) -> Option<std::ops::Range<usize>> {
    let matched = &text[start..end];
    let route_file = path.to_ascii_lowercase().contains("webhook");
    let exported_handler = matched.starts_with("export");
    let default_export = matched.starts_with("export default");
    let api_route = path.contains("/api/") || path.starts_with("api/");
    if exported_handler && !route_file {
        return None;
    }
    if default_export && !api_route {
        return None;
    }
    if let Some(paren) = matched
        .find(".post(")
        .or_else(|| matched.find(".all("))
        .or_else(|| matched.find(".use("))
    {
        // Express: the whole call, middleware included.
        let open = start + paren + matched[paren..].find('(')?;
        let close = matching_close(text, open)?;
        return Some(start..close);
    }
    // A function: skip its parameters, then take its braces.
    let open_params = start + matched.rfind('(')?;
    let close_params = matching_close(text, open_params)?;
    let brace = close_params + text[close_params..].find('{')?;
    if brace - close_params > 200 {
        return None;
    }
    let close = matching_close(text, brace)?;
    Some(start..close)
}

/// Index just past the bracket that closes the one at `open`, skipping
/// string literals and comments; `None` when it does not close within
/// `MAX_HANDLER` bytes.
fn matching_close(text: &str, open: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    let limit = (open + MAX_HANDLER).min(b.len());
    while i < limit {
        match b[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            q @ (b'"' | b'\'' | b'`') => {
                i += 1;
                while i < limit && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    } else if b[i] == b'\n' && q != b'`' {
                        break;
                    }
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < limit && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < limit && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_close_past_strings_and_comments() {
        let t = "f(a, \")\", // )\n b) + 1";
        assert_eq!(matching_close(t, 1), Some(t.find(" + 1").unwrap()));
        assert_eq!(matching_close("f(a", 1), None);
    }

    #[test]
    fn python_handler_is_the_indented_block() {
        let t = "@app.post('/webhooks/skytells')\nasync def hook(\n    request: Request,\n):\n    body = await request.json()\n    return {}\n\ndef other():\n    pass\n";
        let r = python_handler(t, 0).unwrap();
        assert!(t[r.clone()].contains("return {}"));
        assert!(!t[r].contains("other"));
    }

    #[test]
    fn verification_is_recognised_in_its_usual_forms() {
        for v in [
            "if not hmac.compare_digest(a, b):",
            "verify_signature(request)",
            "await verifySkytellsSignature(req)",
            "app.post('/webhook', verifySignature, (req, res) => {",
            "Depends(verify_webhook)",
        ] {
            assert!(verifies(&v.to_ascii_lowercase()), "{v}");
        }
        for v in ["data = request.json", "verified = True", "# verify later"] {
            assert!(!verifies(&v.to_ascii_lowercase()), "{v}");
        }
    }
}
