//! The test world on the embedded RocksDB ledger: the same identities, governance and
//! signing helpers as [`World`](crate::World), but every transaction goes through
//! [`Ledger::submit`] (write batch, key history, validation parameters, write sets, the
//! hash-chained log and its events), so "a refusal changes nothing" can be checked where
//! it can fail: on every column family, byte for byte, and after reopening the ledger.

use std::collections::BTreeMap;

use nanotrace_chaincode::{CertificateContract, ContractError};
use nanotrace_ledger::column_families::{CF_HISTORY, CF_LOG, CF_META, CF_STATE, CF_VPARAMS, CF_WRITESETS};
use nanotrace_ledger::{Ledger, LedgerError};
use nanotrace_model::*;
use nanotrace_shim::{EndorsementFailure, Stub, StubError, TxTimestamp};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::sample::sample_application;
use crate::world::{creator, governance_transactions, second_certification_body_transactions, sign_approval, Who, T0};

/// Why a transaction on a [`DiskWorld`] failed.
#[derive(Debug)]
pub enum DiskError {
    /// The contract refused it.
    Contract(ContractError),
    /// The ledger refused or failed it (e.g. `ENDORSEMENT_POLICY_FAILURE` at commit).
    Ledger(LedgerError),
}

impl From<LedgerError> for DiskError {
    fn from(e: LedgerError) -> Self {
        DiskError::Ledger(e)
    }
}

impl std::fmt::Display for DiskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiskError::Contract(e) => write!(f, "{e}"),
            DiskError::Ledger(e) => write!(f, "{e}"),
        }
    }
}

impl DiskError {
    /// The contract's error code, `ENDORSEMENT_POLICY_FAILURE` for a transaction the
    /// ledger invalidated, `LEDGER` for any other ledger failure.
    pub fn code(&self) -> &'static str {
        match self {
            DiskError::Contract(e) => e.code(),
            DiskError::Ledger(LedgerError::Stub(StubError::EndorsementPolicyFailure(_))) => EndorsementFailure::CODE,
            DiskError::Ledger(_) => "LEDGER",
        }
    }
}

/// Every column family of the ledger, key → value: what "nothing changed" compares.
pub type Dump = BTreeMap<(&'static str, Vec<u8>), Vec<u8>>;

/// A governed RocksDB ledger in a temporary directory, with a clock.
pub struct DiskWorld {
    /// `None` only while [`DiskWorld::reopen`] swaps it.
    ledger: Option<Ledger>,
    dir: tempfile::TempDir,
    /// The transaction time of the next transaction (Unix seconds).
    pub now: i64,
}

impl std::fmt::Debug for DiskWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskWorld").finish_non_exhaustive()
    }
}

impl DiskWorld {
    /// An empty ledger.
    pub fn empty() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let ledger = Ledger::open(&dir.path().join("db")).expect("open ledger");
        DiskWorld { ledger: Some(ledger), dir, now: T0 }
    }

    /// Governed exactly like [`World::governed`](crate::World::governed).
    pub fn governed() -> Self {
        let mut w = DiskWorld::empty();
        w.run_script(governance_transactions());
        w
    }

    /// Adds the second certification body, as
    /// [`World::add_second_certification_body`](crate::World::add_second_certification_body).
    pub fn add_second_certification_body(&mut self) {
        self.run_script(second_certification_body_transactions());
    }

    fn run_script(&mut self, txs: Vec<crate::world::ScriptedTx>) {
        for (who, function, arg) in txs {
            if let Err(e) = self.submit_raw(who, function, &[arg]) {
                panic!("{function} by {who:?} failed: {e}");
            }
        }
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        self.ledger.as_ref().expect("ledger is open")
    }

    fn ts(&self) -> Option<TxTimestamp> {
        Some(TxTimestamp { seconds: self.now, nanos: 0 })
    }

    /// Submits `function` with raw arguments as `who`.
    pub fn submit_raw(&mut self, who: Who, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, DiskError> {
        let at = self.ts();
        self.ledger()
            .submit(&creator(who), function, args, at, |stub| {
                CertificateContract.invoke(stub, function, args).map_err(DiskError::Contract)
            })
            .map(|(out, _)| out)
    }

    /// Submits `function` with one JSON request as `who` under transaction ID `tx_id`
    /// (fixed before the request was made, as a client that chose its proposal's nonce).
    pub fn submit_with_tx_id<Req: Serialize>(
        &mut self,
        who: Who,
        tx_id: &str,
        function: &str,
        req: &Req,
    ) -> Result<Vec<u8>, DiskError> {
        let arg = serde_json::to_vec(req).expect("encode request");
        let at = self.ts();
        let args = [arg];
        self.ledger()
            .submit_with_tx_id(&creator(who), tx_id, function, &args, at, |stub| {
                CertificateContract.invoke(stub, function, &args).map_err(DiskError::Contract)
            })
            .map(|(out, _)| out)
    }

    /// Approvals of `ids` by `who` at the current time, each with its certificate's
    /// credential as a transaction of ID `tx_id` would issue it (positions from
    /// `StatusPositions` now), as [`World::approvals_with_credentials`](crate::World::approvals_with_credentials).
    pub fn approvals_with_credentials(&self, who: Who, ids: &[&str], tx_id: &str) -> Vec<ApproveRequest> {
        let certs: Vec<Certificate> = ids.iter().map(|id| self.cert(id)).collect();
        let req = StatusPositionsRequest { tx_id: tx_id.into(), count: ids.len() as u32 };
        let positions: StatusPositionsResponse = self.evaluate(who, "StatusPositions", &req).expect("StatusPositions");
        let organizations: Vec<Organization> =
            self.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("organizations");
        crate::world::sign_approvals_with_credentials(
            &certs,
            who,
            self.now,
            tx_id,
            &positions.positions,
            &organizations,
        )
    }

    /// Submits `function` with one JSON request as `who`.
    pub fn submit<Req: Serialize>(&mut self, who: Who, function: &str, req: &Req) -> Result<Vec<u8>, DiskError> {
        let arg = serde_json::to_vec(req).expect("encode request");
        self.submit_raw(who, function, &[arg])
    }

    /// Submits and expects success.
    pub fn ok<Resp: DeserializeOwned>(&mut self, who: Who, function: &str, req: &impl Serialize) -> Resp {
        match self.submit(who, function, req) {
            Ok(out) => crate::answers::response(function, &out, |receipt| {
                self.evaluate(who, "PrivateAnswer", receipt).expect("the billing write's answer")
            }),
            Err(e) => panic!("{function} by {who:?} failed: {e}"),
        }
    }

    /// A transaction that runs `body` on the stub directly (not the contract), as `who`:
    /// for writes the contract would never make.
    pub fn raw(
        &mut self,
        who: Who,
        body: impl FnOnce(&mut dyn Stub) -> Result<(), StubError>,
    ) -> Result<(), DiskError> {
        let at = self.ts();
        self.ledger()
            .submit(&creator(who), "Raw", &[], at, |stub| body(stub).map_err(|e| DiskError::Ledger(e.into())))
            .map(|((), _)| ())
    }

    /// Evaluates a query as `who`.
    pub fn evaluate<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        who: Who,
        function: &str,
        req: &Req,
    ) -> Result<Resp, DiskError> {
        let arg = serde_json::to_vec(req).expect("encode request");
        self.ledger()
            .evaluate(&creator(who), self.ts(), |stub| {
                CertificateContract.invoke(stub, function, &[arg]).map_err(DiskError::Contract)
            })
            .map(|out| serde_json::from_slice(&out).expect("decode response"))
    }

    /// The certificate as `GetCertificate` answers it.
    pub fn cert(&self, id: &str) -> Certificate {
        self.evaluate(Who::Auditor, "GetCertificate", &CertificateIdRequest { certificate_id: id.into() })
            .expect("certificate")
    }

    /// The verdict on `id`.
    pub fn verify(&self, id: &str) -> Verification {
        self.evaluate(Who::Unknown, "Verify", &CertificateIdRequest { certificate_id: id.into() }).expect("verify")
    }

    /// Applies for the sample application of `batch` as the applicant.
    pub fn apply(&mut self, batch: &str) -> String {
        let ids: IdsResponse = self.ok(Who::Applicant, "Apply", &sample_application(batch));
        ids.certificate_ids[0].clone()
    }

    /// A correctly signed approval of `id` by `who` at the current time, for a year.
    pub fn approval(&self, who: Who, id: &str) -> ApproveRequest {
        sign_approval(&self.cert(id), who, self.now, 365)
    }

    /// Applies and approves (by [`Who::Certifier`]); returns the certificate's ID.
    pub fn issue(&mut self, batch: &str) -> String {
        let id = self.apply(batch);
        let req = self.approval(Who::Certifier, &id);
        self.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
        id
    }

    /// Every key and value of every column family.
    pub fn dump(&self) -> Dump {
        let mut out = Dump::new();
        for cf in [CF_STATE, CF_HISTORY, CF_VPARAMS, CF_LOG, CF_WRITESETS, CF_META] {
            for (k, v) in self.ledger().raw_entries(cf).expect("read column family") {
                out.insert((cf, k), v);
            }
        }
        out
    }

    /// Closes the ledger and opens it again from disk.
    pub fn reopen(&mut self) {
        drop(self.ledger.take());
        self.ledger = Some(Ledger::open(&self.dir.path().join("db")).expect("reopen ledger"));
    }

    /// Asserts `nanotrace ledger check` passes: hash chain, write sets, replay.
    pub fn assert_intact(&self) {
        let report = self.ledger().check().expect("check runs");
        assert!(report.is_ok(), "ledger check: {report:?}");
    }

    /// Asserts that `result` failed with `code` and that no column family changed since
    /// `before` (state, history, validation parameters, write sets, log with its events,
    /// height and head hash).
    pub fn assert_refused_unchanged(
        &self,
        before: &Dump,
        code: &str,
        what: &str,
        result: Result<impl std::fmt::Debug, DiskError>,
    ) -> DiskError {
        let err = match result {
            Ok(out) => panic!("{what} should fail with {code}, got {out:?}"),
            Err(e) => e,
        };
        assert_eq!(err.code(), code, "{what}: {err}");
        let after = self.dump();
        if &after != before {
            let changed: Vec<_> = after
                .iter()
                .filter(|(k, v)| before.get(*k) != Some(*v))
                .map(|((cf, k), _)| format!("{cf}:{}", String::from_utf8_lossy(k)))
                .chain(
                    before
                        .keys()
                        .filter(|k| !after.contains_key(*k))
                        .map(|(cf, k)| format!("{cf}:{} (deleted)", String::from_utf8_lossy(k))),
                )
                .collect();
            panic!("{what} was refused ({err}) but changed the ledger: {changed:?}");
        }
        err
    }

    /// Submits, expects a refusal with `code`, and checks that nothing changed on disk.
    pub fn expect_refused(&mut self, code: &str, who: Who, function: &str, req: &impl Serialize) -> DiskError {
        let before = self.dump();
        let result = self.submit(who, function, req);
        self.assert_refused_unchanged(&before, code, &format!("{function} by {who:?}"), result)
    }
}
