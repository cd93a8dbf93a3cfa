//! `--verify` end to end: the binary against a mock provider on 127.0.0.1
//! (reached through `SKYSCAN_TEST_VERIFY_BASE`), for every provider's live,
//! revoked and error answers; the default that opens no connection; a
//! repository configuration that tries to turn verification on or send it
//! elsewhere; proxies; redaction; the report fields and the SC7 count.
//! Keys are generated at test time from a printed seed (`common::fake_key`).

use crate::common;
pub(crate) mod mock;

use std::collections::HashMap;
use std::time::Duration;

use crate::common::{commit_dated, git, json_of, new_repo, random_token, skyscan};
use mock::{Mock, Reply};

const PROXY_VARS: [&str; 7] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
];

/// skyscan with no proxy and no test base from the outer environment.
fn cmd() -> assert_cmd::Command {
    let mut c = skyscan();
    for var in PROXY_VARS {
        c.env_remove(var);
    }
    c.env_remove("SKYSCAN_TEST_VERIFY_BASE");
    c.timeout(Duration::from_secs(120));
    c
}

/// Letters and digits without the vowels and letters that spell the
/// placeholder words (`test`, `your`, `here`, `fake`, `xxxx`...).
const ALNUM: &str = "BCDFGHJKMNPQRVWZbcdfghjkmnpqrvwz23456789";
const HEX: &str = "0123456789abcdf";
const LETTERS: &str = "BCDFGHJKMNPQRVWZbcdfghjkmnpqrvwz";

/// One provider: how to plant its key, and what its check looks like.
struct Case {
    provider: &'static str,
    rule: &'static str,
    method: &'static str,
    target: &'static str,
    /// The header the key travels in (lower case).
    header: &'static str,
    key: fn() -> String,
    line: fn(&str) -> String,
    live: (u16, &'static str),
    /// `None`: the provider has no answer we call revoked (GitLab).
    revoked: Option<(u16, &'static str)>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            provider: "skytells",
            rule: "skytells-api-key",
            method: "GET",
            target: "/v1/models",
            header: "x-api-key",
            key: || format!("sk-{}", random_token(ALNUM, 32)),
            line: |k| format!("SKYTELLS_API_KEY = '{k}'\n"),
            live: (200, r#"{"data":[]}"#),
            revoked: Some((401, r#"{"error":"unauthorized"}"#)),
        },
        Case {
            provider: "openai",
            rule: "openai-api-key",
            method: "GET",
            target: "/v1/models",
            header: "authorization",
            key: || format!("sk-proj-{}", random_token(ALNUM, 48)),
            line: |k| format!("OPENAI_API_KEY = \"{k}\"\n"),
            live: (200, r#"{"data":[]}"#),
            revoked: Some((401, r#"{"error":{"code":"invalid_api_key"}}"#)),
        },
        Case {
            provider: "openai",
            rule: "openai-api-key",
            method: "GET",
            target: "/v1/organization/projects?limit=1",
            header: "authorization",
            key: || format!("sk-admin-{}", random_token(ALNUM, 48)),
            line: |k| format!("OPENAI_ADMIN_KEY = \"{k}\"\n"),
            live: (200, r#"{"data":[]}"#),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "anthropic",
            rule: "anthropic-api-key",
            method: "GET",
            target: "/v1/models",
            header: "x-api-key",
            key: || format!("sk-ant-api03-{}", random_token(ALNUM, 90)),
            line: |k| format!("ANTHROPIC_API_KEY = \"{k}\"\n"),
            live: (200, r#"{"data":[]}"#),
            revoked: Some((401, r#"{"type":"error"}"#)),
        },
        Case {
            provider: "stripe",
            rule: "stripe-secret-key",
            method: "GET",
            target: "/v1/balance",
            header: "authorization",
            key: || format!("sk_live_{}", random_token(ALNUM, 32)),
            line: |k| format!("stripe.api_key = \"{k}\"\n"),
            live: (403, r#"{"error":{"type":"invalid_request_error"}}"#),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "github",
            rule: "github-token",
            method: "GET",
            target: "/user",
            header: "authorization",
            key: || format!("ghp_{}", random_token(ALNUM, 36)),
            line: |k| format!("GITHUB_TOKEN={k}\n"),
            live: (200, r#"{"login":"octo"}"#),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "github",
            rule: "github-token",
            method: "GET",
            target: "/installation/repositories?per_page=1",
            header: "authorization",
            key: || format!("ghs_{}", random_token(ALNUM, 36)),
            line: |k| format!("GITHUB_APP_TOKEN={k}\n"),
            live: (200, "{}"),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "gitlab",
            rule: "gitlab-token",
            method: "GET",
            target: "/api/v4/personal_access_tokens/self",
            header: "private-token",
            key: || format!("glpat-{}", random_token(ALNUM, 20)),
            line: |k| format!("GITLAB_TOKEN={k}\n"),
            live: (200, r#"{"active":true}"#),
            revoked: None,
        },
        Case {
            provider: "slack",
            rule: "slack-token",
            method: "POST",
            target: "/api/auth.test",
            header: "authorization",
            key: || {
                format!(
                    "xoxb-{}-{}-{}",
                    random_token("23456789", 11),
                    random_token("23456789", 12),
                    random_token(ALNUM, 24)
                )
            },
            line: |k| format!("SLACK_BOT_TOKEN={k}\n"),
            live: (200, r#"{"ok":true,"team":"T"}"#),
            revoked: Some((200, r#"{"ok":false,"error":"token_revoked"}"#)),
        },
        Case {
            provider: "huggingface",
            rule: "huggingface-token",
            method: "GET",
            target: "/api/whoami-v2",
            header: "authorization",
            key: || format!("hf_{}", random_token(LETTERS, 34)),
            line: |k| format!("HF_TOKEN = \"{k}\"\n"),
            live: (200, r#"{"name":"u"}"#),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "replicate",
            rule: "replicate-api-token",
            method: "GET",
            target: "/v1/account",
            header: "authorization",
            key: || format!("r8_{}", random_token(ALNUM, 37)),
            line: |k| format!("REPLICATE_API_TOKEN = \"{k}\"\n"),
            live: (200, r#"{"type":"user"}"#),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "groq",
            rule: "groq-api-key",
            method: "GET",
            target: "/openai/v1/models",
            header: "authorization",
            key: || format!("gsk_{}", random_token(ALNUM, 52)),
            line: |k| format!("GROQ_API_KEY = \"{k}\"\n"),
            live: (200, "{}"),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "mistral",
            rule: "mistral-api-key",
            method: "GET",
            target: "/v1/models",
            header: "authorization",
            key: || random_token(ALNUM, 32),
            line: |k| format!("MISTRAL_API_KEY = \"{k}\"\n"),
            live: (200, "{}"),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "cohere",
            rule: "cohere-api-key",
            method: "POST",
            target: "/v1/check-api-key",
            header: "authorization",
            key: || random_token(ALNUM, 40),
            line: |k| format!("COHERE_API_KEY = \"{k}\"\n"),
            live: (200, r#"{"valid":true}"#),
            revoked: Some((200, r#"{"valid":false}"#)),
        },
        Case {
            provider: "together",
            rule: "together-api-key",
            method: "GET",
            target: "/v1/models",
            header: "authorization",
            key: || format!("tgp_v1_{}", random_token(ALNUM, 43)),
            line: |k| format!("TOGETHER_API_KEY = \"{k}\"\n"),
            live: (200, "[]"),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "xai",
            rule: "xai-api-key",
            method: "GET",
            target: "/v1/api-key",
            header: "authorization",
            key: || format!("xai-{}", random_token(ALNUM, 80)),
            line: |k| format!("XAI_API_KEY = \"{k}\"\n"),
            live: (200, r#"{"api_key_blocked":false,"api_key_disabled":false}"#),
            revoked: Some((400, r#"{"error":"Incorrect API key provided"}"#)),
        },
        Case {
            provider: "deepseek",
            rule: "deepseek-api-key",
            method: "GET",
            target: "/user/balance",
            header: "authorization",
            key: || format!("sk-{}", random_token(HEX, 32)),
            line: |k| format!("DEEPSEEK_API_KEY = \"{k}\"\n"),
            live: (200, r#"{"is_available":true}"#),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "openrouter",
            rule: "openrouter-api-key",
            method: "GET",
            target: "/api/v1/key",
            header: "authorization",
            key: || format!("sk-or-v1-{}", random_token(HEX, 64)),
            line: |k| format!("OPENROUTER_API_KEY = \"{k}\"\n"),
            live: (200, r#"{"data":{}}"#),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "elevenlabs",
            rule: "elevenlabs-api-key",
            method: "GET",
            target: "/v1/user",
            header: "xi-api-key",
            key: || format!("sk_{}", random_token(HEX, 48)),
            line: |k| format!("ELEVENLABS_API_KEY = \"{k}\"\n"),
            live: (401, r#"{"detail":{"status":"missing_permissions"}}"#),
            revoked: Some((401, r#"{"detail":{"status":"invalid_api_key"}}"#)),
        },
        Case {
            provider: "pinecone",
            rule: "pinecone-api-key",
            method: "GET",
            target: "/indexes",
            header: "api-key",
            key: || {
                format!(
                    "pcsk_{}_{}",
                    random_token(ALNUM, 5),
                    random_token(ALNUM, 63)
                )
            },
            line: |k| format!("PINECONE_API_KEY = \"{k}\"\n"),
            live: (200, r#"{"indexes":[]}"#),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "google",
            rule: "google-ai-api-key",
            method: "GET",
            target: "/v1beta/models?pageSize=1",
            header: "x-goog-api-key",
            key: || format!("AIza{}", random_token(ALNUM, 35)),
            line: |k| format!("GEMINI_API_KEY = \"{k}\"\n"),
            live: (200, r#"{"models":[]}"#),
            revoked: Some((
                400,
                r#"{"error":{"details":[{"reason":"API_KEY_INVALID"}]}}"#,
            )),
        },
        Case {
            provider: "supabase",
            rule: "supabase-secret-key",
            method: "GET",
            target: "/v1/projects",
            header: "authorization",
            key: || format!("sbp_{}", random_token(HEX, 40)),
            line: |k| format!("SUPABASE_ACCESS_TOKEN = \"{k}\"\n"),
            live: (200, "[]"),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "npm",
            rule: "npm-access-token",
            method: "GET",
            target: "/-/whoami",
            header: "authorization",
            key: || format!("npm_{}", random_token(ALNUM, 36)),
            line: |k| format!("//registry.npmjs.org/:_authToken={k}\n"),
            live: (200, r#"{"username":"u"}"#),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "sendgrid",
            rule: "sendgrid-api-key",
            method: "GET",
            target: "/v3/scopes",
            header: "authorization",
            key: || format!("SG.{}.{}", random_token(ALNUM, 22), random_token(ALNUM, 43)),
            line: |k| format!("SENDGRID_API_KEY = \"{k}\"\n"),
            live: (200, r#"{"scopes":[]}"#),
            revoked: Some((401, "{}")),
        },
        Case {
            provider: "vercel",
            rule: "vercel-token",
            method: "GET",
            target: "/v2/user",
            header: "authorization",
            key: || format!("vcp_{}", random_token(ALNUM, 56)),
            line: |k| format!("VERCEL_TOKEN = \"{k}\"\n"),
            live: (200, r#"{"user":{}}"#),
            revoked: Some((403, r#"{"error":{"code":"invalidToken"}}"#)),
        },
    ]
}

/// The findings of a JSON report whose key is `key` is shown masked; found
/// by rule and path.
fn finding<'a>(report: &'a serde_json::Value, rule: &str, path: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule && f["path"] == path)
        .unwrap_or_else(|| panic!("no {rule} finding at {path} in {report:#}"))
}

#[test]
fn every_provider_live_revoked_and_error_answers() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let mut replies = HashMap::new();
    // (case, outcome, key, path)
    let mut planted = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let outcomes: [(&str, Reply); 4] = [
            ("live", Reply::Status(case.live.0, case.live.1.into())),
            (
                "revoked",
                match case.revoked {
                    Some((s, b)) => Reply::Status(s, b.into()),
                    None => Reply::Status(401, "{}".into()),
                },
            ),
            ("busy", Reply::Status(503, "{}".into())),
            ("limited", Reply::Status(429, "{}".into())),
        ];
        for (outcome, reply) in outcomes {
            let key = (case.key)();
            let path = format!("src/{n:02}_{}_{outcome}.py", case.provider);
            std::fs::create_dir_all(dir.path().join("src")).unwrap();
            std::fs::write(dir.path().join(&path), (case.line)(&key)).unwrap();
            replies.insert(key.clone(), reply);
            planted.push((n, outcome, key, path));
        }
    }
    let mock = Mock::start(replies);
    let out = cmd()
        .args(["scan", ".", "--verify", "--format", "json"])
        .env("SKYSCAN_TEST_VERIFY_BASE", &mock.base)
        .current_dir(dir.path())
        .output()
        .unwrap();
    common::assert_exit(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SKYSCAN_TEST_VERIFY_BASE is set"),
        "{stderr}"
    );
    let report = json_of(&out);
    for (n, outcome, key, path) in &planted {
        let case = &cases[*n];
        let f = finding(&report, case.rule, path);
        let v = &f["verification"];
        let expected = match (*outcome, case.revoked) {
            ("live", _) => "live",
            ("revoked", Some(_)) => "revoked",
            _ => "unknown",
        };
        assert_eq!(v["status"], expected, "{} {outcome}: {f:#}", case.provider);
        assert_eq!(v["provider"], case.provider, "{f:#}");
        assert!(v["checked_at"].as_str().unwrap().ends_with('Z'), "{v}");
        let seen = mock.seen_with(key);
        let want = if matches!(*outcome, "busy" | "limited") {
            2
        } else {
            1
        };
        assert_eq!(
            seen.len(),
            want,
            "{} {outcome}: one request, one retry at most",
            case.provider
        );
        for s in &seen {
            assert_eq!(s.method, case.method, "{}", case.provider);
            assert_eq!(s.target, case.target, "{}", case.provider);
            assert_eq!(
                s.key_header.as_deref(),
                Some(case.header),
                "{}",
                case.provider
            );
        }
        let http = v["http_status"].as_u64().unwrap();
        match *outcome {
            "busy" => assert_eq!(http, 503),
            "limited" => assert_eq!(http, 429),
            _ => {}
        }
        if expected == "live" {
            assert_eq!(f["severity"], "error");
            assert!(f["message"].as_str().unwrap().contains("LIVE"), "{f:#}");
        }
        assert!(
            !f.to_string().contains(key.as_str()),
            "key in report: {f:#}"
        );
    }
    // Anthropic's version header and GitHub's accept header came along.
    let anthropic = mock
        .seen()
        .into_iter()
        .find(|s| {
            s.key_header.as_deref() == Some("x-api-key")
                && s.key.as_deref().is_some_and(|k| k.starts_with("sk-ant-"))
        })
        .unwrap();
    assert!(anthropic
        .headers
        .iter()
        .any(|(n, v)| n == "anthropic-version" && v == "2023-06-01"));
}

#[test]
fn network_errors_and_timeouts_are_unknown_never_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let closed = format!("sk-proj-{}", random_token(ALNUM, 48));
    let hung = format!("sk-proj-{}", random_token(ALNUM, 48));
    std::fs::write(
        dir.path().join("a.py"),
        format!("OPENAI_API_KEY = '{closed}'\nOTHER_OPENAI_KEY = '{hung}'\n"),
    )
    .unwrap();
    let mock = Mock::start(HashMap::from([
        (closed.clone(), Reply::Close),
        (hung.clone(), Reply::Hang(Duration::from_secs(8))),
    ]));
    let started = std::time::Instant::now();
    let out = cmd()
        .args(["scan", ".", "--verify", "--format", "json"])
        .env("SKYSCAN_TEST_VERIFY_BASE", &mock.base)
        .current_dir(dir.path())
        .output()
        .unwrap();
    // Two tries of at most 5 s each, in parallel for the two keys.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let report = json_of(&out);
    for f in report["findings"].as_array().unwrap() {
        let v = &f["verification"];
        assert_eq!(v["status"], "unknown", "{f:#}");
        assert!(v["http_status"].is_null(), "{v}");
        let detail = v["detail"].as_str().unwrap();
        assert!(
            [
                "network error",
                "timed out",
                "connection failed",
                "request failed"
            ]
            .contains(&detail),
            "{detail}"
        );
    }
    assert_eq!(mock.seen_with(&closed).len(), 2);
    assert_eq!(mock.seen_with(&hung).len(), 2);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains(&closed) && !text.contains(&hung));
}

#[test]
fn each_distinct_key_is_checked_once() {
    let dir = tempfile::tempdir().unwrap();
    let key = format!("sk-proj-{}", random_token(ALNUM, 48));
    for name in ["a.py", "b.py", "c.js"] {
        std::fs::write(dir.path().join(name), format!("OPENAI_API_KEY = '{key}'\n")).unwrap();
    }
    let mock = Mock::start(HashMap::from([(
        key.clone(),
        Reply::Status(200, "{}".into()),
    )]));
    let out = cmd()
        .args(["scan", ".", "--verify", "--format", "json"])
        .env("SKYSCAN_TEST_VERIFY_BASE", &mock.base)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report = json_of(&out);
    let statuses: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "openai-api-key")
        .map(|f| f["verification"]["status"].clone())
        .collect();
    assert_eq!(statuses, vec!["live"; 3]);
    assert_eq!(mock.seen_with(&key).len(), 1);
}

/// A listener that must see nothing, as the proxy for every scheme and as
/// the test base.
#[test]
fn without_verify_no_connection_is_opened() {
    let repo = new_repo();
    let key = format!("sk-proj-{}", random_token(ALNUM, 48));
    std::fs::write(
        repo.path().join("a.py"),
        format!("OPENAI_API_KEY = '{key}'\n"),
    )
    .unwrap();
    git(repo.path(), &["add", "."]);
    commit_dated(repo.path(), "add", 1);
    let listener = Mock::start(HashMap::from([(
        key.clone(),
        Reply::Status(200, "{}".into()),
    )]));
    let proxy = format!("http://127.0.0.1:{}", listener.port);
    for command in [&["scan", "."][..], &["history", "."], &["staged", "."]] {
        let mut c = cmd();
        c.args(command)
            .args(["--format", "json"])
            .env("SKYSCAN_TEST_VERIFY_BASE", &listener.base)
            .current_dir(repo.path());
        for var in &PROXY_VARS[..6] {
            c.env(var, &proxy);
        }
        let out = c.output().unwrap();
        let report = json_of(&out);
        for f in report["findings"].as_array().unwrap() {
            assert!(f.get("verification").is_none(), "{f:#}");
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(listener.connections(), 0, "{:?}", listener.seen());
}

/// With `HTTPS_PROXY` set and no test base, the request goes to the
/// proxy as a `CONNECT` to the provider's official host; the key is never
/// in what the proxy sees (it would travel inside TLS).
#[test]
fn https_proxy_is_honoured_and_only_the_official_host_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let key = format!("sk-proj-{}", random_token(ALNUM, 48));
    let gh = format!("ghp_{}", random_token(ALNUM, 36));
    std::fs::write(
        dir.path().join("a.py"),
        format!("OPENAI_API_KEY = '{key}'\nGITHUB_TOKEN = '{gh}'\n"),
    )
    .unwrap();
    let proxy = Mock::start(HashMap::new());
    let out = cmd()
        .args(["scan", ".", "--verify", "--format", "json"])
        .env("HTTPS_PROXY", format!("http://127.0.0.1:{}", proxy.port))
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report = json_of(&out);
    for f in report["findings"].as_array().unwrap() {
        assert_eq!(f["verification"]["status"], "unknown", "{f:#}");
    }
    let mut targets: Vec<String> = proxy
        .seen()
        .into_iter()
        .map(|s| format!("{} {}", s.method, s.target))
        .collect();
    targets.sort();
    targets.dedup();
    assert_eq!(
        targets,
        ["CONNECT api.github.com:443", "CONNECT api.openai.com:443"]
    );
    for s in proxy.seen() {
        assert!(s.key.is_none());
        assert!(!format!("{s:?}").contains(&key) && !format!("{s:?}").contains(&gh));
    }
}

#[test]
fn a_repository_config_cannot_turn_verification_on_or_redirect_it() {
    let repo = new_repo();
    let key = format!("sk-proj-{}", random_token(ALNUM, 48));
    let elsewhere = Mock::start(HashMap::from([(
        key.clone(),
        Reply::Status(200, "{}".into()),
    )]));
    std::fs::write(
        repo.path().join("a.py"),
        format!("OPENAI_API_KEY = '{key}'\n"),
    )
    .unwrap();
    std::fs::write(
        repo.path().join(".skyscan.toml"),
        format!(
            "[verify]\nenabled = true\nbase_url = \"{}\"\nproxy = \"{}\"\n",
            elsewhere.base, elsewhere.base
        ),
    )
    .unwrap();
    // Without --verify: nothing is checked, and the file is told off.
    let out = cmd()
        .args(["scan", ".", "--format", "json"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`verify.base_url` in"), "{stderr}");
    assert!(stderr.contains("`verify.proxy` in"), "{stderr}");
    assert!(stderr.contains("cannot turn on network checks"), "{stderr}");
    let report = json_of(&out);
    assert!(report["findings"][0].get("verification").is_none());
    // With --verify: the key goes to the official host (through the
    // proxy we set), never to the configured URL.
    let proxy = Mock::start(HashMap::new());
    let out = cmd()
        .args(["scan", ".", "--verify", "--format", "json"])
        .env("HTTPS_PROXY", format!("http://127.0.0.1:{}", proxy.port))
        .current_dir(repo.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`verify.base_url` in"), "{stderr}");
    assert!(!stderr.contains("cannot turn on"), "{stderr}");
    let report = json_of(&out);
    assert_eq!(report["findings"][0]["verification"]["status"], "unknown");
    assert!(proxy
        .seen()
        .iter()
        .all(|s| s.target == "api.openai.com:443"));
    assert!(!proxy.seen().is_empty());
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(elsewhere.connections(), 0);
}

#[test]
fn a_config_the_user_names_may_turn_verification_on() {
    let dir = tempfile::tempdir().unwrap();
    let key = format!("sk-proj-{}", random_token(ALNUM, 48));
    std::fs::write(
        dir.path().join("a.py"),
        format!("OPENAI_API_KEY = '{key}'\n"),
    )
    .unwrap();
    let own = tempfile::tempdir().unwrap();
    let config = own.path().join("mine.toml");
    std::fs::write(&config, "verify = true\n").unwrap();
    let mock = Mock::start(HashMap::from([(
        key.clone(),
        Reply::Status(200, "{}".into()),
    )]));
    let out = cmd()
        .args(["scan", ".", "--format", "json", "--config"])
        .arg(&config)
        .env("SKYSCAN_TEST_VERIFY_BASE", &mock.base)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(report["findings"][0]["verification"]["status"], "live");
    assert_eq!(mock.seen_with(&key).len(), 1);
    // `verify = "yes"` is a configuration error.
    std::fs::write(&config, "verify = \"yes\"\n").unwrap();
    cmd()
        .args(["scan", ".", "--config"])
        .arg(&config)
        .current_dir(dir.path())
        .assert()
        .code(2);
}

#[test]
fn only_live_and_fail_on_live() {
    let dir = tempfile::tempdir().unwrap();
    let live = format!("sk-proj-{}", random_token(ALNUM, 48));
    let revoked = format!("sk-proj-{}", random_token(ALNUM, 48));
    std::fs::write(
        dir.path().join("live.py"),
        format!("OPENAI_API_KEY = '{live}'\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("old.py"),
        format!("OPENAI_API_KEY = '{revoked}'\n"),
    )
    .unwrap();
    let mock = Mock::start(HashMap::from([
        (live.clone(), Reply::Status(200, "{}".into())),
        (revoked.clone(), Reply::Status(401, "{}".into())),
    ]));
    let run = |extra: &[&str]| {
        cmd()
            .args(["scan", ".", "--verify", "--format", "json"])
            .args(extra)
            .env("SKYSCAN_TEST_VERIFY_BASE", &mock.base)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run(&["--only-live"]);
    let report = json_of(&out);
    let paths = common::finding_paths(&report, None);
    assert_eq!(paths, ["live.py"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(run(&["--fail-on-live"]).status.code(), Some(1));
    std::fs::remove_file(dir.path().join("live.py")).unwrap();
    // Only a revoked key: still a finding, but --fail-on-live passes.
    let out = run(&["--fail-on-live"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(common::finding_paths(&json_of(&out), None), ["old.py"]);
    assert_eq!(run(&[]).status.code(), Some(1));
    // Without verification these flags are a usage error.
    for flag in ["--only-live", "--fail-on-live"] {
        cmd()
            .args(["scan", ".", flag])
            .current_dir(dir.path())
            .assert()
            .code(2);
    }
}

fn history_with_removed_keys(keys: &[&str]) -> tempfile::TempDir {
    let repo = new_repo();
    for (n, key) in keys.iter().enumerate() {
        std::fs::write(
            repo.path().join(format!("k{n}.py")),
            format!("OPENAI_API_KEY = '{key}'\n"),
        )
        .unwrap();
    }
    git(repo.path(), &["add", "."]);
    commit_dated(repo.path(), "keys", 10);
    for n in 0..keys.len() {
        std::fs::remove_file(repo.path().join(format!("k{n}.py"))).unwrap();
    }
    std::fs::write(repo.path().join("README.md"), "docs\n").unwrap();
    git(repo.path(), &["add", "-A"]);
    commit_dated(repo.path(), "drop keys", 5);
    repo
}

#[test]
fn history_counts_live_revoked_and_unknown_keys_for_sc7() {
    let keys: Vec<String> = (0..4)
        .map(|_| format!("sk-proj-{}", random_token(ALNUM, 48)))
        .collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let repo = history_with_removed_keys(&refs);
    let mock = Mock::start(HashMap::from([
        (keys[0].clone(), Reply::Status(200, "{}".into())),
        (keys[1].clone(), Reply::Status(401, "{}".into())),
        (keys[2].clone(), Reply::Status(401, "{}".into())),
        (keys[3].clone(), Reply::Status(500, "{}".into())),
    ]));
    let run = |format: &str| {
        cmd()
            .args([
                "history", ".", "--verify", "--color", "never", "--format", format,
            ])
            .env("SKYSCAN_TEST_VERIFY_BASE", &mock.base)
            .current_dir(repo.path())
            .output()
            .unwrap()
    };
    let human = String::from_utf8_lossy(&run("human").stdout).to_string();
    let sc7 = human
        .lines()
        .find(|l| l.contains("SC7   Leaked keys"))
        .unwrap();
    assert!(
        sc7.contains("keys: 1 live, 2 revoked (still to scrub), 1 unknown"),
        "{sc7}"
    );
    // Diagnostics wrap their messages: compare the words.
    let words = human
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(words.contains("revoked, still to scrub"), "{human}");
    assert!(
        human.contains("key-only-in-history (SC7, key live)"),
        "{human}"
    );
    let report = json_of(&run("json"));
    let sc7 = report["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "SC7")
        .unwrap();
    assert_eq!(
        sc7["keys"],
        serde_json::json!({"live": 1, "revoked": 2, "unknown": 1})
    );
    let removed = finding(&report, "key-only-in-history", "k1.py");
    assert_eq!(removed["verification"]["status"], "revoked");
    assert!(removed["message"]
        .as_str()
        .unwrap()
        .contains("revoked, still to scrub"));
    // Every format says it.
    let sarif: serde_json::Value = serde_json::from_slice(&run("sarif").stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let live = results
        .iter()
        .find(|r| r["properties"]["verification"]["status"] == "live")
        .unwrap();
    assert_eq!(live["properties"]["tags"], serde_json::json!(["key-live"]));
    assert_eq!(live["level"], "error");
    let github = String::from_utf8_lossy(&run("github").stdout).to_string();
    assert!(
        github.contains("[key live]") && github.contains("[key revoked]"),
        "{github}"
    );
    let csv = String::from_utf8_lossy(&run("csv").stdout).to_string();
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .ends_with("verification,verification_http_status,verification_checked_at"));
    assert!(csv.lines().any(|l| l.contains(",revoked,401,")), "{csv}");
    let jsonl = String::from_utf8_lossy(&run("jsonl").stdout).to_string();
    assert!(jsonl
        .lines()
        .all(
            |l| serde_json::from_str::<serde_json::Value>(l).unwrap()["verification"]["status"]
                .is_string()
        ));
    // One request per key across all those runs' first one.
    let summary = repo.path().join("summary.md");
    cmd()
        .args(["history", ".", "--verify", "--format", "json", "--summary"])
        .arg(&summary)
        .env("SKYSCAN_TEST_VERIFY_BASE", &mock.base)
        .current_dir(repo.path())
        .output()
        .unwrap();
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("SC7 keys: 1 live, 2 revoked (still to scrub), 1 unknown"),
        "{md}"
    );
}

#[test]
fn a_live_key_raises_a_warning_to_error() {
    // A key at HEAD for 200 days: key-rotation-overdue is a warning, a
    // live one is an error.
    let repo = new_repo();
    let key = format!("sk-proj-{}", random_token(ALNUM, 48));
    std::fs::write(
        repo.path().join("a.py"),
        format!("OPENAI_API_KEY = '{key}'\n"),
    )
    .unwrap();
    git(repo.path(), &["add", "."]);
    commit_dated(repo.path(), "old key", 200);
    let mock = Mock::start(HashMap::from([(
        key.clone(),
        Reply::Status(200, "{}".into()),
    )]));
    let run = |verify: bool| {
        let mut c = cmd();
        c.args(["history", ".", "--format", "json"]);
        if verify {
            c.arg("--verify")
                .env("SKYSCAN_TEST_VERIFY_BASE", &mock.base);
        }
        json_of(&c.current_dir(repo.path()).output().unwrap())
    };
    assert_eq!(
        finding(&run(false), "key-rotation-overdue", "a.py")["severity"],
        "warning"
    );
    let overdue = run(true);
    let f = finding(&overdue, "key-rotation-overdue", "a.py");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["verification"]["status"], "live");
}

#[test]
fn staged_verify_and_keys_without_a_check() {
    let repo = new_repo();
    let key = format!("sk-proj-{}", random_token(ALNUM, 48));
    let aws = format!("AKIA{}", random_token("ABCDFGHJKMNPQRVWZ234567", 16));
    std::fs::write(
        repo.path().join("a.py"),
        format!("OPENAI_API_KEY = '{key}'\nAWS_ACCESS_KEY_ID = '{aws}'\n"),
    )
    .unwrap();
    git(repo.path(), &["add", "."]);
    let mock = Mock::start(HashMap::from([(
        key.clone(),
        Reply::Status(401, "{}".into()),
    )]));
    let out = cmd()
        .args(["staged", ".", "--verify", "--format", "json"])
        .env("SKYSCAN_TEST_VERIFY_BASE", &mock.base)
        .current_dir(repo.path())
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(
        finding(&report, "openai-api-key", "a.py")["verification"]["status"],
        "revoked"
    );
    let unchecked = &finding(&report, "aws-access-key-id", "a.py")["verification"];
    assert_eq!(unchecked["status"], "unknown");
    assert!(unchecked["checked_at"].is_null() && unchecked["http_status"].is_null());
    // Only the OpenAI key was sent anywhere.
    assert_eq!(mock.connections(), 1);
}

#[test]
fn keys_never_appear_in_output_or_logs() {
    let dir = tempfile::tempdir().unwrap();
    let key = format!("sk-proj-{}", random_token(ALNUM, 48));
    std::fs::write(
        dir.path().join("a.py"),
        format!("OPENAI_API_KEY = '{key}'\n"),
    )
    .unwrap();
    // The provider echoes the key in its error body.
    let mock = Mock::start(HashMap::from([(
        key.clone(),
        Reply::Status(401, format!("{{\"error\":\"bad key {key}\"}}")),
    )]));
    for format in ["human", "json", "jsonl", "sarif", "github", "csv"] {
        let out = cmd()
            .args(["scan", ".", "--verify", "-v", "--format", format])
            .env("SKYSCAN_TEST_VERIFY_BASE", &mock.base)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(text.contains("revoked"), "{format}: {text}");
        assert!(!text.contains(&key), "{format} leaks the key: {text}");
        assert!(!text.contains(&key[12..]), "{format} leaks the key's tail");
    }
    // A closed port: a transport error, its text never shown.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = cmd()
        .args(["scan", ".", "--verify", "-v"])
        .env(
            "SKYSCAN_TEST_VERIFY_BASE",
            format!("http://127.0.0.1:{port}"),
        )
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("connection failed") || text.contains("network error"),
        "{text}"
    );
    assert!(!text.contains(&key[12..]));
}

#[test]
fn the_test_base_is_only_for_loopback_over_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.py"),
        format!("OPENAI_API_KEY = 'sk-proj-{}'\n", random_token(ALNUM, 48)),
    )
    .unwrap();
    let out = cmd()
        .args(["scan", ".", "--verify"])
        .env("SKYSCAN_TEST_VERIFY_BASE", "http://192.0.2.1:8080")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

/// A configuration that replaces a provider's rule with its own pattern
/// (same id) cannot make skyscan send what that pattern matches.
#[test]
fn a_custom_rule_under_a_provider_id_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let key = format!("sk-proj-{}", random_token(ALNUM, 48));
    std::fs::write(dir.path().join("a.txt"), format!("token: {key}\n")).unwrap();
    std::fs::write(
        dir.path().join(".skyscan.toml"),
        r#"disable = ["openai-api-key"]

[[rules]]
id = "openai-api-key"
name = "Anything after token:"
checklist = "SC1"
severity = "error"
precision = "low"
keywords = ["token:"]
regex = 'token: (?P<secret>\S{20,})'
message = "token `{match}`"
what = "w"
why = "y"
fix = "f"
examples = ["token: q8ZrT2mW4vLn7Kc1Xy9PbF3hJd6G"]
negative_examples = ["token: short"]
"#,
    )
    .unwrap();
    let mock = Mock::start(HashMap::from([(
        key.clone(),
        Reply::Status(200, "{}".into()),
    )]));
    let out = cmd()
        .args(["scan", ".", "--verify", "--format", "json"])
        .env("SKYSCAN_TEST_VERIFY_BASE", &mock.base)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report = json_of(&out);
    let f = finding(&report, "openai-api-key", "a.txt");
    assert_eq!(f["verification"]["status"], "unknown", "{f:#}");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(mock.connections(), 0);
}

/// A server whose certificate no system root signed is refused: the key
/// is never sent and the status is unknown (with verification off, the
/// same server would answer 200 and the key would read as live).
#[test]
fn an_unverifiable_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tls = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args([
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .current_dir(tls.path())
        .output()
        .expect("openssl (the Debian package) makes the test certificate");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mut server = std::process::Command::new("openssl")
        .args([
            "s_server", "-quiet", "-www", "-cert", "cert.pem", "-key", "key.pem",
        ])
        .args(["-accept", &port.to_string()])
        .current_dir(tls.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "openssl s_server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let key = format!("sk-proj-{}", random_token(ALNUM, 48));
    std::fs::write(
        dir.path().join("a.py"),
        format!("OPENAI_API_KEY = '{key}'\n"),
    )
    .unwrap();
    let out = cmd()
        .args(["scan", ".", "--verify", "--format", "json"])
        .env(
            "SKYSCAN_TEST_VERIFY_BASE",
            format!("https://localhost:{port}"),
        )
        .current_dir(dir.path())
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let report = json_of(&out);
    let v = &finding(&report, "openai-api-key", "a.py")["verification"];
    assert_eq!(v["status"], "unknown", "{v}");
    assert_eq!(v["detail"], "TLS verification failed", "{v}");
    assert!(v["http_status"].is_null());
}
