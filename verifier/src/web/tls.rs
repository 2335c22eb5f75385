//! HTTPS for the public verifier: rustls with the certificate chain and private key read
//! from PEM files (`--tls-cert`, `--tls-key`), reloaded on SIGHUP without dropping a
//! connection — each TLS handshake takes the configuration current at that moment, so
//! connections already open keep theirs and new ones get the new certificate. A reload
//! that fails (a file missing, a key that does not match) is logged and changes nothing.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tokio_rustls::TlsAcceptor;

/// Why a certificate and key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or holds no PEM object of the kind wanted.
    #[error("{what} {path}: {message}")]
    File {
        /// `--tls-cert` or `--tls-key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What was wrong, in words.
        message: String,
    },
    /// rustls refused the pair (e.g. the key is not the certificate's).
    #[error("--tls-cert {cert} with --tls-key {key}: {message}")]
    Pair {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// rustls' reason.
        message: String,
    },
}

/// The server's TLS configuration, reloadable from its files.
#[derive(Debug)]
pub struct Tls {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<ServerConfig>>,
}

impl Tls {
    /// Reads the certificate chain (PEM, leaf first) and the private key (PEM: PKCS#8,
    /// SEC1 or PKCS#1).
    pub fn load(cert: &Path, key: &Path) -> Result<Tls, TlsError> {
        let config = server_config(cert, key)?;
        Ok(Tls { cert: cert.to_owned(), key: key.to_owned(), current: RwLock::new(Arc::new(config)) })
    }

    /// Reads the files again; on success new handshakes use them, on failure nothing
    /// changes.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = Arc::new(server_config(&self.cert, &self.key)?);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = config;
        Ok(())
    }

    /// An acceptor with the configuration current now.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.current.read().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

fn server_config(cert: &Path, key: &Path) -> Result<ServerConfig, TlsError> {
    let file =
        |what: &'static str, path: &Path, message: String| TlsError::File { what, path: path.to_owned(), message };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| file("--tls-cert", cert, e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file("--tls-cert", cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(file("--tls-cert", cert, "holds no PEM certificate".into()));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| file("--tls-key", key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(chain, private))
        .map_err(|e| TlsError::Pair { cert: cert.to_owned(), key: key.to_owned(), message: e.to_string() })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
