//! What a member hands a governance admin of its consortium so that the admin can act for
//! it without holding any of its secrets: a **key request** (a certifier's new Ed25519
//! issuer key, for `RegisterIssuerKey`) and a **role request** (the member's identity and
//! its certificate's key, for `GrantRole`). Each carries public facts only, travels as one
//! line of text (a *request code*: base64url of its JSON) from the member's host to the
//! admin's, and is checked by the contract when the admin uses it. The console and the
//! CLI make and read the same codes.

use crate::records::{Actor, RoleHolder};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// Why a request code could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestCodeError {
    /// Not base64url text.
    #[error("not a {what} code (base64url text, as the member's `{made_by}` printed it)")]
    NotBase64 {
        /// Which request.
        what: &'static str,
        /// The command that makes it.
        made_by: &'static str,
    },
    /// Base64url, but not the request's JSON.
    #[error("not a {what}: {reason}")]
    NotRequest {
        /// Which request.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A key request whose key ID is not its key's.
    #[error("the key request's key ID {key_id} is not its public key's ({actual})")]
    WrongKeyId {
        /// The ID it names.
        key_id: String,
        /// Its key's ID.
        actual: String,
    },
}

/// A certifier's new issuer key, for an admin to register on the trust list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeyRequest {
    /// The key's trust-list ID (`ik-…`).
    pub key_id: String,
    /// Lowercase hex of the Ed25519 public key.
    pub public_key: String,
    /// The certifier, as the contract names it.
    pub holder: Actor,
    /// The certifier's certificate CN.
    pub holder_name: String,
    /// Unix seconds.
    pub requested_at: i64,
}

impl KeyRequest {
    /// The request for `public_key` (32 bytes) held by `holder`.
    pub fn new(public_key: &[u8; 32], holder: Actor, holder_name: String, requested_at: i64) -> Self {
        KeyRequest {
            key_id: crate::issuer_key_id(public_key),
            public_key: hex::encode(public_key),
            holder,
            holder_name,
            requested_at,
        }
    }

    /// Its request code.
    pub fn code(&self) -> String {
        encode(self)
    }

    /// The request a code carries, its key ID checked against its key.
    pub fn from_code(code: &str) -> Result<Self, RequestCodeError> {
        let request: KeyRequest = decode(code, "key request", "nanotrace key request")?;
        let public = crate::validate::hex_bytes("public_key", &request.public_key, 32)
            .map_err(|e| RequestCodeError::NotRequest { what: "key request", reason: e.to_string() })?;
        let actual = crate::issuer_key_id(&public);
        if actual != request.key_id {
            return Err(RequestCodeError::WrongKeyId { key_id: request.key_id, actual });
        }
        Ok(request)
    }
}

/// A member's identity and key, for an admin to grant it a role (or revoke one).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// Whom the role is for: as `WhoAmI` answers the member.
    pub holder: RoleHolder,
}

impl RoleRequest {
    /// Its request code.
    pub fn code(&self) -> String {
        encode(self)
    }

    /// The request a code carries.
    pub fn from_code(code: &str) -> Result<Self, RequestCodeError> {
        let request: RoleRequest = decode(code, "role request", "nanotrace whoami --code")?;
        crate::validate::text("holder.key", &request.holder.key, 128, false)
            .map_err(|e| RequestCodeError::NotRequest { what: "role request", reason: e.to_string() })?;
        Ok(request)
    }
}

/// base64url (no padding) of `value`'s JSON.
fn encode<T: Serialize>(value: &T) -> String {
    // A struct of strings and numbers always serialises.
    data_encoding::BASE64URL_NOPAD.encode(&serde_json::to_vec(value).unwrap_or_default())
}

/// The `T` a code carries.
fn decode<T: DeserializeOwned>(code: &str, what: &'static str, made_by: &'static str) -> Result<T, RequestCodeError> {
    let bytes = data_encoding::BASE64URL_NOPAD
        .decode(code.trim().as_bytes())
        .map_err(|_| RequestCodeError::NotBase64 { what, made_by })?;
    serde_json::from_slice(&bytes).map_err(|e| RequestCodeError::NotRequest { what, reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> KeyRequest {
        let actor = Actor { msp_id: "CertifierMSP".into(), id: "x509::CN=bob::CN=ca".into() };
        KeyRequest::new(&[9u8; 32], actor, "bob".into(), 1_780_000_000)
    }

    #[test]
    fn a_key_request_travels_as_its_code() {
        let request = request();
        assert_eq!(KeyRequest::from_code(&request.code()), Ok(request.clone()));
        assert_eq!(KeyRequest::from_code(&format!("  {}\n", request.code())), Ok(request), "pasted with blanks");
    }

    #[test]
    fn a_key_request_naming_another_keys_id_is_refused() {
        let mut request = request();
        request.key_id = crate::issuer_key_id(&[8u8; 32]);
        assert!(matches!(KeyRequest::from_code(&request.code()), Err(RequestCodeError::WrongKeyId { .. })));
    }

    #[test]
    fn codes_of_the_wrong_kind_or_no_code_are_refused() {
        let role = RoleRequest { holder: RoleHolder { identity: request().holder, key: "0123456789abcdef".into() } };
        assert_eq!(RoleRequest::from_code(&role.code()), Ok(role.clone()));
        assert!(matches!(KeyRequest::from_code(&role.code()), Err(RequestCodeError::NotRequest { .. })));
        assert!(matches!(RoleRequest::from_code(&request().code()), Err(RequestCodeError::NotRequest { .. })));
        assert!(matches!(RoleRequest::from_code("not a code!"), Err(RequestCodeError::NotBase64 { .. })));
        assert!(matches!(
            RoleRequest::from_code("peer0.yaml"),
            Err(RequestCodeError::NotBase64 { .. } | RequestCodeError::NotRequest { .. })
        ));
    }
}
