//! One organisation's view of the network through our Gateway client: the typed API on
//! its own peer, and what the checks after the faults need besides — the peer's block
//! height (`qscc GetChainInfo`), a transaction as the peer's ledger holds it (`qscc
//! GetTransactionByID`: its validation code and the chaincode's response in it), and a
//! fresh `CommitStatus` request for any transaction ID.

use nanotrace_client::Wait;
use nanotrace_client::{GatewayTransport, NanoTrace};
use nanotrace_fabric_gateway::{ConnectionProfile, Contract, Deadlines, Gateway, GatewayError};
use nanotrace_protos::common::{BlockchainInfo, Envelope, Payload};
use nanotrace_protos::gateway::{CommitStatusRequest, SignedCommitStatusRequest};
use nanotrace_protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, ProcessedTransaction, ProposalResponsePayload, Transaction,
};
use nanotrace_protos::prost::Message;
use std::path::Path;
use std::time::Duration;

/// The deadlines of every client of the test: short enough that a fault costs seconds,
/// not the Go samples' minute of waiting for a commit status.
pub(crate) fn deadlines() -> Deadlines {
    Deadlines {
        evaluate: Duration::from_secs(5),
        endorse: Duration::from_secs(10),
        submit: Duration::from_secs(5),
        commit_status: Duration::from_secs(15),
    }
}

/// A typed client as the connection profile at `path` says, with [`deadlines`].
pub(crate) fn client(path: &Path) -> NanoTrace<GatewayTransport> {
    client_with(path, 0)
}

/// [`client`] that tries up to `retries` more times while a submit's fate is unknown, never
/// with a second transaction (`SubmitOptions::fate_retries`).
pub(crate) fn client_with(path: &Path, retries: u32) -> NanoTrace<GatewayTransport> {
    let profile = ConnectionProfile::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let identity = profile.signing_identity().expect("the profile's identity");
    let options = profile.connect_options().expect("the profile's gateway").deadlines(deadlines());
    let transport = GatewayTransport::connect(identity, options, &profile.channel, &profile.chaincode)
        .wait()
        .unwrap_or_else(|e| panic!("connect as {}: {e}", path.display()));
    NanoTrace::new(transport.with_fate_retries(retries))
}

/// A transaction as a peer's ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OnLedger {
    /// `protos.TxValidationCode` (0: VALID).
    pub(crate) code: i32,
    /// The chaincode's response payload the endorsers signed.
    pub(crate) payload: Vec<u8>,
}

/// One organisation's client and gateway on its own peer.
pub(crate) struct Probe {
    pub(crate) name: String,
    pub(crate) api: NanoTrace<GatewayTransport>,
    gateway: Gateway,
    qscc: Contract,
    channel: String,
}

impl Probe {
    pub(crate) fn connect(path: &Path) -> Probe {
        let profile = ConnectionProfile::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let api = client(path);
        let identity = profile.signing_identity().expect("the profile's identity");
        let options = profile.connect_options().expect("the profile's gateway").deadlines(deadlines());
        let gateway =
            Gateway::connect(identity, options).wait().unwrap_or_else(|e| panic!("connect as {}: {e}", path.display()));
        let qscc = gateway.network(profile.channel.clone()).contract("qscc");
        Probe { name: profile.name.clone(), api, gateway, qscc, channel: profile.channel }
    }

    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        future.wait()
    }

    /// The channel's height on this peer.
    pub(crate) fn height(&self) -> Result<u64, GatewayError> {
        Ok(self.chain_info()?.height)
    }

    /// The channel's height and the hashes of its last two blocks on this peer.
    pub(crate) fn chain_info(&self) -> Result<BlockchainInfo, GatewayError> {
        let info = self.block_on(nanotrace_fabric_gateway::qscc::chain_info(&self.qscc))?;
        assert!(
            info.height > 0 && info.current_block_hash.len() == 32,
            "{}: a chain info without a head: {info:?}",
            self.name
        );
        Ok(info)
    }

    /// The transaction `tx_id` on this peer's ledger, or `None` if the peer has no such
    /// transaction.
    pub(crate) fn on_ledger(&self, tx_id: &str) -> Option<OnLedger> {
        let args = [self.channel.as_bytes().to_vec(), tx_id.as_bytes().to_vec()];
        let bytes = match self.block_on(self.qscc.evaluate("GetTransactionByID", &args)) {
            Ok(bytes) => bytes,
            Err(e) if e.to_string().contains("no such transaction ID") => return None,
            Err(e) => panic!("qscc GetTransactionByID {tx_id} on {}: {e}", self.name),
        };
        let processed = ProcessedTransaction::decode(bytes.as_slice()).expect("a ProcessedTransaction");
        let envelope: Envelope = processed.transaction_envelope.expect("an envelope");
        let payload = Payload::decode(envelope.payload.as_slice()).expect("a payload");
        let transaction = Transaction::decode(payload.data.as_slice()).expect("a transaction");
        let action = transaction.actions.first().expect("one action");
        let action = ChaincodeActionPayload::decode(action.payload.as_slice()).expect("a chaincode action payload");
        let endorsed = action.action.expect("an endorsed action");
        let response =
            ProposalResponsePayload::decode(endorsed.proposal_response_payload.as_slice()).expect("a response payload");
        let chaincode = ChaincodeAction::decode(response.extension.as_slice()).expect("a chaincode action");
        let payload = chaincode.response.map(|r| r.payload).unwrap_or_default();
        Some(OnLedger { code: processed.validation_code, payload })
    }

    /// A new `CommitStatus` request for `tx_id`, signed by this probe's identity: the
    /// validation code and block, or the error (a transaction the peer never commits
    /// runs into the deadline).
    pub(crate) fn commit_status(&self, tx_id: &str, deadline: Duration) -> Result<(i32, u64), GatewayError> {
        let identity = self.gateway.identity();
        let request = CommitStatusRequest {
            transaction_id: tx_id.to_owned(),
            channel_id: self.channel.clone(),
            identity: identity.creator(),
        }
        .encode_to_vec();
        let signature = identity.sign_message(&request)?;
        let unsigned = SignedCommitStatusRequest { request, signature: Vec::new() }.encode_to_vec();
        let commit = self.gateway.new_signed_commit(&unsigned, signature)?.with_deadline(deadline);
        let status = self.block_on(commit.status())?;
        Ok((status.code.0, status.block_number))
    }
}
