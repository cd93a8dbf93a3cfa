//! Filters that tell a real credential from the examples that documentation
//! is full of: `sk-your-api-key-here`, `sk-xxxxxxxx…`, `sk_live_your_api_key`,
//! `sk-1234567890abcdef…`. A scanner that flags those gets switched off, so
//! these run on every secret before it becomes a finding.

/// Known vendor prefixes, stripped before the body of a key is judged.
const PREFIX_PARTS: &[&str] = &[
    "sk", "rk", "pk", "live", "test", "proj", "svcacct", "admin", "ant", "api03", "admin01", "sb",
    "secret", "sbp", "or", "v1", "lf", "lsv2", "pt", "pcsk", "gsk", "hf", "r8", "xai", "pplx",
    "tgp", "npm", "glpat", "glptt", "gldt", "glrt", "ghp", "gho", "ghu", "ghs", "ghr", "github",
    "pat", "whsec", "xoxb", "xoxp", "xapp",
];

/// Bodies longer than this are random data (PEM blocks, JWTs, macaroons):
/// a placeholder word is looked for only in their first
/// [`WORDS_IN_LONG_BODIES`] characters, where a made-up key puts it, since
/// any four-letter word turns up somewhere in a few kilobytes of base64.
const SHORT_BODY: usize = 64;
const WORDS_IN_LONG_BODIES: usize = 24;

/// Words that only appear in made-up keys.
const PLACEHOLDER_WORDS: &[&str] = &[
    "xxxx",
    "your",
    "example",
    "placeholder",
    "dummy",
    "sample",
    "fake",
    "redacted",
    "changeme",
    "change_me",
    "insert",
    "replace",
    "here",
    "mykey",
    "apikey",
    "api_key",
    "secret",
    "token",
    "lorem",
    "foobar",
    "test",
    "demo",
    "notreal",
    "invalid",
];

/// Test-mode keys that vendors print in their public documentation and
/// mock servers: shared on purpose, they open no account.
const DOCUMENTATION_KEYS: &[&str] = &[
    // Stripe's API reference and stripe-mock.
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "sk_test_26PHem9AhJZvU623DfE1x4sd",
];

/// The part of a key after its vendor prefix (`sk-`, `sk_live_`, `sk-proj-`…).
pub fn key_body(secret: &str) -> &str {
    let mut rest = secret;
    loop {
        let cut = rest.find(['-', '_']);
        match cut {
            Some(i) if PREFIX_PARTS.contains(&rest[..i].to_ascii_lowercase().as_str()) => {
                rest = &rest[i + 1..];
            }
            _ => return rest,
        }
    }
}

/// True when the secret is a documentation placeholder rather than a key.
pub fn is_placeholder(secret: &str) -> bool {
    if DOCUMENTATION_KEYS.contains(&secret) {
        return true;
    }
    let pem;
    let body = match pem_body(secret) {
        Some(inner) => {
            pem = inner;
            pem.as_str()
        }
        None => key_body(secret),
    };
    if body.is_empty() {
        return true;
    }
    let lower = body.to_ascii_lowercase();
    let searched = if lower.len() > SHORT_BODY {
        let mut end = WORDS_IN_LONG_BODIES;
        while !lower.is_char_boundary(end) {
            end += 1;
        }
        &lower[..end]
    } else {
        &lower[..]
    };
    if PLACEHOLDER_WORDS.iter().any(|w| searched.contains(w)) {
        return true;
    }
    longest_run(lower.as_bytes(), |a, b| a == b) >= 5
        || longest_run(lower.as_bytes(), |a, b| b == a.wrapping_add(1)) >= 6
}

/// The base64 inside a PEM or PGP armour block (`-----BEGIN ...-----`),
/// without its header lines, line breaks and `\n` escapes.
fn pem_body(secret: &str) -> Option<String> {
    let rest = secret.strip_prefix("-----BEGIN ")?;
    let inner = &rest[rest.find("-----")? + 5..];
    let inner = &inner[..inner.find("-----END").unwrap_or(inner.len())];
    Some(
        inner
            .replace("\\n", "\n")
            .lines()
            // Armour headers (`Proc-Type: 4,ENCRYPTED`, `Comment: ...`).
            .filter(|l| !l.contains(':'))
            .flat_map(|l| l.trim().chars())
            .collect(),
    )
}

/// Length of the longest run of consecutive bytes where `step(prev, next)` holds.
fn longest_run(bytes: &[u8], step: impl Fn(u8, u8) -> bool) -> usize {
    let mut best = usize::from(!bytes.is_empty());
    let mut cur = best;
    for w in bytes.windows(2) {
        if step(w[0], w[1]) {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 1;
        }
    }
    best
}

/// Shannon entropy in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_vendor_prefixes() {
        assert_eq!(key_body("sk-abc"), "abc");
        assert_eq!(key_body("sk_live_abc"), "abc");
        assert_eq!(key_body("sk-proj-abc-def"), "abc-def");
        assert_eq!(key_body("sk-ant-api03-abc"), "abc");
        assert_eq!(key_body("plain"), "plain");
    }

    #[test]
    fn documentation_placeholders() {
        for p in [
            "sk-your-api-key-here",
            "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "sk-XXXXXXXXXXXXXXXXXXXXXXXX",
            "sk_live_your_api_key",
            "sk-1234567890abcdef1234567890abcdef",
            "sk-abcdefghijklmnopqrstuvwxyz012345",
            "sk_test_0000000000000000000000000",
            "sk-EXAMPLEa8Fq2ZmR4tLw9Kc7Vn3Ye1Ux",
            "sk-",
        ] {
            assert!(is_placeholder(p), "{p} should be a placeholder");
        }
    }

    #[test]
    fn random_keys_are_not_placeholders() {
        for k in [
            "sk-q8ZrT2mW4vLn7Kc1Xy9PbF3hJd6GsA0e", // skyscan:allow
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",    // skyscan:allow
            "sk-proj-Zr8qT2mW4vLn7Kc1Xy9PbF3hJd6GsA0eQ5",
        ] {
            assert!(!is_placeholder(k), "{k} is a real-looking key");
        }
    }

    #[test]
    fn entropy_separates_random_from_repetitive() {
        assert!(shannon_entropy("q8ZrT2mW4vLn7Kc1Xy9PbF3hJd6GsA0e") > 4.5);
        assert!(shannon_entropy("aaaaaaaaaaaaaaaa") < 0.1);
        assert_eq!(shannon_entropy(""), 0.0);
        assert!((shannon_entropy("ab") - 1.0).abs() < 1e-9);
    }
}
