//! Bytes to sign and signatures as the page script exchanges them: bytes leave as
//! base64; signatures arrive as WebCrypto makes them (base64 of r ‖ s) and are turned
//! into Fabric's form (DER, low S) here.

use axum::http::StatusCode;
use data_encoding::BASE64;
use nanotrace_fabric_ca::msp::der_from_webcrypto;

use super::failure::Failure;

/// `bytes` as the page receives them to sign.
pub(super) fn b64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// A signature from the page, in the DER form Fabric checks.
pub(super) fn signature(encoded: &str) -> Result<Vec<u8>, Failure> {
    let raw = BASE64
        .decode(encoded.as_bytes())
        .map_err(|_| Failure::new(StatusCode::BAD_REQUEST, "the signature", "not base64"))?;
    der_from_webcrypto(&raw).map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "the signature", e.to_string()))
}
