//! Signature comparisons (SC10). The regex finds `==`/`===` near words like
//! `signature` or `expected`; this judge keeps a comparison only when one of
//! its operands really is a signature or MAC (a name made of signature
//! words, a signature header lookup, or the result of an HMAC or digest
//! call), in a module that computes an HMAC, outside tests and assertions.
//! `previous_signature.region` (an attribute of an unrelated record) and
//! `returned_issuer != expected_issuer` are not.

use super::code::{assigned_value, name_words, nearby_lines};
use super::{is_test_path, Case, Verdict};

/// Words of a name that make it a signature or MAC.
const SIGNATURE_WORDS: &[&str] = &[
    "signature",
    "sig",
    "signed",
    "digest",
    "hexdigest",
    "mac",
    "hmac",
    "hash",
];

pub fn review(case: &Case<'_>) -> Verdict {
    if is_test_path(case.path) {
        return Verdict::Drop;
    }
    let (lines, at) = nearby_lines(case.text, case.start, 0, 0);
    let line = lines[at];
    let lead = line.trimmed();
    if lead.starts_with("assert") || lead.starts_with("expect(") {
        return Verdict::Drop;
    }
    let matched = case.matched();
    let Some((op_at, op_len)) = find_operator(matched) else {
        return Verdict::Drop;
    };
    let op_pos = case.start + op_at - line.start;
    let Some(text) = line.text.get(..op_pos) else {
        return Verdict::Drop;
    };
    let left = operand_before(text);
    let right = operand_after(line.text.get(op_pos + op_len..).unwrap_or(""));
    if left.is_empty() || right.is_empty() || is_literal(left) || is_literal(right) {
        return Verdict::Drop;
    }
    // The module computes the MAC itself, or one side calls a helper that
    // does (`computeSignature(body)`).
    let computed_here = computes_hmac(case.text) || is_signing_call(left) || is_signing_call(right);
    let signature_like = |op: &str| is_signature(op) || holds_computed_mac(case.text, op);
    if computed_here && (signature_like(left) || signature_like(right)) {
        Verdict::keep()
    } else {
        Verdict::Drop
    }
}

/// The module computes an HMAC or a signature: `hmac`, `createHmac`,
/// `HMAC`, `crypto.subtle.sign`, a signing helper.
fn computes_hmac(text: &[u8]) -> bool {
    let finder = |needle: &str| memchr::memmem::find(text, needle.as_bytes()).is_some();
    ["hmac", "Hmac", "HMAC", "subtle.sign", "createHash("]
        .iter()
        .any(|n| finder(n))
}

/// Offset and length of the first `===`, `!==`, `==` or `!=` in `s`.
fn find_operator(s: &str) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    for i in 0..b.len().saturating_sub(1) {
        if (b[i] == b'=' || b[i] == b'!') && b[i + 1] == b'=' {
            let len = if b.get(i + 2) == Some(&b'=') { 3 } else { 2 };
            return Some((i, len));
        }
    }
    None
}

/// The expression ending at the end of `s` (scanning back over names,
/// calls, subscripts and string literals inside brackets).
fn operand_before(s: &str) -> &str {
    let s = s.trim_end();
    let mut depth = 0i32;
    let mut start = s.len();
    for (i, c) in s.char_indices().rev() {
        match c {
            ')' | ']' => depth += 1,
            '(' | '[' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            c if c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | '?') => {}
            _ => break,
        }
        start = i;
    }
    &s[start..]
}

/// The expression starting at the start of `s`.
fn operand_after(s: &str) -> &str {
    let s = s.trim_start();
    let mut depth = 0i32;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            c if c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | '?') => {}
            _ => break,
        }
        end = i + c.len_utf8();
    }
    &s[..end]
}

fn is_literal(operand: &str) -> bool {
    let t = operand.trim();
    matches!(
        t,
        "None" | "True" | "False" | "null" | "undefined" | "true" | "false" | "nil"
    ) || t.starts_with(['"', '\'', '`'])
        || t.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// A signature-like operand: its last name is made of signature words, it
/// looks up a signature header, or it is the result of a digest/HMAC/sign
/// call.
fn is_signature(operand: &str) -> bool {
    let lower = operand.to_ascii_lowercase();
    if lower.contains(".length") || lower.starts_with("len(") {
        return false;
    }
    // A subscript or getter with a signature header name in it.
    if (lower.contains('[') || lower.contains(".get(") || lower.contains("header"))
        && (lower.contains("signature") || lower.contains("-sig") || lower.contains("hmac"))
    {
        return true;
    }
    let (name, is_call) = last_name(operand);
    let words = name_words(name);
    words.iter().any(|w| SIGNATURE_WORDS.contains(&w.as_str()))
        || (is_call && words.first().is_some_and(|w| w.starts_with("sign")))
}

/// A plain name assigned the result of a MAC or digest computation in the
/// file (`expected = hmac.new(key, body, sha256).hexdigest()`).
fn holds_computed_mac(text: &[u8], operand: &str) -> bool {
    if operand.is_empty() || !operand.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return false;
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().enumerate().any(|(n, line)| {
        let Some(value) = assigned_value(line, operand) else {
            return false;
        };
        // The computation may continue over the next lines (chained calls).
        let mut expr = value.to_string();
        for next in lines.iter().skip(n + 1).take(4) {
            if !next.trim_start().starts_with('.') {
                break;
            }
            expr.push_str(next.trim());
        }
        [
            "hexdigest(",
            ".digest(",
            "hmac.new(",
            "createHmac(",
            "HMAC(",
            "sign(",
        ]
        .iter()
        .any(|c| expr.contains(c))
    })
}

/// A call of a helper that signs: `computeSignature(body)`, `sign(payload)`.
fn is_signing_call(operand: &str) -> bool {
    let (name, is_call) = last_name(operand);
    let words = name_words(name);
    is_call
        && (words.first().is_some_and(|w| w.starts_with("sign"))
            || words.iter().any(|w| w == "signature" || w == "hmac"))
}

/// The last name of an expression and whether it is called: `a.b.c` gives
/// `c`, `h.digest('hex')` gives `digest` (a call), `x[0]` gives `x`.
fn last_name(operand: &str) -> (&str, bool) {
    let mut s = operand.trim().trim_end_matches('?');
    let mut is_call = false;
    while let Some(close) = s.chars().next_back().filter(|c| *c == ')' || *c == ']') {
        let open = if close == ')' { '(' } else { '[' };
        let mut depth = 0i32;
        let mut cut = None;
        for (i, c) in s.char_indices().rev() {
            if c == close {
                depth += 1;
            } else if c == open {
                depth -= 1;
                if depth == 0 {
                    cut = Some(i);
                    break;
                }
            }
        }
        let Some(i) = cut else {
            break;
        };
        if !is_call && close == ')' {
            is_call = true;
        }
        s = &s[..i];
    }
    (s.rsplit('.').next().unwrap_or(s), is_call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operands() {
        assert_eq!(operand_before("if (webhookSignature "), "webhookSignature");
        assert_eq!(
            operand_before("x = hmac.new(k, m).hexdigest() "),
            "hmac.new(k, m).hexdigest()"
        );
        assert_eq!(
            operand_after(" request.headers['X-Sig']) {"),
            "request.headers['X-Sig']"
        );
    }

    #[test]
    fn signature_operands() {
        for s in [
            "signature",
            "expectedSignature",
            "computed_sig",
            "hmac.new(k, m, sha256).hexdigest()",
            "h.digest('hex')",
            "request.headers['X-Skytells-Signature']",
            "req.header('x-hub-signature-256')",
            "computeSignature(body)",
        ] {
            assert!(is_signature(s), "{s}");
        }
        for s in [
            "previous_signature.base_url",
            "previous_signature.region",
            "expectedIssuer",
            "signature.length",
            "str(client.base_url)",
        ] {
            assert!(!is_signature(s), "{s}");
        }
    }
}
