//! What a transaction's signed proposal tells the contract: the creator (from the
//! signature header's `SerializedIdentity`) and the timestamp (from the channel header),
//! read as Fabric's Go shim reads them.

use nanotrace_protos::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use nanotrace_protos::msp::SerializedIdentity;
use nanotrace_protos::prost::Message;
use nanotrace_protos::protos::{Proposal, SignedProposal};
use nanotrace_shim::{Creator, TxTimestamp};
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

/// The creator and timestamp of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalInfo {
    /// Who signed the proposal.
    pub creator: Creator,
    /// The channel header's timestamp.
    pub timestamp: TxTimestamp,
}

fn decode<M: Message + Default>(what: &'static str, bytes: &[u8]) -> Result<M, ProposalError> {
    M::decode(bytes).map_err(|e| ProposalError::Decode { what, reason: e.to_string() })
}

/// Reads creator and timestamp from a signed proposal.
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
    let timestamp = channel_header
        .timestamp
        .map(|t| TxTimestamp { seconds: t.seconds, nanos: t.nanos })
        .unwrap_or(TxTimestamp { seconds: 0, nanos: 0 });
    Ok(ProposalInfo { creator: Creator { msp_id: identity.mspid, id_bytes: identity.id_bytes }, timestamp })
}
