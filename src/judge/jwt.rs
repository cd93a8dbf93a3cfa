//! Supabase's legacy API keys are JWTs: the `anon` key is public by design
//! (it ships to browsers), the `service_role` key bypasses row-level
//! security and is the secret. Only the payload tells them apart, so it is
//! decoded. The keys of Supabase's local development stack and of its
//! self-hosting example are published, identical everywhere, and issued by
//! `supabase-demo`: they open nothing and are not findings.
//!
//! The base64url decoder is written out here: it is twenty lines, and the
//! only use skyscan has for base64.

use super::fixtures::review_fixture;
use super::{Case, Verdict};

/// Keep a JWT whose payload says it is a Supabase `service_role` key
/// (issued by `supabase`), judged as a fixture in test code; drop any
/// other token.
pub fn review_supabase(case: &Case<'_>) -> Verdict {
    let Some(payload) = case.matched().split('.').nth(1).and_then(base64url) else {
        return Verdict::Drop;
    };
    let Ok(claims) = serde_json::from_slice::<serde_json::Value>(&payload) else {
        return Verdict::Drop;
    };
    let is_service_role = claims["role"] == "service_role" && claims["iss"] == "supabase";
    if !is_service_role {
        return Verdict::Drop;
    }
    review_fixture(case)
}

/// Decode unpadded (or padded) base64url; `None` for anything else.
fn base64url(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::base64url;

    #[test]
    fn decodes_base64url_with_and_without_padding() {
        assert_eq!(base64url("eyJhIjoxfQ").unwrap(), br#"{"a":1}"#);
        assert_eq!(base64url("eyJhIjoxfQ==").unwrap(), br#"{"a":1}"#);
        assert_eq!(base64url("_-8").unwrap(), [0xff, 0xef]);
        assert!(base64url("not base64!").is_none());
    }
}
