//! The signing stages of [`crate::ledger`] against a Fabric Gateway: the same browser
//! signatures, passed on unchanged. The proposal is endorsed by the Gateway as the member
//! signed it; the transaction and its commit-status request (deterministic, so it is
//! signed in the same round) are signed in the browser too, so the console needs no
//! identity of its own to write, nor to learn the outcome.
//!
//! Reads are member-signed too: a query proposal the member's browser signed is evaluated
//! at the gateway peer as that member ([`FabricStages::propose_read`],
//! [`FabricStages::evaluate`]), so the contract authorises every read exactly as the
//! member's own would be. Peers do not refuse a query proposal evaluated again (evaluate
//! has no transaction-ID uniqueness or freshness check), so one signed read — the
//! `WhoAmI` of a sign-in — can be evaluated on every request of a session, keeping roles
//! as fresh as on the embedded ledger. Both paths are tested against a real network in
//! the Fabric suite (step (k)); the pages on Fabric build on them (docs/CONSOLE.md).

use std::time::Instant;

use nanotrace_model::{Function, FunctionKind};
use nanotrace_peer_client::gateway::transport::to_api_error;
use nanotrace_peer_client::gateway::{
    unsigned_commit_status_request, Gateway, GatewayError, HashAlgorithm, Identity, Proposal, SigningIdentity,
};
use nanotrace_peer_client::ApiError;

use crate::ledger::{Committed, InFlight, StageError};

enum Stage {
    Proposed { identity: Identity, proposed: Vec<u8> },
    Endorsed { identity: Identity, transaction: Vec<u8>, status: Vec<u8> },
}

/// What the browser signs after endorsement: the transaction's envelope payload and the
/// commit-status request.
#[derive(Debug, Clone)]
pub struct ToSign {
    /// The envelope payload.
    pub transaction: Vec<u8>,
    /// The marshalled `CommitStatusRequest`.
    pub status: Vec<u8>,
}

/// A query proposal for the member to sign ([`FabricStages::propose_read`]).
#[derive(Debug, Clone)]
pub struct UnsignedRead {
    identity: Identity,
    function: Function,
    proposed: Vec<u8>,
    tx_id: String,
    to_sign: Vec<u8>,
}

impl UnsignedRead {
    /// The proposal's transaction ID.
    pub fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The bytes the member signs (the marshalled proposal).
    pub fn to_sign(&self) -> &[u8] {
        &self.to_sign
    }

    /// The read with the member's DER signature over [`UnsignedRead::to_sign`]
    /// (`msp::der_from_webcrypto` makes it from the browser's r ‖ s).
    pub fn signed(self, signature: Vec<u8>) -> SignedRead {
        SignedRead { identity: self.identity, function: self.function, proposed: self.proposed, signature }
    }
}

/// A query the member signed: evaluated as often as the session needs it.
#[derive(Debug, Clone)]
pub struct SignedRead {
    identity: Identity,
    function: Function,
    proposed: Vec<u8>,
    signature: Vec<u8>,
}

impl SignedRead {
    /// The function it reads.
    pub fn function(&self) -> Function {
        self.function
    }

    /// The member who signed it.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }
}

/// Browser-signed transactions and reads through a Fabric Gateway.
pub struct FabricStages {
    gateway: Gateway,
    channel: String,
    chaincode: String,
    in_flight: InFlight<Stage>,
}

impl std::fmt::Debug for FabricStages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FabricStages").field("channel", &self.channel).field("chaincode", &self.chaincode).finish()
    }
}

fn failure(e: GatewayError) -> StageError {
    StageError::Api(to_api_error(e))
}

impl FabricStages {
    /// Stages over `gateway` (its identity is not used: every request carries the
    /// member's) for `chaincode` on `channel`.
    pub fn new(gateway: Gateway, channel: &str, chaincode: &str) -> Self {
        FabricStages {
            gateway,
            channel: channel.to_owned(),
            chaincode: chaincode.to_owned(),
            in_flight: InFlight::default(),
        }
    }

    fn as_member(&self, identity: &Identity) -> Gateway {
        self.gateway.with_identity(SigningIdentity::offline(identity.clone(), HashAlgorithm::Sha256))
    }

    /// An unsigned proposal of `function(args)` by `identity`.
    fn unsigned(&self, identity: &Identity, function: Function, args: &[Vec<u8>]) -> Proposal {
        self.as_member(identity)
            .network(self.channel.clone())
            .contract(self.chaincode.clone())
            .new_proposal(function.name())
            .arguments(args.iter().cloned())
            .build()
    }

    /// Stage 1: an unsigned proposal of `function(args)` by `identity` for the session
    /// `owner`; returns the transaction ID and the bytes to sign.
    pub fn propose(
        &self,
        owner: &str,
        identity: &Identity,
        function: Function,
        args: &[Vec<u8>],
        done: String,
    ) -> (String, Vec<u8>) {
        let proposal = self.unsigned(identity, function, args);
        let (tx_id, to_sign) = (proposal.transaction_id().to_owned(), proposal.proposal_bytes().to_vec());
        let stage = Stage::Proposed { identity: identity.clone(), proposed: proposal.bytes() };
        self.in_flight.insert(&tx_id, owner, stage, done);
        (tx_id, to_sign)
    }

    /// A read of `function(args)` by `identity`, to be signed by the member; a function
    /// that writes is refused ([`StageError::NotAQuery`]).
    pub fn propose_read(
        &self,
        identity: &Identity,
        function: Function,
        args: &[Vec<u8>],
    ) -> Result<UnsignedRead, StageError> {
        if function.kind() != FunctionKind::Evaluate {
            return Err(StageError::NotAQuery(function));
        }
        let proposal = self.unsigned(identity, function, args);
        Ok(UnsignedRead {
            identity: identity.clone(),
            function,
            tx_id: proposal.transaction_id().to_owned(),
            to_sign: proposal.proposal_bytes().to_vec(),
            proposed: proposal.bytes(),
        })
    }

    /// Evaluates a signed read at the gateway peer; the contract's answer. The peer checks
    /// the signature against the member's certificate and the organisation's CAs and CRL.
    pub async fn evaluate(&self, read: &SignedRead) -> Result<Vec<u8>, StageError> {
        self.as_member(&read.identity)
            .new_signed_proposal(&read.proposed, read.signature.clone())
            .map_err(failure)?
            .evaluate()
            .await
            .map_err(failure)
    }

    /// Stage 2: the proposal's DER signature; the Gateway endorses; returns what to
    /// sign next.
    pub async fn endorse(&self, owner: &str, tx_id: &str, signature: Vec<u8>) -> Result<ToSign, StageError> {
        let pending = self.in_flight.take(owner, tx_id, |s| matches!(s, Stage::Proposed { .. }))?;
        let Stage::Proposed { identity, proposed } = &pending.stage else {
            return Err(StageError::Unknown(tx_id.to_owned()));
        };
        let gateway = self.as_member(identity);
        let transaction =
            gateway.new_signed_proposal(proposed, signature).map_err(failure)?.endorse().await.map_err(failure)?;
        let (status, status_to_sign) = unsigned_commit_status_request(&self.channel, tx_id, &identity.creator());
        let to_sign = ToSign { transaction: transaction.payload().to_vec(), status: status_to_sign };
        let stage = Stage::Endorsed { identity: identity.clone(), transaction: transaction.bytes(), status };
        self.in_flight.insert(tx_id, owner, stage, pending.done);
        Ok(to_sign)
    }

    /// Stage 3: the transaction's and the status request's DER signatures; submits and
    /// waits for the commit.
    pub async fn commit(
        &self,
        owner: &str,
        tx_id: &str,
        transaction_signature: Vec<u8>,
        status_signature: Vec<u8>,
    ) -> Result<Committed, StageError> {
        let pending = self.in_flight.take(owner, tx_id, |s| matches!(s, Stage::Endorsed { .. }))?;
        let Stage::Endorsed { identity, transaction, status } = &pending.stage else {
            return Err(StageError::Unknown(tx_id.to_owned()));
        };
        let gateway = self.as_member(identity);
        let signed = gateway.new_signed_transaction(transaction, transaction_signature).map_err(failure)?;
        let result = signed.result().to_vec();
        let started = Instant::now();
        signed.submit().await.map_err(failure)?;
        let status =
            gateway.new_signed_commit(status, status_signature).map_err(failure)?.status().await.map_err(failure)?;
        if !status.successful() {
            return Err(StageError::Api(ApiError::Commit {
                tx_id: Some(tx_id.to_owned()),
                code: status.code.name().to_owned(),
                message: format!("the peers invalidated it after {:?}", started.elapsed()),
            }));
        }
        Ok(Committed { tx_id: tx_id.to_owned(), block: status.block_number, result, done: pending.done })
    }
}
