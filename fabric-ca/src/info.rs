//! What the CA says about itself.

use super::client::{Auth, CaClient};
use super::CaError;
use data_encoding::BASE64;
use reqwest::Method;
use serde::Deserialize;

/// The CA's name, certificate chain and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaInfo {
    /// The CA's name.
    pub ca_name: String,
    /// Its certificate chain, PEM.
    pub ca_chain_pem: String,
    /// Its Fabric CA version.
    pub version: String,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "CAName", default)]
    ca_name: String,
    #[serde(rename = "CAChain", default)]
    ca_chain: String,
    #[serde(rename = "Version", default)]
    version: String,
}

impl CaClient {
    /// The CA's name, chain and version (no authentication).
    pub async fn cainfo(&self) -> Result<CaInfo, CaError> {
        let body = self.body(serde_json::Map::new());
        let answer: Answer = self.call("cainfo", Method::POST, "/api/v1/cainfo", body, Auth::None).await?;
        let chain = BASE64
            .decode(answer.ca_chain.as_bytes())
            .map_err(|e| CaError::BadAnswer { what: "cainfo".into(), message: format!("CAChain: {e}") })?;
        Ok(CaInfo {
            ca_name: answer.ca_name,
            ca_chain_pem: String::from_utf8_lossy(&chain).into_owned(),
            version: answer.version,
        })
    }
}
