//! The provider table: for each key rule that a provider lets us check with
//! a documented read-only request, where that request goes (the official
//! origin, fixed here and nowhere else), how the key travels (always in a
//! header, never in the URL), and which answers mean live or revoked.
//! Anything the table does not name is `unknown`.
//!
//! The table is Rust data rather than a `verify` section in the TOML packs
//! on purpose: custom rules in a `.skyscan.toml` share the packs' schema,
//! and a scanned repository must not be able to say where a key is sent.
//!
//! Left out, with the reason:
//! - `twilio-auth-token`, `aws-secret-access-key`, `aws-access-key-id`,
//!   `langfuse-secret-key`: key pairs (the other half is rarely on the same
//!   line, and Twilio wants the account SID in the URL).
//! - `perplexity-api-key`, `pypi-upload-token`, `slack-webhook-url`: no
//!   read-only endpoint (a chat completion, an upload, a webhook post).
//! - `supabase-service-role-key`, `supabase-secret-key` (`sb_secret_`): the
//!   host is the project's own, named only by context.
//! - `langsmith-api-key`, `fireworks-api-key`, `together-api-key`'s legacy
//!   keys: no endpoint we could confirm in the provider's reference.
//! - `gitlab-token` other than `glpat-`, `github-token` `ghr_`, Slack
//!   `xapp-`, Vercel `vcr_`/`vck_`: no read-only check for that token kind.
//! - `webhook-signing-secret`, `private-key`, `database-url-password`,
//!   `jwt-signing-secret`, `google-service-account-key`: not API keys.

/// The HTTP method of a check. `Post` sends an empty body to an endpoint
/// that exists to check a key (Slack `auth.test`, Cohere `check-api-key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// How the key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// `<name>: <key>`.
    Header(&'static str),
}

/// What an answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    Live,
    Revoked,
}

/// A test on the body of an answer (read only when a rule needs it, at
/// most 64 KiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Any body.
    Any,
    /// The body contains this text.
    Contains(&'static str),
    /// The JSON value at this pointer is `true`.
    JsonTrue(&'static str),
    /// The JSON value at this pointer is `false`.
    JsonFalse(&'static str),
    /// One of the JSON values at these pointers is `true`.
    AnyJsonTrue(&'static [&'static str]),
    /// The JSON string at the pointer is one of these.
    JsonOneOf(&'static str, &'static [&'static str]),
}

/// One line of a provider's answer table: rules are tried in order, the
/// first that matches decides; none matching means `unknown`.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub status: u16,
    pub body: Body,
    pub meaning: Meaning,
}

const fn answer(status: u16, body: Body, meaning: Meaning) -> Answer {
    Answer {
        status,
        body,
        meaning,
    }
}

/// 200 live, 401 revoked: what most providers document.
const OK_OR_401: &[Answer] = &[
    answer(200, Body::Any, Meaning::Live),
    answer(401, Body::Any, Meaning::Revoked),
];

/// One endpoint: which keys it checks and how.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// Short provider name, shown in reports and used in the test
    /// override's documentation.
    pub provider: &'static str,
    /// The rules whose keys this endpoint checks.
    pub rules: &'static [&'static str],
    /// The key must start with one of these (empty: any); a key of another
    /// provider's shape is never sent here.
    pub prefixes: &'static [&'static str],
    pub method: Method,
    /// `https://host`: the provider's official API origin.
    pub origin: &'static str,
    /// Path and query, fixed (never holds the key).
    pub path: &'static str,
    pub auth: Auth,
    /// Further fixed headers the endpoint requires.
    pub headers: &'static [(&'static str, &'static str)],
    pub answers: &'static [Answer],
}

impl Endpoint {
    /// Whether this endpoint checks `secret` found by rule `rule_id`.
    pub fn accepts(&self, rule_id: &str, secret: &str) -> bool {
        self.rules.contains(&rule_id)
            && (self.prefixes.is_empty() || self.prefixes.iter().any(|p| secret.starts_with(p)))
    }

    /// What the answer `status` (with `body`, when the table needs it)
    /// means; `None` is unknown.
    pub fn meaning(&self, status: u16, body: Option<&str>) -> Option<Meaning> {
        self.answers
            .iter()
            .filter(|a| a.status == status)
            .find(|a| body_matches(a.body, body))
            .map(|a| a.meaning)
    }

    /// Whether an answer with this status needs its body read.
    pub fn needs_body(&self, status: u16) -> bool {
        self.answers
            .iter()
            .any(|a| a.status == status && a.body != Body::Any)
    }
}

fn body_matches(test: Body, body: Option<&str>) -> bool {
    let json = || body.and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok());
    let is = |pointer: &str, want: bool| {
        json().is_some_and(|v| v.pointer(pointer).and_then(|x| x.as_bool()) == Some(want))
    };
    match test {
        Body::Any => true,
        Body::Contains(text) => body.is_some_and(|b| b.contains(text)),
        Body::JsonTrue(pointer) => is(pointer, true),
        Body::JsonFalse(pointer) => is(pointer, false),
        Body::AnyJsonTrue(pointers) => json().is_some_and(|v| {
            pointers
                .iter()
                .any(|p| v.pointer(p).and_then(|x| x.as_bool()) == Some(true))
        }),
        Body::JsonOneOf(pointer, values) => json().is_some_and(|v| {
            v.pointer(pointer)
                .and_then(|x| x.as_str())
                .is_some_and(|s| values.contains(&s))
        }),
    }
}

use Auth::{Bearer, Header};
use Method::{Get, Post};

/// Every endpoint, first match wins (more specific prefixes first).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        // The vendor's docs: every request carries `x-api-key`; a revoked
        // key gets 401 Unauthorized. Listing models is the lightest read.
        provider: "skytells",
        rules: &["skytells-api-key", "skytells-api-key-assignment"],
        prefixes: &[],
        method: Get,
        origin: "https://api.skytells.ai",
        path: "/v1/models",
        auth: Header("x-api-key"),
        headers: &[],
        answers: OK_OR_401,
    },
    Endpoint {
        // Admin keys cannot list models; they can read the projects.
        provider: "openai",
        rules: &["openai-api-key"],
        prefixes: &["sk-admin-"],
        method: Get,
        origin: "https://api.openai.com",
        path: "/v1/organization/projects?limit=1",
        auth: Bearer,
        headers: &[],
        answers: OK_OR_401,
    },
    Endpoint {
        provider: "openai",
        rules: &["openai-api-key"],
        prefixes: &["sk-"],
        method: Get,
        origin: "https://api.openai.com",
        path: "/v1/models",
        auth: Bearer,
        headers: &[],
        answers: &[
            answer(200, Body::Any, Meaning::Live),
            // A restricted key without the models scope is still a key.
            answer(
                401,
                Body::Contains("insufficient permissions"),
                Meaning::Live,
            ),
            answer(401, Body::Any, Meaning::Revoked),
        ],
    },
    Endpoint {
        provider: "anthropic",
        rules: &["anthropic-api-key"],
        prefixes: &["sk-ant-admin"],
        method: Get,
        origin: "https://api.anthropic.com",
        path: "/v1/organizations/me",
        auth: Header("x-api-key"),
        headers: &[("anthropic-version", "2023-06-01")],
        answers: OK_OR_401,
    },
    Endpoint {
        provider: "anthropic",
        rules: &["anthropic-api-key"],
        prefixes: &["sk-ant-api"],
        method: Get,
        origin: "https://api.anthropic.com",
        path: "/v1/models",
        auth: Header("x-api-key"),
        headers: &[("anthropic-version", "2023-06-01")],
        answers: OK_OR_401,
    },
    Endpoint {
        // 401: no valid key; 403: a restricted key without balance read,
        // which is still a working key.
        provider: "stripe",
        rules: &["stripe-secret-key"],
        prefixes: &["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
        method: Get,
        origin: "https://api.stripe.com",
        path: "/v1/balance",
        auth: Bearer,
        headers: &[],
        answers: &[
            answer(200, Body::Any, Meaning::Live),
            answer(403, Body::Any, Meaning::Live),
            answer(401, Body::Any, Meaning::Revoked),
        ],
    },
    Endpoint {
        // An installation token is refused by /user but may list what it
        // was installed on.
        provider: "github",
        rules: &["github-token"],
        prefixes: &["ghs_"],
        method: Get,
        origin: "https://api.github.com",
        path: "/installation/repositories?per_page=1",
        auth: Bearer,
        headers: &[("accept", "application/vnd.github+json")],
        answers: OK_OR_401,
    },
    Endpoint {
        provider: "github",
        rules: &["github-token"],
        prefixes: &["ghp_", "gho_", "ghu_", "github_pat_"],
        method: Get,
        origin: "https://api.github.com",
        path: "/user",
        auth: Bearer,
        headers: &[("accept", "application/vnd.github+json")],
        answers: OK_OR_401,
    },
    Endpoint {
        // gitlab.com only: a 401 there may be a token of a self-managed
        // instance, so it is not called revoked.
        provider: "gitlab",
        rules: &["gitlab-token"],
        prefixes: &["glpat-"],
        method: Get,
        origin: "https://gitlab.com",
        path: "/api/v4/personal_access_tokens/self",
        auth: Header("private-token"),
        headers: &[],
        answers: &[answer(200, Body::Any, Meaning::Live)],
    },
    Endpoint {
        // auth.test answers 200 to everything: the JSON says.
        provider: "slack",
        rules: &["slack-token"],
        prefixes: &["xoxb-", "xoxp-", "xoxa-", "xoxe", "xoxo-", "xoxr-", "xoxs-"],
        method: Post,
        origin: "https://slack.com",
        path: "/api/auth.test",
        auth: Bearer,
        headers: &[],
        answers: &[
            answer(200, Body::JsonTrue("/ok"), Meaning::Live),
            answer(
                200,
                Body::JsonOneOf(
                    "/error",
                    &[
                        "invalid_auth",
                        "token_revoked",
                        "token_expired",
                        "account_inactive",
                    ],
                ),
                Meaning::Revoked,
            ),
        ],
    },
    Endpoint {
        provider: "huggingface",
        rules: &["huggingface-token"],
        prefixes: &["hf_", "api_org_"],
        method: Get,
        origin: "https://huggingface.co",
        path: "/api/whoami-v2",
        auth: Bearer,
        headers: &[],
        answers: OK_OR_401,
    },
    Endpoint {
        provider: "replicate",
        rules: &["replicate-api-token"],
        prefixes: &["r8_"],
        method: Get,
        origin: "https://api.replicate.com",
        path: "/v1/account",
        auth: Bearer,
        headers: &[],
        answers: OK_OR_401,
    },
    Endpoint {
        provider: "groq",
        rules: &["groq-api-key"],
        prefixes: &["gsk_"],
        method: Get,
        origin: "https://api.groq.com",
        path: "/openai/v1/models",
        auth: Bearer,
        headers: &[],
        answers: OK_OR_401,
    },
    Endpoint {
        provider: "mistral",
        rules: &["mistral-api-key"],
        prefixes: &[],
        method: Get,
        origin: "https://api.mistral.ai",
        path: "/v1/models",
        auth: Bearer,
        headers: &[],
        answers: OK_OR_401,
    },
    Endpoint {
        // An endpoint that exists to check keys: 200 {"valid": bool}.
        provider: "cohere",
        rules: &["cohere-api-key"],
        prefixes: &[],
        method: Post,
        origin: "https://api.cohere.com",
        path: "/v1/check-api-key",
        auth: Bearer,
        headers: &[],
        answers: &[
            answer(200, Body::JsonTrue("/valid"), Meaning::Live),
            answer(200, Body::JsonFalse("/valid"), Meaning::Revoked),
            answer(401, Body::Any, Meaning::Revoked),
        ],
    },
    Endpoint {
        provider: "together",
        rules: &["together-api-key"],
        prefixes: &["tgp_v1_"],
        method: Get,
        origin: "https://api.together.xyz",
        path: "/v1/models",
        auth: Bearer,
        headers: &[],
        answers: OK_OR_401,
    },
    Endpoint {
        // The OpenAPI reference documents 400 for an invalid key, and flags
        // for a key that exists but may not be used.
        provider: "xai",
        rules: &["xai-api-key"],
        prefixes: &["xai-"],
        method: Get,
        origin: "https://api.x.ai",
        path: "/v1/api-key",
        auth: Bearer,
        headers: &[],
        answers: &[
            answer(
                200,
                Body::AnyJsonTrue(&["/api_key_blocked", "/api_key_disabled", "/team_blocked"]),
                Meaning::Revoked,
            ),
            answer(200, Body::Any, Meaning::Live),
            answer(400, Body::Any, Meaning::Revoked),
            answer(401, Body::Any, Meaning::Revoked),
        ],
    },
    Endpoint {
        provider: "deepseek",
        rules: &["deepseek-api-key"],
        prefixes: &["sk-"],
        method: Get,
        origin: "https://api.deepseek.com",
        path: "/user/balance",
        auth: Bearer,
        headers: &[],
        answers: OK_OR_401,
    },
    Endpoint {
        provider: "openrouter",
        rules: &["openrouter-api-key"],
        prefixes: &["sk-or-v1-"],
        method: Get,
        origin: "https://openrouter.ai",
        path: "/api/v1/key",
        auth: Bearer,
        headers: &[],
        answers: OK_OR_401,
    },
    Endpoint {
        // A key scoped without `user_read` gets 401 naming the missing
        // permission: it is a key all the same.
        provider: "elevenlabs",
        rules: &["elevenlabs-api-key"],
        prefixes: &["sk_"],
        method: Get,
        origin: "https://api.elevenlabs.io",
        path: "/v1/user",
        auth: Header("xi-api-key"),
        headers: &[],
        answers: &[
            answer(200, Body::Any, Meaning::Live),
            answer(401, Body::Contains("missing_permissions"), Meaning::Live),
            answer(401, Body::Any, Meaning::Revoked),
        ],
    },
    Endpoint {
        provider: "pinecone",
        rules: &["pinecone-api-key"],
        prefixes: &["pcsk_"],
        method: Get,
        origin: "https://api.pinecone.io",
        path: "/indexes",
        auth: Header("api-key"),
        headers: &[("x-pinecone-api-version", "2025-04")],
        answers: &[
            answer(200, Body::Any, Meaning::Live),
            answer(403, Body::Any, Meaning::Live),
            answer(401, Body::Any, Meaning::Revoked),
        ],
    },
    Endpoint {
        // Invalid keys get 400 API_KEY_INVALID; a valid key that may not
        // call Gemini gets 403.
        provider: "google",
        rules: &["google-ai-api-key"],
        prefixes: &["AIza"],
        method: Get,
        origin: "https://generativelanguage.googleapis.com",
        path: "/v1beta/models?pageSize=1",
        auth: Header("x-goog-api-key"),
        headers: &[],
        answers: &[
            answer(200, Body::Any, Meaning::Live),
            answer(403, Body::Any, Meaning::Live),
            answer(400, Body::Contains("API_KEY_INVALID"), Meaning::Revoked),
        ],
    },
    Endpoint {
        provider: "supabase",
        rules: &["supabase-secret-key"],
        prefixes: &["sbp_"],
        method: Get,
        origin: "https://api.supabase.com",
        path: "/v1/projects",
        auth: Bearer,
        headers: &[],
        answers: OK_OR_401,
    },
    Endpoint {
        provider: "npm",
        rules: &["npm-access-token"],
        prefixes: &["npm_"],
        method: Get,
        origin: "https://registry.npmjs.org",
        path: "/-/whoami",
        auth: Bearer,
        headers: &[],
        answers: OK_OR_401,
    },
    Endpoint {
        // 403: the key works but lacks the scopes read.
        provider: "sendgrid",
        rules: &["sendgrid-api-key"],
        prefixes: &["SG."],
        method: Get,
        origin: "https://api.sendgrid.com",
        path: "/v3/scopes",
        auth: Bearer,
        headers: &[],
        answers: &[
            answer(200, Body::Any, Meaning::Live),
            answer(403, Body::Any, Meaning::Live),
            answer(401, Body::Any, Meaning::Revoked),
        ],
    },
    Endpoint {
        provider: "vercel",
        rules: &["vercel-token"],
        prefixes: &["vcp_", "vci_", "vca_"],
        method: Get,
        origin: "https://api.vercel.com",
        path: "/v2/user",
        auth: Bearer,
        headers: &[],
        answers: &[
            answer(200, Body::Any, Meaning::Live),
            answer(401, Body::Any, Meaning::Revoked),
            answer(403, Body::Contains("invalidToken"), Meaning::Revoked),
        ],
    },
];

/// The endpoint that checks `secret` found by `rule_id`, if any. The key
/// must also look like a key (printable ASCII, no spaces, bounded length):
/// it goes into a header.
pub fn endpoint_for(rule_id: &str, secret: &str) -> Option<&'static Endpoint> {
    let plausible =
        (8..=512).contains(&secret.len()) && secret.bytes().all(|b| b.is_ascii_graphic());
    if !plausible {
        return None;
    }
    ENDPOINTS.iter().find(|e| e.accepts(rule_id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_origin_is_https_without_a_path() {
        for e in ENDPOINTS {
            let rest = e.origin.strip_prefix("https://").expect(e.provider);
            assert!(!rest.contains('/') && !rest.is_empty(), "{}", e.origin);
            assert!(e.path.starts_with('/'), "{}", e.path);
            assert!(!e.rules.is_empty());
        }
    }

    #[test]
    fn every_rule_named_exists_and_holds_a_secret() {
        let rules = crate::rules::RuleSet::builtin().unwrap();
        for e in ENDPOINTS {
            for id in e.rules {
                let rule = rules.get(id).unwrap_or_else(|| panic!("no rule {id}"));
                assert!(rule.is_secret(), "{id}");
            }
        }
    }

    #[test]
    fn keys_of_another_shape_go_nowhere() {
        assert!(endpoint_for("openai-api-key", "ghp_abcdefghijklmnop").is_none());
        assert!(endpoint_for("generic-sk-api-key", "sk-abcdefghijklmnopqrstuvwxyz").is_none());
        assert!(endpoint_for("skytells-api-key", "sk-abc def ghijklmnop").is_none());
        let admin = endpoint_for("openai-api-key", "sk-admin-abcdefghijkl").unwrap();
        assert_eq!(admin.path, "/v1/organization/projects?limit=1");
    }

    #[test]
    fn answers_are_read_in_order() {
        let slack = endpoint_for("slack-token", "xoxb-1234-abcdefghijkl").unwrap();
        assert_eq!(
            slack.meaning(200, Some(r#"{"ok":true}"#)),
            Some(Meaning::Live)
        );
        assert_eq!(
            slack.meaning(200, Some(r#"{"ok":false,"error":"token_revoked"}"#)),
            Some(Meaning::Revoked)
        );
        assert_eq!(
            slack.meaning(200, Some(r#"{"ok":false,"error":"ratelimited"}"#)),
            None
        );
        assert_eq!(slack.meaning(200, Some("not json")), None);
        let gitlab = endpoint_for("gitlab-token", "glpat-abcdefghijklmnopqrst").unwrap();
        assert_eq!(gitlab.meaning(401, None), None);
        for e in ENDPOINTS {
            for status in [429, 500, 502, 503] {
                assert_eq!(e.meaning(status, Some("{}")), None, "{}", e.provider);
            }
        }
    }
}
