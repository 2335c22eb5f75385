//! The CLI's batch-file parser and submission: [`nanotrace::batch::apply_file`] and
//! [`nanotrace::batch::approve_file`] on a copy of the contract target's world (the real
//! contract on the in-memory ledger behind a [`Transport`]).
//!
//! Input: a mode byte (bit 0: approve instead of apply; bits 1..=7: the chunk size,
//! 0 → 0 and 127 → one past the maximum, both refused, else 1..=7), then the file's
//! bytes; the contract target's placeholders (`$PENDING`, ...) are replaced first.
//!
//! Properties: a file the parser refuses (not UTF-8, malformed lines, a client reference
//! used twice, a bad chunk size) writes nothing and names at least one line, each within
//! the file; the ledger never fails (a contract refusal of one item is reported on its
//! line, not as a ledger failure); an accepted file accounts for every item line exactly
//! once (committed or failed); and running the same `apply` file again commits the same
//! lines to the same certificates, all of them reported as repeats, and changes nothing.

use nanotrace::batch::{apply_file, approve_file, BatchError, BatchOutcome};
use nanotrace_chaincode::{CertificateContract, ContractError};
use nanotrace_client::{ApiError, ApprovalSigning, IssuerSigner, NanoTrace, Submitted, Transport};
use nanotrace_model::validate::limits::MAX_BATCH;
use nanotrace_testkit::{creator, issuer_signing_key, Who, World, CERTIFIER_MSP};
use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

/// The contract on a shared in-memory world, called as one identity; the world's clock
/// follows the real one (approvals are signed at the real time).
pub struct WorldTransport {
    /// The world.
    pub world: Arc<Mutex<World>>,
    /// Who calls.
    pub who: Who,
}

fn api_error(e: ContractError, query: bool) -> ApiError {
    match e {
        ContractError::Stub(stub) if query => ApiError::Evaluate { message: stub.to_string(), grpc: None },
        ContractError::Stub(stub) => ApiError::Endorse { tx_id: None, message: stub.to_string(), grpc: None },
        refusal => ApiError::Contract {
            code: refusal.code().to_owned(),
            message: refusal.to_string(),
            tx_id: None,
            grpc: None,
        },
    }
}

impl Transport for WorldTransport {
    async fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        let mut world = lock(&self.world);
        world.now = nanotrace_embedded::datadir::now();
        let (value, tx_id) = world.submit_tx(self.who, function, args).map_err(|e| api_error(e, false))?;
        // The in-memory world has no blocks: every transaction is its own.
        Ok(Submitted { value, tx_id, block_number: 0 })
    }

    async fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        let mut world = lock(&self.world);
        world.now = nanotrace_embedded::datadir::now();
        let ts = world.ts();
        world
            .ledger
            .evaluate(&creator(self.who), ts, |stub| CertificateContract.invoke(stub, function, args))
            .map_err(|e| api_error(e, true))
    }
}

/// The world, also after a panic of another holder (the fuzzer stops at the first).
fn lock(world: &Mutex<World>) -> MutexGuard<'_, World> {
    world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn chunk_of(mode: u8) -> usize {
    match mode >> 1 {
        0 => 0,
        127 => MAX_BATCH + 1,
        n => usize::from(n % 7) + 1,
    }
}

fn submit(
    file: &std::path::Path,
    world: &Arc<Mutex<World>>,
    approve: bool,
    chunk: usize,
) -> Result<BatchOutcome, BatchError> {
    if approve {
        let api = NanoTrace::new(WorldTransport { world: world.clone(), who: Who::Certifier });
        let signer = IssuerSigner::new(issuer_signing_key(Who::Certifier));
        let signing = ApprovalSigning { signer: &signer, issuer_org: CERTIFIER_MSP, validity_days: None };
        approve_file(&api, &signing, None, file, chunk, false)
    } else {
        let api = NanoTrace::new(WorldTransport { world: world.clone(), who: Who::Applicant });
        apply_file(&api, file, chunk, false)
    }
}

/// The non-blank, non-comment lines of `text`, 1-based, as the CLI counts them.
fn item_lines(text: &str) -> BTreeSet<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim().starts_with('#'))
        .map(|(i, _)| i + 1)
        .collect()
}

/// The target.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let fx = crate::contract::fixture();
    let bytes = crate::contract::substitute(rest, &fx.substitutions);
    let approve = mode & 1 != 0;
    let chunk = chunk_of(mode);
    let mut file = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("temp file: {e}"));
    file.write_all(&bytes).unwrap_or_else(|e| panic!("temp file: {e}"));
    let world = Arc::new(Mutex::new(fx.world.clone()));
    let before = lock(&world).ledger.snapshot();
    let text = std::str::from_utf8(&bytes).ok();

    let outcome = match submit(file.path(), &world, approve, chunk) {
        Ok(outcome) => outcome,
        Err(e) => {
            let message = e.to_string();
            match &e {
                BatchError::NotUtf8 { .. } => assert!(text.is_none(), "UTF-8 refused: {message}"),
                BatchError::Chunk(c) => assert!(*c == 0 || *c > MAX_BATCH, "{message}"),
                BatchError::Malformed { lines, .. } => {
                    let items = item_lines(text.unwrap_or_else(|| panic!("non-UTF-8 parsed: {message}")));
                    assert!(!lines.is_empty(), "malformed with no line named");
                    for (line, reason) in lines {
                        assert!(items.contains(line), "line {line} named but not an item line: {message}");
                        assert!(!reason.is_empty(), "line {line} without a reason");
                    }
                }
                BatchError::Ledger { .. } | BatchError::Identity { .. } | BatchError::Read { .. } => {
                    panic!("the batch failed: {message}")
                }
            }
            assert!(lock(&world).ledger.snapshot() == before, "a refused batch file changed the ledger: {message}");
            return;
        }
    };
    let items = item_lines(text.unwrap_or_else(|| panic!("non-UTF-8 accepted")));
    let mut accounted: Vec<usize> = outcome.committed.iter().map(|(l, _)| *l).collect();
    accounted.extend(outcome.failed.iter().map(|(l, _)| *l));
    accounted.sort_unstable();
    assert_eq!(accounted, items.iter().copied().collect::<Vec<_>>(), "every item line once: {outcome:?}");
    if approve {
        // The same file again: every line that committed is a repeat, nothing new.
        let after_first = lock(&world).ledger.snapshot();
        let again = submit(file.path(), &world, true, chunk).unwrap_or_else(|e| panic!("second run failed: {e}"));
        for (line, _) in &outcome.committed {
            assert!(again.repeated.contains(line), "second approve run: line {line} is not a repeat: {again:?}");
        }
        assert!(lock(&world).ledger.snapshot() == after_first, "second approve run changed the ledger");
        return;
    }

    // The same file again: the same certificates, all repeats, nothing new.
    let after_first = lock(&world).ledger.snapshot();
    let again = submit(file.path(), &world, false, chunk).unwrap_or_else(|e| panic!("second run failed: {e}"));
    assert_eq!(again.committed, outcome.committed, "second run committed differently");
    let committed: Vec<usize> = outcome.committed.iter().map(|(l, _)| *l).collect();
    assert_eq!(again.repeated, committed, "second run: not every committed line is a repeat");
    let failed = |o: &BatchOutcome| o.failed.iter().map(|(l, _)| *l).collect::<Vec<_>>();
    assert_eq!(failed(&again), failed(&outcome), "second run failed other lines");
    assert!(lock(&world).ledger.snapshot() == after_first, "second run of the same file changed the ledger");
}
