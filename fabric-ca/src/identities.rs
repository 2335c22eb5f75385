//! The identities registered with the CA, as a registrar may see them.

use super::client::{Auth, CaClient};
use super::{CaError, Enrollment};
use reqwest::Method;
use serde::Deserialize;

/// An attribute of a registered identity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IdentityAttribute {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A registered identity (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IdentityInfo {
    /// The enrollment ID.
    #[serde(rename = "id")]
    pub enrollment_id: String,
    /// Its type (`client`, `admin`, `peer`, `orderer`).
    #[serde(rename = "type")]
    pub identity_type: String,
    /// Its affiliation.
    #[serde(default)]
    pub affiliation: String,
    /// Its attributes.
    #[serde(rename = "attrs", default)]
    pub attributes: Vec<IdentityAttribute>,
    /// How often it may enroll (-1: no limit).
    #[serde(default)]
    pub max_enrollments: i64,
}

#[derive(Deserialize)]
struct Listed {
    #[serde(default)]
    identities: Vec<IdentityInfo>,
}

impl CaClient {
    /// Every identity `who` may see.
    pub async fn identities(&self, who: &Enrollment) -> Result<Vec<IdentityInfo>, CaError> {
        let path = if self.ca_name().is_empty() {
            "/api/v1/identities".to_owned()
        } else {
            format!("/api/v1/identities?ca={}", self.ca_name())
        };
        let listed: Listed = self.call("list identities", Method::GET, &path, Vec::new(), Auth::Token(who)).await?;
        Ok(listed.identities)
    }
}
