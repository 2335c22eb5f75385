//! A chaincode on a channel: evaluate, submit, and proposals for offline signing.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::connection::Connection;
use crate::error::GatewayError;
use crate::options::Deadlines;
use crate::proposal::{Proposal, ProposalParts};
use crate::submitted::Submitted;

/// Options of [`Contract::submit_with`].
#[derive(Debug, Clone, Default)]
pub struct SubmitOptions {
    /// How many times to submit the transaction again (as a new transaction: new
    /// proposal, new ID, fresh endorsement) when it is invalidated because what it read
    /// changed: an MVCC read conflict, or a phantom read conflict (a range it read was
    /// written into, e.g. two approvals reserving status-list ranges that meet). Default 0:
    /// the conflict is returned ([`GatewayError::is_read_conflict`]).
    pub mvcc_retries: u32,
    /// How many more tries while a transaction's fate is unknown, never making a second
    /// transaction: a submit that ordering did not take is submitted again (the same signed
    /// envelope), a commit status that did not come is asked for again (the transaction is
    /// not submitted again once ordering took it: a copy ordered after the original commits
    /// is a ledger duplicate). Default 0: the error is returned and the caller decides. A
    /// new transaction for the same purpose instead is dangerous on Fabric 3.1: one writing
    /// a key whose key-level policy the first set, ordered in one block with a duplicate of
    /// the first, halts every peer's validation of that block (network/README.md, "A
    /// Fabric defect").
    pub fate_retries: u32,
    /// Transient data (private inputs, not written to the ledger).
    pub transient: BTreeMap<String, Vec<u8>>,
    /// Organisations that must endorse (default: the gateway chooses).
    pub endorsing_organizations: Vec<String>,
    /// The proposal's nonce, fixing the transaction ID beforehand
    /// ([`Contract::transaction_id_for`]): for a request that names its own transaction
    /// (a credential signed before its approval is submitted). With it, a read conflict is
    /// returned, never retried (a new transaction needs a new nonce, and its request made
    /// again). Default: a fresh nonce for each proposal.
    pub nonce: Option<Vec<u8>>,
    /// Deadlines for this call (default: the gateway's).
    pub deadlines: Option<Deadlines>,
}

/// A chaincode on a channel.
#[derive(Clone)]
pub struct Contract {
    inner: Arc<Connection>,
    channel: String,
    chaincode: String,
    contract: Option<String>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("channel", &self.channel)
            .field("chaincode", &self.chaincode)
            .field("contract", &self.contract)
            .finish_non_exhaustive()
    }
}

impl Contract {
    pub(crate) fn new(inner: Arc<Connection>, channel: String, chaincode: String, contract: Option<String>) -> Self {
        Contract { inner, channel, chaincode, contract }
    }

    /// The chaincode name.
    pub fn chaincode_name(&self) -> &str {
        &self.chaincode
    }

    /// The channel name.
    pub fn channel_name(&self) -> &str {
        &self.channel
    }

    /// The ID of the transaction whose proposal has `nonce` ([`SubmitOptions::nonce`]):
    /// SHA-256(nonce ‖ creator), the creator being this contract's identity.
    pub fn transaction_id_for(&self, nonce: &[u8]) -> String {
        crate::identity::transaction_id(nonce, &self.inner.identity.creator())
    }

    /// Starts a proposal for `function` (to add arguments, transient data, endorsing
    /// organisations or deadlines, then build and sign offline or in process).
    pub fn new_proposal(&self, function: &str) -> ProposalBuilder {
        ProposalBuilder {
            contract: self.clone(),
            function: match &self.contract {
                Some(c) => format!("{c}:{function}"),
                None => function.to_owned(),
            },
            args: Vec::new(),
            transient: BTreeMap::new(),
            endorsing_organizations: Vec::new(),
            deadlines: self.inner.deadlines,
            nonce: None,
        }
    }

    /// Evaluates `function(args)` on a peer (a query); returns the chaincode's payload.
    pub async fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, GatewayError> {
        self.new_proposal(function).arguments(args.iter().cloned()).build().evaluate().await
    }

    /// Submits `function(args)`: endorse, submit to ordering, wait for the commit
    /// status. A transaction that is committed but invalid is a [`GatewayError::Commit`].
    pub async fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<Submitted, GatewayError> {
        self.submit_with(function, args, &SubmitOptions::default()).await
    }

    /// [`Contract::submit`] with options (MVCC retry, transient data, endorsers, deadlines).
    pub async fn submit_with(
        &self,
        function: &str,
        args: &[Vec<u8>],
        options: &SubmitOptions,
    ) -> Result<Submitted, GatewayError> {
        let mut attempt = 0;
        let mut mismatches = 0;
        loop {
            let mut builder = self
                .new_proposal(function)
                .arguments(args.iter().cloned())
                .endorsing_organizations(options.endorsing_organizations.iter().cloned());
            builder.transient = options.transient.clone();
            builder.nonce = options.nonce.clone();
            if let Some(d) = options.deadlines {
                builder = builder.deadlines(d);
            }
            match submit_proposal(builder.build(), options.fate_retries).await {
                Err(e) if e.is_read_conflict() && attempt < options.mvcc_retries && options.nonce.is_none() => {
                    attempt += 1
                }
                // Peers at different heights read different states: nothing was ordered;
                // endorse again once they have caught up.
                Err(e) if e.is_endorsement_mismatch() && mismatches < MISMATCH_RETRIES => {
                    mismatches += 1;
                    tokio::time::sleep(MISMATCH_BACKOFF * mismatches).await;
                }
                other => return other,
            }
        }
    }
}

/// How many times [`Contract::submit_with`] endorses again when the endorsing peers'
/// results differ ([`GatewayError::is_endorsement_mismatch`]), and the pause before the
/// first (growing by as much each time): a block reaches every peer within a second on
/// the networks measured here, even on SmartBFT under load.
const MISMATCH_RETRIES: u32 = 4;
const MISMATCH_BACKOFF: std::time::Duration = std::time::Duration::from_millis(250);

/// Endorse, submit, wait for the commit status; fail unless VALID. While the fate is
/// unknown, up to `retries` more tries: the same envelope submitted again while ordering has
/// not taken it, then its commit status asked for again.
async fn submit_proposal(proposal: Proposal, retries: u32) -> Result<Submitted, GatewayError> {
    let transaction = proposal.endorse().await?;
    let result = transaction.result().to_vec();
    let mut attempt = 0;
    let mut taken: Option<crate::commit::Commit> = None;
    let status = loop {
        let fate = match &taken {
            Some(commit) => commit.clone().status().await,
            None => match transaction.clone().submit().await {
                Ok(commit) => {
                    taken = Some(commit.clone());
                    commit.status().await
                }
                // A resubmitted envelope the orderers already have: its status is what counts.
                Err(e) if e.is_already_ordered() => {
                    let commit = transaction.commit();
                    taken = Some(commit.clone());
                    commit.status().await
                }
                Err(e) => Err(e),
            },
        };
        match fate {
            Err(GatewayError::Submit { .. } | GatewayError::CommitStatus { .. }) if attempt < retries => attempt += 1,
            other => break other?,
        }
    };
    if !status.successful() {
        return Err(GatewayError::Commit {
            tx_id: status.transaction_id,
            code: status.code,
            block_number: status.block_number,
        });
    }
    Ok(Submitted { value: result, tx_id: status.transaction_id, block_number: status.block_number })
}

/// Builds a [`Proposal`].
#[derive(Debug)]
pub struct ProposalBuilder {
    contract: Contract,
    function: String,
    args: Vec<Vec<u8>>,
    transient: BTreeMap<String, Vec<u8>>,
    endorsing_organizations: Vec<String>,
    deadlines: Deadlines,
    nonce: Option<Vec<u8>>,
}

impl ProposalBuilder {
    /// Fixes the proposal's nonce, and so its transaction ID
    /// ([`Contract::transaction_id_for`]); default: a fresh one.
    pub fn nonce(mut self, nonce: Vec<u8>) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// Adds one argument.
    pub fn argument(mut self, arg: impl Into<Vec<u8>>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments.
    pub fn arguments<A: Into<Vec<u8>>>(mut self, args: impl IntoIterator<Item = A>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds a transient (private) input.
    pub fn transient(mut self, key: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.transient.insert(key.into(), value.into());
        self
    }

    /// Organisations whose peers must endorse (or evaluate).
    pub fn endorsing_organizations<S: Into<String>>(mut self, orgs: impl IntoIterator<Item = S>) -> Self {
        self.endorsing_organizations.extend(orgs.into_iter().map(Into::into));
        self
    }

    /// Deadlines for this proposal and the transaction and commit that follow.
    pub fn deadlines(mut self, deadlines: Deadlines) -> Self {
        self.deadlines = deadlines;
        self
    }

    /// Builds the unsigned proposal (a fresh nonce and transaction ID, unless
    /// [`ProposalBuilder::nonce`] fixed them).
    pub fn build(self) -> Proposal {
        let c = &self.contract;
        Proposal::build(
            c.inner.clone(),
            ProposalParts {
                channel: &c.channel,
                chaincode: &c.chaincode,
                function: &self.function,
                args: &self.args,
                transient: &self.transient,
                endorsing_organizations: &self.endorsing_organizations,
                nonce: self.nonce.as_deref(),
            },
            self.deadlines,
        )
    }
}
