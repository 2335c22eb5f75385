//! Transaction proposals: built as Fabric's Go client builds them, signed in process or
//! offline, then evaluated or endorsed.

use std::collections::BTreeMap;
use std::sync::Arc;

use nanotrace_protos::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use nanotrace_protos::gateway::{EndorseRequest, EvaluateRequest, PreparedTransaction, ProposedTransaction};
use nanotrace_protos::protos::{
    ChaincodeHeaderExtension, ChaincodeId, ChaincodeInput, ChaincodeInvocationSpec, ChaincodeProposalPayload,
    ChaincodeSpec, Proposal as ProposalProto, SignedProposal,
};
use prost::Message;
use rand::RngCore;

use crate::connection::Connection;
use crate::error::GatewayError;
use crate::options::Deadlines;
use crate::transaction::Transaction;

/// Builds an unsigned `gateway.ProposedTransaction` for `creator` (a marshalled
/// `msp.SerializedIdentity`), as Fabric's Go client does: a fresh 24-byte nonce (or the
/// one `parts` fixes, for a transaction whose ID was known before its arguments), the
/// transaction ID SHA-256(nonce ‖ creator), the current time, the function as the
/// first argument. Needs no connection: a service that holds no key builds proposals
/// with it for their owner to sign.
pub(crate) fn new_proposed_transaction(creator: &[u8], parts: &ProposalParts<'_>) -> ProposedTransaction {
    let nonce = match parts.nonce {
        Some(nonce) => nonce.to_vec(),
        None => new_nonce(),
    };
    let tx_id = crate::identity::transaction_id(&nonce, creator);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let extension = ChaincodeHeaderExtension {
        chaincode_id: Some(ChaincodeId { name: parts.chaincode.to_owned(), ..Default::default() }),
    };
    let channel_header = ChannelHeader {
        r#type: HeaderType::EndorserTransaction as i32,
        timestamp: Some(prost_types::Timestamp { seconds: now.as_secs() as i64, nanos: now.subsec_nanos() as i32 }),
        channel_id: parts.channel.to_owned(),
        tx_id: tx_id.clone(),
        epoch: 0,
        extension: extension.encode_to_vec(),
        ..Default::default()
    };
    let header = Header {
        channel_header: channel_header.encode_to_vec(),
        signature_header: SignatureHeader { creator: creator.to_vec(), nonce }.encode_to_vec(),
    };
    let mut args = Vec::with_capacity(parts.args.len() + 1);
    args.push(parts.function.as_bytes().to_vec());
    args.extend(parts.args.iter().cloned());
    let spec = ChaincodeInvocationSpec {
        chaincode_spec: Some(ChaincodeSpec {
            chaincode_id: Some(ChaincodeId { name: parts.chaincode.to_owned(), ..Default::default() }),
            input: Some(ChaincodeInput { args, ..Default::default() }),
            ..Default::default()
        }),
    };
    let payload = ChaincodeProposalPayload { input: spec.encode_to_vec(), transient_map: parts.transient.clone() };
    let proposal =
        ProposalProto { header: header.encode_to_vec(), payload: payload.encode_to_vec(), extension: Vec::new() };
    ProposedTransaction {
        transaction_id: tx_id,
        proposal: Some(SignedProposal { proposal_bytes: proposal.encode_to_vec(), signature: Vec::new() }),
        endorsing_organizations: parts.endorsing_organizations.to_vec(),
    }
}

/// A fresh 24-byte nonce, as Fabric's Go client draws one for each proposal.
pub fn new_nonce() -> Vec<u8> {
    let mut nonce = vec![0u8; 24];
    rand::thread_rng().fill_bytes(&mut nonce);
    nonce
}

/// An unsigned proposal of `function(args)` on `channel`/`chaincode` by `creator` (a
/// marshalled `msp.SerializedIdentity`), built without a gateway: returns the transaction
/// ID and the marshalled `protos.Proposal`, the bytes its owner signs. `transient` goes in
/// the proposal's transient map, never in its arguments (a peer keeps it out of the
/// block). The ledger that receives them decodes them with [`ProposalContents::decode`].
/// `nonce` fixes the transaction ID beforehand ([`crate::identity::transaction_id`]);
/// `None`: a fresh one.
pub fn unsigned_proposal(
    creator: &[u8],
    channel: &str,
    chaincode: &str,
    function: &str,
    args: &[Vec<u8>],
    transient: &BTreeMap<String, Vec<u8>>,
    nonce: Option<&[u8]>,
) -> (String, Vec<u8>) {
    let parts = ProposalParts { channel, chaincode, function, args, transient, endorsing_organizations: &[], nonce };
    let proposed = new_proposed_transaction(creator, &parts);
    let bytes = proposed.proposal.map(|p| p.proposal_bytes).unwrap_or_default();
    (proposed.transaction_id, bytes)
}

/// What a signed proposal asks for, read from its bytes as a peer reads them. Its `Debug`
/// names the transient keys only, never their values.
#[derive(Clone, PartialEq, Eq)]
pub struct ProposalContents {
    /// The transaction ID in the channel header.
    pub transaction_id: String,
    /// The channel.
    pub channel: String,
    /// The chaincode named in the invocation.
    pub chaincode: String,
    /// The creator's MSP ID.
    pub creator_msp: String,
    /// The creator's certificate (PEM), as it was put in the header.
    pub creator_cert: Vec<u8>,
    /// The header's timestamp, Unix seconds.
    pub timestamp: i64,
    /// The function (the invocation's first argument).
    pub function: String,
    /// The remaining arguments.
    pub args: Vec<Vec<u8>>,
    /// The transient map: values the contract reads while it is endorsed and that no
    /// block holds (private data travels this way).
    pub transient: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for ProposalContents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProposalContents")
            .field("transaction_id", &self.transaction_id)
            .field("channel", &self.channel)
            .field("chaincode", &self.chaincode)
            .field("creator_msp", &self.creator_msp)
            .field("timestamp", &self.timestamp)
            .field("function", &self.function)
            .field("args", &self.args.len())
            .field("transient_keys", &self.transient.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ProposalContents {
    /// Decodes a marshalled `protos.Proposal`; checks that its transaction ID is
    /// SHA-256(nonce ‖ creator), as a peer does, so a proposal cannot claim another's ID.
    pub fn decode(proposal_bytes: &[u8]) -> Result<Self, GatewayError> {
        let bad = |what: &str, e: prost::DecodeError| GatewayError::Request(format!("not a proposal: {what}: {e}"));
        let proposal = ProposalProto::decode(proposal_bytes).map_err(|e| bad("Proposal", e))?;
        let header = Header::decode(proposal.header.as_slice()).map_err(|e| bad("Header", e))?;
        let channel_header =
            ChannelHeader::decode(header.channel_header.as_slice()).map_err(|e| bad("ChannelHeader", e))?;
        let signature_header =
            SignatureHeader::decode(header.signature_header.as_slice()).map_err(|e| bad("SignatureHeader", e))?;
        let creator = nanotrace_protos::msp::SerializedIdentity::decode(signature_header.creator.as_slice())
            .map_err(|e| bad("SerializedIdentity", e))?;
        if channel_header.r#type != HeaderType::EndorserTransaction as i32 {
            return Err(GatewayError::Request(format!(
                "not a proposal: header type {} is not an endorser transaction",
                channel_header.r#type
            )));
        }
        let expected = crate::identity::transaction_id(&signature_header.nonce, &signature_header.creator);
        if channel_header.tx_id != expected {
            return Err(GatewayError::Request(format!(
                "not a proposal: transaction ID {} is not SHA-256(nonce ‖ creator)",
                channel_header.tx_id
            )));
        }
        let payload = ChaincodeProposalPayload::decode(proposal.payload.as_slice())
            .map_err(|e| bad("ChaincodeProposalPayload", e))?;
        let spec =
            ChaincodeInvocationSpec::decode(payload.input.as_slice()).map_err(|e| bad("ChaincodeInvocationSpec", e))?;
        let chaincode_spec = spec.chaincode_spec.unwrap_or_default();
        let mut args = chaincode_spec.input.unwrap_or_default().args;
        if args.is_empty() {
            return Err(GatewayError::Request("not a proposal: no function".into()));
        }
        let function = String::from_utf8(args.remove(0))
            .map_err(|_| GatewayError::Request("not a proposal: the function is not UTF-8".into()))?;
        Ok(ProposalContents {
            transaction_id: channel_header.tx_id,
            channel: channel_header.channel_id,
            chaincode: chaincode_spec.chaincode_id.map(|c| c.name).unwrap_or_default(),
            creator_msp: creator.mspid,
            creator_cert: creator.id_bytes,
            timestamp: channel_header.timestamp.map_or(0, |t| t.seconds),
            function,
            args,
            transient: payload.transient_map,
        })
    }
}

/// A transaction proposal, signed or waiting for an offline signature.
#[derive(Clone)]
pub struct Proposal {
    pub(crate) inner: Arc<Connection>,
    pub(crate) channel: String,
    pub(crate) proposed: ProposedTransaction,
    pub(crate) deadlines: Deadlines,
}

impl std::fmt::Debug for Proposal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proposal")
            .field("transaction_id", &self.proposed.transaction_id)
            .field("channel", &self.channel)
            .field("signed", &self.is_signed())
            .finish_non_exhaustive()
    }
}

/// What a proposal is made of.
pub(crate) struct ProposalParts<'a> {
    pub(crate) channel: &'a str,
    pub(crate) chaincode: &'a str,
    pub(crate) function: &'a str,
    pub(crate) args: &'a [Vec<u8>],
    pub(crate) transient: &'a BTreeMap<String, Vec<u8>>,
    pub(crate) endorsing_organizations: &'a [String],
    /// The nonce, when the transaction ID was fixed beforehand; `None`: a fresh one.
    pub(crate) nonce: Option<&'a [u8]>,
}

impl Proposal {
    pub(crate) fn build(inner: Arc<Connection>, parts: ProposalParts<'_>, deadlines: Deadlines) -> Self {
        let proposed = new_proposed_transaction(&inner.identity.creator(), &parts);
        Proposal { inner, channel: parts.channel.to_owned(), proposed, deadlines }
    }

    pub(crate) fn from_bytes(inner: Arc<Connection>, bytes: &[u8]) -> Result<Self, GatewayError> {
        let proposed = ProposedTransaction::decode(bytes)
            .map_err(|e| GatewayError::Request(format!("not a ProposedTransaction: {e}")))?;
        let signed = proposed.proposal.as_ref().ok_or_else(|| GatewayError::Request("no proposal".into()))?;
        let proposal = ProposalProto::decode(signed.proposal_bytes.as_slice())
            .map_err(|e| GatewayError::Request(format!("not a Proposal: {e}")))?;
        let header = Header::decode(proposal.header.as_slice())
            .map_err(|e| GatewayError::Request(format!("not a Header: {e}")))?;
        let channel_header = ChannelHeader::decode(header.channel_header.as_slice())
            .map_err(|e| GatewayError::Request(format!("not a ChannelHeader: {e}")))?;
        let deadlines = inner.deadlines;
        Ok(Proposal { inner, channel: channel_header.channel_id, proposed, deadlines })
    }

    /// The transaction ID.
    pub fn transaction_id(&self) -> &str {
        &self.proposed.transaction_id
    }

    /// The channel.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The serialized `gateway.ProposedTransaction` (proposal and its signature, if
    /// any), to carry elsewhere and rebuild with [`crate::Gateway::new_signed_proposal`].
    pub fn bytes(&self) -> Vec<u8> {
        self.proposed.encode_to_vec()
    }

    /// The bytes that are signed: the marshalled `protos.Proposal`.
    pub fn proposal_bytes(&self) -> &[u8] {
        self.proposed.proposal.as_ref().map(|p| p.proposal_bytes.as_slice()).unwrap_or(&[])
    }

    /// The digest to sign offline (SHA-256 of [`Proposal::proposal_bytes`] for ECDSA,
    /// the bytes themselves for Ed25519).
    pub fn digest(&self) -> Vec<u8> {
        self.inner.identity.digest(self.proposal_bytes())
    }

    /// The signature, empty until signed.
    pub fn signature(&self) -> &[u8] {
        self.proposed.proposal.as_ref().map(|p| p.signature.as_slice()).unwrap_or(&[])
    }

    /// Whether the proposal carries a signature.
    pub fn is_signed(&self) -> bool {
        !self.signature().is_empty()
    }

    /// Attaches an offline signature.
    pub fn with_signature(mut self, signature: Vec<u8>) -> Self {
        if let Some(p) = self.proposed.proposal.as_mut() {
            p.signature = signature;
        }
        self
    }

    /// Replaces the deadlines of this proposal and what follows from it.
    pub fn with_deadlines(mut self, deadlines: Deadlines) -> Self {
        self.deadlines = deadlines;
        self
    }

    /// Signs in process if not signed yet.
    pub fn sign(mut self) -> Result<Self, GatewayError> {
        if !self.is_signed() {
            let signature = self.inner.identity.sign_message(self.proposal_bytes())?;
            self = self.with_signature(signature);
        }
        Ok(self)
    }

    /// Evaluates the proposal on a peer (a query; nothing is committed); returns the
    /// chaincode's response payload.
    pub async fn evaluate(self) -> Result<Vec<u8>, GatewayError> {
        let this = self.sign()?;
        let tx_id = this.proposed.transaction_id.clone();
        let request = EvaluateRequest {
            transaction_id: tx_id.clone(),
            channel_id: this.channel.clone(),
            proposed_transaction: this.proposed.proposal.clone(),
            target_organizations: this.proposed.endorsing_organizations.clone(),
        };
        let deadline = this.deadlines.evaluate;
        let mut client = this.inner.client.clone();
        let response =
            crate::connection::with_deadline(deadline, client.evaluate(crate::connection::request(request, deadline)))
                .await
                .map_err(|failure| GatewayError::Evaluate { tx_id, failure })?;
        Ok(response.result.map(|r| r.payload).unwrap_or_default())
    }

    /// Endorses the proposal; returns the transaction to sign and submit.
    pub async fn endorse(self) -> Result<Transaction, GatewayError> {
        let this = self.sign()?;
        let tx_id = this.proposed.transaction_id.clone();
        let request = EndorseRequest {
            transaction_id: tx_id.clone(),
            channel_id: this.channel.clone(),
            proposed_transaction: this.proposed.proposal.clone(),
            endorsing_organizations: this.proposed.endorsing_organizations.clone(),
        };
        let deadline = this.deadlines.endorse;
        let mut client = this.inner.client.clone();
        let response =
            crate::connection::with_deadline(deadline, client.endorse(crate::connection::request(request, deadline)))
                .await
                .map_err(|failure| GatewayError::Endorse { tx_id: tx_id.clone(), failure })?;
        let envelope = response
            .prepared_transaction
            .ok_or_else(|| GatewayError::Decode(format!("transaction {tx_id}: endorse response has no transaction")))?;
        Transaction::new(
            this.inner,
            PreparedTransaction { transaction_id: tx_id, envelope: Some(envelope) },
            this.deadlines,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_data_travels_in_the_transient_map_not_in_the_arguments_and_debug_hides_it() {
        let creator = nanotrace_protos::msp::SerializedIdentity { mspid: "Org1MSP".into(), id_bytes: b"cert".to_vec() }
            .encode_to_vec();
        let transient = BTreeMap::from([("request".to_owned(), b"secret fee 1737.40".to_vec())]);
        let (tx_id, bytes) = unsigned_proposal(&creator, "ch", "cc", "IssueInvoice", &[], &transient, None);
        let contents = ProposalContents::decode(&bytes).expect("a proposal");
        assert_eq!(contents.transaction_id, tx_id);
        assert_eq!((contents.function.as_str(), contents.args.len()), ("IssueInvoice", 0));
        assert_eq!(contents.transient, transient);
        let shown = format!("{contents:?}");
        assert!(shown.contains("request") && !shown.contains("1737.40"), "{shown}");
    }
}
