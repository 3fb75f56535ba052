//! HTTPS with rustls (ring provider; TLS 1.2 and 1.3, rustls's safe defaults). The certificate
//! chain and key are PEM files named by the configuration (`tls_cert`, `tls_key`); their
//! contents never reach a log line or an error message.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read a certificate from {0} (expected PEM CERTIFICATE blocks)")]
    Certificate(String),
    #[error("cannot read a private key from {0} (expected a PEM PKCS#8, PKCS#1 or SEC1 key)")]
    Key(String),
    #[error(
        "the certificate {cert} and key {key} do not make a usable TLS configuration: {reason}"
    )]
    Config {
        cert: String,
        key: String,
        reason: String,
    },
}

impl From<TlsError> for std::io::Error {
    fn from(e: TlsError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
    }
}

/// The rustls server configuration for `cert` (a PEM chain, leaf first) and `key`, offering
/// HTTP/1.1.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let shown = |p: &Path| p.display().to_string();
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|_| TlsError::Certificate(shown(cert)))?;
    if chain.is_empty() {
        return Err(TlsError::Certificate(shown(cert)));
    }
    let unusable = |e: rustls::Error| TlsError::Config {
        cert: shown(cert),
        key: shown(key),
        reason: e.to_string(),
    };
    let key = PrivateKeyDer::from_pem_file(key).map_err(|_| TlsError::Key(shown(key)))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(unusable)?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(unusable)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
