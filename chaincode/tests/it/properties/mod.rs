//! Random transaction sequences against a small reference model of the certificate state
//! machine, with the ledger's invariants checked after every step.
//!
//! The sequences mix single transactions and batches (`ApplyBatch`, `ApproveBatch`),
//! applications that depend on other certificates (their flags are checked against the
//! model's suppliers, followed through renewals), two certification bodies (each
//! certificate is suspended, reinstated, revoked and renewed by its own issuer), the
//! rotation and retirement of the first body's issuer key, and the revocation and
//! re-grant of its certifier's role. Every successful transaction must emit exactly one
//! event of the right kind (names, certificate IDs, status, the flagged dependents and its
//! transaction ID); a refused one emits none and changes nothing.
//!
//! The search is seeded: `NANOTRACE_PROPTEST_SEED=<64 hex digits>` replays a run exactly;
//! without it a fresh seed is drawn and printed with any failure (and at the start, with
//! `--nocapture`).

use ed25519_dalek::SigningKey;
use nanotrace_model::*;
use nanotrace_testkit::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The fixture's issuer keys are usable up to this time; later signatures are refused.
mod expect;
mod steps;

const KEY_VALID_UNTIL: i64 = T0 + 10 * 365 * DAY;
/// Approvals and renewals are signed for this long.
const VALIDITY: i64 = 365 * DAY;
/// Keep the world small so that checking every invariant after every step stays fast.
const MAX_CERTS: usize = 10;
const PAGE: u32 = 3;
/// The environment variable that replays a seeded search.
const SEED_VAR: &str = "NANOTRACE_PROPTEST_SEED";

/// A certification body of the test world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// CertifierMSP, whose certifier alice (`Who::Certifier`) may lose her role and whose
    /// issuer key rotates.
    First,
    /// OtherCertifierMSP (`Who::OtherCertifier`).
    Second,
}

impl Body {
    fn certifier(self) -> Who {
        match self {
            Body::First => Who::Certifier,
            Body::Second => Who::OtherCertifier,
        }
    }

    fn msp(self) -> &'static str {
        match self {
            Body::First => CERTIFIER_MSP,
            Body::Second => OTHER_CERTIFIER_MSP,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Apply,
    /// Apply for a product that depends on the certificate the index picks.
    ApplyDependent,
    /// Approve by the given body's certifier.
    Approve(Body),
    Reject,
    Suspend,
    /// With a fresh signature whenever the model says the certificate needs one.
    Reinstate,
    /// Never with a fresh signature: refused when one is needed.
    ReinstateUnsigned,
    Revoke,
    Renew,
    UpdateSds,
}

impl Kind {
    /// The statuses from which it succeeds (given a valid key, signature and role).
    fn allowed_from(self, status: CertificateStatus) -> bool {
        use CertificateStatus::*;
        match self {
            Kind::Apply => true,
            // Whether the supplier is usable is decided by its version in force.
            Kind::ApplyDependent => true,
            Kind::Approve(_) | Kind::Reject => status == Pending,
            Kind::Suspend | Kind::Renew => status == Active,
            Kind::Reinstate | Kind::ReinstateUnsigned => status == Suspended,
            Kind::Revoke => matches!(status, Active | Suspended),
            Kind::UpdateSds => matches!(status, Pending | Active | Suspended),
        }
    }

    fn is_manufacturers(self) -> bool {
        matches!(self, Kind::Apply | Kind::ApplyDependent | Kind::UpdateSds)
    }

    /// Callers who may not do it: always UNAUTHORIZED.
    fn wrong_roles(self) -> &'static [Who] {
        if self == Kind::UpdateSds {
            &[Who::Admin, Who::Certifier, Who::Auditor, Who::OtherApplicant, Who::Unknown]
        } else if self.is_manufacturers() {
            // Another registered manufacturer may apply (for itself).
            &[Who::Admin, Who::Certifier, Who::Auditor, Who::OtherCertifier, Who::Unknown]
        } else {
            &[Who::Admin, Who::Auditor, Who::Applicant, Who::OtherApplicant, Who::Unknown]
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// The rightful caller does `Kind` to certificate `i` (modulo the count); when
    /// `targeted`, `i` counts only the certificates whose status allows `Kind`, so that
    /// sequences go deep into the state machine instead of being mostly refused.
    Do(Kind, usize, bool),
    /// The same, by a caller that may not: always UNAUTHORIZED.
    WrongRole(Kind, usize, usize),
    /// `ApplyBatch` of 1 to 3 applications; with `Some(i)`, the last one depends on the
    /// `i`-th certificate (modulo the count).
    ApplyBatch(usize, Option<usize>),
    /// `ApproveBatch` by a body's certifier of up to `n` pending applications, plus, when
    /// asked, one certificate that is not pending (which fails the whole batch).
    ApproveBatch(Body, usize, bool),
    AdvanceDays(i64),
    /// The admin registers a new issuer key for alice and retires her current one.
    RotateKey,
    /// The admin retires alice's current key (she cannot sign until the next rotation).
    RetireKey,
    /// The admin revokes alice's certifier role.
    RevokeRole,
    /// The admin grants it again.
    GrantRole,
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![3 => Just(Body::First), 1 => Just(Body::Second)]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        2 => Just(Kind::Apply),
        2 => Just(Kind::ApplyDependent),
        3 => body().prop_map(Kind::Approve),
        1 => Just(Kind::Reject),
        2 => Just(Kind::Suspend),
        2 => Just(Kind::Reinstate),
        1 => Just(Kind::ReinstateUnsigned),
        1 => Just(Kind::Revoke),
        2 => Just(Kind::Renew),
        2 => Just(Kind::UpdateSds),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        14 => (kind(), 0..MAX_CERTS, prop::bool::weighted(0.75)).prop_map(|(k, i, t)| Op::Do(k, i, t)),
        2 => (kind(), 0..MAX_CERTS, 0..5usize).prop_map(|(k, i, w)| Op::WrongRole(k, i, w)),
        2 => (1..=3usize, prop::option::of(0..MAX_CERTS)).prop_map(|(n, d)| Op::ApplyBatch(n, d)),
        2 => (body(), 1..=3usize, prop::bool::weighted(0.2)).prop_map(|(b, n, bad)| Op::ApproveBatch(b, n, bad)),
        3 => prop_oneof![0..400i64, Just(365i64), Just(1i64)].prop_map(Op::AdvanceDays),
        1 => Just(Op::RotateKey),
        1 => Just(Op::RetireKey),
        1 => Just(Op::RevokeRole),
        1 => Just(Op::GrantRole),
    ]
}

/// What the model knows about one certificate.
#[derive(Debug, Clone)]
struct Model {
    id: String,
    status: CertificateStatus,
    /// Successful transactions that wrote the record or declared its SDS (= its history
    /// length). A supplier's change never writes its dependents.
    writes: usize,
    resign_required: bool,
    valid_until: Option<i64>,
    ever_revoked: bool,
    /// The body that issued it.
    issuer: Option<Body>,
    /// Its renewal, when superseded.
    renewed_as: Option<usize>,
    /// The supplier version its application recorded (the version in force at Apply).
    supplier: Option<usize>,
}

/// What a step is expected to do.
#[derive(Debug)]
enum Expect {
    Ok,
    Refused(&'static str),
}

/// The event a successful step must emit.
#[derive(Debug, PartialEq)]
struct ExpectedEvent {
    name: &'static str,
    certificate_ids: Vec<String>,
    status: Option<CertificateStatus>,
    flagged: Vec<String>,
}

fn event(
    name: &'static str,
    ids: Vec<String>,
    status: Option<CertificateStatus>,
    flagged: Vec<String>,
) -> ExpectedEvent {
    ExpectedEvent { name, certificate_ids: ids, status, flagged }
}

#[derive(Clone)]
struct Run {
    world: World,
    certs: Vec<Model>,
    applied: usize,
    /// alice's current issuer key.
    key: SigningKey,
    keys_made: u8,
    key_retired: bool,
    certifier_role: bool,
}

fn base() -> World {
    static BASE: OnceLock<World> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut w = World::governed();
        w.add_second_certification_body();
        w
    })
    .clone()
}

fn sds_hash(revision: u32) -> String {
    hex::encode(Sha256::digest(format!("sds revision {revision}")))
}

fn json(value: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).expect("json")
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut r = Run::new();
    for (n, op) in ops.iter().enumerate() {
        r.step(op).map_err(|e| TestCaseError::fail(format!("step {n} {op:?}: {e}")))?;
        r.check_invariants().map_err(|e| TestCaseError::fail(format!("after step {n} {op:?}: {e}")))?;
    }
    Ok(())
}

/// The seed of the search: from [`SEED_VAR`] when set, otherwise a fresh one.
fn seed() -> [u8; 32] {
    match std::env::var(SEED_VAR) {
        Ok(hex_seed) => {
            let bytes = hex::decode(hex_seed.trim()).unwrap_or_else(|e| panic!("{SEED_VAR} is not hex: {e}"));
            bytes.try_into().unwrap_or_else(|b: Vec<u8>| panic!("{SEED_VAR} must be 32 bytes, got {}", b.len()))
        }
        Err(_) => rand::random(),
    }
}

#[test]
fn random_transaction_sequences_keep_the_ledger_consistent() {
    let seed = seed();
    let replay = format!("{SEED_VAR}={}", hex::encode(seed));
    eprintln!("property test seed: {replay}");
    // No regression file: a failure prints its minimal sequence of operations and the seed.
    let config = ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    if let Err(e) = runner.run(&prop::collection::vec(op(), 1..40), |ops| run(&ops)) {
        panic!("{e}\nreplay this search with {replay}");
    }
}

/// The same seed gives the same sequences: a printed seed replays the failure it reports.
#[test]
fn the_seed_decides_the_sequences() {
    let draw = |seed: [u8; 32]| {
        let mut runner = TestRunner::new_with_rng(
            ProptestConfig { cases: 1, failure_persistence: None, ..ProptestConfig::default() },
            TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
        );
        (0..5)
            .map(|_| format!("{:?}", prop::collection::vec(op(), 1..40).new_tree(&mut runner).expect("tree").current()))
            .collect::<Vec<_>>()
    };
    assert_eq!(draw([1; 32]), draw([1; 32]));
    assert_ne!(draw([1; 32]), draw([2; 32]));
}

/// A hand-written sequence through every transition, so that the model itself is known
/// to be exercised even if the random cases happen to miss a path.
#[test]
fn the_model_follows_a_scripted_path() {
    use Kind::*;
    let first = Approve(Body::First);
    let second = Approve(Body::Second);
    let script = [
        Op::Do(Apply, 0, false),
        Op::Do(Apply, 0, false),
        Op::Do(Apply, 0, false),
        Op::Do(first, 0, false),
        Op::Do(Reject, 1, false),
        Op::Do(UpdateSds, 0, false), // ACTIVE -> SUSPENDED, resign needed
        Op::Do(ReinstateUnsigned, 0, false),
        Op::Do(Reinstate, 0, false),
        Op::Do(ApplyDependent, 0, false), // #3 depends on #0
        Op::Do(second, 3, false),         // issued by the second body
        Op::Do(Suspend, 0, false),        // flags #3 without writing it
        Op::Do(UpdateSds, 0, false),      // SUSPENDED stays, resign needed
        Op::Do(Reinstate, 0, false),
        Op::WrongRole(Revoke, 0, 2),
        Op::Do(Renew, 0, false),          // #4 = #0 v2; #3 now depends on #4
        Op::Do(Suspend, 4, false),        // flags #3 through the renewal
        Op::Do(ApplyDependent, 0, false), // #5 names #0, recorded as #4, flagged at Apply
        Op::Do(Reinstate, 4, false),
        Op::Do(UpdateSds, 2, false),             // PENDING stays
        Op::ApplyBatch(2, Some(3)),              // #6, #7 (depends on #3)
        Op::ApproveBatch(Body::First, 3, true),  // a non-pending item: nothing approved
        Op::ApproveBatch(Body::First, 3, false), // #2, #5, #6
        Op::RetireKey,
        Op::Do(first, 7, false), // BAD_SIGNATURE: alice's key is retired
        Op::RetireKey,           // CONFLICT
        Op::RotateKey,
        Op::Do(first, 7, false),
        Op::RevokeRole,
        Op::Do(Suspend, 4, false), // UNAUTHORIZED
        Op::RotateKey,             // CONFLICT: keys are for certifiers
        Op::RevokeRole,            // NOT_FOUND
        Op::GrantRole,
        Op::GrantRole,             // ALREADY_EXISTS
        Op::Do(Suspend, 3, false), // by the second body; flags #7
        Op::Do(Revoke, 3, false),
        Op::AdvanceDays(365),
        Op::AdvanceDays(1), // expired
        Op::Do(Suspend, 4, false),
        Op::Do(Revoke, 4, false), // revokes the supplier of #3 and #5
        Op::Do(Reinstate, 4, false),
        Op::Do(Renew, 2, false),
        Op::AdvanceDays(3650), // the issuer keys have expired
        Op::Do(Apply, 0, false),
        Op::Do(first, 9, false),
        Op::Do(Reject, 9, false),
    ];
    let mut r = Run::new();
    for (n, op) in script.iter().enumerate() {
        if let Err(e) = r.step(op).and_then(|()| r.check_invariants()) {
            panic!("step {n} {op:?}: {e}");
        }
    }
    let statuses: Vec<CertificateStatus> = r.certs.iter().map(|m| m.status).collect();
    use CertificateStatus::*;
    assert_eq!(
        statuses,
        vec![Superseded, Rejected, Superseded, Revoked, Revoked, Active, Active, Active, Active, Rejected],
        "{:?}",
        r.certs
    );
    let dependent = r.world.cert(&r.certs[5].id);
    assert_eq!(dependent.flags.len(), 1, "#5 is flagged by its revoked supplier #4");
    assert_eq!(dependent.flags[0].supplier_status, Revoked);
}
