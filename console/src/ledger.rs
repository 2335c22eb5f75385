//! The ledger behind the console and the stages of a browser-signed transaction.
//!
//! A transaction goes through three requests, each answered before the next is made:
//! [`ConsoleLedger::propose`] builds an unsigned Fabric proposal for the signed-in
//! member (the browser signs its bytes); [`ConsoleLedger::endorse`] checks that
//! signature and simulates the transaction, and answers with the transaction to sign;
//! [`ConsoleLedger::commit`] checks the second signature and commits. A transaction in
//! flight belongs to the session that proposed it and is consumed by the stage that
//! moves it on: a stage replayed, out of order, or from another session is refused and
//! writes nothing. On the embedded ledger the checks are those of
//! [`nanotrace_embedded::signed`]; the same bytes go to a Fabric Gateway unchanged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nanotrace_embedded::datadir::DataDir;
use nanotrace_embedded::devmsp::NodeType;
use nanotrace_embedded::signed::{self, Endorsement};
use nanotrace_embedded::transport::EmbeddedTransport;
use nanotrace_model::Function;
use nanotrace_peer_client::gateway::{unsigned_proposal, Identity};
use nanotrace_peer_client::msp::{Member, OrgMsp};
use nanotrace_peer_client::{ApiError, NanoTrace};

/// How long a transaction may wait between its stages.
pub const STAGE_TIMEOUT: Duration = Duration::from_secs(300);

/// Why a stage was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// No transaction of that ID is waiting for this stage in this session.
    #[error("no transaction {0} is waiting for this signature (already done, expired, or not yours)")]
    Unknown(String),
    /// The ledger or the contract refused.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A read was asked of a function that writes (it must go through the signing stages).
    #[error("{0} writes to the ledger: it is submitted, not read")]
    NotAQuery(nanotrace_model::Function),
}

enum Stage {
    Proposed { proposal: Vec<u8> },
    Endorsed(Box<Endorsement>),
}

/// A transaction between its stages.
pub(crate) struct Pending<S> {
    owner: String,
    pub(crate) stage: S,
    pub(crate) done: String,
    created: Instant,
}

/// The transactions in flight, by ID: each belongs to the session that proposed it and
/// is taken out by the stage that moves it on (put back by that stage for the next).
pub(crate) struct InFlight<S> {
    pending: Mutex<HashMap<String, Pending<S>>>,
}

impl<S> Default for InFlight<S> {
    fn default() -> Self {
        InFlight { pending: Mutex::new(HashMap::new()) }
    }
}

impl<S> InFlight<S> {
    /// Puts `tx_id` at `stage` for session `owner` (dropping what waited too long).
    pub(crate) fn insert(&self, tx_id: &str, owner: &str, stage: S, done: String) {
        let mut pending = lock(&self.pending);
        pending.retain(|_, p| p.created.elapsed() < STAGE_TIMEOUT);
        pending.insert(tx_id.to_owned(), Pending { owner: owner.to_owned(), stage, done, created: Instant::now() });
    }

    /// Takes `tx_id` out if session `owner` has it waiting at a stage `at` accepts.
    pub(crate) fn take(&self, owner: &str, tx_id: &str, at: impl Fn(&S) -> bool) -> Result<Pending<S>, StageError> {
        let mut pending = lock(&self.pending);
        let ok =
            pending.get(tx_id).is_some_and(|p| p.owner == owner && p.created.elapsed() < STAGE_TIMEOUT && at(&p.stage));
        if !ok {
            return Err(StageError::Unknown(tx_id.to_owned()));
        }
        pending.remove(tx_id).ok_or_else(|| StageError::Unknown(tx_id.to_owned()))
    }
}

/// A committed transaction.
#[derive(Debug, Clone)]
pub struct Committed {
    /// Its ID.
    pub tx_id: String,
    /// The block it is in.
    pub block: u64,
    /// The contract's response.
    pub result: Vec<u8>,
    /// Where the page goes next.
    pub done: String,
}

/// The ledger the console serves.
pub struct ConsoleLedger {
    data: DataDir,
    in_flight: InFlight<Stage>,
}

impl std::fmt::Debug for ConsoleLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleLedger").field("data_dir", &self.data.path).finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The marshalled `msp.SerializedIdentity` of a member.
fn creator(member: &Member) -> Result<Vec<u8>, ApiError> {
    Identity::new(member.msp_id.clone(), member.cert_pem.clone().into_bytes())
        .map(|i| i.creator())
        .map_err(|e| ApiError::Request(e.to_string()))
}

impl ConsoleLedger {
    /// The embedded ledger of `data`.
    pub fn embedded(data: DataDir) -> Self {
        ConsoleLedger { data, in_flight: InFlight::default() }
    }

    /// The data directory.
    pub fn data(&self) -> &DataDir {
        &self.data
    }

    /// The membership of organisation `msp_id`.
    pub fn org_msp(&self, msp_id: &str) -> Result<OrgMsp, nanotrace_embedded::devmsp::MspError> {
        self.data.msp.org_msp(msp_id)
    }

    /// The typed API as `member`, for reads. (Queries are not signed by the member:
    /// the console reads what the member's certificate may read; it cannot write.)
    pub fn reader(&self, member: &Member) -> NanoTrace<EmbeddedTransport> {
        let creator =
            nanotrace_shim::Creator { msp_id: member.msp_id.clone(), id_bytes: member.cert_pem.clone().into_bytes() };
        NanoTrace::new(EmbeddedTransport::new(Arc::clone(&self.data.ledger), creator))
    }

    /// Stage 1: an unsigned proposal of `function(args)` by `member` for the session
    /// `owner`; `done` is where the page goes once it has committed. Returns the
    /// transaction ID and the bytes to sign.
    pub fn propose(
        &self,
        owner: &str,
        member: &Member,
        function: Function,
        args: &[Vec<u8>],
        done: String,
    ) -> Result<(String, Vec<u8>), ApiError> {
        let (tx_id, proposal) = unsigned_proposal(&creator(member)?, "nanotrace", "nanotrace", function.name(), args);
        self.in_flight.insert(&tx_id, owner, Stage::Proposed { proposal: proposal.clone() }, done);
        Ok((tx_id, proposal))
    }

    /// Stage 2: the proposal's signature (DER); returns the bytes of the transaction to
    /// sign.
    pub fn endorse(&self, owner: &str, tx_id: &str, signature: &[u8], now: i64) -> Result<Vec<u8>, StageError> {
        let pending = self.in_flight.take(owner, tx_id, |s| matches!(s, Stage::Proposed { .. }))?;
        let Stage::Proposed { proposal } = &pending.stage else {
            return Err(StageError::Unknown(tx_id.to_owned()));
        };
        let endorsement = signed::endorse(&self.data.ledger, &self.data.msp, proposal, signature, now)?;
        let payload = endorsement.payload.clone();
        self.in_flight.insert(tx_id, owner, Stage::Endorsed(Box::new(endorsement)), pending.done);
        Ok(payload)
    }

    /// Stage 3: the transaction's signature (DER); commits.
    pub fn commit(&self, owner: &str, tx_id: &str, signature: &[u8]) -> Result<Committed, StageError> {
        let pending = self.in_flight.take(owner, tx_id, |s| matches!(s, Stage::Endorsed(_)))?;
        let Stage::Endorsed(endorsement) = &pending.stage else {
            return Err(StageError::Unknown(tx_id.to_owned()));
        };
        let (result, receipt) = signed::commit(&self.data.ledger, endorsement, signature)?;
        Ok(Committed { tx_id: receipt.tx_id, block: receipt.block, result, done: pending.done })
    }

    /// Issues a member certificate for a PKCS#10 request at the organisation's CA.
    pub fn enroll(
        &self,
        name: &str,
        msp_id: &str,
        admin: bool,
        csr_der: &[u8],
    ) -> Result<String, nanotrace_embedded::devmsp::MspError> {
        let node = if admin { NodeType::Admin } else { NodeType::Client };
        self.data.msp.issue_for_request(name, msp_id, node, csr_der)
    }

    /// The MSP IDs of the organisations with a CA here.
    pub fn organisations(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(self.data.path.join("msp"))
            .map(|entries| entries.flatten().filter_map(|e| e.file_name().to_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        out.sort();
        out
    }
}
