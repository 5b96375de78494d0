//! HTTPS served by `hms` itself: `hms serve --tls-cert FILE --tls-key FILE`
//! (PEM: the certificate chain, leaf first, and its private key in PKCS#8,
//! PKCS#1 or SEC1). rustls with the ring provider; TLS 1.2 and 1.3 only.
//!
//! Handshakes run beside the accept loop, each within [`HANDSHAKE_TIMEOUT`]
//! (`tls-listener`), so a client that connects and never says hello holds
//! up nobody. Only HTTP/1.1 is offered in ALPN: the server speaks no HTTP/2.
//! With TLS on, cookies are `Secure` and HSTS is sent (`ServeConfig::secure_cookies`).
//! Behind a reverse proxy that terminates TLS instead, see docs/operations.md.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tls_listener::TlsListener;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// How long a client has to finish its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Makes ring the process's TLS provider (for the server and for the
/// clients that send e-mail and SMS). Safe to call more than once.
pub fn install_crypto_provider() {
    // An error only says a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The server's TLS settings from PEM files, with errors that name the file.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>> {
    install_crypto_provider();
    let chain = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("reading the TLS certificate {}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading the TLS certificate {}", cert.display()))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "{} holds no PEM certificate",
        cert.display()
    );
    let key_der = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("reading the TLS private key {}", key.display()))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .with_context(|| {
            format!(
                "the TLS certificate {} and key {} do not go together",
                cert.display(),
                key.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// `tcp` with TLS on every connection it accepts.
pub fn listener(
    tcp: TcpListener,
    config: Arc<rustls::ServerConfig>,
) -> TlsListener<TcpListener, TlsAcceptor> {
    tls_listener::builder(TlsAcceptor::from(config))
        .handshake_timeout(HANDSHAKE_TIMEOUT)
        .listen(tcp)
}
