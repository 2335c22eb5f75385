//! The offline token parser ([`OfflineToken::decode`]) and verifier ([`OfflineToken::verify`]).
//!
//! Input: the token's text (any bytes; non-UTF-8 is what a caller holding bytes would
//! refuse before parsing, so it is taken lossily). Properties: decoding never panics and
//! a decoded token re-encodes to exactly the text it came from (one text per token: no
//! malleable encodings); verifying it against a trust list holding its key at any time
//! never panics, and a token that verifies carries its own fields.

use nanotrace_model::token::{OfflineToken, MAX_TOKEN_CHARS};
use nanotrace_model::{Actor, IssuerKey, DAY};
use std::sync::OnceLock;

/// 2026-01-01T00:00:00Z, the test world's epoch.
const T0: i64 = 1_767_225_600;

/// The trust list: the test certifier's key (testkit's `issuer_signing_key(Certifier)`,
/// the seed `[7; 32]`), registered for ten years from 2026-01-01.
fn trust_list() -> &'static [IssuerKey] {
    static LIST: OnceLock<Vec<IssuerKey>> = OnceLock::new();
    LIST.get_or_init(|| {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]).verifying_key();
        vec![IssuerKey {
            key_id: nanotrace_model::issuer_key_id(key.as_bytes()),
            public_key: hex::encode(key.as_bytes()),
            holder: Actor { msp_id: "CertifierMSP".into(), id: "x509::CN=alice".into() },
            valid_from: T0 - DAY,
            valid_until: T0 + 3650 * DAY,
            retired_at: None,
            retired_reason: None,
            registered_at: T0,
        }]
    })
}

/// Checks a seed before the driver mutates it: it must decode and verify against the
/// trust list as it is (without the key the target adds for mutants) at its issue time,
/// so the mutations start from tokens that reach the signature check and pass it.
pub fn check_seed(data: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(data).map_err(|e| format!("not UTF-8: {e}"))?;
    let token = OfflineToken::decode(text.trim_end()).map_err(|e| format!("does not decode: {e}"))?;
    let ok = token.verify(trust_list(), token.issued_at).map_err(|e| format!("does not verify: {e}"))?;
    if ok.certificate_id != token.certificate_id {
        return Err(format!("verified as {} instead of {}", ok.certificate_id, token.certificate_id));
    }
    Ok(())
}

/// The target.
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(token) = OfflineToken::decode(&text) else {
        return;
    };
    assert!(text.len() <= MAX_TOKEN_CHARS);
    let again = token.encode().unwrap_or_else(|e| panic!("a decoded token does not encode: {e}"));
    assert_eq!(again, text, "a decoded token re-encodes to different text");
    let mut trust = trust_list().to_vec();
    // Put the token's key ID on the list, so the validity and signature checks run.
    trust.push(IssuerKey { key_id: token.issuer_key_id.clone(), ..trust[0].clone() });
    for now in [i64::MIN, 0, token.issued_at, token.valid_until, i64::MAX] {
        if let Ok(ok) = token.verify(&trust, now) {
            assert_eq!(ok.certificate_id, token.certificate_id);
            assert_eq!(ok.issued_at, token.issued_at);
            assert_eq!(ok.valid_until, token.valid_until);
            assert_eq!(ok.expired, now > token.valid_until);
        }
    }
}
