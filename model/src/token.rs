//! The offline verification token printed in a certificate's QR code: certificate ID,
//! canonical digest, issuer key ID, validity and the certifier's Ed25519 signature,
//! packed into 133 bytes and written as 178 characters of unpadded base64url; with the
//! certificate's status-list position bound by that signature (layout 3), 137 bytes and
//! 183 characters.
//!
//! Layout 1: `01` ‖ 12 ID characters (after `NT-`) ‖ 32-byte digest ‖ 8-byte key ID
//! (after `ik-`) ‖ issued_at (i64 BE) ‖ valid_until (i64 BE) ‖ 64-byte signature. The
//! signature covers [`crate::signing_input`] of those fields, so a token can be checked
//! against a saved trust list with no network; but revocation cannot be seen offline: it
//! proves the certificate was issued, not that it is still in force.
//!
//! Layout 3: `03` ‖ the fields of layout 1 ‖ the status-list position (u32 BE), which the
//! signature covers too ([`crate::POSITIONED_SCHEMA`]). Made for a certificate issued
//! with its credential in one transaction ([`crate::Issuance::status_position`]): a
//! browser that saved the status lists reads the certificate's own bits in them, so it
//! sees a revocation or suspension made before it saved them.
//!
//! Layout 2 (read, and made for certificates whose credential was recorded apart, by
//! `AttachCredential`): `02` ‖ the fields of layout 1 ‖ the position (u32 BE) ‖ the same
//! key's 64-byte signature of [`crate::status::position_signing_input`] of the ID and the
//! position ([`crate::CredentialProof::position_signature`]).
//!
//! Layout 1 holds nothing the certificate's public record does not (its fields and the
//! issuance signature), and a layout-2 token with its last 68 bytes cut off and its first
//! byte set to 1 is the same certificate's layout-1 token, still verifying: so no offline
//! check may answer a layout-1 token better than "cannot show a revocation: check online"
//! (the verifier's offline page answers it UNVERIFIABLE), or cutting a revoked label down
//! would hide its revocation. A layout-3 token cannot be cut so: its signature covers a
//! message of another schema than layout 1's.

use crate::{signing_input, Certificate, IssuerKey, CERTIFICATE_ID_LEN, CERTIFICATE_ID_PREFIX};
use data_encoding::BASE64URL_NOPAD;
use ed25519_dalek::Signature;
use thiserror::Error;

const VERSION: u8 = 1;
const VERSION_WITH_POSITION: u8 = 2;
const VERSION_WITH_BOUND_POSITION: u8 = 3;
const KEY_ID_BYTES: usize = 8;
/// Encoded length in bytes (layout 1).
pub const TOKEN_BYTES: usize = 1 + CERTIFICATE_ID_LEN + 32 + KEY_ID_BYTES + 8 + 8 + 64;
/// Encoded length in bytes of layout 2: layout 1 with the position and its signature.
pub const TOKEN_WITH_POSITION_BYTES: usize = TOKEN_BYTES + 4 + 64;
/// Encoded length in bytes of layout 3: layout 1 with the position its signature covers.
pub const TOKEN_WITH_BOUND_POSITION_BYTES: usize = TOKEN_BYTES + 4;
/// Longest text accepted as a token: layout 2's 268 characters (no slack: whitespace is
/// not allowed).
pub const MAX_TOKEN_CHARS: usize = TOKEN_WITH_POSITION_BYTES.div_ceil(3) * 4;

/// Why a token cannot be made, read or trusted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    /// The text is longer than [`MAX_TOKEN_CHARS`].
    #[error("the token is longer than {MAX_TOKEN_CHARS} characters")]
    TooLong,
    /// The text is not unpadded base64url (the decoder's message).
    #[error("the token is not base64url: {0}")]
    Encoding(String),
    /// The text decodes to this many bytes, not its layout's ([`TOKEN_BYTES`],
    /// [`TOKEN_WITH_POSITION_BYTES`] or [`TOKEN_WITH_BOUND_POSITION_BYTES`]).
    #[error(
        "the token has {0} bytes, expected {TOKEN_BYTES} (layout 1), {TOKEN_WITH_POSITION_BYTES} (layout 2) or \
         {TOKEN_WITH_BOUND_POSITION_BYTES} (layout 3)"
    )]
    Length(usize),
    /// The first byte names a layout whose length the token does not have.
    #[error("the token says it is of layout {layout}, which has {expected} bytes, but it has {actual}")]
    LayoutLength {
        /// The layout the first byte names.
        layout: u8,
        /// That layout's length in bytes.
        expected: usize,
        /// The token's length in bytes.
        actual: usize,
    },
    /// The first byte is not a known layout version (1, 2 or 3).
    #[error("unsupported token version {0}")]
    Version(u8),
    /// The certificate ID is not `NT-` + 12 base32 characters.
    #[error("the token's certificate ID is malformed")]
    Id,
    /// The certificate has no issuance (`PENDING` or `REJECTED`).
    #[error("the certificate has not been issued, so it has no token")]
    NotIssued,
    /// The named field of the certificate or of the trust-list entry is malformed
    /// (`digest`, `signature`, `issuer key ID`, `trust list public key`).
    #[error("the certificate's {0} is malformed")]
    Field(&'static str),
    /// The token's issuer key ID is not on the trust list given.
    #[error("issuer key {0} is not on the trust list")]
    UnknownKey(String),
    /// The token's `issued_at` lies outside the key's validity window, or at or after
    /// its retirement.
    #[error("issuer key {key_id} was not valid at the issue time {issued_at}")]
    KeyNotValid {
        /// The trust-list ID of the key.
        key_id: String,
        /// The token's issue time, Unix seconds.
        issued_at: i64,
    },
    /// The signature does not match the token's fields under that key (the key ID).
    #[error("the signature does not verify under issuer key {0}: the token is forged or altered")]
    BadSignature(String),
    /// The status-list position's signature does not match the token's ID and position
    /// under its key (the key ID): the position was altered, or taken from another token.
    #[error(
        "the status-list position's signature does not verify under issuer key {0}: the token is forged or altered"
    )]
    BadPositionSignature(String),
}

/// A token's status-list position and what binds it to the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionBinding {
    /// The certificate's position in the status lists ([`crate::status`]).
    pub position: u32,
    /// Layout 2: the issuer key's Ed25519 signature of
    /// [`crate::status::position_signing_input`]. `None` (layout 3): the token's own
    /// signature covers the position.
    pub signature: Option<[u8; 64]>,
}

/// The decoded token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineToken {
    /// `NT-` + 12 base32 characters.
    pub certificate_id: String,
    /// SHA-256 of the certificate's canonical bytes.
    pub digest: [u8; 32],
    /// `ik-` + 16 hex characters.
    pub issuer_key_id: String,
    /// Start of validity, Unix seconds.
    pub issued_at: i64,
    /// End of validity, Unix seconds.
    pub valid_until: i64,
    /// The certifier's Ed25519 signature over [`crate::signing_input`] of the fields above
    /// (and of the position, in layout 3).
    pub signature: [u8; 64],
    /// Layouts 2 and 3: the status-list position, signed by the same key.
    pub position: Option<PositionBinding>,
}

/// What an offline check established.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OfflineVerification {
    /// The certificate ID.
    pub certificate_id: String,
    /// Lowercase hex SHA-256 of the canonical bytes the signature vouches for.
    pub digest: String,
    /// The trust-list key that signed.
    pub issuer_key_id: String,
    /// The certifier holding that key, from the trust list.
    pub issuer: crate::Actor,
    /// Start of validity, Unix seconds.
    pub issued_at: i64,
    /// End of validity, Unix seconds.
    pub valid_until: i64,
    /// `now > valid_until`.
    pub expired: bool,
    /// The certificate's status-list position, which the token's issuer key signed
    /// (layouts 2 and 3); `None` for layout 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_position: Option<u32>,
}

impl OfflineToken {
    /// The token of an issued certificate.
    pub fn for_certificate(cert: &Certificate) -> Result<Self, TokenError> {
        let issuance = cert.issuance.as_ref().ok_or(TokenError::NotIssued)?;
        let digest: [u8; 32] =
            hex::decode(&issuance.digest).ok().and_then(|d| d.try_into().ok()).ok_or(TokenError::Field("digest"))?;
        let signature: [u8; 64] = hex::decode(&issuance.signature)
            .ok()
            .and_then(|d| d.try_into().ok())
            .ok_or(TokenError::Field("signature"))?;
        let signed_position = cert.credential.as_ref().and_then(|proof| proof.position_signature.as_deref());
        let position = match (issuance.status_position, cert.status_index, signed_position) {
            (Some(position), _, _) => Some(PositionBinding { position, signature: None }),
            (None, Some(position), Some(signed)) => Some(PositionBinding {
                position,
                signature: Some(
                    hex::decode(signed)
                        .ok()
                        .and_then(|d| d.try_into().ok())
                        .ok_or(TokenError::Field("position signature"))?,
                ),
            }),
            _ => None,
        };
        let token = OfflineToken {
            certificate_id: cert.id.clone(),
            digest,
            issuer_key_id: issuance.issuer_key_id.clone(),
            issued_at: issuance.issued_at,
            valid_until: issuance.valid_until,
            signature,
            position,
        };
        // Check that the IDs fit the fixed layout.
        token.to_bytes()?;
        Ok(token)
    }

    fn to_bytes(&self) -> Result<Vec<u8>, TokenError> {
        let id = self.certificate_id.strip_prefix(CERTIFICATE_ID_PREFIX).ok_or(TokenError::Id)?;
        if id.len() != CERTIFICATE_ID_LEN || !id.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)) {
            return Err(TokenError::Id);
        }
        let key = self
            .issuer_key_id
            .strip_prefix("ik-")
            .and_then(|k| hex::decode(k).ok())
            .filter(|k| k.len() == KEY_ID_BYTES)
            .ok_or(TokenError::Field("issuer key ID"))?;
        let mut out = Vec::with_capacity(TOKEN_WITH_POSITION_BYTES);
        out.push(match &self.position {
            None => VERSION,
            Some(PositionBinding { signature: Some(_), .. }) => VERSION_WITH_POSITION,
            Some(PositionBinding { signature: None, .. }) => VERSION_WITH_BOUND_POSITION,
        });
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(&self.digest);
        out.extend_from_slice(&key);
        out.extend_from_slice(&self.issued_at.to_be_bytes());
        out.extend_from_slice(&self.valid_until.to_be_bytes());
        out.extend_from_slice(&self.signature);
        if let Some(binding) = &self.position {
            out.extend_from_slice(&binding.position.to_be_bytes());
            if let Some(signature) = &binding.signature {
                out.extend_from_slice(signature);
            }
        }
        Ok(out)
    }

    /// The base64url text.
    pub fn encode(&self) -> Result<String, TokenError> {
        Ok(BASE64URL_NOPAD.encode(&self.to_bytes()?))
    }

    /// Parses a token's text.
    pub fn decode(text: &str) -> Result<Self, TokenError> {
        if text.len() > MAX_TOKEN_CHARS {
            return Err(TokenError::TooLong);
        }
        let bytes = BASE64URL_NOPAD.decode(text.as_bytes()).map_err(|e| TokenError::Encoding(e.to_string()))?;
        if ![TOKEN_BYTES, TOKEN_WITH_POSITION_BYTES, TOKEN_WITH_BOUND_POSITION_BYTES].contains(&bytes.len()) {
            return Err(TokenError::Length(bytes.len()));
        }
        let expected = match bytes[0] {
            VERSION => TOKEN_BYTES,
            VERSION_WITH_POSITION => TOKEN_WITH_POSITION_BYTES,
            VERSION_WITH_BOUND_POSITION => TOKEN_WITH_BOUND_POSITION_BYTES,
            other => return Err(TokenError::Version(other)),
        };
        if bytes.len() != expected {
            return Err(TokenError::LayoutLength { layout: bytes[0], expected, actual: bytes.len() });
        }
        let mut at = 1;
        let mut take = |n: usize| {
            let part = &bytes[at..at + n];
            at += n;
            part
        };
        let id = std::str::from_utf8(take(CERTIFICATE_ID_LEN)).map_err(|_| TokenError::Id)?;
        if !id.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)) {
            return Err(TokenError::Id);
        }
        let certificate_id = format!("{CERTIFICATE_ID_PREFIX}{id}");
        let digest: [u8; 32] = take(32).try_into().map_err(|_| TokenError::Length(bytes.len()))?;
        let issuer_key_id = format!("ik-{}", hex::encode(take(KEY_ID_BYTES)));
        let issued_at = i64::from_be_bytes(take(8).try_into().map_err(|_| TokenError::Length(bytes.len()))?);
        let valid_until = i64::from_be_bytes(take(8).try_into().map_err(|_| TokenError::Length(bytes.len()))?);
        let signature: [u8; 64] = take(64).try_into().map_err(|_| TokenError::Length(bytes.len()))?;
        let position = if expected == TOKEN_BYTES {
            None
        } else {
            let position = u32::from_be_bytes(take(4).try_into().map_err(|_| TokenError::Length(bytes.len()))?);
            let signature = if expected == TOKEN_WITH_POSITION_BYTES {
                Some(take(64).try_into().map_err(|_| TokenError::Length(bytes.len()))?)
            } else {
                None
            };
            Some(PositionBinding { position, signature })
        };
        Ok(OfflineToken { certificate_id, digest, issuer_key_id, issued_at, valid_until, signature, position })
    }

    /// Checks the signature against `trust_list` and reports validity at `now`.
    pub fn verify(&self, trust_list: &[IssuerKey], now: i64) -> Result<OfflineVerification, TokenError> {
        let key = trust_list
            .iter()
            .find(|k| k.key_id == self.issuer_key_id)
            .ok_or_else(|| TokenError::UnknownKey(self.issuer_key_id.clone()))?;
        // A key retired later still vouches for what it signed while it was in force.
        if !key.vouches_at(self.issued_at) {
            return Err(TokenError::KeyNotValid { key_id: key.key_id.clone(), issued_at: self.issued_at });
        }
        let verifying = key.verifying_key().ok_or(TokenError::Field("trust list public key"))?;
        let digest = hex::encode(self.digest);
        let bound = self.position.as_ref().filter(|b| b.signature.is_none()).map(|b| b.position);
        let message =
            signing_input(&self.certificate_id, &digest, &self.issuer_key_id, self.issued_at, self.valid_until, bound);
        verifying
            .verify_strict(&message, &Signature::from_bytes(&self.signature))
            .map_err(|_| TokenError::BadSignature(self.issuer_key_id.clone()))?;
        if let Some(PositionBinding { position, signature: Some(signature) }) = &self.position {
            let message = crate::status::position_signing_input(&self.certificate_id, *position);
            verifying
                .verify_strict(&message, &Signature::from_bytes(signature))
                .map_err(|_| TokenError::BadPositionSignature(self.issuer_key_id.clone()))?;
        }
        Ok(OfflineVerification {
            certificate_id: self.certificate_id.clone(),
            digest,
            issuer_key_id: self.issuer_key_id.clone(),
            issuer: key.holder.clone(),
            issued_at: self.issued_at,
            valid_until: self.valid_until,
            expired: now > self.valid_until,
            status_position: self.position.as_ref().map(|b| b.position),
        })
    }
}
