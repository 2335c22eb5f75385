//! What a transaction's signed proposal tells the contract: the creator (from the
//! signature header's `SerializedIdentity`), the timestamp (from the channel header) and
//! the transient data (the `TransientMap` of the proposal's `ChaincodeProposalPayload`),
//! read as Fabric's Go shim reads them.

use nanotrace_protos::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use nanotrace_protos::msp::SerializedIdentity;
use nanotrace_protos::prost::Message;
use nanotrace_protos::protos::{ChaincodeProposalPayload, Proposal, SignedProposal};
use nanotrace_shim::{Creator, TxTimestamp};
use std::collections::BTreeMap;
use thiserror::Error;

/// Why a transaction's proposal cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProposalError {
    /// A protobuf in the proposal does not decode.
    #[error("failed to decode the {what}: {reason}")]
    Decode {
        /// Which message.
        what: &'static str,
        /// The decoder's error.
        reason: String,
    },
    /// The proposal has no header.
    #[error("proposal header is empty")]
    NoHeader,
    /// The channel header's type is neither ENDORSER_TRANSACTION nor CONFIG.
    #[error("invalid channel header type {0}; expected ENDORSER_TRANSACTION or CONFIG")]
    HeaderType(i32),
}

/// The creator, timestamp and transient data of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalInfo {
    /// Who signed the proposal.
    pub creator: Creator,
    /// The channel header's timestamp.
    pub timestamp: TxTimestamp,
    /// The proposal's transient data (values for this endorsement only, never written to
    /// a block).
    pub transient: BTreeMap<String, Vec<u8>>,
}

fn decode<M: Message + Default>(what: &'static str, bytes: &[u8]) -> Result<M, ProposalError> {
    M::decode(bytes).map_err(|e| ProposalError::Decode { what, reason: e.to_string() })
}

/// Reads creator, timestamp and transient data from a signed proposal.
pub fn read(signed: &SignedProposal) -> Result<ProposalInfo, ProposalError> {
    let proposal: Proposal = decode("proposal", &signed.proposal_bytes)?;
    if proposal.header.is_empty() {
        return Err(ProposalError::NoHeader);
    }
    let header: Header = decode("proposal header", &proposal.header)?;
    let channel_header: ChannelHeader = decode("channel header", &header.channel_header)?;
    if channel_header.r#type != HeaderType::EndorserTransaction as i32
        && channel_header.r#type != HeaderType::Config as i32
    {
        return Err(ProposalError::HeaderType(channel_header.r#type));
    }
    let signature_header: SignatureHeader = decode("signature header", &header.signature_header)?;
    let identity: SerializedIdentity = decode("creator identity", &signature_header.creator)?;
    let payload: ChaincodeProposalPayload = decode("proposal payload", &proposal.payload)?;
    let timestamp = channel_header
        .timestamp
        .map(|t| TxTimestamp { seconds: t.seconds, nanos: t.nanos })
        .unwrap_or(TxTimestamp { seconds: 0, nanos: 0 });
    Ok(ProposalInfo {
        creator: Creator { msp_id: identity.mspid, id_bytes: identity.id_bytes },
        timestamp,
        transient: payload.transient_map,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(payload: Vec<u8>) -> SignedProposal {
        let channel_header = ChannelHeader { r#type: HeaderType::EndorserTransaction as i32, ..Default::default() };
        let creator = SerializedIdentity { mspid: "Org1MSP".into(), id_bytes: b"cert".to_vec() };
        let signature_header = SignatureHeader { creator: creator.encode_to_vec(), nonce: vec![1; 24] };
        let header = Header {
            channel_header: channel_header.encode_to_vec(),
            signature_header: signature_header.encode_to_vec(),
        };
        let proposal = Proposal { header: header.encode_to_vec(), payload, extension: Vec::new() };
        SignedProposal { proposal_bytes: proposal.encode_to_vec(), signature: Vec::new() }
    }

    #[test]
    fn transient_data_comes_from_the_proposal_payload() {
        let transient_map = BTreeMap::from([("price".to_owned(), b"42".to_vec()), ("note".to_owned(), Vec::new())]);
        let payload = ChaincodeProposalPayload { input: b"spec".to_vec(), transient_map: transient_map.clone() };
        let info = read(&signed(payload.encode_to_vec())).expect("readable");
        assert_eq!(info.transient, transient_map);
        assert_eq!(info.creator.msp_id, "Org1MSP");
        assert!(read(&signed(Vec::new())).expect("an empty payload has no transient data").transient.is_empty());
    }

    #[test]
    fn an_undecodable_payload_is_a_decode_error() {
        let err = read(&signed(vec![0x12, 0x05, 0x0a])).expect_err("truncated");
        assert!(matches!(err, ProposalError::Decode { what: "proposal payload", .. }), "{err:?}");
    }
}
