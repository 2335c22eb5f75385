//! The offline token of an issued certificate verifies against the trust list alone, and
//! any change to it is caught.

use nanotrace_model::token::{OfflineToken, TokenError, TOKEN_BYTES};
use nanotrace_model::{EmptyRequest, IssuerKey, RetireIssuerKeyRequest};
use nanotrace_testkit::*;

#[test]
fn token_round_trips_and_verifies_offline() {
    let mut w = World::governed();
    let id = w.issue("LOT-TOKEN");
    let cert = w.cert(&id);
    let token = OfflineToken::for_certificate(&cert).expect("token");
    let text = token.encode().expect("encode");
    assert_eq!(text.len(), (TOKEN_BYTES * 4).div_ceil(3), "unpadded base64url of {TOKEN_BYTES} bytes");
    assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    let decoded = OfflineToken::decode(&text).expect("decode");
    assert_eq!(decoded, token);

    let trust: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("keys");
    let ok = decoded.verify(&trust, w.now).expect("verifies");
    assert_eq!(ok.certificate_id, id);
    assert_eq!(ok.issuer, actor(Who::Certifier));
    assert!(!ok.expired);
    assert!(decoded.verify(&trust, ok.valid_until + 1).expect("verifies").expired);

    // Any flipped bit in the signed fields or the signature breaks it.
    let raw = data_encoding::BASE64URL_NOPAD.decode(text.as_bytes()).expect("b64");
    for i in [1, 5, 20, 50, 60, 70, 100, TOKEN_BYTES - 1] {
        let mut bad = raw.clone();
        bad[i] ^= 0x01;
        let bad_text = data_encoding::BASE64URL_NOPAD.encode(&bad);
        match OfflineToken::decode(&bad_text).and_then(|t| t.verify(&trust, w.now)) {
            Err(TokenError::BadSignature(_) | TokenError::UnknownKey(_) | TokenError::Id) => {}
            other => panic!("flipping byte {i} was not caught: {other:?}"),
        }
    }
    // A trust list without the key cannot vouch for it.
    assert!(matches!(decoded.verify(&[], w.now), Err(TokenError::UnknownKey(_))));
    assert!(matches!(OfflineToken::decode("not a token!"), Err(TokenError::Encoding(_))));
    assert!(matches!(OfflineToken::decode(&"A".repeat(300)), Err(TokenError::TooLong)));
    assert!(matches!(OfflineToken::decode("AAAA"), Err(TokenError::Length(3))));

    // Retiring the key later does not void what it signed before.
    w.now += DAY;
    w.ok::<IssuerKey>(
        Who::Admin,
        "RetireIssuerKey",
        &RetireIssuerKeyRequest { key_id: issuer_key_id_of(Who::Certifier), reason: "rotation".into() },
    );
    let trust: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("keys");
    assert!(decoded.verify(&trust, w.now).is_ok());
}

#[test]
fn pending_certificates_have_no_token() {
    let mut w = World::governed();
    let id = w.apply("LOT-PENDING");
    assert!(matches!(OfflineToken::for_certificate(&w.cert(&id)), Err(TokenError::NotIssued)));
}
