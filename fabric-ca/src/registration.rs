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

/// A registration built for a registrar whose key is elsewhere (the members' console
/// builds it; the admin's browser signs [`UnsignedRegistration::to_sign`]; then
/// [`CaClient::register_signed`] sends it). The CA checks the token as if the registrar
/// had made it here: its certificate, its signature over the exact body, and its
/// `hf.Registrar.Roles`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsignedRegistration {
    enrollment_id: String,
    cert_pem: Vec<u8>,
    body: Vec<u8>,
    to_sign: Vec<u8>,
}

impl UnsignedRegistration {
    /// The bytes the registrar signs (ECDSA P-256 over their SHA-256).
    pub fn to_sign(&self) -> &[u8] {
        &self.to_sign
    }

    /// The enrollment ID it registers.
    pub fn enrollment_id(&self) -> &str {
        &self.enrollment_id
    }
}

const REGISTER: &str = "/api/v1/register";

impl CaClient {
    fn register_body(&self, registration: &Registration) -> Result<Vec<u8>, CaError> {
        match serde_json::to_value(registration) {
            Ok(serde_json::Value::Object(map)) => Ok(self.body(map)),
            _ => Err(CaError::Crypto(format!("register {}: the request does not encode", registration.enrollment_id))),
        }
    }

    /// `registration` prepared for the registrar whose certificate is `registrar_cert_pem`
    /// to sign elsewhere.
    pub fn unsigned_register(
        &self,
        registrar_cert_pem: &[u8],
        registration: &Registration,
    ) -> Result<UnsignedRegistration, CaError> {
        let body = self.register_body(registration)?;
        let to_sign = self.payload_to_sign(registrar_cert_pem, REGISTER, &body)?;
        Ok(UnsignedRegistration {
            enrollment_id: registration.enrollment_id.clone(),
            cert_pem: registrar_cert_pem.to_vec(),
            body,
            to_sign,
        })
    }

    /// Sends `unsigned` with the registrar's DER signature (low S) over its bytes;
    /// answers the one-time enrollment secret.
    pub async fn register_signed(
        &self,
        unsigned: UnsignedRegistration,
        der_signature: &[u8],
    ) -> Result<String, CaError> {
        let what = format!("register {}", unsigned.enrollment_id);
        let token = super::token::assemble(&unsigned.cert_pem, der_signature);
        let answer: Registered = self.call(&what, Method::POST, REGISTER, unsigned.body, Auth::Signed(&token)).await?;
        Ok(answer.secret)
    }

    /// Registers `registration` as `registrar`; answers the one-time enrollment secret.
    pub async fn register(&self, registrar: &Enrollment, registration: &Registration) -> Result<String, CaError> {
        let what = format!("register {}", registration.enrollment_id);
        let body = self.register_body(registration)?;
        let answer: Registered = self.call(&what, Method::POST, REGISTER, body, Auth::Token(registrar)).await?;
        Ok(answer.secret)
    }
}
