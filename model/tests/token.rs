//! The offline token against single-bit changes: every bit of every byte of its three
//! layouts, the version byte, `valid_until` and the status-list position included, is
//! refused, each with the error its field calls for.

use ed25519_dalek::{Signer, SigningKey};
use nanotrace_model::token::{
    OfflineToken, PositionBinding, TokenError, TOKEN_BYTES, TOKEN_WITH_BOUND_POSITION_BYTES, TOKEN_WITH_POSITION_BYTES,
};
use nanotrace_model::{issuer_key_id, signing_input, Actor, IssuerKey, CERTIFICATE_ID_LEN};

const ISSUED_AT: i64 = 1_780_000_000;
const VALID_UNTIL: i64 = ISSUED_AT + 365 * 86_400;
const POSITION: u32 = 654_321;

/// A token signed by a trust-list key (layout 1), and that trust list.
fn signed_token() -> (String, Vec<IssuerKey>) {
    token_of_layout(1)
}

/// A token of `layout` (1, 2 or 3) signed by a trust-list key, and that trust list.
fn token_of_layout(layout: u8) -> (String, Vec<IssuerKey>) {
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let key_id = issuer_key_id(key.verifying_key().as_bytes());
    let digest = [0x5au8; 32];
    let id = "NT-ABCDEFGH2345";
    let bound = (layout == 3).then_some(POSITION);
    let message = signing_input(id, &hex::encode(digest), &key_id, ISSUED_AT, VALID_UNTIL, bound);
    let position = match layout {
        2 => Some(PositionBinding {
            position: POSITION,
            signature: Some(key.sign(&nanotrace_model::status::position_signing_input(id, POSITION)).to_bytes()),
        }),
        3 => Some(PositionBinding { position: POSITION, signature: None }),
        _ => None,
    };
    let token = OfflineToken {
        certificate_id: id.to_owned(),
        digest,
        issuer_key_id: key_id.clone(),
        issued_at: ISSUED_AT,
        valid_until: VALID_UNTIL,
        signature: key.sign(&message).to_bytes(),
        position,
    };
    let trust = vec![IssuerKey {
        key_id,
        public_key: hex::encode(key.verifying_key().as_bytes()),
        holder: Actor { msp_id: "CertifierMSP".into(), id: "x509::CN=certifier::CN=ca".into() },
        valid_from: ISSUED_AT - 86_400,
        valid_until: ISSUED_AT + 86_400,
        registered_at: ISSUED_AT - 86_400,
        retired_at: None,
        retired_reason: None,
    }];
    (token.encode().expect("encode"), trust)
}

/// The field a byte of either layout belongs to.
fn field(i: usize) -> &'static str {
    let id_end = 1 + CERTIFICATE_ID_LEN;
    match i {
        0 => "version",
        i if i < id_end => "certificate id",
        i if i < id_end + 32 => "digest",
        i if i < id_end + 40 => "key id",
        i if i < id_end + 48 => "issued_at",
        i if i < id_end + 56 => "valid_until",
        i if i < TOKEN_BYTES => "signature",
        i if i < TOKEN_BYTES + 4 => "position",
        _ => "position signature",
    }
}

#[test]
fn the_unaltered_token_verifies() {
    let (text, trust) = signed_token();
    let ok = OfflineToken::decode(&text).and_then(|t| t.verify(&trust, ISSUED_AT)).expect("verifies");
    assert_eq!((ok.issued_at, ok.valid_until, ok.expired), (ISSUED_AT, VALID_UNTIL, false));
}

#[test]
fn the_unaltered_token_with_its_position_verifies() {
    let (text, trust) = token_of_layout(2);
    assert_eq!(text.len(), nanotrace_model::token::MAX_TOKEN_CHARS, "layout 2 is the longest token");
    let ok = OfflineToken::decode(&text).and_then(|t| t.verify(&trust, ISSUED_AT)).expect("verifies");
    assert_eq!(ok.status_position, Some(POSITION));
    let (text, trust) = token_of_layout(3);
    assert_eq!(text.len(), 183, "layout 3: 137 bytes");
    let ok = OfflineToken::decode(&text).and_then(|t| t.verify(&trust, ISSUED_AT)).expect("verifies");
    assert_eq!(ok.status_position, Some(POSITION));
    let (text, trust) = signed_token();
    let ok = OfflineToken::decode(&text).and_then(|t| t.verify(&trust, ISSUED_AT)).expect("verifies");
    assert_eq!(ok.status_position, None, "layout 1 has no position");
}

/// The position signed for another certificate (or another position) is refused: a
/// forger cannot point a revoked certificate's label at a clear bit.
#[test]
fn another_position_or_its_signature_is_refused() {
    let (text, trust) = token_of_layout(2);
    let token = OfflineToken::decode(&text).expect("decode");
    let mut moved = token.clone();
    if let Some(binding) = moved.position.as_mut() {
        binding.position += 1;
    }
    let mut other = token.clone();
    let key = SigningKey::from_bytes(&[42u8; 32]);
    if let Some(binding) = other.position.as_mut() {
        binding.signature =
            Some(key.sign(&nanotrace_model::status::position_signing_input("NT-ZZZZZZZZZZZZ", POSITION)).to_bytes());
    }
    for forged in [moved, other] {
        let text = forged.encode().expect("encode");
        assert!(matches!(
            OfflineToken::decode(&text).and_then(|t| t.verify(&trust, ISSUED_AT)),
            Err(TokenError::BadPositionSignature(_))
        ));
    }
    let (text, trust) = token_of_layout(3);
    let mut moved = OfflineToken::decode(&text).expect("decode");
    if let Some(binding) = moved.position.as_mut() {
        binding.position += 1;
    }
    let forged = moved.encode().expect("encode");
    assert!(matches!(
        OfflineToken::decode(&forged).and_then(|t| t.verify(&trust, ISSUED_AT)),
        Err(TokenError::BadSignature(_))
    ));
}

/// A layout-3 token cut down to layout 1 (its position dropped, its first byte set to
/// one) is refused: its signature covers the position, so the cut token is no token at
/// all, where a cut layout-2 token is its certificate's layout-1 token.
#[test]
fn a_token_whose_signature_binds_its_position_cannot_be_cut_to_layout_1() {
    let (text, trust) = token_of_layout(3);
    let mut raw = data_encoding::BASE64URL_NOPAD.decode(text.as_bytes()).expect("base64url");
    raw.truncate(TOKEN_BYTES);
    raw[0] = 1;
    let cut = data_encoding::BASE64URL_NOPAD.encode(&raw);
    assert!(matches!(
        OfflineToken::decode(&cut).and_then(|t| t.verify(&trust, ISSUED_AT)),
        Err(TokenError::BadSignature(_))
    ));
    let (text, trust) = token_of_layout(2);
    let mut raw = data_encoding::BASE64URL_NOPAD.decode(text.as_bytes()).expect("base64url");
    raw.truncate(TOKEN_BYTES);
    raw[0] = 1;
    let cut = data_encoding::BASE64URL_NOPAD.encode(&raw);
    let ok = OfflineToken::decode(&cut).and_then(|t| t.verify(&trust, ISSUED_AT)).expect("layout 2 cut verifies");
    assert_eq!(ok.status_position, None, "which is why layout 1 is never a pass offline");
}

#[test]
fn every_flipped_bit_is_refused_with_its_fields_error() {
    flipped_bits_are_refused(1);
}

#[test]
fn every_flipped_bit_of_a_token_with_its_position_is_refused() {
    flipped_bits_are_refused(2);
}

#[test]
fn every_flipped_bit_of_a_token_whose_signature_binds_its_position_is_refused() {
    flipped_bits_are_refused(3);
}

fn flipped_bits_are_refused(layout: u8) {
    let (text, trust) = token_of_layout(layout);
    let raw = data_encoding::BASE64URL_NOPAD.decode(text.as_bytes()).expect("base64url");
    let length = match layout {
        2 => TOKEN_WITH_POSITION_BYTES,
        3 => TOKEN_WITH_BOUND_POSITION_BYTES,
        _ => TOKEN_BYTES,
    };
    assert_eq!(raw.len(), length);
    assert_eq!(field(TOKEN_BYTES - 64), "signature", "layout 1 ends with the 64-byte signature");
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..length {
        for bit in 0..8 {
            let mut bad = raw.clone();
            bad[i] ^= 1 << bit;
            let bad_text = data_encoding::BASE64URL_NOPAD.encode(&bad);
            let result = OfflineToken::decode(&bad_text).and_then(|t| t.verify(&trust, ISSUED_AT));
            let field = field(i);
            seen.insert(field);
            let expected = match (field, &result) {
                // An unknown layout, or another layout's, whose length this is not.
                ("version", Err(TokenError::Version(v))) => *v == bad[0],
                ("version", Err(TokenError::LayoutLength { layout, actual, .. })) => {
                    *layout == bad[0] && *actual == length
                }
                // A byte outside base32, or still base32 but then not what was signed.
                ("certificate id", Err(TokenError::Id | TokenError::BadSignature(_))) => true,
                ("digest" | "valid_until" | "signature", Err(TokenError::BadSignature(_))) => true,
                ("key id", Err(TokenError::UnknownKey(k))) => k.starts_with("ik-") && k != &trust[0].key_id,
                // Outside the key's window, or inside it and then not what was signed.
                ("issued_at", Err(TokenError::KeyNotValid { .. } | TokenError::BadSignature(_))) => true,
                // Layout 3: the token's own signature covers the position.
                ("position", Err(TokenError::BadSignature(_))) => layout == 3,
                ("position" | "position signature", Err(TokenError::BadPositionSignature(_))) => layout == 2,
                _ => false,
            };
            assert!(expected, "byte {i} ({field}) bit {bit} flipped: {result:?}");
        }
    }
    let fields = match layout {
        2 => 9,
        3 => 8,
        _ => 7,
    };
    assert_eq!(seen.len(), fields, "every field was altered: {seen:?}");
}

/// Changing `valid_until` to a later date (the obvious forgery) is refused even when
/// the rest of the token is untouched.
#[test]
fn an_extended_valid_until_is_refused() {
    let (text, trust) = signed_token();
    let mut token = OfflineToken::decode(&text).expect("decode");
    token.valid_until += 365 * 86_400;
    let forged = token.encode().expect("encode");
    assert!(matches!(
        OfflineToken::decode(&forged).and_then(|t| t.verify(&trust, ISSUED_AT)),
        Err(TokenError::BadSignature(_))
    ));
}
