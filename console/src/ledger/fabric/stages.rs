//! The signing stages against a Fabric Gateway: the same browser signatures, passed on
//! unchanged. The proposal is endorsed by the Gateway as the member signed it; the
//! transaction and its commit-status request (deterministic, so it is signed in the same
//! round) are signed in the browser too, so the console needs no identity of its own to
//! write, nor to learn the outcome.
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

use nanotrace_client::to_api_error;
use nanotrace_client::{ApiError, Transient};
use nanotrace_fabric_gateway::qscc::QSCC;
use nanotrace_fabric_gateway::{
    unsigned_commit_status_request, Gateway, GatewayError, HashAlgorithm, Identity, Proposal, SigningIdentity,
};
use nanotrace_model::{Function, FunctionKind};

use crate::ledger::stage::{Call, Committed, InFlight, ReadKey, StageError, ToSign};

enum Stage {
    Proposed { identity: Identity, proposed: Vec<u8> },
    Endorsed { identity: Identity, transaction: Vec<u8>, status: Vec<u8> },
}

/// A query proposal for the member to sign ([`FabricStages::propose_read`]).
#[derive(Debug, Clone)]
pub struct UnsignedRead {
    identity: Identity,
    chaincode: String,
    function: String,
    args: Vec<Vec<u8>>,
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

    /// The unsigned proposal to carry elsewhere (a sign-in challenge seals it) and make
    /// the read again from ([`FabricStages::read_again`]).
    pub fn proposed(&self) -> &[u8] {
        &self.proposed
    }

    /// The read with the member's DER signature over [`UnsignedRead::to_sign`]
    /// (`msp::der_from_webcrypto` makes it from the browser's r ‖ s).
    pub fn signed(self, signature: Vec<u8>) -> SignedRead {
        SignedRead {
            identity: self.identity,
            chaincode: self.chaincode,
            function: self.function,
            args: self.args,
            proposed: self.proposed,
            signature,
        }
    }
}

/// A query the member signed: evaluated as often as the session needs it.
#[derive(Debug, Clone)]
pub struct SignedRead {
    identity: Identity,
    chaincode: String,
    function: String,
    args: Vec<Vec<u8>>,
    proposed: Vec<u8>,
    signature: Vec<u8>,
}

impl SignedRead {
    /// What it reads: chaincode (empty: the contract), function and arguments.
    pub fn key(&self) -> ReadKey {
        (self.chaincode.clone(), self.function.clone(), self.args.clone())
    }

    /// Whether it reads `key`.
    pub fn reads(&self, key: &ReadKey) -> bool {
        self.chaincode == key.0 && self.function == key.1 && self.args == key.2
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

    /// An unsigned proposal of `function(args)` of `chaincode` by `identity`, with
    /// `transient` in its transient map, under `nonce`'s transaction ID if given, else a
    /// fresh one.
    fn unsigned_on(
        &self,
        identity: &Identity,
        chaincode: &str,
        (function, args, transient): (&str, &[Vec<u8>], &Transient),
        nonce: Option<&[u8]>,
    ) -> Proposal {
        let mut builder = self
            .as_member(identity)
            .network(self.channel.clone())
            .contract(chaincode.to_owned())
            .new_proposal(function)
            .arguments(args.iter().cloned());
        for (key, value) in transient {
            builder = builder.transient(key.clone(), value.clone());
        }
        if let Some(nonce) = nonce {
            builder = builder.nonce(nonce.to_vec());
        }
        builder.build()
    }

    /// A read of `function(args)` of `chaincode` (empty: the contract) by `identity`.
    fn unsigned_read(&self, identity: &Identity, chaincode: &str, function: &str, args: &[Vec<u8>]) -> UnsignedRead {
        let on = if chaincode.is_empty() { self.chaincode.as_str() } else { chaincode };
        let proposal = self.unsigned_on(identity, on, (function, args, &Transient::new()), None);
        UnsignedRead {
            identity: identity.clone(),
            chaincode: chaincode.to_owned(),
            function: function.to_owned(),
            args: args.to_vec(),
            tx_id: proposal.transaction_id().to_owned(),
            to_sign: proposal.proposal_bytes().to_vec(),
            proposed: proposal.bytes(),
        }
    }

    /// The channel.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// A ledger query of the peer's `qscc` (`GetChainInfo`, `GetBlockByNumber`: the
    /// only two the console asks) by `identity`, to be signed by the member. The
    /// channel's `Readers` policy decides whether the peer answers.
    pub fn propose_ledger_read(
        &self,
        identity: &Identity,
        function: &str,
        args: &[Vec<u8>],
    ) -> Result<UnsignedRead, StageError> {
        if !matches!(function, "GetChainInfo" | "GetBlockByNumber") {
            return Err(StageError::Api(ApiError::Request(format!("qscc {function} is not a read the console makes"))));
        }
        Ok(self.unsigned_read(identity, QSCC, function, args))
    }

    /// Stage 1: an unsigned proposal of `call` by `identity` for the session `owner`
    /// (under `nonce`'s transaction ID if given), its transient data in the proposal's
    /// transient map (signed with the proposal, endorsed by the peers, never in the
    /// block); returns the transaction ID and the bytes to sign.
    pub fn propose(
        &self,
        owner: &str,
        identity: &Identity,
        call: &Call,
        done: String,
        nonce: Option<&[u8]>,
    ) -> (String, Vec<u8>) {
        let what = (call.function.name(), call.args.as_slice(), &call.transient);
        let proposal = self.unsigned_on(identity, &self.chaincode, what, nonce);
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
        Ok(self.unsigned_read(identity, "", function.name(), args))
    }

    /// The read of `function(args)` by `identity` that [`FabricStages::propose_read`] made,
    /// again from its [`UnsignedRead::proposed`] bytes (which only the console's own
    /// sealed sign-in challenge carries back to it).
    pub fn read_again(
        &self,
        identity: &Identity,
        function: Function,
        args: &[Vec<u8>],
        proposed: &[u8],
    ) -> Result<UnsignedRead, StageError> {
        let proposal = self.as_member(identity).new_signed_proposal(proposed, Vec::new()).map_err(failure)?;
        Ok(UnsignedRead {
            identity: identity.clone(),
            chaincode: String::new(),
            function: function.name().to_owned(),
            args: args.to_vec(),
            tx_id: proposal.transaction_id().to_owned(),
            to_sign: proposal.proposal_bytes().to_vec(),
            proposed: proposed.to_vec(),
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
        let to_sign = ToSign { transaction: transaction.payload().to_vec(), status: Some(status_to_sign) };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn stages() -> FabricStages {
        let channel = tonic::transport::Endpoint::from_static("http://127.0.0.1:9").connect_lazy();
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let cert =
            rcgen::CertificateParams::new(vec!["console".into()]).expect("params").self_signed(&key).expect("cert");
        let identity = Identity::new("Org1MSP", cert.pem()).expect("identity");
        let gateway = Gateway::from_channel(
            SigningIdentity::offline(identity, HashAlgorithm::Sha256),
            channel,
            nanotrace_fabric_gateway::Deadlines::default(),
        );
        FabricStages::new(gateway, "nanotrace", "nanotrace")
    }

    #[tokio::test]
    async fn a_member_is_asked_to_sign_queries_only_and_of_qscc_only_the_two_ledger_reads() {
        let stages = stages();
        let identity = stages.gateway.identity().identity().clone();
        assert!(matches!(
            stages.propose_read(&identity, Function::Apply, &[]),
            Err(StageError::NotAQuery(Function::Apply))
        ));
        let read = stages.propose_read(&identity, Function::GetCertificate, &[b"NT-1".to_vec()]).expect("a query");
        assert_eq!(read.signed(vec![1]).key(), (String::new(), "GetCertificate".to_owned(), vec![b"NT-1".to_vec()]));
        for function in ["GetChainInfo", "GetBlockByNumber"] {
            let read = stages.propose_ledger_read(&identity, function, &[b"nanotrace".to_vec()]).expect(function);
            assert_eq!(read.signed(vec![1]).key().0, "qscc");
        }
        for function in ["GetBlockByHash", "GetTransactionByID", "GetBlockByTxID", "JoinChain", ""] {
            assert!(stages.propose_ledger_read(&identity, function, &[]).is_err(), "qscc {function} is refused");
        }
    }

    #[tokio::test]
    async fn a_private_request_goes_in_the_proposals_transient_map_not_in_its_arguments() {
        let stages = stages();
        let identity = stages.gateway.identity().identity().clone();
        let request = br#"{"camt053":"<Document/>"}"#.to_vec();
        let call = Call::request(Function::ImportStatement, request.clone());
        let (tx_id, to_sign) = stages.propose("session", &identity, &call, "/billing".into(), None);
        let contents = nanotrace_fabric_gateway::ProposalContents::decode(&to_sign).expect("the proposal signed");
        assert_eq!((contents.transaction_id.as_str(), contents.function.as_str()), (tx_id.as_str(), "ImportStatement"));
        assert!(contents.args.is_empty(), "no argument carries the request");
        let private = nanotrace_model::billing::PRIVATE_REQUEST;
        assert_eq!(contents.transient.get(private), Some(&request));
        assert!(!format!("{call:?}").contains("camt053"), "its Debug shows no transient value");
        // A public request stays the argument.
        let call = Call::request(Function::Apply, b"{}".to_vec());
        let (_, to_sign) = stages.propose("session", &identity, &call, "/".into(), None);
        let contents = nanotrace_fabric_gateway::ProposalContents::decode(&to_sign).expect("the proposal signed");
        assert_eq!((contents.args, contents.transient.len()), (vec![b"{}".to_vec()], 0));
    }

    #[tokio::test]
    async fn a_read_made_again_from_its_proposal_is_the_same_read() {
        let stages = stages();
        let identity = stages.gateway.identity().identity().clone();
        let args = [b"{}".to_vec()];
        let read = stages.propose_read(&identity, Function::WhoAmI, &args).expect("a query");
        let again = stages.read_again(&identity, Function::WhoAmI, &args, read.proposed()).expect("made again");
        assert_eq!((again.tx_id(), again.to_sign(), again.proposed()), (read.tx_id(), read.to_sign(), read.proposed()));
        assert_eq!(again.signed(vec![1]).key(), read.signed(vec![1]).key());
        assert!(stages.read_again(&identity, Function::WhoAmI, &args, b"not a proposal").is_err());
    }
}
