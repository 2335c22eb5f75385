//! Connection profiles: one flat YAML file with all a client needs to connect (the
//! gateway peer and its TLS, the identity, the channel and the chaincode), the format
//! `scripts/network.sh up` writes (`network/profiles/README.md`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::GatewayError;
use crate::identity::SigningIdentity;
use crate::options::{ConnectOptions, TlsOptions};

/// A connection profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionProfile {
    /// The profile's name (`<org>-<user>`).
    pub name: String,
    /// The channel.
    pub channel: String,
    /// The chaincode name.
    pub chaincode: String,
    /// The client identity.
    pub identity: ProfileIdentity,
    /// The gateway peer (the org's own).
    pub gateway: PeerEndpoint,
    /// Every peer of the channel.
    #[serde(default)]
    pub peers: Vec<PeerEndpoint>,
    /// The orderer.
    #[serde(default)]
    pub orderer: Option<PeerEndpoint>,
}

/// The identity section of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileIdentity {
    /// The MSP ID.
    pub msp_id: String,
    /// The user name.
    #[serde(default)]
    pub user: String,
    /// `ecdsa-p256` or `ed25519`.
    #[serde(default)]
    pub key_algorithm: String,
    /// The MSP folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msp_dir: Option<PathBuf>,
    /// The PEM certificate.
    pub cert: PathBuf,
    /// The PEM private key.
    pub key: PathBuf,
}

/// A node's address and TLS settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerEndpoint {
    /// The MSP ID (peers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msp_id: Option<String>,
    /// `host:port`.
    pub address: String,
    /// The TLS server name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    /// The TLS CA certificate (PEM file); absent for plaintext.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ca_cert: Option<PathBuf>,
}

impl ConnectionProfile {
    /// Parses a profile.
    pub fn from_yaml(text: &str) -> Result<Self, GatewayError> {
        yaml_serde::from_str(text).map_err(|e| GatewayError::Request(format!("connection profile: {e}")))
    }

    /// The profile as the YAML file `scripts/network.sh` writes (through
    /// `nanotrace-topology profiles`), with its header comment.
    pub fn to_yaml(&self) -> Result<String, GatewayError> {
        let body =
            yaml_serde::to_string(self).map_err(|e| GatewayError::Request(format!("connection profile: {e}")))?;
        Ok(format!("# NanoTrace connection profile (format: network/profiles/README.md).\n{body}"))
    }

    /// Reads a profile file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, GatewayError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| GatewayError::Request(format!("connection profile {}: {e}", path.display())))?;
        Self::from_yaml(&text)
    }

    /// Loads the profile's signing identity (certificate and key files).
    pub fn signing_identity(&self) -> Result<SigningIdentity, GatewayError> {
        Ok(SigningIdentity::from_files(&self.identity.msp_id, &self.identity.cert, &self.identity.key)?)
    }

    /// How to connect to the profile's gateway peer.
    pub fn connect_options(&self) -> Result<ConnectOptions, GatewayError> {
        let mut options = ConnectOptions::new(self.gateway.address.clone());
        if let Some(ca) = &self.gateway.tls_ca_cert {
            let pem = std::fs::read(ca)
                .map_err(|e| GatewayError::Request(format!("TLS CA certificate {}: {e}", ca.display())))?;
            let mut tls = TlsOptions::new(pem);
            if let Some(name) = &self.gateway.server_name {
                tls = tls.server_name(name.clone());
            }
            options = options.tls(tls);
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_format() -> Result<(), GatewayError> {
        let text = r#"
# NanoTrace connection profile, written by scripts/network.sh up (format: network/profiles/README.md).
name: manufacturer-dave
channel: nanotrace              # the channel
chaincode: nanotrace            # chaincode name
identity:
  msp_id: ManufacturerMSP
  user: dave@manufacturer.nanotrace.test
  key_algorithm: ecdsa-p256
  msp_dir: /x/msp
  cert: /x/msp/signcerts/dave@manufacturer.nanotrace.test-cert.pem
  key: /x/msp/keystore/priv_sk
gateway:
  address: 127.0.0.1:17060
  server_name: peer0.manufacturer.nanotrace.test
  tls_ca_cert: /x/tls/ca.crt
peers:
  - msp_id: ManufacturerMSP
    address: 127.0.0.1:17060
    server_name: peer0.manufacturer.nanotrace.test
    tls_ca_cert: /x/tls/ca.crt
orderer:
  address: 127.0.0.1:17050
  server_name: orderer0.orderer.nanotrace.test
  tls_ca_cert: /x/o/ca.crt
"#;
        let p = ConnectionProfile::from_yaml(text)?;
        assert_eq!(p.identity.msp_id, "ManufacturerMSP");
        assert_eq!(p.gateway.address, "127.0.0.1:17060");
        assert_eq!(p.gateway.server_name.as_deref(), Some("peer0.manufacturer.nanotrace.test"));
        assert_eq!(p.peers.len(), 1);
        assert!(ConnectionProfile::from_yaml("name: x").is_err());
        let written = p.to_yaml()?;
        assert!(written.starts_with("# NanoTrace connection profile"), "{written}");
        assert_eq!(ConnectionProfile::from_yaml(&written)?, p, "what is written reads back the same");
        Ok(())
    }
}
