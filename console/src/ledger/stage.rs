//! What the stages of a browser-signed transaction share, on either ledger: the
//! transactions in flight between their stages (each owned by the session that proposed
//! it and consumed by the stage that moves it on), the call a proposal makes, why a
//! stage is refused, what the browser signs after endorsement, a commit, and the
//! identity of a read.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nanotrace_client::{ApiError, Transient};
use nanotrace_model::Function;

/// How long a transaction may wait between its stages.
pub const STAGE_TIMEOUT: Duration = Duration::from_secs(300);

/// What a proposal calls: the function, its arguments and its transient data (a private
/// request, which travels in the proposal's transient map and never in a block). Its
/// `Debug` names the transient keys only, never their values.
#[derive(Clone)]
pub struct Call {
    /// The contract function.
    pub function: Function,
    /// Its arguments.
    pub args: Vec<Vec<u8>>,
    /// Its transient data.
    pub transient: Transient,
}

impl Call {
    /// `function` with its one JSON `request`, sent as the typed API sends it: a private
    /// request as transient data, any other as the argument
    /// ([`nanotrace_client::request_parts`]).
    pub fn request(function: Function, request: Vec<u8>) -> Self {
        let (args, transient) = nanotrace_client::request_parts(function, request);
        Call { function, args, transient }
    }
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("function", &self.function)
            .field("args", &self.args.len())
            .field("transient_keys", &self.transient.keys().collect::<Vec<_>>())
            .finish()
    }
}

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

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the browser signs after endorsement: the transaction and, on Fabric, the
/// request for its commit status (deterministic, so signed in the same round).
#[derive(Debug, Clone)]
pub struct ToSign {
    /// The transaction (Fabric: the envelope's payload).
    pub transaction: Vec<u8>,
    /// The marshalled `CommitStatusRequest` (Fabric only).
    pub status: Option<Vec<u8>>,
}

/// A read: the chaincode (empty: the contract; `qscc`: the peer's ledger queries), the
/// function and its arguments.
pub type ReadKey = (String, String, Vec<Vec<u8>>);

/// A request built for the member's browser to sign, waiting under its ID for the
/// signature (a registration or a revocation at the organisation's CA).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The ID the signature comes back with.
    pub request_id: String,
    /// The bytes to sign.
    pub to_sign: Vec<u8>,
}

/// A read for the member's browser to sign: its proposal's transaction ID, the bytes to
/// sign and the function it reads.
#[derive(Debug, Clone)]
pub struct ReadToSign {
    /// The proposal's transaction ID, which the signature comes back with.
    pub tx_id: String,
    /// The bytes to sign.
    pub to_sign: Vec<u8>,
    /// The function it reads.
    pub function: String,
}
