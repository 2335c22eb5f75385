//! Configuration: command line flags, each with the environment variable the official
//! Fabric shims and samples use, so that CCaaS deployments configure this binary as they
//! configure any other chaincode server.

use crate::server::TlsSettings;
use clap::builder::BoolishValueParser;
use clap::{ArgAction, Parser};
pub use nanotrace_startup::LogFormat;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The chaincode server's settings.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "nanotrace-chaincode",
    version,
    about = "Serves the NanoTrace certificate contract to Hyperledger Fabric peers (chaincode as a service)"
)]
pub struct Config {
    /// The chaincode package ID the peer knows this chaincode by (`name:hash`).
    #[arg(long, env = "CHAINCODE_ID")]
    pub chaincode_id: String,

    /// The address to listen on, e.g. `0.0.0.0:9999`.
    #[arg(long, env = "CHAINCODE_SERVER_ADDRESS")]
    pub chaincode_server_address: String,

    /// Serve without TLS (`true`/`false`).
    #[arg(long, env = "CHAINCODE_TLS_DISABLED", value_parser = BoolishValueParser::new(), action = ArgAction::Set,
          default_value = "false", num_args = 0..=1, default_missing_value = "true")]
    pub tls_disabled: bool,

    /// The server's private key (PEM file).
    #[arg(long, env = "CHAINCODE_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// The server's certificate (PEM file).
    #[arg(long, env = "CHAINCODE_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// CA certificate(s) of peer clients (PEM file); when set, mutual TLS is required.
    #[arg(long, env = "CHAINCODE_CLIENT_CA_CERT")]
    pub client_ca_cert: Option<PathBuf>,

    /// Log format.
    #[arg(long, env = "CHAINCODE_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Seconds to wait for open streams after SIGTERM/SIGINT before exiting.
    #[arg(long, env = "CHAINCODE_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,
}

/// A configuration that cannot be served.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// TLS is enabled but the key or certificate is not given.
    #[error("TLS is enabled (CHAINCODE_TLS_DISABLED is not true) but {0} is not set")]
    Missing(&'static str),
    /// A PEM file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A client CA was given with TLS disabled.
    #[error("CHAINCODE_CLIENT_CA_CERT needs TLS, but CHAINCODE_TLS_DISABLED is true")]
    ClientCaWithoutTls,
}

fn read(path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })
}

impl Config {
    /// The TLS material to serve with, or `None` when TLS is disabled.
    pub fn tls(&self) -> Result<Option<TlsSettings>, ConfigError> {
        if self.tls_disabled {
            if self.client_ca_cert.is_some() {
                return Err(ConfigError::ClientCaWithoutTls);
            }
            return Ok(None);
        }
        let key = self.tls_key.as_deref().ok_or(ConfigError::Missing("CHAINCODE_TLS_KEY"))?;
        let cert = self.tls_cert.as_deref().ok_or(ConfigError::Missing("CHAINCODE_TLS_CERT"))?;
        Ok(Some(TlsSettings {
            cert_pem: read(cert)?,
            key_pem: read(key)?,
            client_ca_pem: self.client_ca_cert.as_deref().map(read).transpose()?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_and_tls_is_on_by_default() {
        let c = Config::try_parse_from(["x", "--chaincode-id", "nt:1", "--chaincode-server-address", "0.0.0.0:9999"])
            .expect("parses");
        assert!(!c.tls_disabled);
        assert!(matches!(c.tls(), Err(ConfigError::Missing("CHAINCODE_TLS_KEY"))));
        let c =
            Config::try_parse_from(["x", "--chaincode-id", "a", "--chaincode-server-address", "b", "--tls-disabled"])
                .expect("parses");
        assert!(c.tls_disabled);
        assert!(c.tls().expect("no tls").is_none());
        let c = Config::try_parse_from([
            "x",
            "--chaincode-id",
            "a",
            "--chaincode-server-address",
            "b",
            "--tls-disabled",
            "false",
        ])
        .expect("parses");
        assert!(!c.tls_disabled);
    }
}
