//! Registration: a registrar (an enrolled identity with `hf.Registrar.Roles`) registers
//! a new identity and gets its one-time enrollment secret.

use super::client::{Auth, CaClient};
use super::{CaError, Enrollment};
use reqwest::Method;
use serde::{Deserialize, Serialize};

/// An attribute of a registered identity (e.g. `hf.Registrar.Roles` = `client`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// The attribute's name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Whether enrollment certificates carry it by default.
    #[serde(default)]
    pub ecert: bool,
}

/// What to register.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Registration {
    /// The new identity's enrollment ID.
    #[serde(rename = "id")]
    pub enrollment_id: String,
    /// `client`, `admin`, `peer` or `orderer` (the NodeOU its certificates get).
    #[serde(rename = "type")]
    pub identity_type: String,
    /// The one-time secret; empty: the CA makes one up.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub secret: String,
    /// How often the secret may be used to enroll (0: the CA's default).
    #[serde(skip_serializing_if = "is_zero")]
    pub max_enrollments: i64,
    /// The affiliation (e.g. `org1.department1`; empty: the registrar's).
    pub affiliation: String,
    /// Attributes.
    #[serde(rename = "attrs", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

#[derive(Deserialize)]
struct Registered {
    secret: String,
}

impl CaClient {
    /// Registers `registration` as `registrar`; answers the one-time enrollment secret.
    pub async fn register(&self, registrar: &Enrollment, registration: &Registration) -> Result<String, CaError> {
        let what = format!("register {}", registration.enrollment_id);
        let fields = match serde_json::to_value(registration) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return Err(CaError::Crypto(format!("{what}: the request does not encode"))),
        };
        let body = self.body(fields);
        let answer: Registered =
            self.call(&what, Method::POST, "/api/v1/register", body, Auth::Token(registrar)).await?;
        Ok(answer.secret)
    }
}
