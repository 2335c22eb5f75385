//! Field-by-field descriptions of what a client sent, for comparing our client with Fabric's Go client.

use super::*;

pub(crate) fn sha256_short(bytes: &[u8]) -> String {
    sha256_hex(&[bytes])[..16].to_owned()
}

/// The creator: its MSP ID and the SHA-256 (prefix) of its certificate bytes.
pub(crate) fn describe_identity(serialized: &[u8]) -> String {
    match SerializedIdentity::decode(serialized) {
        Ok(id) => format!("{}:{}", id.mspid, sha256_short(&id.id_bytes)),
        Err(e) => format!("undecodable({e})"),
    }
}

/// Whether `ts` is within five minutes of now.
pub(crate) fn recent(ts: Option<&prost_types::Timestamp>) -> &'static str {
    let now = nanotrace_model::clock::unix_now();
    match ts {
        Some(t) if (now - t.seconds).abs() < 300 && (0..1_000_000_000).contains(&t.nanos) => "recent",
        Some(_) => "WRONG",
        None => "absent",
    }
}

/// A signed proposal's every field, as described on [`Record::fields`].
pub fn describe_proposal(signed: &SignedProposal) -> String {
    let Ok(proposal) = Proposal::decode(signed.proposal_bytes.as_slice()) else { return "undecodable proposal".into() };
    let header = Header::decode(proposal.header.as_slice()).unwrap_or_default();
    let ch = ChannelHeader::decode(header.channel_header.as_slice()).unwrap_or_default();
    let sh = SignatureHeader::decode(header.signature_header.as_slice()).unwrap_or_default();
    let ext = nanotrace_protos::protos::ChaincodeHeaderExtension::decode(ch.extension.as_slice()).unwrap_or_default();
    let payload = ChaincodeProposalPayload::decode(proposal.payload.as_slice()).unwrap_or_default();
    let spec = ChaincodeInvocationSpec::decode(payload.input.as_slice()).unwrap_or_default().chaincode_spec;
    let spec = spec.unwrap_or_default();
    let id = spec.chaincode_id.unwrap_or_default();
    let input = spec.input.unwrap_or_default();
    let args: Vec<String> = input.args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    let mut decorations: Vec<&String> = input.decorations.keys().collect();
    decorations.sort();
    let mut transient: Vec<&String> = payload.transient_map.keys().collect();
    transient.sort();
    let tx_rule = ch.tx_id == sha256_hex(&[&sh.nonce, &sh.creator]);
    let ext_id = ext.chaincode_id.unwrap_or_default();
    [
        format!("channel_header.type={}", ch.r#type),
        format!("channel_header.version={}", ch.version),
        format!("channel_header.timestamp={}", recent(ch.timestamp.as_ref())),
        format!("channel_header.channel_id={}", ch.channel_id),
        format!("channel_header.tx_id=sha256(nonce|creator):{tx_rule}"),
        format!("channel_header.epoch={}", ch.epoch),
        format!("channel_header.extension.chaincode_id={}/{}/{}", ext_id.path, ext_id.name, ext_id.version),
        format!("channel_header.tls_cert_hash.len={}", ch.tls_cert_hash.len()),
        format!("signature_header.creator={}", describe_identity(&sh.creator)),
        format!("signature_header.nonce.len={}", sh.nonce.len()),
        format!("proposal.extension.len={}", proposal.extension.len()),
        format!("spec.type={}", spec.r#type),
        format!("spec.chaincode_id={}/{}/{}", id.path, id.name, id.version),
        format!("spec.input.args={args:?}"),
        format!("spec.input.decorations={decorations:?}"),
        format!("spec.input.is_init={}", input.is_init),
        format!("spec.timeout={}", spec.timeout),
        format!("payload.transient_map={transient:?}"),
        format!("signature.len>0={}", !signed.signature.is_empty()),
    ]
    .join(" ")
}
