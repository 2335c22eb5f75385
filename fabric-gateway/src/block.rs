//! A block as an auditor reads it (`qscc GetBlockByNumber`'s answer): its header and
//! the hash that links it to the next one, and of each transaction its ID, time, creator
//! organisation, chaincode function, validation code (the block's `TRANSACTIONS_FILTER`
//! metadata), chaincode event and endorsements, each endorsement's signature checked
//! against the certificate it names (over the proposal response payload followed by the
//! endorser's identity, as Fabric's validator checks it), and what it read and wrote
//! (its read-write set: keys and value bytes per chaincode namespace).

use nanotrace_protos::common::{Block, BlockHeader, ChannelHeader, Envelope, Payload, SignatureHeader};
use nanotrace_protos::kvrwset::KvrwSet;
use nanotrace_protos::msp::SerializedIdentity;
use nanotrace_protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEvent, ChaincodeInvocationSpec, ChaincodeProposalPayload,
    ProposalResponsePayload, Transaction,
};
use nanotrace_protos::rwset::TxReadWriteSet;
use prost::Message;
use sha2::{Digest, Sha256};

use crate::error::GatewayError;
use crate::validation_code::ValidationCode;

/// `common.HeaderType.ENDORSER_TRANSACTION`.
const ENDORSER_TRANSACTION: i32 = 3;
/// `common.BlockMetadataIndex.TRANSACTIONS_FILTER`.
const TRANSACTIONS_FILTER: usize = 2;

/// A block's header and transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockView {
    /// The block number.
    pub number: u64,
    /// The hash of the previous block's header, as this block states it.
    pub previous_hash: Vec<u8>,
    /// Whether the header's data hash is the hash of the block's transactions.
    pub data_hash_ok: bool,
    /// The hash of this block's header (what the next block names as its previous).
    pub header_hash: Vec<u8>,
    /// The transactions, in block order.
    pub transactions: Vec<TxView>,
}

/// One transaction of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxView {
    /// Its index in the block.
    pub index: usize,
    /// The transaction ID (empty for a configuration transaction).
    pub tx_id: String,
    /// The creator's timestamp, Unix seconds.
    pub timestamp: i64,
    /// The creator's MSP ID.
    pub creator_msp: String,
    /// `ENDORSER_TRANSACTION`, `CONFIG`, …
    pub kind: String,
    /// The chaincode function invoked (its first argument), if an endorser transaction.
    pub function: String,
    /// The validation code the committing peer recorded.
    pub validation: ValidationCode,
    /// The chaincode event's name and payload, if any.
    pub event: Option<(String, Vec<u8>)>,
    /// The endorsements.
    pub endorsements: Vec<EndorsementView>,
    /// What it read and wrote, per chaincode namespace, in the order of its read-write set.
    pub rwsets: Vec<RwSetView>,
}

/// What a transaction read and wrote in one chaincode namespace: the counts Fabric's
/// validation and commit work scales with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RwSetView {
    /// The namespace (chaincode name; `_lifecycle` for chaincode definitions).
    pub namespace: String,
    /// Keys read.
    pub reads: usize,
    /// Keys written with a value.
    pub writes: usize,
    /// Keys deleted.
    pub deletes: usize,
    /// Keys whose metadata (e.g. a key-level endorsement policy) was set.
    pub metadata_writes: usize,
    /// The bytes of the written values.
    pub value_bytes: usize,
    /// The bytes of the written keys.
    pub key_bytes: usize,
}

/// The read-write sets of a `ChaincodeAction.results` (a serialized `TxReadWriteSet`).
pub fn rwset_views(results: &[u8]) -> Result<Vec<RwSetView>, GatewayError> {
    let set = TxReadWriteSet::decode(results).map_err(decode_err("read-write set"))?;
    let mut views = Vec::with_capacity(set.ns_rwset.len());
    for ns in set.ns_rwset {
        let kv = KvrwSet::decode(ns.rwset.as_slice()).map_err(decode_err("namespace read-write set"))?;
        let mut view = RwSetView {
            namespace: ns.namespace,
            reads: kv.reads.len(),
            metadata_writes: kv.metadata_writes.len(),
            ..RwSetView::default()
        };
        for w in &kv.writes {
            if w.is_delete {
                view.deletes += 1;
            } else {
                view.writes += 1;
                view.value_bytes += w.value.len();
            }
            view.key_bytes += w.key.len();
        }
        views.push(view);
    }
    Ok(views)
}

/// One endorsement of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndorsementView {
    /// The endorsing peer's MSP ID.
    pub msp_id: String,
    /// Whether its signature checks against the certificate it names.
    pub signature_ok: bool,
}

fn decode_err(what: &str) -> impl FnOnce(prost::DecodeError) -> GatewayError + '_ {
    move |e| GatewayError::Decode(format!("block: {what}: {e}"))
}

/// DER of `BlockHeader` as Fabric hashes it (`asn1.Marshal` of number, previous hash
/// and data hash), SHA-256'd.
pub fn header_hash(header: &BlockHeader) -> Vec<u8> {
    fn length(len: usize, out: &mut Vec<u8>) {
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
    }
    let mut number: Vec<u8> = header.number.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
    if number.is_empty() || number[0] & 0x80 != 0 {
        number.insert(0, 0);
    }
    let mut body = vec![0x02];
    length(number.len(), &mut body);
    body.extend(number);
    for octets in [&header.previous_hash, &header.data_hash] {
        body.push(0x04);
        length(octets.len(), &mut body);
        body.extend(octets.iter());
    }
    let mut der = vec![0x30];
    length(body.len(), &mut der);
    der.extend(body);
    Sha256::digest(&der).to_vec()
}

/// Checks an endorsement: `signature` by the key of `endorser`'s certificate over
/// `payload ‖ endorser` (ECDSA P-256, SHA-256, DER).
fn endorsement_ok(payload: &[u8], endorser: &[u8], signature: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier as _;
    use p256::pkcs8::DecodePublicKey as _;
    let Ok(identity) = SerializedIdentity::decode(endorser) else { return false };
    let Ok(pem) = x509_cert_pem_key(&identity.id_bytes) else { return false };
    let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(&pem) else { return false };
    let Ok(sig) = p256::ecdsa::DerSignature::try_from(signature) else { return false };
    let mut message = payload.to_vec();
    message.extend_from_slice(endorser);
    key.verify(&message, &sig).is_ok()
}

/// The SubjectPublicKeyInfo (DER) of a PEM certificate.
fn x509_cert_pem_key(pem: &[u8]) -> Result<Vec<u8>, ()> {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem).map_err(|_| ())?;
    let cert = block.parse_x509().map_err(|_| ())?;
    Ok(cert.public_key().raw.to_vec())
}

/// The block in `bytes` (a `common.Block`, as `qscc GetBlockByNumber` answers).
pub fn block_view(bytes: &[u8]) -> Result<BlockView, GatewayError> {
    let block = Block::decode(bytes).map_err(decode_err("not a Block"))?;
    let header = block.header.unwrap_or_default();
    let data = block.data.unwrap_or_default().data;
    let mut hasher = Sha256::new();
    for d in &data {
        hasher.update(d);
    }
    let data_hash_ok = hasher.finalize().as_slice() == header.data_hash.as_slice();
    let filter = block.metadata.and_then(|m| m.metadata.get(TRANSACTIONS_FILTER).cloned()).unwrap_or_default();
    let mut transactions = Vec::new();
    for (index, envelope) in data.iter().enumerate() {
        let envelope = Envelope::decode(envelope.as_slice()).map_err(decode_err("envelope"))?;
        let payload = Payload::decode(envelope.payload.as_slice()).map_err(decode_err("payload"))?;
        let h = payload.header.unwrap_or_default();
        let channel = ChannelHeader::decode(h.channel_header.as_slice()).map_err(decode_err("channel header"))?;
        let signature =
            SignatureHeader::decode(h.signature_header.as_slice()).map_err(decode_err("signature header"))?;
        let creator = SerializedIdentity::decode(signature.creator.as_slice()).map_err(decode_err("creator"))?;
        let kind = nanotrace_protos::common::HeaderType::try_from(channel.r#type)
            .map(|t| t.as_str_name().to_owned())
            .unwrap_or_else(|_| channel.r#type.to_string());
        let mut tx = TxView {
            index,
            tx_id: channel.tx_id,
            timestamp: channel.timestamp.map(|t| t.seconds).unwrap_or_default(),
            creator_msp: creator.mspid,
            kind,
            function: String::new(),
            validation: ValidationCode(filter.get(index).copied().map(i32::from).unwrap_or(-1)),
            event: None,
            endorsements: Vec::new(),
            rwsets: Vec::new(),
        };
        if channel.r#type == ENDORSER_TRANSACTION {
            let transaction = Transaction::decode(payload.data.as_slice()).map_err(decode_err("transaction"))?;
            if let Some(action) = transaction.actions.first() {
                let cap = ChaincodeActionPayload::decode(action.payload.as_slice()).map_err(decode_err("action"))?;
                let proposal = ChaincodeProposalPayload::decode(cap.chaincode_proposal_payload.as_slice())
                    .map_err(decode_err("proposal payload"))?;
                let spec = ChaincodeInvocationSpec::decode(proposal.input.as_slice()).map_err(decode_err("spec"))?;
                let args = spec.chaincode_spec.and_then(|s| s.input).map(|i| i.args).unwrap_or_default();
                tx.function = args.first().map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default();
                if let Some(endorsed) = cap.action {
                    for e in &endorsed.endorsements {
                        let msp_id =
                            SerializedIdentity::decode(e.endorser.as_slice()).map(|i| i.mspid).unwrap_or_default();
                        let signature_ok =
                            endorsement_ok(&endorsed.proposal_response_payload, &e.endorser, &e.signature);
                        tx.endorsements.push(EndorsementView { msp_id, signature_ok });
                    }
                    let response = ProposalResponsePayload::decode(endorsed.proposal_response_payload.as_slice())
                        .map_err(decode_err("proposal response"))?;
                    let action = ChaincodeAction::decode(response.extension.as_slice())
                        .map_err(decode_err("chaincode action"))?;
                    tx.rwsets = rwset_views(&action.results)?;
                    if !action.events.is_empty() {
                        let event = ChaincodeEvent::decode(action.events.as_slice()).map_err(decode_err("event"))?;
                        tx.event = Some((event.event_name, event.payload));
                    }
                }
            }
        }
        transactions.push(tx);
    }
    Ok(BlockView {
        number: header.number,
        previous_hash: header.previous_hash.clone(),
        data_hash_ok,
        header_hash: header_hash(&header),
        transactions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_protos::kvrwset::{KvMetadataEntry, KvMetadataWrite, KvRead, KvWrite};
    use nanotrace_protos::rwset::NsReadWriteSet;

    #[test]
    fn a_read_write_set_is_counted_per_namespace() {
        let kv = KvrwSet {
            reads: vec![KvRead { key: "a".into(), version: None }, KvRead { key: "b".into(), version: None }],
            writes: vec![
                KvWrite { key: "a".into(), is_delete: false, value: vec![0; 10] },
                KvWrite { key: "bb".into(), is_delete: false, value: vec![0; 5] },
                KvWrite { key: "ccc".into(), is_delete: true, value: Vec::new() },
            ],
            metadata_writes: vec![KvMetadataWrite {
                key: "a".into(),
                entries: vec![KvMetadataEntry { name: "VALIDATION_PARAMETER".into(), value: vec![1] }],
            }],
        };
        let set = TxReadWriteSet {
            data_model: 0,
            ns_rwset: vec![
                NsReadWriteSet {
                    namespace: "_lifecycle".into(),
                    rwset: KvrwSet::default().encode_to_vec(),
                    ..Default::default()
                },
                NsReadWriteSet { namespace: "nanotrace".into(), rwset: kv.encode_to_vec(), ..Default::default() },
            ],
        };
        let views = rwset_views(&set.encode_to_vec()).expect("decodes");
        assert_eq!(views.len(), 2);
        assert_eq!(views[0], RwSetView { namespace: "_lifecycle".into(), ..RwSetView::default() });
        assert_eq!(
            views[1],
            RwSetView {
                namespace: "nanotrace".into(),
                reads: 2,
                writes: 2,
                deletes: 1,
                metadata_writes: 1,
                value_bytes: 15,
                key_bytes: 6,
            }
        );
        assert!(rwset_views(&[0xff, 0xff]).is_err(), "not a read-write set");
    }
}
