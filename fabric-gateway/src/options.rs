//! Where and how to connect to a gateway peer: [`ConnectOptions`] (the address, the
//! connect timeout), [`TlsOptions`] (the CA, a server name override, mutual TLS) and the
//! per-call [`Deadlines`].

use std::time::Duration;

/// Deadlines per kind of call (Fabric's Go samples use the defaults below).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Evaluate (query): default 5 s.
    pub evaluate: Duration,
    /// Endorse: default 15 s.
    pub endorse: Duration,
    /// Submit to ordering: default 5 s.
    pub submit: Duration,
    /// Waiting for the commit status: default 60 s.
    pub commit_status: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            evaluate: Duration::from_secs(5),
            endorse: Duration::from_secs(15),
            submit: Duration::from_secs(5),
            commit_status: Duration::from_secs(60),
        }
    }
}

/// TLS settings: the CA that signed the gateway peer's certificate, an optional
/// server name (when dialling an IP address or another name), and an optional client
/// certificate and key for mutual TLS.
#[derive(Debug, Clone)]
pub struct TlsOptions {
    pub(crate) ca_pem: Vec<u8>,
    pub(crate) server_name: Option<String>,
    pub(crate) client_cert_key: Option<(Vec<u8>, Vec<u8>)>,
}

impl TlsOptions {
    /// Verify the server against the PEM CA certificate `ca_pem`.
    pub fn new(ca_pem: impl Into<Vec<u8>>) -> Self {
        TlsOptions { ca_pem: ca_pem.into(), server_name: None, client_cert_key: None }
    }

    /// Expect this name in the server's certificate (instead of the dialled host).
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// Present this PEM certificate and key (mutual TLS).
    pub fn client_identity(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        self.client_cert_key = Some((cert_pem.into(), key_pem.into()));
        self
    }
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub(crate) address: String,
    pub(crate) tls: Option<TlsOptions>,
    pub(crate) connect_timeout: Duration,
    pub(crate) deadlines: Deadlines,
}

impl ConnectOptions {
    /// Connect to `address` (`host:port`), without TLS unless [`ConnectOptions::tls`].
    pub fn new(address: impl Into<String>) -> Self {
        ConnectOptions {
            address: address.into(),
            tls: None,
            connect_timeout: Duration::from_secs(10),
            deadlines: Deadlines::default(),
        }
    }

    /// Use TLS.
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.tls = Some(tls);
        self
    }

    /// How long to wait for the connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Per-call deadlines.
    pub fn deadlines(mut self, deadlines: Deadlines) -> Self {
        self.deadlines = deadlines;
        self
    }
}
