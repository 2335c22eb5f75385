//! The steady mixed load: three threads, each with ONE client object for the whole run
//! (so a fault is survived by the same `NanoTrace<GatewayTransport>`, never by a new
//! connection): dave applies (every application under a client reference of its own,
//! an application whose outcome was not "committed" submitted again under the same
//! reference), alice approves what was applied (an approval that failed underneath the
//! contract tried again), and a second dave client verifies what was approved. Every
//! submit's outcome is recorded as the client reported it.

use nanotrace_client::GatewayTransport;
use nanotrace_client::{ApiError, IssuerSigner, NanoTrace, Submitted, Transport, Wait};
use nanotrace_model::*;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const SAMPLE_APPLICATION: &str = include_str!("../../examples/application.json");

/// The three workers.
pub(crate) const WORKERS: [&str; 3] = ["apply (dave)", "approve (alice)", "verify (dave)"];

/// A worker and how long after a restart it succeeded again (`None`: not yet).
pub(crate) type Recovered = (&'static str, Option<Duration>);

/// What was submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    /// `Apply` of batch `batch` under client reference `client_ref`.
    Apply { client_ref: String, batch: String },
    /// `Approve` of certificate `id`.
    Approve { id: String },
}

/// A submit's outcome, as the client reported it.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// Committed (VALID) in transaction `tx_id`; the contract answered `result`.
    Committed { tx_id: String, result: Vec<u8> },
    /// Failed: refused by the contract, endorsement failed, or invalidated at commit
    /// (`code`: the validation code the client was given, e.g. `MVCC_READ_CONFLICT`).
    Failed { tx_id: Option<String>, refusal: bool, code: Option<String>, error: String },
    /// Submitted, fate unknown (submit to ordering or the commit status failed).
    Unknown { tx_id: String, error: String },
}

impl Outcome {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Outcome::Committed { .. } => "committed",
            Outcome::Failed { refusal: true, .. } => "refused",
            Outcome::Failed { .. } => "failed",
            Outcome::Unknown { .. } => "unknown",
        }
    }

    /// The outcome in a few words: its kind, how long the submit took, the error.
    fn summary(&self, took: Duration) -> String {
        let error = match self {
            Outcome::Committed { .. } => "",
            Outcome::Failed { error, .. } | Outcome::Unknown { error, .. } => error,
        };
        format!("{} after {:.1} s: {error}", self.kind(), took.as_secs_f64())
    }

    fn of(result: Result<Submitted, ApiError>) -> Outcome {
        match result {
            Ok(Submitted { value: result, tx_id, .. }) => Outcome::Committed { tx_id, result },
            Err(e @ (ApiError::Submit { .. } | ApiError::CommitStatus { .. })) => {
                Outcome::Unknown { tx_id: e.tx_id().unwrap_or_default().to_owned(), error: e.to_string() }
            }
            Err(e) => {
                let code = match &e {
                    ApiError::Commit { code, .. } => Some(code.clone()),
                    _ => None,
                };
                let (tx_id, refusal) = (e.tx_id().map(str::to_owned), e.is_refusal());
                Outcome::Failed { tx_id, refusal, code, error: e.to_string() }
            }
        }
    }
}

/// One submit.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) op: Op,
    /// The phase in which the submit started.
    pub(crate) started: usize,
    /// The phase in which it ended.
    pub(crate) phase: usize,
    pub(crate) outcome: Outcome,
    pub(crate) took: Duration,
}

/// What the workers share with the driver.
pub(crate) struct Load {
    run: String,
    stop: AtomicBool,
    phase: AtomicUsize,
    pub(crate) records: Mutex<Vec<Record>>,
    to_approve: Mutex<VecDeque<String>>,
    pub(crate) approved: Mutex<Vec<String>>,
    /// Per worker: when it last succeeded.
    last_ok: Mutex<BTreeMap<&'static str, Instant>>,
    /// Per worker: when it last did not succeed, and why (what a recovery that does not
    /// come reports).
    last_miss: Mutex<BTreeMap<&'static str, (Instant, String)>>,
    /// Per phase: (queries answered, queries failed), Verify and the approvals' reads.
    pub(crate) queries: Mutex<BTreeMap<usize, (u64, u64)>>,
    /// Every client reference used.
    pub(crate) refs: Mutex<BTreeMap<String, String>>,
}

pub(crate) fn application(batch: &str, client_ref: &str) -> Application {
    let mut app: Application = serde_json::from_str(SAMPLE_APPLICATION).expect("examples/application.json");
    app.batch = batch.to_owned();
    app.client_ref = Some(client_ref.to_owned());
    app
}

use nanotrace_model::clock::unix_now as now;

impl Load {
    pub(crate) fn new(run: String) -> Arc<Load> {
        Arc::new(Load {
            run,
            stop: AtomicBool::new(false),
            phase: AtomicUsize::new(0),
            records: Mutex::new(Vec::new()),
            to_approve: Mutex::new(VecDeque::new()),
            approved: Mutex::new(Vec::new()),
            last_ok: Mutex::new(BTreeMap::new()),
            last_miss: Mutex::new(BTreeMap::new()),
            queries: Mutex::new(BTreeMap::new()),
            refs: Mutex::new(BTreeMap::new()),
        })
    }

    pub(crate) fn set_phase(&self, phase: usize) {
        self.phase.store(phase, Ordering::SeqCst);
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Per worker, how long after `since` it first succeeded (`None`: not yet).
    pub(crate) fn all_ok_since(&self, since: Instant) -> Vec<Recovered> {
        let last = self.last_ok.lock().expect("last_ok");
        WORKERS.iter().map(|w| (*w, last.get(w).filter(|t| **t > since).map(|t| t.duration_since(since)))).collect()
    }

    /// Waits until every worker has succeeded since `since`; returns how long after
    /// `since` that was. Panics after `bound`, naming each worker that has not, with what
    /// it last got and when: one line, as a cut CI log keeps a panic's first lines.
    pub(crate) fn wait_recovered(&self, since: Instant, bound: Duration, what: &str) -> Duration {
        loop {
            let status = self.all_ok_since(since);
            if status.iter().all(|(_, d)| d.is_some()) {
                return since.elapsed();
            }
            assert!(since.elapsed() < bound, "no recovery within {bound:?} ({what}): {}", self.behind(since, &status));
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The workers of `status` that have not succeeded since `since`, each with what it
    /// last got and when.
    pub(crate) fn behind(&self, since: Instant, status: &[Recovered]) -> String {
        let misses = self.last_miss.lock().expect("last_miss");
        let behind: Vec<String> = status
            .iter()
            .filter(|(_, d)| d.is_none())
            .map(|(w, _)| match misses.get(w) {
                Some((at, why)) => {
                    let why: String = why.chars().take(100).collect();
                    format!("{w}: last miss {:.1} s after, {why}", at.saturating_duration_since(since).as_secs_f64())
                }
                None => format!("{w}: no attempt ended"),
            })
            .collect();
        behind.join("; ")
    }

    fn miss(&self, worker: &'static str, why: impl Into<String>) {
        self.last_miss.lock().expect("last_miss").insert(worker, (Instant::now(), why.into()));
    }

    fn ok(&self, worker: &'static str) {
        self.last_ok.lock().expect("last_ok").insert(worker, Instant::now());
    }

    fn query(&self, ok: bool) {
        let phase = self.phase.load(Ordering::SeqCst);
        let mut q = self.queries.lock().expect("queries");
        let e = q.entry(phase).or_default();
        if ok {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }

    /// The phase now.
    fn phase(&self) -> usize {
        self.phase.load(Ordering::SeqCst)
    }

    fn record(&self, op: Op, started: usize, outcome: Outcome, took: Duration) {
        let phase = self.phase();
        self.records.lock().expect("records").push(Record { op, started, phase, outcome, took });
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Dave applies, one application at a time; one that did not commit is submitted
    /// again (same reference) before the next new one.
    fn apply_loop(&self, dave: &NanoTrace<GatewayTransport>, pace: Duration) {
        let mut next = 0u64;
        let mut retry: VecDeque<(String, String)> = VecDeque::new();
        let mut queued = BTreeSet::new();
        while !self.stopped() {
            let (client_ref, batch) = retry.pop_front().unwrap_or_else(|| {
                next += 1;
                (format!("chaos-{}-{next}", self.run), format!("LOT-CHAOS-{}-{next}", self.run))
            });
            self.refs.lock().expect("refs").insert(client_ref.clone(), batch.clone());
            let args = vec![serde_json::to_vec(&application(&batch, &client_ref)).expect("json")];
            let (t, started) = (Instant::now(), self.phase());
            let outcome = Outcome::of(dave.transport().submit(Function::Apply.name(), &args).wait());
            let took = t.elapsed();
            match &outcome {
                Outcome::Committed { result, .. } => {
                    self.ok(WORKERS[0]);
                    let ids: IdsResponse = serde_json::from_slice(result).expect("an IdsResponse");
                    let id = ids.certificate_ids.first().expect("one ID").clone();
                    if queued.insert(id.clone()) {
                        self.to_approve.lock().expect("queue").push_back(id);
                    }
                }
                Outcome::Failed { refusal: true, .. } => {}
                _ => retry.push_back((client_ref.clone(), batch.clone())),
            }
            let failed = !matches!(outcome, Outcome::Committed { .. });
            if failed {
                self.miss(WORKERS[0], outcome.summary(took));
            }
            self.record(Op::Apply { client_ref, batch }, started, outcome, took);
            std::thread::sleep(if failed { pace * 10 } else { pace });
        }
    }

    /// Alice approves what dave applied; an approval that failed underneath the contract
    /// is tried again later (a refusal is final: e.g. an earlier "unknown" one committed).
    fn approve_loop(&self, alice: &NanoTrace<GatewayTransport>, signer: &IssuerSigner, msp: &str, pace: Duration) {
        while !self.stopped() {
            let Some(id) = self.to_approve.lock().expect("queue").pop_front() else {
                std::thread::sleep(pace);
                continue;
            };
            let request = match alice.prepare_approval(&id, signer, msp, now(), None).wait() {
                Ok(r) => {
                    self.query(true);
                    r
                }
                Err(e) => {
                    // NOT_FOUND: alice's peer has not committed dave's block yet (a lag, not
                    // a failure); anything else failed underneath the contract.
                    if e.code() != Some("NOT_FOUND") {
                        self.query(false);
                    }
                    self.miss(WORKERS[1], format!("reading {id} to approve it: {e}"));
                    self.to_approve.lock().expect("queue").push_back(id);
                    std::thread::sleep(pace * 10);
                    continue;
                }
            };
            let args = vec![serde_json::to_vec(&request).expect("json")];
            let (t, started) = (Instant::now(), self.phase());
            let outcome = Outcome::of(alice.transport().submit(Function::Approve.name(), &args).wait());
            let took = t.elapsed();
            let failed = match &outcome {
                Outcome::Committed { .. } => {
                    self.ok(WORKERS[1]);
                    self.approved.lock().expect("approved").push(id.clone());
                    false
                }
                Outcome::Failed { refusal: true, .. } => true,
                _ => {
                    self.to_approve.lock().expect("queue").push_back(id.clone());
                    true
                }
            };
            if failed {
                self.miss(WORKERS[1], outcome.summary(took));
            }
            self.record(Op::Approve { id }, started, outcome, took);
            std::thread::sleep(if failed { pace * 10 } else { pace });
        }
    }

    /// A second dave client verifies approved certificates (the newest first, then older ones).
    fn verify_loop(&self, dave: &NanoTrace<GatewayTransport>, pace: Duration) {
        let mut n = 0usize;
        while !self.stopped() {
            let id = {
                let approved = self.approved.lock().expect("approved");
                if approved.is_empty() {
                    None
                } else {
                    n += 1;
                    Some(approved[approved.len() - 1 - (n % approved.len().min(20))].clone())
                }
            };
            let Some(id) = id else {
                std::thread::sleep(pace);
                continue;
            };
            match dave.verify(&id).wait() {
                Ok(v) if v.verdict == Verdict::Valid => {
                    self.ok(WORKERS[2]);
                    self.query(true);
                    std::thread::sleep(pace);
                }
                Ok(v) => {
                    // PENDING: dave's peer has not committed alice's block yet.
                    assert_eq!(v.verdict, Verdict::Pending, "{id} was approved and nothing revokes it: {v:?}");
                    self.miss(WORKERS[2], format!("{id} still PENDING on dave's peer"));
                    std::thread::sleep(pace);
                }
                Err(e) => {
                    assert!(!e.is_refusal(), "Verify {id} refused by the contract: {e}");
                    self.miss(WORKERS[2], format!("Verify {id}: {e}"));
                    self.query(false);
                    std::thread::sleep(pace * 10);
                }
            }
        }
    }
}

/// The clients the workers use, each for the whole run.
pub(crate) struct Clients {
    pub(crate) dave: NanoTrace<GatewayTransport>,
    pub(crate) alice: NanoTrace<GatewayTransport>,
    pub(crate) dave_verify: NanoTrace<GatewayTransport>,
    pub(crate) signer: IssuerSigner,
    pub(crate) certifier_msp: String,
}

/// Starts the three workers; they run until [`Load::stop`].
pub(crate) fn start(load: &Arc<Load>, clients: &Arc<Clients>, pace: Duration) -> Vec<JoinHandle<()>> {
    let mut handles = Vec::new();
    for worker in 0..WORKERS.len() {
        let (load, clients) = (load.clone(), clients.clone());
        handles.push(std::thread::spawn(move || match worker {
            0 => load.apply_loop(&clients.dave, pace),
            1 => load.approve_loop(&clients.alice, &clients.signer, &clients.certifier_msp, pace),
            _ => load.verify_loop(&clients.dave_verify, pace),
        }));
    }
    handles
}
