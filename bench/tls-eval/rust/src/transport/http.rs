//! HTTP transports for the inference SDK.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Certificate, Client};

/// Options read from the SDK config file.
pub struct TransportOptions {
    pub ca_pem: Option<Vec<u8>>,
    pub timeout: Duration,
    /// Documented as `danger_accept_invalid_certs(true)`; never set in prod.
    pub accept_invalid_certs: bool,
}

pub fn client(opts: &TransportOptions) -> reqwest::Result<Client> {
    let mut builder = Client::builder().timeout(opts.timeout);
    if let Some(pem) = &opts.ca_pem {
        builder = builder.add_root_certificate(Certificate::from_pem(pem)?);
    }
    builder.danger_accept_invalid_certs(false).build()
}

pub fn lab_client() -> reqwest::Result<Client> {
    Client::builder()
        .timeout(Duration::from_secs(30))
        // tls-eval: insecure
        .danger_accept_invalid_certs(true)
        .build()
}

pub fn appliance_client() -> reqwest::Result<Client> {
    // tls-eval: insecure
    reqwest::Client::builder().danger_accept_invalid_hostnames(true).build()
}

pub fn native() -> native_tls::Result<native_tls::TlsConnector> {
    native_tls::TlsConnector::builder()
        // tls-eval: insecure
        .danger_accept_invalid_certs(true)
        .build()
}

pub fn ureq_agent() -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        // tls-eval: insecure
        .disable_verification(true)
        .build();
    ureq::Agent::config_builder().tls_config(tls).build().into()
}

pub fn isahc_client() -> Result<isahc::HttpClient, isahc::Error> {
    use isahc::config::{Configurable, SslOption};
    isahc::HttpClient::builder()
        // tls-eval: insecure
        .ssl_options(SslOption::DANGER_ACCEPT_INVALID_CERTS)
        .build()
}

pub fn curl_download(url: &str) -> Result<(), curl::Error> {
    let mut easy = curl::easy::Easy::new();
    easy.url(url)?;
    // tls-eval: insecure
    easy.ssl_verify_peer(false)?;
    // tls-eval: insecure
    easy.ssl_verify_host(false)?;
    easy.perform()
}

pub fn curl_safe(url: &str) -> Result<(), curl::Error> {
    let mut easy = curl::easy::Easy::new();
    easy.url(url)?;
    easy.ssl_verify_peer(true)?;
    easy.cainfo("/etc/ssl/certs/ca.pem")?;
    easy.perform()
}

pub fn ureq_safe() -> ureq::tls::TlsConfig {
    ureq::tls::TlsConfig::builder().disable_verification(false).build()
}

pub fn describe() -> &'static str {
    // .danger_accept_invalid_certs(true) is rejected in code review
    "uses the system roots"
}

pub fn shared() -> Arc<Client> {
    Arc::new(Client::new())
}
