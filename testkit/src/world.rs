//! The test world: a governed ledger (in memory) with real X.509 identities (rcgen),
//! registered organisations, roles and Ed25519 issuer keys, and helpers that submit and
//! evaluate the contract's functions as any of them.

use ed25519_dalek::{Signer, SigningKey};
use nanotrace_chaincode::{CertificateContract, ContractError};
use nanotrace_ledger::memory::MemoryLedger;
use nanotrace_model::sample;
use nanotrace_model::*;
use nanotrace_shim::{Creator, TxTimestamp};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::sample::sample_application;

pub const GOV_MSP: &str = sample::REGULATOR_MSP;
pub const CERTIFIER_MSP: &str = sample::CERTIFIER_MSP;
pub const MANUFACTURER_MSP: &str = sample::MANUFACTURER_MSP;
pub const OTHER_MANUFACTURER_MSP: &str = "OtherManufacturerMSP";
/// The GS1 Company Prefix of [`OTHER_MANUFACTURER_MSP`] (the sample manufacturer holds
/// [`sample::MANUFACTURER_COMPANY_PREFIX`]).
pub const OTHER_COMPANY_PREFIX: &str = "5901234";
/// A GTIN under [`OTHER_COMPANY_PREFIX`]: what [`Who::OtherApplicant`] applies for.
pub const OTHER_GTIN: &str = "5901234123457";
pub const UNKNOWN_MSP: &str = "StrangerMSP";
/// A second certification body (registered by [`World::add_second_certification_body`]).
pub const OTHER_CERTIFIER_MSP: &str = "OtherCertifierMSP";
pub use nanotrace_model::DAY;
/// 2026-01-01T00:00:00Z
pub const T0: i64 = 1_767_225_600;

/// The identities every test world knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    Admin,
    Certifier,
    /// A second certifier of the same certification body, with its own issuer key.
    Certifier2,
    Auditor,
    Applicant,
    OtherApplicant,
    Unknown,
    /// An admin-OU identity of a manufacturer (not the governance org).
    ManufacturerAdmin,
    /// A certifier of a second certification body, [`OTHER_CERTIFIER_MSP`]; registered,
    /// granted the certifier role and given an issuer key only by
    /// [`World::add_second_certification_body`].
    OtherCertifier,
    /// A member of the certification body, [`CERTIFIER_MSP`], for its invoicing: granted
    /// the finance role only by [`World::enable_invoicing`].
    Finance,
}

impl Who {
    /// The seven roles of the authorization matrix.
    pub const MATRIX: [Who; 7] =
        [Who::Admin, Who::Certifier, Who::Finance, Who::Auditor, Who::Applicant, Who::OtherApplicant, Who::Unknown];

    fn spec(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Who::Admin => (GOV_MSP, "admin", "Admin@regulator"),
            Who::Certifier => (CERTIFIER_MSP, "client", "alice@certifier"),
            Who::Certifier2 => (CERTIFIER_MSP, "client", "bob@certifier"),
            Who::Auditor => (GOV_MSP, "client", "carol@regulator"),
            Who::Applicant => (MANUFACTURER_MSP, "client", "dave@manufacturer"),
            Who::OtherApplicant => (OTHER_MANUFACTURER_MSP, "client", "erin@othermanufacturer"),
            Who::Unknown => (UNKNOWN_MSP, "client", "mallory@stranger"),
            Who::ManufacturerAdmin => (MANUFACTURER_MSP, "admin", "Admin@manufacturer"),
            Who::OtherCertifier => (OTHER_CERTIFIER_MSP, "client", "olga@othercertifier"),
            Who::Finance => (CERTIFIER_MSP, "client", "fiona@certifier"),
        }
    }
}

fn make_cert(msp: &str, ou: &str, cn: &str) -> Vec<u8> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, msp.trim_end_matches("MSP").to_lowercase() + ".example.com");
    dn.push(DnType::OrganizationalUnitName, ou);
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    params.self_signed(&key).expect("cert").pem().into_bytes()
}

static CREATORS: OnceLock<BTreeMap<Who, Creator>> = OnceLock::new();

pub fn creator(who: Who) -> Creator {
    let all = CREATORS.get_or_init(|| {
        [
            Who::Admin,
            Who::Certifier,
            Who::Certifier2,
            Who::Auditor,
            Who::Applicant,
            Who::OtherApplicant,
            Who::Unknown,
            Who::ManufacturerAdmin,
            Who::OtherCertifier,
            Who::Finance,
        ]
        .into_iter()
        .map(|w| {
            let (msp, ou, cn) = w.spec();
            (w, Creator { msp_id: msp.to_owned(), id_bytes: make_cert(msp, ou, cn) })
        })
        .collect()
    });
    all[&who].clone()
}

/// A second certificate of `who`'s identity (the same subject and issuer, so the same
/// `x509::` ID) for a new key: what an organisation's CA issues when it enrolls the same
/// name again.
pub fn twin(who: Who) -> Creator {
    let (msp, ou, cn) = who.spec();
    Creator { msp_id: msp.to_owned(), id_bytes: make_cert(msp, ou, cn) }
}

pub fn actor(who: Who) -> Actor {
    let c = creator(who);
    let id = nanotrace_chaincode::identity::parse_creator(&c).expect("identity");
    id.actor()
}

/// The key of `who`'s certificate as role grants name it.
pub fn key_of(who: Who) -> String {
    nanotrace_chaincode::identity::parse_creator(&creator(who)).expect("identity").key
}

/// `GrantRole`'s request giving `role` to `who`, held by `who`'s key.
pub fn grant(who: Who, role: Role) -> RoleRequest {
    RoleRequest { identity: actor(who), role, key: Some(key_of(who)) }
}

/// `RevokeRole`'s request taking `role` from `who`.
pub fn revoke(who: Who, role: Role) -> RoleRequest {
    RoleRequest { identity: actor(who), role, key: None }
}

pub fn issuer_signing_key(who: Who) -> SigningKey {
    let seed = match who {
        Who::Certifier => [7u8; 32],
        Who::Certifier2 => [8u8; 32],
        Who::OtherCertifier => [10u8; 32],
        _ => [9u8; 32],
    };
    SigningKey::from_bytes(&seed)
}

pub fn issuer_key_id_of(who: Who) -> String {
    issuer_key_id(issuer_signing_key(who).verifying_key().as_bytes())
}

/// A ledger with the contract and a clock.
#[derive(Clone)]
pub struct World {
    pub ledger: MemoryLedger,
    pub now: i64,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World").finish_non_exhaustive()
    }
}

impl World {
    /// An empty ledger (not bootstrapped).
    pub fn empty() -> Self {
        World { ledger: MemoryLedger::new(), now: T0 }
    }

    /// Bootstrapped, organisations registered, roles granted, issuer keys registered
    /// (the transactions of [`governance_transactions`]).
    pub fn governed() -> Self {
        let mut w = World::empty();
        for (who, function, arg) in governance_transactions() {
            if let Err(e) = w.submit_raw(who, function, &[arg]) {
                panic!("{function} by {who:?} failed: {e}");
            }
        }
        w
    }

    /// Registers a second certification body ([`OTHER_CERTIFIER_MSP`]), grants
    /// [`Who::OtherCertifier`] the certifier role and registers its issuer key (the
    /// transactions of [`second_certification_body_transactions`]).
    pub fn add_second_certification_body(&mut self) {
        for (who, function, arg) in second_certification_body_transactions() {
            if let Err(e) = self.submit_raw(who, function, &[arg]) {
                panic!("{function} by {who:?} failed: {e}");
            }
        }
    }

    /// Readies the certification body for invoicing: the admin sets the billing details
    /// of [`CERTIFIER_MSP`] and [`MANUFACTURER_MSP`] (the samples of `examples/`) and
    /// grants [`Who::Finance`] the finance role.
    pub fn enable_invoicing(&mut self) {
        for (who, function, arg) in invoicing_transactions() {
            if let Err(e) = self.submit_raw(who, function, &[arg]) {
                panic!("{function} by {who:?} failed: {e}");
            }
        }
    }

    pub fn ts(&self) -> TxTimestamp {
        TxTimestamp { seconds: self.now, nanos: 0 }
    }

    /// Submits a transaction with raw arguments; answers its output and transaction ID.
    pub fn submit_tx(
        &mut self,
        who: Who,
        function: &str,
        args: &[Vec<u8>],
    ) -> Result<(Vec<u8>, String), ContractError> {
        self.submit_transient(&creator(who), None, function, args, Transient::new())
            .map(|(out, tx_id)| (out, tx_id.unwrap_or_default()))
    }

    /// Submits a transaction with raw arguments and transient data, as `creator`, under
    /// `tx_id` if given; answers its output and (without `tx_id`) its transaction ID. A
    /// committed `RegisterOrganization` brings the ledger's collections up to date, as
    /// the consortium procedures do.
    pub fn submit_transient(
        &mut self,
        creator: &Creator,
        tx_id: Option<&str>,
        function: &str,
        args: &[Vec<u8>],
        transient: Transient,
    ) -> Result<(Vec<u8>, Option<String>), ContractError> {
        let ts = self.ts();
        let run = |stub: &mut nanotrace_ledger::sim::TxSimulator<'_, MemoryLedger>| {
            stub.set_transient(transient);
            invoke(stub, function, args)
        };
        let done = match tx_id {
            Some(id) => self.ledger.execute_with_tx_id(creator, id, ts, run).map(|out| (out, None)),
            None => self.ledger.execute(creator, ts, run).map(|(out, id)| (out, Some(id))),
        }?;
        if function == Function::RegisterOrganization.name() {
            let organizations: Vec<Organization> =
                self.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("organizations");
            let collections = nanotrace_chaincode::collections::ledger_collections(&organizations, &[])
                .expect("the collections of the registered organisations");
            self.ledger.set_collections(collections);
        }
        Ok(done)
    }

    /// Submits a transaction with raw arguments.
    pub fn submit_raw(&mut self, who: Who, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ContractError> {
        self.submit_tx(who, function, args).map(|(out, _)| out)
    }

    /// Submits `req` to `function` as `who` under transaction ID `tx_id` (chosen before the
    /// request was made, as a client that fixed its proposal's nonce).
    pub fn submit_with_tx_id<Req: Serialize>(
        &mut self,
        who: Who,
        tx_id: &str,
        function: &str,
        req: &Req,
    ) -> Result<Vec<u8>, ContractError> {
        self.submit_json(&creator(who), Some(tx_id), function, req)
    }

    /// Submits `req` to `function` as `creator`, under `tx_id` if given.
    fn submit_json<Req: Serialize>(
        &mut self,
        creator: &Creator,
        tx_id: Option<&str>,
        function: &str,
        req: &Req,
    ) -> Result<Vec<u8>, ContractError> {
        let (args, transient) = request_parts(function, req);
        self.submit_transient(creator, tx_id, function, &args, transient).map(|(out, _)| out)
    }

    /// The status-list positions a transaction of ID `tx_id` by `who` issuing `count`
    /// certificates would give them (`StatusPositions`).
    pub fn status_positions(&self, who: Who, tx_id: &str, count: u32) -> Vec<u32> {
        let req = StatusPositionsRequest { tx_id: tx_id.into(), count };
        let out: StatusPositionsResponse = self.evaluate(who, "StatusPositions", &req).expect("StatusPositions");
        out.positions
    }

    /// Approvals of `ids` by `who` at the current time, each with its certificate's
    /// credential as a transaction of ID `tx_id` would issue it (positions from
    /// `StatusPositions` now): what a client sends as one `ApproveBatch` under `tx_id`.
    pub fn approvals_with_credentials(&self, who: Who, ids: &[&str], tx_id: &str) -> Vec<ApproveRequest> {
        let certs: Vec<Certificate> = ids.iter().map(|id| self.cert(id)).collect();
        let positions = self.status_positions(who, tx_id, ids.len() as u32);
        let organizations: Vec<Organization> =
            self.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("organizations");
        sign_approvals_with_credentials(&certs, who, self.now, tx_id, &positions, &organizations)
    }

    /// A renewal of `id` by `who` now, carrying the new version's credential as the
    /// transaction of ID `tx_id` issues it (its position from `StatusPositions`).
    pub fn renewal_with_credential(&self, who: Who, id: &str, tx_id: &str) -> RenewRequest {
        let old = self.cert(id);
        let position = self.status_positions(who, tx_id, 1)[0];
        let org = creator(who).msp_id;
        let mut req = sign_renewal_at(&old, &org, &issuer_signing_key(who), self.now, Some(position));
        let next = renewed_version(&old);
        let terms = IssuanceTerms {
            issuer_org: &org,
            issuer_key_id: &req.issuer_key_id,
            issued_at: req.issued_at,
            valid_until: req.valid_until,
            status_position: Some(position),
        };
        let issuance = credential::issuance_of(&next, &terms, req.signature.clone(), tx_id);
        req.credential = Some(self.issued_credential(who, &credential::as_issued(&next, issuance, position)));
        req
    }

    /// A fresh signature of `id` (after an SDS revision) by `who`, carrying the credential
    /// of the certificate as the `Reinstate` of ID `tx_id` leaves it: at a new position
    /// (from `StatusPositions`) when it had a recorded credential, else at its own.
    pub fn resignature_with_credential(&self, who: Who, id: &str, tx_id: &str) -> Resignature {
        let cert = self.cert(id);
        let position = match cert.credential {
            Some(_) => self.status_positions(who, tx_id, 1)[0],
            None => cert.status_index.expect("a position"),
        };
        let mut resign = sign_resignature_at(&cert, &issuer_signing_key(who), Some(position));
        let old = cert.issuance.clone().expect("issued");
        let terms = IssuanceTerms {
            issuer_org: &old.issuer_org,
            issuer_key_id: &resign.issuer_key_id,
            issued_at: old.issued_at,
            valid_until: old.valid_until,
            status_position: Some(position),
        };
        let issuance = Issuance {
            issuer_key_id: resign.issuer_key_id.clone(),
            approved_by: actor(who),
            digest: CanonicalCertificate::for_certificate(&cert, &terms).digest_hex(),
            signature: resign.signature.clone(),
            status_position: Some(position),
            ..old
        };
        resign.credential = Some(self.issued_credential(who, &credential::as_issued(&cert, issuance, position)));
        resign
    }

    /// `who`'s credential of `cert` as an issuing transaction leaves it, now, under [`STATUS_BASE`].
    fn issued_credential(&self, who: Who, cert: &Certificate) -> IssuedCredential {
        let organizations: Vec<Organization> =
            self.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("organizations");
        let name = credential::issuer_name(&organizations, &creator(who).msp_id).to_owned();
        credential::issued(cert, &issuer_signing_key(who), &name, STATUS_BASE, self.now).expect("sign the credential")
    }

    /// Submits `req` as the client does: a private function's request
    /// ([`Function::has_private_request`]) in transient data, any other as the argument.
    pub fn submit<Req: Serialize>(&mut self, who: Who, function: &str, req: &Req) -> Result<Vec<u8>, ContractError> {
        self.submit_json(&creator(who), None, function, req)
    }

    pub fn evaluate<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        who: Who,
        function: &str,
        req: &Req,
    ) -> Result<Resp, ContractError> {
        let arg = serde_json::to_vec(req).expect("encode request");
        self.ledger
            .evaluate(&creator(who), self.ts(), |stub| invoke(stub, function, &[arg]))
            .map(|out| serde_json::from_slice(&out).expect("decode response"))
    }

    /// Submits `req` to `function` signed by `creator` (any certificate, not one of [`Who`]'s).
    pub fn submit_as<Req: Serialize>(
        &mut self,
        creator: &Creator,
        function: &str,
        req: &Req,
    ) -> Result<Vec<u8>, ContractError> {
        self.submit_json(creator, None, function, req)
    }

    /// Evaluates `req` with `function` as `creator`.
    pub fn evaluate_as<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        creator: &Creator,
        function: &str,
        req: &Req,
    ) -> Result<Resp, ContractError> {
        let arg = serde_json::to_vec(req).expect("encode request");
        self.ledger
            .evaluate(creator, self.ts(), |stub| invoke(stub, function, &[arg]))
            .map(|out| serde_json::from_slice(&out).expect("decode response"))
    }

    /// Writes a grant of `role` to `who` straight into the ledger, past every check of
    /// `GrantRole` (which gives roles only to members of the right kind of organisation):
    /// what defence in depth must still refuse.
    pub fn forge_role(&mut self, who: Who, role: Role) {
        let holder = actor(who);
        let grant = RoleGrant {
            identity: holder.clone(),
            role,
            granted_by: actor(Who::Admin),
            granted_at: self.now,
            key: Some(key_of(who)),
            key_source: Some(RoleKeySource::Granted),
        };
        let key = nanotrace_shim::create_composite_key("role", &[&holder.msp_id, &holder.id, role.as_str()])
            .expect("a role key");
        let ts = self.ts();
        use nanotrace_shim::Stub;
        self.ledger
            .execute(&creator(Who::Admin), ts, |stub| {
                stub.put_state(&key, &serde_json::to_vec(&grant).expect("json")).map_err(ContractError::from)
            })
            .expect("forged grant");
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

    pub fn apply(&mut self, batch: &str) -> String {
        let ids: IdsResponse = self.ok(Who::Applicant, "Apply", &sample_application(batch));
        ids.certificate_ids[0].clone()
    }

    pub fn cert(&self, id: &str) -> Certificate {
        self.evaluate(Who::Auditor, "GetCertificate", &CertificateIdRequest { certificate_id: id.into() })
            .expect("certificate")
    }

    pub fn verify(&self, id: &str) -> Verification {
        self.evaluate(Who::Unknown, "Verify", &CertificateIdRequest { certificate_id: id.into() }).expect("verify")
    }

    /// A correctly signed approval of `id` by `who` at the current time.
    pub fn approval(&self, who: Who, id: &str) -> ApproveRequest {
        self.approval_for(who, id, 365)
    }

    /// A correctly signed approval of `id` by `who` at the current time, valid for `validity_days`.
    pub fn approval_for(&self, who: Who, id: &str, validity_days: i64) -> ApproveRequest {
        sign_approval(&self.cert(id), who, self.now, validity_days)
    }

    /// A correctly signed renewal of `id` by `who` at the current time.
    pub fn renewal(&self, who: Who, id: &str) -> RenewRequest {
        sign_renewal(&self.cert(id), who, self.now)
    }

    /// A fresh signature over the current canonical bytes (for Reinstate after an SDS update).
    pub fn resignature(&self, who: Who, id: &str) -> Resignature {
        sign_resignature(&self.cert(id), who)
    }

    /// A correctly made `AttachCredential` request for `id` by `who`'s issuer key at the
    /// current time, naming the status lists under [`STATUS_BASE`].
    pub fn credential_attachment(&self, who: Who, id: &str) -> AttachCredentialRequest {
        let organizations: Vec<Organization> =
            self.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("organizations");
        sign_credential_with(&self.cert(id), &issuer_signing_key(who), &organizations, STATUS_BASE, self.now)
    }

    /// Rewrites certificate `id`'s state (the write-once layout's `cert~state` key) past
    /// the contract, with `edit` changing its JSON fields: a certificate (issued by
    /// [`CERTIFIER_MSP`]) as an earlier contract version left it (without a status-list
    /// position, with a credential recorded under any status base).
    pub fn rewrite_state(&mut self, id: &str, edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) {
        let key = nanotrace_shim::create_composite_key("cert~state", &[id]).expect("key");
        self.rewrite_key(&key, edit);
    }

    /// Rewrites certificate `id`'s record (the `cert` key: in the write-once layout the
    /// application as filed) past the contract, with `edit` changing its JSON fields: what
    /// peers that do not run the contract, or a hand on the ledger's disk, could write.
    pub fn rewrite_record(&mut self, id: &str, edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) {
        let key = nanotrace_shim::create_composite_key("cert", &[id]).expect("key");
        self.rewrite_key(&key, edit);
    }

    /// Writes `cert` as a whole record of its own (the layout whose stored status is not
    /// `PENDING`) past the contract: a certificate no contract wrote, as a rogue chaincode
    /// package on colluding peers could commit it.
    pub fn forge_certificate(&mut self, cert: &Certificate) {
        use nanotrace_shim::{create_composite_key, Stub};
        let key = create_composite_key("cert", &[&cert.id]).expect("key");
        let ts = self.ts();
        self.ledger
            .execute(&creator(Who::Applicant), ts, |stub| {
                stub.put_state(&key, &serde_json::to_vec(cert).expect("JSON")).map_err(ContractError::from)
            })
            .expect("forged");
    }

    /// Rewrites the JSON object at `key` past the contract.
    fn rewrite_key(&mut self, key: &str, edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) {
        use nanotrace_shim::Stub;
        let ts = self.ts();
        // The issuing certification body's member: its peer's endorsement protects the key.
        self.ledger
            .execute(&creator(Who::Certifier), ts, |stub| {
                let stored = stub.get_state(key)?.expect("the value to rewrite");
                let mut state: serde_json::Value = serde_json::from_slice(&stored).expect("JSON");
                edit(state.as_object_mut().expect("an object"));
                stub.put_state(key, &serde_json::to_vec(&state).expect("JSON")).map_err(ContractError::from)
            })
            .expect("rewritten");
    }

    /// [`World::rewrite_state`] as a contract before the status lists left an issued
    /// certificate: no status-list position, and `proof` (one of [`status_less_proof`],
    /// as the contract recorded for it before issue 44) as its credential.
    pub fn issued_before_the_status_lists(&mut self, id: &str, proof: Option<CredentialProof>) {
        self.rewrite_state(id, |state| {
            state.remove("status_index").expect("a position to take away");
            if let Some(proof) = proof {
                state.insert("credential".into(), serde_json::to_value(proof).expect("JSON"));
            }
        });
    }

    /// Declares SDS revision `revision` of issued certificate `id` as its manufacturer,
    /// then reinstates it with a fresh signature as [`Who::Certifier`]: a new revision of
    /// the certificate, reviewed.
    pub fn sign_new_sds_revision(&mut self, id: &str, revision: u32) {
        let mut sds = self.cert(id).application.sds;
        sds.revision = revision;
        sds.sha256 = format!("{revision:x}").repeat(64)[..64].to_owned();
        self.ok::<Certificate>(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: id.into(), sds });
        let resign = Some(self.resignature(Who::Certifier, id));
        let req = ReinstateRequest { certificate_id: id.into(), reason: "new SDS reviewed".into(), resign };
        self.ok::<Certificate>(Who::Certifier, "Reinstate", &req);
    }

    /// Applies and approves; returns the active certificate's ID.
    pub fn issue(&mut self, batch: &str) -> String {
        let id = self.apply(batch);
        let req = self.approval(Who::Certifier, &id);
        self.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
        id
    }

    /// Applies for the sample product of lot `batch` depending on `suppliers` and has
    /// `certifier` approve it; answers the dependent's ID.
    pub fn issue_dependent(&mut self, batch: &str, suppliers: Vec<String>, certifier: Who) -> String {
        let mut app = sample_application(batch);
        app.depends_on = suppliers;
        let ids: IdsResponse = self.ok(Who::Applicant, "Apply", &app);
        let id = ids.certificate_ids[0].clone();
        let req = self.approval(certifier, &id);
        self.ok::<IdsResponse>(certifier, "Approve", &req);
        id
    }

    /// The last chaincode event the ledger committed, decoded.
    pub fn last_event(&self) -> Event {
        serde_json::from_slice(&self.ledger.events().last().expect("an event").payload).expect("event JSON")
    }

    pub fn reason(id: &str, reason: &str) -> ReasonRequest {
        ReasonRequest { certificate_id: id.into(), reason: reason.into() }
    }

    /// Asserts that `f` fails with an error whose code is `code` and leaves the state as it was.
    pub fn expect_refused(&mut self, code: &str, who: Who, function: &str, req: &impl Serialize) -> ContractError {
        let before = self.ledger.snapshot();
        let height = self.ledger.height();
        let err = match self.submit(who, function, req) {
            Ok(out) => panic!("{function} by {who:?} should fail with {code}, got {}", String::from_utf8_lossy(&out)),
            Err(e) => e,
        };
        assert_eq!(err.code(), code, "{function} by {who:?}: {err}");
        assert_eq!(self.ledger.snapshot(), before, "{function} by {who:?} changed state despite {err}");
        assert_eq!(self.ledger.height(), height);
        err
    }
}

/// A transaction of a test world's set-up script: who submits which function with which
/// JSON argument.
pub type ScriptedTx = (Who, &'static str, Vec<u8>);

fn scripted(who: Who, function: &'static str, req: &impl Serialize) -> ScriptedTx {
    (who, function, serde_json::to_vec(req).expect("encode request"))
}

fn issuer_key_request(who: Who) -> RegisterIssuerKeyRequest {
    RegisterIssuerKeyRequest {
        public_key: hex::encode(issuer_signing_key(who).verifying_key().as_bytes()),
        holder: actor(who),
        valid_from: T0 - DAY,
        valid_until: T0 + 10 * 365 * DAY,
    }
}

/// What [`World::governed`] submits on an empty ledger: Bootstrap by the admin, the four
/// organisations and the two manufacturers' GS1 Company Prefixes, the certifier and
/// auditor roles, the two certifiers' issuer keys, the certification body's status base
/// [`STATUS_BASE`].
pub fn governance_transactions() -> Vec<ScriptedTx> {
    let mut txs = vec![scripted(Who::Admin, "Bootstrap", &BootstrapRequest {})];
    for (msp, name, kind) in [
        (GOV_MSP, sample::REGULATOR.name, OrgKind::Regulator),
        (CERTIFIER_MSP, sample::CERTIFIER.name, OrgKind::Certifier),
        (MANUFACTURER_MSP, sample::MANUFACTURER.name, OrgKind::Manufacturer),
        (OTHER_MANUFACTURER_MSP, "Other Nano Ltd", OrgKind::Manufacturer),
    ] {
        let req = RegisterOrganizationRequest {
            msp_id: msp.into(),
            name: name.into(),
            kind,
            without_peers: false,
            billing: None,
        };
        txs.push(scripted(Who::Admin, "RegisterOrganization", &req));
    }
    for (msp, prefix) in
        [(MANUFACTURER_MSP, sample::MANUFACTURER_COMPANY_PREFIX), (OTHER_MANUFACTURER_MSP, OTHER_COMPANY_PREFIX)]
    {
        let req = SetCompanyPrefixesRequest { msp_id: msp.into(), prefixes: vec![prefix.into()] };
        txs.push(scripted(Who::Admin, "SetCompanyPrefixes", &req));
    }
    for (who, role) in
        [(Who::Certifier, Role::Certifier), (Who::Certifier2, Role::Certifier), (Who::Auditor, Role::Auditor)]
    {
        txs.push(scripted(Who::Admin, "GrantRole", &grant(who, role)));
    }
    for who in [Who::Certifier, Who::Certifier2] {
        txs.push(scripted(Who::Admin, "RegisterIssuerKey", &issuer_key_request(who)));
    }
    txs.push(scripted(Who::Admin, "SetStatusBases", &status_bases(CERTIFIER_MSP)));
    txs
}

/// The certification body `msp_id`'s status bases in the test worlds: [`STATUS_BASE`].
fn status_bases(msp_id: &str) -> SetStatusBasesRequest {
    SetStatusBasesRequest { msp_id: msp_id.into(), status_bases: vec![STATUS_BASE.into()] }
}

/// What [`World::enable_invoicing`] submits.
pub fn invoicing_transactions() -> Vec<ScriptedTx> {
    let details = |msp_id: &str, details| SetBillingDetailsRequest { msp_id: msp_id.into(), details };
    vec![
        scripted(Who::Admin, "SetBillingDetails", &details(CERTIFIER_MSP, crate::sample_body_billing())),
        scripted(Who::Admin, "SetBillingDetails", &details(MANUFACTURER_MSP, crate::sample_manufacturer_billing())),
        scripted(Who::Admin, "GrantRole", &grant(Who::Finance, Role::Finance)),
    ]
}

/// What [`World::add_second_certification_body`] submits.
pub fn second_certification_body_transactions() -> Vec<ScriptedTx> {
    let org = RegisterOrganizationRequest {
        msp_id: OTHER_CERTIFIER_MSP.into(),
        name: "Second Certification Body".into(),
        kind: OrgKind::Certifier,
        without_peers: false,
        billing: None,
    };
    vec![
        scripted(Who::Admin, "RegisterOrganization", &org),
        scripted(Who::Admin, "GrantRole", &grant(Who::OtherCertifier, Role::Certifier)),
        scripted(Who::Admin, "RegisterIssuerKey", &issuer_key_request(Who::OtherCertifier)),
        scripted(
            Who::Admin,
            "SetStatusBases",
            &SetStatusBasesRequest { msp_id: OTHER_CERTIFIER_MSP.into(), status_bases: vec![OTHER_STATUS_BASE.into()] },
        ),
    ]
}

fn sign_with(cert: &Certificate, key: &SigningKey, terms: &IssuanceTerms<'_>) -> String {
    let canonical = CanonicalCertificate::for_certificate(cert, terms);
    hex::encode(key.sign(&canonical.signing_input()).to_bytes())
}

/// An approval of `cert` (as read) by `who`, issued by `who`'s organisation at
/// `issued_at` for `validity_days`, signed with `who`'s issuer key.
pub fn sign_approval(cert: &Certificate, who: Who, issued_at: i64, validity_days: i64) -> ApproveRequest {
    sign_approval_with(cert, &creator(who).msp_id, &issuer_signing_key(who), issued_at, validity_days)
}

/// An approval of `cert` (as read) issued by `issuer_org` at `issued_at` for
/// `validity_days`, signed with `key` (named by its key ID): for keys other than a test
/// identity's own (rotation).
pub fn sign_approval_with(
    cert: &Certificate,
    issuer_org: &str,
    key: &SigningKey,
    issued_at: i64,
    validity_days: i64,
) -> ApproveRequest {
    sign_approval_at(cert, issuer_org, key, issued_at, validity_days, None)
}

/// [`sign_approval_with`], the signature binding status-list position `status_position`
/// when given (an approval that carries the certificate's credential).
fn sign_approval_at(
    cert: &Certificate,
    issuer_org: &str,
    key: &SigningKey,
    issued_at: i64,
    validity_days: i64,
    status_position: Option<u32>,
) -> ApproveRequest {
    let key_id = issuer_key_id(key.verifying_key().as_bytes());
    let valid_until = issued_at + validity_days * DAY;
    let terms = IssuanceTerms { issuer_org, issuer_key_id: &key_id, issued_at, valid_until, status_position };
    let signature = sign_with(cert, key, &terms);
    ApproveRequest {
        certificate_id: cert.id.clone(),
        issuer_key_id: key_id,
        issued_at,
        valid_until,
        signature,
        credential: None,
    }
}

/// The new version a renewal of `cert` (as read) issues, before its issuance: the next
/// version number, its ID from the old one, superseding it.
pub fn renewed_version(cert: &Certificate) -> Certificate {
    let mut next = cert.clone();
    next.version += 1;
    next.supersedes = Some(cert.id.clone());
    next.id = nanotrace_model::ids::renewal_id(&cert.id, next.version);
    next
}

/// A transaction ID of the form Fabric's are (64 lowercase hex), distinct for each `n`:
/// for a test that fixes the ID before it signs.
pub fn test_tx_id(n: u64) -> String {
    format!("{n:064x}")
}

/// Approvals of `certs` (as read, pending) by `who` at `issued_at` for a year, each
/// carrying the credential of its certificate as transaction `tx_id` issues it, at the
/// position `positions` gives it (in order; what `StatusPositions` answers for `tx_id`),
/// naming the status lists under [`STATUS_BASE`] and the issuer as `organizations`
/// register it.
pub fn sign_approvals_with_credentials(
    certs: &[Certificate],
    who: Who,
    issued_at: i64,
    tx_id: &str,
    positions: &[u32],
    organizations: &[Organization],
) -> Vec<ApproveRequest> {
    assert_eq!(certs.len(), positions.len(), "a position for each certificate");
    let key = issuer_signing_key(who);
    let org = creator(who).msp_id;
    let name = credential::issuer_name(organizations, &org).to_owned();
    certs
        .iter()
        .zip(positions)
        .map(|(cert, &position)| {
            let mut req = sign_approval_at(cert, &org, &key, issued_at, 365, Some(position));
            let terms = IssuanceTerms {
                issuer_org: &org,
                issuer_key_id: &req.issuer_key_id,
                issued_at,
                valid_until: req.valid_until,
                status_position: Some(position),
            };
            let issuance = credential::issuance_of(cert, &terms, req.signature.clone(), tx_id);
            let issued = credential::as_issued(cert, issuance, position);
            req.credential =
                Some(credential::issued(&issued, &key, &name, STATUS_BASE, issued_at).expect("sign the credential"));
            req
        })
        .collect()
}

/// A renewal of `cert` (as read) by `who` at `issued_at` for a year.
pub fn sign_renewal(cert: &Certificate, who: Who, issued_at: i64) -> RenewRequest {
    sign_renewal_with(cert, &creator(who).msp_id, &issuer_signing_key(who), issued_at)
}

/// A renewal of `cert` (as read) issued by `issuer_org` at `issued_at` for a year,
/// signed with `key`.
pub fn sign_renewal_with(cert: &Certificate, issuer_org: &str, key: &SigningKey, issued_at: i64) -> RenewRequest {
    sign_renewal_at(cert, issuer_org, key, issued_at, None)
}

/// [`sign_renewal_with`], the signature binding the new version's status-list position
/// `status_position` when given (a renewal that carries its credential).
fn sign_renewal_at(
    cert: &Certificate,
    issuer_org: &str,
    key: &SigningKey,
    issued_at: i64,
    status_position: Option<u32>,
) -> RenewRequest {
    let next = renewed_version(cert);
    let key_id = issuer_key_id(key.verifying_key().as_bytes());
    let valid_until = issued_at + 365 * DAY;
    let terms = IssuanceTerms { issuer_org, issuer_key_id: &key_id, issued_at, valid_until, status_position };
    let signature = sign_with(&next, key, &terms);
    RenewRequest {
        certificate_id: cert.id.clone(),
        issuer_key_id: key_id,
        issued_at,
        valid_until,
        signature,
        credential: None,
    }
}

/// The verifier URL the test worlds' credentials name for their status lists: the status
/// base of [`CERTIFIER_MSP`].
pub const STATUS_BASE: &str = "https://verify.nanotrace.example";

/// The status base of the second certification body ([`OTHER_CERTIFIER_MSP`]).
pub const OTHER_STATUS_BASE: &str = "https://verify.other-certifier.example";

/// An `AttachCredential` request for `cert` (as read): the proof, by `key`, of the
/// credential naming the status lists under `status_base`, created at `created`; the
/// issuer named as `organizations` register the certificate's issuing organisation.
pub fn sign_credential_with(
    cert: &Certificate,
    key: &SigningKey,
    organizations: &[Organization],
    status_base: &str,
    created: i64,
) -> AttachCredentialRequest {
    let issuer_org = &cert.issuance.as_ref().expect("issued").issuer_org;
    let name = credential::issuer_name(organizations, issuer_org);
    credential::attachment(cert, key, name, status_base, created).expect("sign the credential")
}

/// The proof an earlier contract recorded for a certificate issued before the status
/// lists: `key`'s `eddsa-jcs-2022` proof of `cert`'s credential without status entries
/// (what `credential::unsigned` made for a certificate without a position then), naming
/// `status_base`, created at `created`. `cert` is read with a position (the credential is
/// made from it and its status entries dropped).
pub fn status_less_proof(
    cert: &Certificate,
    key: &SigningKey,
    organizations: &[Organization],
    status_base: &str,
    created: i64,
) -> CredentialProof {
    let issuer_org = &cert.issuance.as_ref().expect("issued").issuer_org;
    let name = credential::issuer_name(organizations, issuer_org);
    let public = key.verifying_key().to_bytes();
    let mut document = credential::unsigned(cert, &public, name, status_base).expect("the credential");
    document.as_object_mut().expect("an object").remove("credentialStatus").expect("status entries");
    let options = credential::proof_options(&document, &public, created).expect("options");
    let signature = key.sign(&credential::hash_data(&document, &options).expect("hash data"));
    let secured = credential::secured(document, options, &signature.to_bytes());
    credential::verify(&secured, &public).expect("a proof that verifies");
    let proof_value = secured["proof"]["proofValue"].as_str().expect("proofValue").to_owned();
    CredentialProof { status_base: status_base.into(), created, proof_value, position_signature: None }
}

/// A fresh signature by `who` over the current canonical bytes of `cert` (as read), on
/// its issuance terms (Reinstate after an SDS revision).
pub fn sign_resignature(cert: &Certificate, who: Who) -> Resignature {
    sign_resignature_with(cert, &issuer_signing_key(who))
}

/// A fresh signature with `key` over the current canonical bytes of `cert` (as read), on
/// its issuance terms.
pub fn sign_resignature_with(cert: &Certificate, key: &SigningKey) -> Resignature {
    sign_resignature_at(cert, key, None)
}

/// [`sign_resignature_with`], the signature binding status-list position
/// `status_position` when given (a re-signature that carries the credential).
fn sign_resignature_at(cert: &Certificate, key: &SigningKey, status_position: Option<u32>) -> Resignature {
    let issuance = cert.issuance.clone().expect("issued");
    let key_id = issuer_key_id(key.verifying_key().as_bytes());
    let terms = IssuanceTerms {
        issuer_org: &issuance.issuer_org,
        issuer_key_id: &key_id,
        issued_at: issuance.issued_at,
        valid_until: issuance.valid_until,
        status_position,
    };
    let signature = sign_with(cert, key, &terms);
    Resignature { issuer_key_id: key_id, signature, credential: None }
}

/// The contract's `invoke`, with a successful call checked against its function's
/// published JSON Schemas ([`crate::schemas`]): a private function's request as the
/// transient data carried it.
fn invoke(stub: &mut dyn nanotrace_shim::Stub, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ContractError> {
    let out = CertificateContract.invoke(stub, function, args)?;
    match Function::from_name(function) {
        Some(f) if f.has_private_request() => {
            let request: Vec<Vec<u8>> =
                stub.transient().get(nanotrace_model::billing::PRIVATE_REQUEST).cloned().into_iter().collect();
            crate::schemas::check(function, &request, &out);
        }
        _ => crate::schemas::check(function, args, &out),
    }
    Ok(out)
}

/// Transient data, as a proposal carries it.
pub type Transient = std::collections::BTreeMap<String, Vec<u8>>;

/// `req` as a client sends it to `function` ([`nanotrace_client::request_parts`]); a name
/// that is no function goes as the argument, for the contract to refuse.
fn request_parts(function: &str, req: &impl Serialize) -> (Vec<Vec<u8>>, Transient) {
    let bytes = serde_json::to_vec(req).expect("encode request");
    match Function::from_name(function) {
        Some(f) => nanotrace_client::request_parts(f, bytes),
        None => (vec![bytes], Transient::new()),
    }
}
