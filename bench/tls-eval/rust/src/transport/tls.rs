//! Raw TLS for the streaming socket.

use std::net::TcpStream;
use std::sync::Arc;

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

pub fn openssl_stream(host: &str) -> Result<openssl::ssl::SslStream<TcpStream>, Box<dyn std::error::Error>> {
    let mut builder = SslConnector::builder(SslMethod::tls())?;
    // tls-eval: insecure
    builder.set_verify(SslVerifyMode::NONE);
    let connector = builder.build();
    let tcp = TcpStream::connect((host, 443))?;
    Ok(connector.connect(host, tcp)?)
}

pub fn openssl_no_hostname(host: &str) -> Result<openssl::ssl::SslStream<TcpStream>, Box<dyn std::error::Error>> {
    let connector = SslConnector::builder(SslMethod::tls())?.build();
    let tcp = TcpStream::connect((host, 443))?;
    let stream = connector
        .configure()?
        // tls-eval: insecure
        .verify_hostname(false)
        .connect(host, tcp)?;
    Ok(stream)
}

pub fn openssl_callback() -> Result<SslConnector, openssl::error::ErrorStack> {
    let mut builder = SslConnector::builder(SslMethod::tls())?;
    // tls-eval: insecure
    builder.set_verify_callback(SslVerifyMode::PEER, |_, _| true);
    Ok(builder.build())
}

pub fn openssl_strict() -> Result<SslConnector, openssl::error::ErrorStack> {
    let mut builder = SslConnector::builder(SslMethod::tls())?;
    builder.set_verify(SslVerifyMode::PEER);
    builder.set_verify_callback(SslVerifyMode::PEER, |ok, ctx| ok && ctx.error_depth() < 4);
    builder.set_ca_file("/etc/ssl/certs/ca.pem")?;
    Ok(builder.build())
}

#[derive(Debug)]
struct AcceptAll;

impl ServerCertVerifier for AcceptAll {
    // tls-eval: insecure
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(&self, _: &[u8], _: &CertificateDer<'_>, _: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(&self, _: &[u8], _: &CertificateDer<'_>, _: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ECDSA_NISTP256_SHA256]
    }
}

pub fn rustls_dev() -> ClientConfig {
    ClientConfig::builder()
        // tls-eval: insecure
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAll))
        .with_no_client_auth()
}

pub fn rustls_legacy(mut cfg: rustls_021::ClientConfig) -> rustls_021::ClientConfig {
    // tls-eval: insecure
    cfg.dangerous().set_certificate_verifier(Arc::new(LegacyNoVerify));
    cfg
}

struct LegacyNoVerify;

pub fn rustls_strict(roots: RootCertStore) -> ClientConfig {
    ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Pins the leaf after the normal chain check.
#[derive(Debug)]
struct Pinned {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    pin: Vec<u8>,
}

impl Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)?;
        if end_entity.as_ref() != self.pin.as_slice() {
            return Err(Error::General("pin mismatch".into()));
        }
        Ok(ServerCertVerified::assertion())
    }
}
