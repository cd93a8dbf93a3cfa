//! The HTTP side of verification, through `ureq` (rustls, certificates
//! checked against the system's roots by the platform verifier): one agent
//! per run, HTTPS only, no redirects followed (a key is never carried to
//! another host), a per-request timeout, at most one retry, proxies from
//! `HTTPS_PROXY`/`ALL_PROXY` (and `NO_PROXY`) as ureq reads them.
//!
//! Only one thing can move a request off the provider's official origin:
//! the test variable [`TEST_BASE_VAR`], which replaces every origin (plain
//! `http://` only towards a loopback address) and is announced with a
//! warning on every run. Errors are described in our own words: nothing a
//! transport error says (which may hold a URL) reaches the output.

use std::time::Duration;

use super::providers::{Auth, Endpoint, Meaning, Method};

/// Redirects every verification request to `BASE` + the endpoint's path,
/// for tests against a local server. Nothing else can change where a key
/// is sent: not a flag, not a configuration file.
pub const TEST_BASE_VAR: &str = "SKYSCAN_TEST_VERIFY_BASE";

/// The time one request may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// The pause before the one retry.
const RETRY_PAUSE: Duration = Duration::from_millis(300);
/// The most of a body read to judge an answer.
const BODY_LIMIT: u64 = 64 * 1024;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub meaning: Option<Meaning>,
    pub http_status: Option<u16>,
    /// Why the answer is unknown, in our words.
    pub detail: Option<String>,
}

/// The agent, and the test base when one is set.
pub struct Client {
    agent: ureq::Agent,
    base: Option<String>,
}

impl Client {
    /// A client for this run. `Err` when the test variable is set to
    /// something unusable (a usage error).
    pub fn new() -> Result<Client, String> {
        let base = match std::env::var(TEST_BASE_VAR) {
            Ok(value) if !value.is_empty() => Some(test_base(&value)?),
            _ => None,
        };
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .https_only(base.as_deref().is_none_or(|b| b.starts_with("https:")))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_global(Some(TIMEOUT))
            .user_agent(concat!(
                "skyscan/",
                env!("CARGO_PKG_VERSION"),
                " (key verification)"
            ))
            .build();
        Ok(Client {
            agent: ureq::Agent::new_with_config(config),
            base,
        })
    }

    /// The test base in use, if any.
    pub fn test_base(&self) -> Option<&str> {
        self.base.as_deref()
    }

    /// Check `secret` at `endpoint`, retrying once when the answer says
    /// nothing about the key (network error, timeout, 429, 5xx).
    pub fn check(&self, endpoint: &Endpoint, secret: &str) -> Checked {
        let first = self.attempt(endpoint, secret);
        if !worth_retrying(&first) {
            return first;
        }
        std::thread::sleep(RETRY_PAUSE);
        self.attempt(endpoint, secret)
    }

    fn attempt(&self, endpoint: &Endpoint, secret: &str) -> Checked {
        let url = format!(
            "{}{}",
            self.base.as_deref().unwrap_or(endpoint.origin),
            endpoint.path
        );
        let credential = match endpoint.auth {
            Auth::Bearer => ("authorization", format!("Bearer {secret}")),
            Auth::Header(name) => (name, secret.to_string()),
        };
        let sent = match endpoint.method {
            Method::Get => {
                let mut request = self.agent.get(&url).header(credential.0, &credential.1);
                for (name, value) in endpoint.headers {
                    request = request.header(*name, *value);
                }
                request.call()
            }
            Method::Post => {
                let mut request = self.agent.post(&url).header(credential.0, &credential.1);
                for (name, value) in endpoint.headers {
                    request = request.header(*name, *value);
                }
                request.send_empty()
            }
        };
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => {
                return Checked {
                    meaning: None,
                    http_status: None,
                    detail: Some(describe(&e).to_string()),
                }
            }
        };
        let status = response.status().as_u16();
        let body = if endpoint.needs_body(status) {
            response
                .body_mut()
                .with_config()
                .limit(BODY_LIMIT)
                .lossy_utf8(true)
                .read_to_string()
                .ok()
        } else {
            None
        };
        let meaning = endpoint.meaning(status, body.as_deref());
        Checked {
            meaning,
            http_status: Some(status),
            detail: meaning
                .is_none()
                .then(|| unknown_answer(status).to_string()),
        }
    }
}

fn worth_retrying(checked: &Checked) -> bool {
    match checked.http_status {
        None => true,
        Some(status) => status == 429 || status >= 500,
    }
}

/// Our words for an answer that says nothing about the key.
fn unknown_answer(status: u16) -> &'static str {
    match status {
        429 => "rate limited",
        500..=599 => "server error",
        300..=399 => "redirected (not followed)",
        _ => "an answer that does not say whether the key works",
    }
}

/// Our words for a transport error (never its own text, which may hold a
/// URL or a proxy address with credentials).
fn describe(error: &ureq::Error) -> &'static str {
    match error {
        ureq::Error::Timeout(_) => "timed out",
        ureq::Error::HostNotFound => "host not found",
        ureq::Error::ConnectionFailed => "connection failed",
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => "proxy failed",
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::TlsRequired => {
            "TLS verification failed"
        }
        // rustls reports a refused certificate through the stream as
        // invalid data.
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            "TLS verification failed"
        }
        ureq::Error::Io(_) => "network error",
        _ => "request failed",
    }
}

/// Check the test base: an absolute `http(s)://host[:port]` URL with no
/// path, and plain HTTP only to a loopback address.
fn test_base(value: &str) -> Result<String, String> {
    let bad = |why: &str| format!("{TEST_BASE_VAR}: {why}");
    let url = url::Url::parse(value).map_err(|_| bad("not a URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("a URL with credentials"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("give only scheme, host and port (no path)"));
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => return Err(bad("no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(bad("plain http:// is allowed only to a loopback address")),
        _ => {
            return Err(bad(
                "the scheme must be https (or http to a loopback address)",
            ))
        }
    }
    Ok(value.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_base_is_narrow() {
        assert_eq!(
            test_base("http://127.0.0.1:8080/").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        assert!(test_base("http://localhost:1").is_ok());
        assert!(test_base("https://mock.example").is_ok());
        assert!(test_base("http://mock.example").is_err());
        assert!(test_base("http://10.0.0.1").is_err());
        assert!(test_base("http://127.0.0.1/api").is_err());
        assert!(test_base("https://u:p@mock.example").is_err());
        assert!(test_base("ftp://127.0.0.1").is_err());
        assert!(test_base("not a url").is_err());
    }

    #[test]
    fn only_answers_that_say_nothing_are_retried() {
        let with = |http_status| Checked {
            meaning: None,
            http_status,
            detail: None,
        };
        assert!(worth_retrying(&with(None)));
        assert!(worth_retrying(&with(Some(429))));
        assert!(worth_retrying(&with(Some(503))));
        assert!(!worth_retrying(&with(Some(401))));
        assert!(!worth_retrying(&with(Some(200))));
    }
}
