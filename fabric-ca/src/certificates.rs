//! The certificates the CA has issued to an identity (Fabric CA's `certificates` API), as
//! a registrar may see them: what removing a member needs to name every certificate the
//! member holds.

use super::client::{Auth, CaClient};
use super::{CaError, Enrollment};
use reqwest::Method;
use serde::Deserialize;

#[derive(Deserialize)]
struct Listed {
    #[serde(default)]
    certs: Vec<Pem>,
}

#[derive(Deserialize)]
struct Pem {
    #[serde(rename = "PEM")]
    pem: String,
}

impl CaClient {
    /// Every certificate the CA issued to `enrollment_id`, revoked or not, expired or not
    /// (PEM), as `who` may see them (a registrar sees the identities its
    /// `hf.Registrar.Roles` and affiliation cover).
    pub async fn certificates(&self, who: &Enrollment, enrollment_id: &str) -> Result<Vec<String>, CaError> {
        if enrollment_id.is_empty() {
            return Err(CaError::Settings("an enrollment ID is needed to list its certificates".into()));
        }
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("id", enrollment_id);
        if !self.ca_name().is_empty() {
            query.append_pair("ca", self.ca_name());
        }
        let path = format!("/api/v1/certificates?{}", query.finish());
        let listed: Listed = self.call("list certificates", Method::GET, &path, Vec::new(), Auth::Token(who)).await?;
        Ok(listed.certs.into_iter().map(|c| c.pem).collect())
    }
}
