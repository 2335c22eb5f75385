//! Random transaction sequences against a tiny reference model of the certificate state
//! machine, with the ledger's invariants checked after every step.

use nanotrace_chaincode::ContractError;
use nanotrace_model::*;
use nanotrace_testkit::*;
use proptest::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The fixture's issuer keys are usable up to this time; later signatures are refused.
const KEY_VALID_UNTIL: i64 = T0 + 10 * 365 * DAY;
/// Approvals and renewals are signed for this long.
const VALIDITY: i64 = 365 * DAY;
/// Keep the world small so that checking every invariant after every step stays fast.
const MAX_CERTS: usize = 8;
const PAGE: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Apply,
    Approve,
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
    /// Who must do it (the world's certificates all belong to ManufacturerMSP and are
    /// issued by CertifierMSP).
    fn rightful(self) -> Who {
        match self {
            Kind::Apply | Kind::UpdateSds => Who::Applicant,
            _ => Who::Certifier,
        }
    }

    /// The statuses from which it succeeds (given a valid key and signature).
    fn allowed_from(self, status: CertificateStatus) -> bool {
        use CertificateStatus::*;
        match self {
            Kind::Apply => true,
            Kind::Approve | Kind::Reject => status == Pending,
            Kind::Suspend | Kind::Renew => status == Active,
            Kind::Reinstate | Kind::ReinstateUnsigned => status == Suspended,
            Kind::Revoke => matches!(status, Active | Suspended),
            Kind::UpdateSds => matches!(status, Pending | Active | Suspended),
        }
    }

    /// Callers who may not do it.
    fn wrong_roles(self) -> &'static [Who] {
        match self {
            Kind::Apply => &[Who::Admin, Who::Certifier, Who::Auditor, Who::Unknown],
            Kind::UpdateSds => &[Who::Admin, Who::Certifier, Who::Auditor, Who::OtherApplicant, Who::Unknown],
            _ => &[Who::Admin, Who::Auditor, Who::Applicant, Who::OtherApplicant, Who::Unknown],
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
    AdvanceDays(i64),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        2 => Just(Kind::Apply),
        3 => Just(Kind::Approve),
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
        12 => (kind(), 0..MAX_CERTS, prop::bool::weighted(0.75)).prop_map(|(k, i, t)| Op::Do(k, i, t)),
        2 => (kind(), 0..MAX_CERTS, 0..5usize).prop_map(|(k, i, w)| Op::WrongRole(k, i, w)),
        3 => prop_oneof![0..400i64, Just(365i64), Just(1i64)].prop_map(Op::AdvanceDays),
    ]
}

/// What the model knows about one certificate.
#[derive(Debug, Clone)]
struct Model {
    id: String,
    status: CertificateStatus,
    /// Successful transactions that wrote the record (= its history length).
    writes: usize,
    resign_required: bool,
    valid_until: Option<i64>,
    ever_revoked: bool,
}

/// What a step is expected to do.
enum Expect {
    Ok,
    Refused(&'static str),
}

struct Run {
    world: World,
    certs: Vec<Model>,
    applied: usize,
}

fn base() -> World {
    static BASE: OnceLock<World> = OnceLock::new();
    BASE.get_or_init(World::governed).clone()
}

fn sds_hash(revision: u32) -> String {
    hex::encode(Sha256::digest(format!("sds revision {revision}")))
}

impl Run {
    fn call(&mut self, who: Who, function: &str, req: &impl Serialize) -> Result<Vec<u8>, ContractError> {
        self.world.submit(who, function, req)
    }

    /// The index of the certificate an operation acts on (before taking it modulo the
    /// count): the `i`-th one whose status allows `kind` when targeted and there is one.
    fn target(&self, kind: Kind, i: usize, targeted: bool) -> usize {
        let eligible: Vec<usize> = (0..self.certs.len()).filter(|&n| kind.allowed_from(self.certs[n].status)).collect();
        if targeted && !eligible.is_empty() {
            eligible[i % eligible.len()]
        } else {
            i
        }
    }

    /// The request for `kind` on certificate `idx` (none for Apply).
    fn request(&self, kind: Kind, idx: usize) -> (&'static str, serde_json::Value) {
        let w = &self.world;
        if kind == Kind::Apply {
            let app = sample_application(&format!("LOT-{}", self.applied));
            return ("Apply", serde_json::to_value(app).expect("json"));
        }
        let m = &self.certs[idx];
        let id = m.id.clone();
        let (function, value) = match kind {
            Kind::Apply => unreachable!("handled above"),
            Kind::Approve => ("Approve", serde_json::to_value(w.approval(Who::Certifier, &id))),
            Kind::Reject => ("Reject", serde_json::to_value(World::reason(&id, "incomplete dossier"))),
            Kind::Suspend => ("Suspend", serde_json::to_value(World::reason(&id, "lab audit"))),
            Kind::Reinstate | Kind::ReinstateUnsigned => {
                let resign = (kind == Kind::Reinstate && m.status == CertificateStatus::Suspended && m.resign_required)
                    .then(|| w.resignature(Who::Certifier, &id));
                (
                    "Reinstate",
                    serde_json::to_value(ReinstateRequest {
                        certificate_id: id,
                        reason: "audit passed".into(),
                        resign,
                    }),
                )
            }
            Kind::Revoke => ("Revoke", serde_json::to_value(World::reason(&id, "contamination"))),
            Kind::Renew => ("Renew", serde_json::to_value(w.renewal(Who::Certifier, &id))),
            Kind::UpdateSds => {
                let mut sds = w.cert(&id).application.sds;
                sds.revision += 1;
                sds.sha256 = sds_hash(sds.revision);
                ("UpdateSds", serde_json::to_value(UpdateSdsRequest { certificate_id: id, sds }))
            }
        };
        (function, value.expect("json"))
    }

    /// What the model says `kind` on certificate `idx` does when done by its rightful caller.
    fn expect(&self, kind: Kind, idx: usize) -> Expect {
        use CertificateStatus::*;
        let now = self.world.now;
        let key_ok = now <= KEY_VALID_UNTIL;
        let signed = |ok: bool| if ok { Expect::Ok } else { Expect::Refused("BAD_SIGNATURE") };
        if kind == Kind::Apply {
            return Expect::Ok;
        }
        let m = &self.certs[idx];
        match (kind, m.status) {
            (Kind::Approve, Pending) => signed(key_ok),
            (Kind::Reject, Pending) => Expect::Ok,
            (Kind::Suspend, Active) => Expect::Ok,
            (Kind::Reinstate, Suspended) => signed(!m.resign_required || key_ok),
            (Kind::ReinstateUnsigned, Suspended) => signed(!m.resign_required),
            (Kind::Revoke, Active | Suspended) => Expect::Ok,
            (Kind::Renew, Active) => signed(key_ok),
            (Kind::UpdateSds, Pending | Active | Suspended) => Expect::Ok,
            _ => Expect::Refused("INVALID_TRANSITION"),
        }
    }

    /// Applies a successful step to the model.
    fn advance_model(&mut self, kind: Kind, idx: usize, response: &[u8]) -> Result<(), TestCaseError> {
        use CertificateStatus::*;
        let now = self.world.now;
        if kind == Kind::Apply {
            let ids: IdsResponse = serde_json::from_slice(response).expect("ids");
            prop_assert_eq!(ids.certificate_ids.len(), 1);
            self.applied += 1;
            self.certs.push(Model {
                id: ids.certificate_ids[0].clone(),
                status: Pending,
                writes: 1,
                resign_required: false,
                valid_until: None,
                ever_revoked: false,
            });
            return Ok(());
        }
        let m = &mut self.certs[idx];
        m.writes += 1;
        match kind {
            Kind::Apply => unreachable!(),
            Kind::Approve => {
                m.status = Active;
                m.valid_until = Some(now + VALIDITY);
            }
            Kind::Reject => m.status = Rejected,
            Kind::Suspend => m.status = Suspended,
            Kind::Reinstate | Kind::ReinstateUnsigned => {
                m.status = Active;
                m.resign_required = false;
            }
            Kind::Revoke => {
                m.status = Revoked;
                m.ever_revoked = true;
            }
            Kind::Renew => {
                m.status = Superseded;
                let ids: IdsResponse = serde_json::from_slice(response).expect("ids");
                prop_assert_eq!(ids.certificate_ids.len(), 2);
                prop_assert_eq!(&ids.certificate_ids[0], &m.id);
                self.certs.push(Model {
                    id: ids.certificate_ids[1].clone(),
                    status: Active,
                    writes: 1,
                    resign_required: false,
                    valid_until: Some(now + VALIDITY),
                    ever_revoked: false,
                });
            }
            Kind::UpdateSds => {
                if matches!(m.status, Active | Suspended) {
                    m.status = Suspended;
                    m.resign_required = true;
                }
            }
        }
        Ok(())
    }

    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let (kind, idx, who, wrong) = match *op {
            Op::AdvanceDays(days) => {
                self.world.now += days * DAY;
                return Ok(());
            }
            Op::Do(kind, i, targeted) => (kind, self.target(kind, i, targeted), kind.rightful(), false),
            Op::WrongRole(kind, i, w) => (kind, i, kind.wrong_roles()[w % kind.wrong_roles().len()], true),
        };
        // Apply and Renew add certificates: keep the world small.
        let growing = matches!(kind, Kind::Apply | Kind::Renew) && !wrong;
        if growing && self.certs.len() >= MAX_CERTS {
            return Ok(());
        }
        if kind != Kind::Apply && self.certs.is_empty() {
            return Ok(());
        }
        let idx = if self.certs.is_empty() { 0 } else { idx % self.certs.len() };
        let expected = if wrong { Expect::Refused("UNAUTHORIZED") } else { self.expect(kind, idx) };
        let (function, req) = self.request(kind, idx);
        let before = self.world.ledger.snapshot();
        let height = self.world.ledger.height();
        let result = self.call(who, function, &req);
        let subject = if kind == Kind::Apply {
            "new".to_owned()
        } else {
            format!("{} ({})", self.certs[idx].id, self.certs[idx].status)
        };
        match (result, expected) {
            (Ok(response), Expect::Ok) => {
                prop_assert_eq!(
                    self.world.ledger.height(),
                    height + 1,
                    "{} by {:?} on {}: no block",
                    function,
                    who,
                    subject
                );
                self.advance_model(kind, idx, &response)?;
            }
            (Ok(response), Expect::Refused(code)) => {
                return Err(TestCaseError::fail(format!(
                    "{function} by {who:?} on {subject} succeeded ({}), the model expected {code}",
                    String::from_utf8_lossy(&response)
                )));
            }
            (Err(e), Expect::Ok) => {
                return Err(TestCaseError::fail(format!("{function} by {who:?} on {subject} failed: {e}")));
            }
            (Err(e), Expect::Refused(code)) => {
                prop_assert_eq!(e.code(), code, "{} by {:?} on {}: {}", function, who, subject, e);
                prop_assert!(self.world.ledger.snapshot() == before, "refused {} changed the state", function);
                prop_assert_eq!(self.world.ledger.height(), height, "refused {} added a block", function);
            }
        }
        Ok(())
    }

    /// Every id listed by a paginated query.
    fn collect_pages(
        &self,
        mut query: impl FnMut(String) -> CertificatePage,
    ) -> Result<Vec<Certificate>, TestCaseError> {
        let mut all = Vec::new();
        let mut bookmark = String::new();
        for _ in 0..=MAX_CERTS {
            let page = query(bookmark);
            prop_assert!(page.certificates.len() <= PAGE as usize, "page larger than asked for");
            all.extend(page.certificates);
            if page.bookmark.is_empty() {
                return Ok(all);
            }
            bookmark = page.bookmark;
        }
        Err(TestCaseError::fail("pagination does not end"))
    }

    fn check_invariants(&self) -> Result<(), TestCaseError> {
        let w = &self.world;
        let now = w.now;
        for m in &self.certs {
            let cert = w.cert(&m.id);
            // (a) the ledger's status is the model's.
            prop_assert_eq!(cert.status, m.status, "status of {}", m.id);
            prop_assert_eq!(cert.resign_required, m.resign_required, "resign_required of {}", m.id);
            let v = w.verify(&m.id);
            // (b) revoked stays revoked, and is never VALID again.
            if m.ever_revoked {
                prop_assert_eq!(cert.status, CertificateStatus::Revoked, "{} left REVOKED", m.id);
                prop_assert_eq!(v.verdict, Verdict::Revoked, "verdict of revoked {}", m.id);
            }
            // (c) every successful change is in the history.
            let history: Vec<HistoryEntry> = w
                .evaluate(Who::Auditor, "History", &CertificateIdRequest { certificate_id: m.id.clone() })
                .map_err(|e| TestCaseError::fail(format!("history of {}: {e}", m.id)))?;
            prop_assert_eq!(history.len(), m.writes, "history of {}: {:?}", m.id, history);
            prop_assert_eq!(history[0].status, m.status, "newest history entry of {}", m.id);
            // (e) verdicts agree with status and validity.
            let issuance_until = cert.issuance.as_ref().map(|i| i.valid_until);
            match v.verdict {
                Verdict::Valid => {
                    prop_assert_eq!(cert.status, CertificateStatus::Active);
                    prop_assert!(issuance_until.is_some_and(|u| now <= u), "VALID after valid_until: {}", m.id);
                }
                Verdict::Expired => {
                    prop_assert_eq!(cert.status, CertificateStatus::Active);
                    prop_assert!(issuance_until.is_some_and(|u| now > u), "EXPIRED before valid_until: {}", m.id);
                }
                _ => {}
            }
            let expected = match m.status {
                CertificateStatus::Active if m.valid_until.is_some_and(|u| now <= u) => Verdict::Valid,
                CertificateStatus::Active => Verdict::Expired,
                CertificateStatus::Pending => Verdict::Pending,
                CertificateStatus::Rejected => Verdict::Rejected,
                CertificateStatus::Suspended => Verdict::Suspended,
                CertificateStatus::Revoked => Verdict::Revoked,
                CertificateStatus::Superseded => Verdict::Superseded,
            };
            prop_assert_eq!(v.verdict, expected, "verdict of {} ({})", m.id, m.status);
            if let (Some(u), true) = (m.valid_until, cert.status == CertificateStatus::Active) {
                prop_assert_eq!(issuance_until, Some(u), "valid_until of {}", m.id);
            }
        }
        // (d) the indexes agree with the records.
        for status in CertificateStatus::ALL {
            let listed = self.collect_pages(|bookmark| {
                w.evaluate(Who::Auditor, "ListByStatus", &ListByStatusRequest { status, page_size: PAGE, bookmark })
                    .expect("ListByStatus")
            })?;
            prop_assert!(
                listed.iter().all(|c| c.status == status),
                "ListByStatus {} lists a record of another status",
                status
            );
            let ids: Vec<String> = listed.into_iter().map(|c| c.id).collect();
            let unique: BTreeSet<String> = ids.iter().cloned().collect();
            prop_assert_eq!(unique.len(), ids.len(), "ListByStatus {} repeats a certificate", status);
            let expected: BTreeSet<String> =
                self.certs.iter().filter(|m| m.status == status).map(|m| m.id.clone()).collect();
            prop_assert_eq!(unique, expected, "ListByStatus {}", status);
        }
        let listed = self.collect_pages(|bookmark| {
            w.evaluate(
                Who::Auditor,
                "ListByApplicant",
                &ListByApplicantRequest { msp_id: Some(MANUFACTURER_MSP.into()), page_size: PAGE, bookmark },
            )
            .expect("ListByApplicant")
        })?;
        let ids: BTreeSet<String> = listed.iter().map(|c| c.id.clone()).collect();
        prop_assert_eq!(ids.len(), listed.len(), "ListByApplicant repeats a certificate");
        let all: BTreeSet<String> = self.certs.iter().map(|m| m.id.clone()).collect();
        prop_assert_eq!(ids, all, "ListByApplicant(ManufacturerMSP)");
        Ok(())
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut r = Run { world: base(), certs: Vec::new(), applied: 0 };
    for (n, op) in ops.iter().enumerate() {
        r.step(op).map_err(|e| TestCaseError::fail(format!("step {n} {op:?}: {e}")))?;
        r.check_invariants().map_err(|e| TestCaseError::fail(format!("after step {n} {op:?}: {e}")))?;
    }
    Ok(())
}

proptest! {
    // No regression file: a failure prints its minimal sequence of operations.
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_transaction_sequences_keep_the_ledger_consistent(ops in prop::collection::vec(op(), 1..40)) {
        run(&ops)?;
    }
}

/// A hand-written sequence through every transition, so that the model itself is known
/// to be exercised even if the random cases happen to miss a path.
#[test]
fn the_model_follows_a_scripted_path() {
    use Kind::*;
    let script = [
        Op::Do(Apply, 0, false),
        Op::Do(Apply, 0, false),
        Op::Do(Apply, 0, false),
        Op::Do(Approve, 0, false),
        Op::Do(Reject, 1, false),
        Op::Do(UpdateSds, 0, false), // ACTIVE -> SUSPENDED, resign needed
        Op::Do(ReinstateUnsigned, 0, false),
        Op::Do(Reinstate, 0, false),
        Op::Do(Suspend, 0, false),
        Op::Do(UpdateSds, 0, false), // SUSPENDED stays, resign needed
        Op::Do(Reinstate, 0, false),
        Op::WrongRole(Revoke, 0, 2),
        Op::Do(Renew, 0, false),
        Op::Do(UpdateSds, 2, false), // PENDING stays
        Op::Do(Approve, 2, false),
        Op::AdvanceDays(365),
        Op::AdvanceDays(1), // expired
        Op::Do(Suspend, 3, false),
        Op::Do(Revoke, 3, false),
        Op::Do(Reinstate, 3, false),
        Op::Do(Renew, 2, false),
        Op::AdvanceDays(3650), // the issuer keys have expired
        Op::Do(Apply, 0, false),
        Op::Do(Approve, 5, false),
        Op::Do(Reject, 5, false),
    ];
    let mut r = Run { world: base(), certs: Vec::new(), applied: 0 };
    for (n, op) in script.iter().enumerate() {
        if let Err(e) = r.step(op).and_then(|()| r.check_invariants()) {
            panic!("step {n} {op:?}: {e}");
        }
    }
    let statuses: Vec<CertificateStatus> = r.certs.iter().map(|m| m.status).collect();
    use CertificateStatus::*;
    assert_eq!(statuses, vec![Superseded, Rejected, Superseded, Revoked, Active, Rejected]);
}
