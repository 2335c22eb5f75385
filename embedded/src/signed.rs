//! Transactions signed by their creator somewhere else — in a member's browser, through
//! the members' console — checked here as a Fabric peer checks them before the contract
//! runs, in the same two signatures a Fabric client makes:
//!
//! 1. **Endorse** ([`endorse`]): the marshalled Fabric `Proposal` (built by
//!    `nanotrace_fabric_gateway::unsigned_proposal`) and its signature. The
//!    creator's certificate must be issued by its organisation's CA in this data
//!    directory ([`DevMsp::org_msp`]), in date, and the signature (ECDSA P-256 over
//!    SHA-256, DER, low S) must be its key's over exactly those bytes; the proposal's
//!    transaction ID must be SHA-256(nonce ‖ creator) and its time within
//!    [`MAX_CLOCK_SKEW`] of this machine's. The contract then runs on a snapshot,
//!    nothing written, with the proposal's transient map as its transient data (a
//!    private request), and the creator is given the transaction to sign.
//! 2. **Commit** ([`commit`]): the transaction's signature by the same key over
//!    [`Endorsement::payload`] — a Fabric `common.Payload` holding the proposal's header
//!    and the contract's response at endorsement. The contract runs again under the
//!    ledger's writer lock, as the proposal's creator, with the proposal's transaction
//!    ID, timestamp and transient data (kept out of the log, as a Fabric block keeps
//!    it out); if its response differs from the endorsed one (the state moved
//!    in between) nothing is written and the commit fails as Fabric's MVCC check fails
//!    it. A transaction ID is committed at most once ([`Ledger::submit_with_tx_id`]): a
//!    replay is refused.

use nanotrace_chaincode::{CertificateContract, ContractError};
use nanotrace_client::ApiError;
use nanotrace_fabric_ca::msp::Member;
use nanotrace_fabric_gateway::ProposalContents;
use nanotrace_model::{Function, FunctionKind};
use nanotrace_protos::common::{Header, Payload};
use nanotrace_protos::protos::Proposal;
use nanotrace_shim::{Creator, TxTimestamp};
use prost::Message;

use crate::devmsp::DevMsp;
use nanotrace_ledger::{Ledger, LedgerError, TxReceipt};

/// How far a proposal's timestamp may be from this machine's clock, in seconds (Fabric
/// leaves this to the application; fifteen minutes, as Kerberos and most signed-request
/// schemes allow).
pub const MAX_CLOCK_SKEW: i64 = 15 * 60;

/// A proposal that was checked and simulated: what its creator signs next.
#[derive(Debug, Clone)]
pub struct Endorsement {
    /// What the proposal asks for.
    pub contents: ProposalContents,
    /// The creator, checked against its organisation's CA.
    pub member: Member,
    /// The contract's response at endorsement.
    pub result: Vec<u8>,
    /// The marshalled `common.Payload` (the proposal's header; the response as data):
    /// the bytes the creator signs to commit.
    pub payload: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
enum TxError {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("the contract's response changed since endorsement")]
    Changed,
}

fn identity_error(tx_id: &str, stage: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::Identity { tx_id: Some(tx_id.to_owned()), message: format!("{stage}: {message}"), grpc: None }
}

/// Checks a signed proposal (see the module docs) and simulates it; `now` is this
/// machine's time in Unix seconds.
pub fn endorse(
    ledger: &Ledger,
    msp: &DevMsp,
    proposal: &[u8],
    signature: &[u8],
    now: i64,
) -> Result<Endorsement, ApiError> {
    let contents = ProposalContents::decode(proposal).map_err(|e| ApiError::Request(e.to_string()))?;
    let tx_id = contents.transaction_id.clone();
    let cert = String::from_utf8(contents.creator_cert.clone())
        .map_err(|_| identity_error(&tx_id, "endorsement", "the creator's certificate is not PEM text"))?;
    // The creator's MSP ID names an organisation of this directory or nothing: never a
    // path, and an error never shows one.
    let org =
        msp.org_msp(&contents.creator_msp).map_err(|e| identity_error(&tx_id, "endorsement", e.public_message()))?;
    let member = org.member(&cert, now).map_err(|e| identity_error(&tx_id, "endorsement", e))?;
    member.verify(proposal, signature).map_err(|e| identity_error(&tx_id, "endorsement: the proposal", e))?;
    if (contents.timestamp - now).abs() > MAX_CLOCK_SKEW {
        return Err(ApiError::Request(format!(
            "the proposal's time {} is more than {MAX_CLOCK_SKEW} s from this ledger's {now}",
            contents.timestamp
        )));
    }
    match Function::from_name(&contents.function).map(Function::kind) {
        Some(FunctionKind::Submit) => {}
        Some(FunctionKind::Evaluate) => {
            return Err(ApiError::Request(format!("{} is a query: evaluate it instead", contents.function)))
        }
        None => return Err(ApiError::Request(format!("{:?} is not a function of the contract", contents.function))),
    }
    let creator = Creator { msp_id: contents.creator_msp.clone(), id_bytes: contents.creator_cert.clone() };
    let at = Some(TxTimestamp { seconds: contents.timestamp, nanos: 0 });
    let result = ledger
        .simulate(&creator, tx_id.clone(), at, |stub| {
            stub.set_transient(contents.transient.clone());
            CertificateContract.invoke(stub, &contents.function, &contents.args).map_err(TxError::from)
        })
        .map_err(|e| endorse_error(e, &tx_id))?;
    let header = Proposal::decode(proposal)
        .ok()
        .and_then(|p| Header::decode(p.header.as_slice()).ok())
        .ok_or_else(|| ApiError::Request("the proposal has no header".into()))?;
    let payload = Payload { header: Some(header), data: result.clone() }.encode_to_vec();
    Ok(Endorsement { contents, member, result, payload })
}

fn endorse_error(e: TxError, tx_id: &str) -> ApiError {
    match e {
        TxError::Contract(ContractError::Stub(stub)) => {
            ApiError::Endorse { tx_id: Some(tx_id.to_owned()), message: stub.to_string(), grpc: None }
        }
        TxError::Contract(refusal) => crate::transport::contract_refusal(refusal, Some(tx_id)),
        TxError::Ledger(l) => ApiError::Endorse { tx_id: Some(tx_id.to_owned()), message: l.to_string(), grpc: None },
        TxError::Changed => {
            ApiError::Endorse { tx_id: Some(tx_id.to_owned()), message: TxError::Changed.to_string(), grpc: None }
        }
    }
}

/// Commits an endorsed transaction with its creator's signature over
/// [`Endorsement::payload`]; returns the contract's response and the receipt.
pub fn commit(ledger: &Ledger, endorsement: &Endorsement, signature: &[u8]) -> Result<(Vec<u8>, TxReceipt), ApiError> {
    let contents = &endorsement.contents;
    let tx_id = contents.transaction_id.as_str();
    endorsement
        .member
        .verify(&endorsement.payload, signature)
        .map_err(|e| identity_error(tx_id, "submit: the transaction", e))?;
    let creator = Creator { msp_id: contents.creator_msp.clone(), id_bytes: contents.creator_cert.clone() };
    let at = Some(TxTimestamp { seconds: contents.timestamp, nanos: 0 });
    let committed = ledger
        .submit_with_tx_id(&creator, tx_id, &contents.function, &contents.args, at, |stub| {
            stub.set_transient(contents.transient.clone());
            let out = CertificateContract.invoke(stub, &contents.function, &contents.args)?;
            if out == endorsement.result {
                Ok(out)
            } else {
                Err(TxError::Changed)
            }
        })
        .map_err(|e| match e {
            TxError::Contract(c) => crate::transport::contract_refusal(c, Some(tx_id)),
            TxError::Changed => ApiError::Commit {
                tx_id: Some(tx_id.to_owned()),
                code: "MVCC_READ_CONFLICT".into(),
                message: "the state it read changed after endorsement; endorse it again".into(),
            },
            TxError::Ledger(LedgerError::DuplicateTxId(id)) => ApiError::Commit {
                tx_id: Some(id),
                code: "DUPLICATE_TXID".into(),
                message: "a transaction with this ID has already been committed".into(),
            },
            TxError::Ledger(l) => crate::transport::commit_error(l),
        })?;
    crate::collections::after_commit(ledger, &contents.function, &creator);
    Ok(committed)
}
