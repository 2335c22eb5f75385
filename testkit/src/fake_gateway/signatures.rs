//! Independent signature verification (ring, x509-parser, not the client's own crates): ECDSA with low-S, Ed25519, and the transaction ID rule.

use super::*;

/// Verifies `signature` over `message` by the certificate in a serialized identity.
pub fn verify(creator: &[u8], message: &[u8], signature: &[u8]) -> Result<(), String> {
    let id = SerializedIdentity::decode(creator).map_err(|e| format!("creator: {e}"))?;
    let (_, pem) = x509_parser::pem::parse_x509_pem(&id.id_bytes).map_err(|e| format!("creator PEM: {e}"))?;
    let cert = pem.parse_x509().map_err(|e| format!("creator cert: {e}"))?;
    let spki = cert.public_key();
    let key = spki.subject_public_key.data.to_vec();
    match spki.algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.10045.2.1" => {
            ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, &key)
                .verify(message, signature)
                .map_err(|_| "bad ECDSA signature".to_string())?;
            if !low_s(signature)? {
                return Err("ECDSA signature with high S".into());
            }
            Ok(())
        }
        "1.3.101.112" => ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &key)
            .verify(message, signature)
            .map_err(|_| "bad Ed25519 signature".to_string()),
        other => Err(format!("unsupported key algorithm {other}")),
    }
}

/// Whether a DER ECDSA signature's S is at most n/2 (P-256).
pub fn low_s(der: &[u8]) -> Result<bool, String> {
    const HALF_N: [u8; 32] = [
        0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xde, 0x73,
        0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
    ];
    let bad = || "malformed DER signature".to_string();
    if der.len() < 8 || der[0] != 0x30 || der[2] != 0x02 {
        return Err(bad());
    }
    let rlen = der[3] as usize;
    let s_at = 4 + rlen;
    if der.len() < s_at + 2 || der[s_at] != 0x02 {
        return Err(bad());
    }
    let slen = der[s_at + 1] as usize;
    let s = der.get(s_at + 2..s_at + 2 + slen).ok_or_else(bad)?;
    let s: Vec<u8> = s.iter().copied().skip_while(|b| *b == 0).collect();
    if s.len() > 32 {
        return Err(bad());
    }
    let mut padded = [0u8; 32];
    padded[32 - s.len()..].copy_from_slice(&s);
    Ok(padded <= HALF_N)
}

pub(crate) fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    hex::encode(ctx.finish().as_ref())
}

pub(crate) struct ParsedProposal {
    pub(crate) header: Header,
    pub(crate) function: String,
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) channel: String,
    pub(crate) tx_id: String,
    pub(crate) check: Result<(), String>,
}

pub(crate) fn parse_proposal(signed: &SignedProposal, claimed_tx: &str) -> Result<ParsedProposal, Status> {
    let bad = |m: String| Status::invalid_argument(m);
    let proposal = Proposal::decode(signed.proposal_bytes.as_slice()).map_err(|e| bad(e.to_string()))?;
    let header = Header::decode(proposal.header.as_slice()).map_err(|e| bad(e.to_string()))?;
    let ch = ChannelHeader::decode(header.channel_header.as_slice()).map_err(|e| bad(e.to_string()))?;
    let sh = SignatureHeader::decode(header.signature_header.as_slice()).map_err(|e| bad(e.to_string()))?;
    let payload = ChaincodeProposalPayload::decode(proposal.payload.as_slice()).map_err(|e| bad(e.to_string()))?;
    let spec = ChaincodeInvocationSpec::decode(payload.input.as_slice()).map_err(|e| bad(e.to_string()))?;
    let args = spec.chaincode_spec.and_then(|s| s.input).map(|i| i.args).unwrap_or_default();
    let function = args.first().map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default();
    let mut check = verify(&sh.creator, &signed.proposal_bytes, &signed.signature);
    let expected = sha256_hex(&[&sh.nonce, &sh.creator]);
    if check.is_ok() && (ch.tx_id != expected || claimed_tx != expected) {
        check = Err(format!("transaction ID {} is not SHA-256(nonce ‖ creator) {expected}", ch.tx_id));
    }
    if check.is_ok() && sh.nonce.len() != 24 {
        check = Err("nonce is not 24 bytes".into());
    }
    Ok(ParsedProposal {
        header,
        function,
        args: args[1.min(args.len())..].to_vec(),
        channel: ch.channel_id,
        tx_id: ch.tx_id,
        check,
    })
}
