//! The suite's steps on the running network. Each step after `setup` applies for its own
//! certificates, so one failing step does not hide the others; every certificate a step
//! leaves behind is recorded with its expected status, and the last step checks all of
//! them on all three peers.

use crate::governance::{govern, Grants, MspIds};
use crate::network::{Network, MARKER_VAR};
use crate::peer::{NetInfo, Org, PeerCli};
use crate::process;
use ed25519_dalek::{Signature, Signer, Verifier};
use nanotrace_client::Wait;
use nanotrace_client::{ApiError, IssuerSigner, NanoTrace, Submitted};
use nanotrace_model::ids::certificate_id;
use nanotrace_model::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SAMPLE_APPLICATION: &str = include_str!("../../examples/application.json");

/// The identities and keys every step uses.
pub(crate) struct World {
    /// `Admin@regulator`: the governance admin.
    pub(crate) admin: PeerCli,
    /// `dave@manufacturer`: the applicant.
    pub(crate) dave: PeerCli,
    /// `alice@certifier`: the certifier.
    pub(crate) alice: PeerCli,
    /// `rita@regulator`: the auditor.
    pub(crate) rita: PeerCli,
    pub(crate) alice_actor: Actor,
    pub(crate) certifier_msp: String,
    /// alice's Ed25519 issuer key, on the trust list after setup.
    pub(crate) signer: IssuerSigner,
    /// Every certificate the steps made and the status it must have now.
    pub(crate) expected: Mutex<BTreeMap<String, CertificateStatus>>,
}

fn api(cli: &PeerCli) -> NanoTrace<PeerCli> {
    NanoTrace::new(cli.clone())
}

/// Waits (up to 10 s) until `reader`'s gateway peer has committed the block holding
/// certificate `id`: each peer commits a block when the ordering service delivers it to
/// that peer, so a transaction acknowledged through one organisation's peer may reach
/// another's a moment later (with BFT ordering more often than with one Raft orderer).
pub(crate) fn wait_visible<T: nanotrace_client::Transport>(reader: &NanoTrace<T>, id: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match reader.get_certificate(id).wait() {
            Ok(_) => return,
            Err(e) if e.code() == Some("NOT_FOUND") && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => panic!("{id} never became visible through this gateway: {e}"),
        }
    }
}

/// Waits (up to 10 s) until `reader`'s gateway peer holds certificate `id` in `status`:
/// a decision acknowledged through one organisation's peer reaches another's a moment
/// later (a CI run read PENDING through the Regulator's peer right after the Certifier's
/// acknowledged the approval, BFT ordering on hosts).
pub(crate) fn wait_status<T: nanotrace_client::Transport>(reader: &NanoTrace<T>, id: &str, status: CertificateStatus) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = reader.get_certificate(id).wait().map(|c| c.status);
        match now {
            Ok(s) if s == status => return,
            _ if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            other => panic!("{id} never reached {status:?} through this gateway: {other:?}"),
        }
    }
}

/// Waits (10 s at most) until `reader`'s gateway peer lists the issuer key `key_id`: a
/// key registered through another organisation's peer reaches every peer a moment apart.
pub(crate) fn wait_issuer_key_visible<T: nanotrace_client::Transport>(reader: &NanoTrace<T>, key_id: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let keys = reader.issuer_keys().wait().unwrap_or_else(|e| panic!("the issuer keys: {e}"));
        if keys.iter().any(|k| k.key_id == key_id) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{key_id} never reached this gateway's peer");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits (10 s at most) until `who`'s gateway peer answers WhoAmI with `roles`: a
/// committed role change reaches every peer a moment apart.
pub(crate) fn wait_until_roles<T: nanotrace_client::Transport>(who: &NanoTrace<T>, roles: &[Role]) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let me = who.who_am_i().wait().expect("WhoAmI");
        if me.roles == roles {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "WhoAmI still answers {:?}, not {roles:?}", me.roles);
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(crate) use nanotrace_model::clock::unix_now as now;

/// The sample application for `batch`.
pub(crate) fn application(batch: &str) -> Application {
    let mut app: Application = serde_json::from_str(SAMPLE_APPLICATION).expect("examples/application.json");
    app.batch = batch.to_owned();
    app
}

fn refused(result: Result<impl std::fmt::Debug, ApiError>, code: &str, what: &str) {
    match result {
        Err(e) if e.code() == Some(code) => eprintln!("      refused as expected ({what}): {e}"),
        other => panic!("{what}: expected the contract to refuse with {code}, got {other:?}"),
    }
}

impl World {
    pub(crate) fn expect(&self, id: &str, status: CertificateStatus) {
        self.expected.lock().expect("expected map").insert(id.to_owned(), status);
    }

    pub(crate) fn verdict(&self, id: &str) -> Verification {
        api(&self.rita).verify(id).wait().unwrap_or_else(|e| panic!("Verify {id} from the Regulator's peer: {e}"))
    }

    pub(crate) fn height(&self) -> u64 {
        self.rita.height(Org::Regulator)
    }

    /// Applies as dave (endorsed by the Manufacturer's and the Regulator's peers: an
    /// application does not need the certifier) and checks the ID the contract derived
    /// from the transaction ID.
    pub(crate) fn apply(&self, batch: &str) -> Submitted<String> {
        let applied = api(&self.dave).apply(&application(batch)).wait().expect("Apply as dave");
        assert_eq!(applied.value, certificate_id(&applied.tx_id, 0), "certificate ID = f(Fabric transaction ID)");
        self.expect(&applied.value, CertificateStatus::Pending);
        applied
    }

    /// Applies for `batch` as dave and approves it as alice: an issued certificate's ID.
    pub(crate) fn issue(&self, batch: &str) -> String {
        let id = self.apply(batch).value;
        self.approve(&id);
        id
    }

    /// Approves as alice with a signature made by the typed client.
    pub(crate) fn approve(&self, id: &str) -> Submitted<String> {
        let approved = api(&self.alice)
            .approve(id, &self.signer, &self.certifier_msp, now(), None)
            .wait()
            .unwrap_or_else(|e| panic!("Approve {id} as alice: {e}"));
        self.expect(id, CertificateStatus::Active);
        approved
    }
}

/// Governance: Bootstrap by the Regulator's admin, the three organisations, alice's
/// certifier and rita's auditor roles, alice's issuer key.
pub(crate) fn setup(net: &Arc<NetInfo>) -> World {
    let admin = PeerCli::new(net, Org::Regulator, "Admin");
    let dave = PeerCli::new(net, Org::Manufacturer, "dave");
    let alice = PeerCli::new(net, Org::Certifier, "alice");
    let rita = PeerCli::new(net, Org::Regulator, "rita");
    let who = |c: &PeerCli| api(c).who_am_i().wait().expect("WhoAmI");
    let admin_who = who(&admin);
    assert_eq!(admin_who.node_ou, Some(NodeOu::Admin), "Admin@regulator is a NodeOU admin: {admin_who:?}");
    let alice_holder = who(&alice).holder();
    let rita_holder = who(&rita).holder();
    let alice_actor = alice_holder.identity.clone();
    let dave_who = who(&dave);
    assert_eq!(dave_who.node_ou, Some(NodeOu::Client));
    assert!(dave_who.roles.is_empty());

    let msp = MspIds {
        manufacturer: net.msp_id(Org::Manufacturer),
        certifier: net.msp_id(Org::Certifier),
        regulator: net.msp_id(Org::Regulator),
    };
    let grants = Grants { certifier: &alice_holder, auditor: Some(&rita_holder), label: "fabric e2e" };
    let signer = govern(&api(&admin), &msp, &grants);
    refused(api(&admin).bootstrap().wait(), "CONFLICT", "a second Bootstrap");
    let alice_who = who(&alice);
    assert_eq!(alice_who.roles, vec![Role::Certifier]);
    let keys = api(&rita).issuer_keys().wait().expect("IssuerKeys");
    assert!(keys.iter().any(|k| k.key_id == signer.key_id), "the trust list holds alice's key");
    World {
        admin,
        dave,
        alice,
        rita,
        alice_actor,
        certifier_msp: net.msp_id(Org::Certifier),
        signer,
        expected: Mutex::new(BTreeMap::new()),
    }
}

/// Apply → Approve → VALID → Suspend → Reinstate → Revoke → REVOKED, read back from the
/// Regulator's peer; History lists every step with the transaction IDs the invokes reported.
pub(crate) fn lifecycle(w: &World) {
    let applied = w.apply("LOT-E2E-LIFECYCLE");
    let id = applied.value.clone();
    assert_eq!(w.verdict(&id).verdict, Verdict::Pending);

    // The certifier signs the canonical bytes itself (what a certifier's client does).
    let alice = api(&w.alice);
    let cert = alice.get_certificate(&id).wait().expect("GetCertificate");
    let issued_at = now();
    let valid_until = issued_at + 365 * DAY;
    let terms = IssuanceTerms {
        issuer_org: &w.certifier_msp,
        issuer_key_id: &w.signer.key_id,
        issued_at,
        valid_until,
        status_position: None,
    };
    let canonical = CanonicalCertificate::for_certificate(&cert, &terms);
    let signature = w.signer.key.sign(&canonical.signing_input());
    let request = ApproveRequest {
        certificate_id: id.clone(),
        issuer_key_id: w.signer.key_id.clone(),
        issued_at,
        valid_until,
        signature: hex::encode(signature.to_bytes()),
        credential: None,
    };
    let approved: Submitted<IdsResponse> = alice.submit(Function::Approve, &request).wait().expect("Approve as alice");
    assert_eq!(approved.value.certificate_ids, vec![id.clone()]);
    w.expect(&id, CertificateStatus::Active);

    let v = w.verdict(&id);
    assert_eq!(v.verdict, Verdict::Valid, "{v:?}");
    let issuance = v.certificate.as_ref().and_then(|c| c.issuance.clone()).expect("an issued certificate");
    assert_eq!(issuance.digest, canonical.digest_hex(), "the ledger's digest is the client's canonical digest");
    assert_eq!(issuance.approved_by, w.alice_actor);
    let stored = Signature::from_slice(&hex::decode(&issuance.signature).expect("hex")).expect("signature bytes");
    let input = signing_input(
        &id,
        &issuance.digest,
        &issuance.issuer_key_id,
        issuance.issued_at,
        issuance.valid_until,
        issuance.status_position,
    );
    w.signer.key.verifying_key().verify(&input, &stored).expect("the stored signature verifies offline");

    let suspended = alice.suspend(&id, "batch recalled for re-testing").wait().expect("Suspend");
    w.expect(&id, CertificateStatus::Suspended);
    assert_eq!(w.verdict(&id).verdict, Verdict::Suspended);
    let reinstated = alice.reinstate(&id, "re-test passed", Some(&w.signer)).wait().expect("Reinstate");
    w.expect(&id, CertificateStatus::Active);
    assert_eq!(w.verdict(&id).verdict, Verdict::Valid);
    let revoked = alice.revoke(&id, "contamination confirmed").wait().expect("Revoke");
    let v = w.verdict(&id);
    assert_eq!(v.verdict, Verdict::Revoked, "{v:?}");
    w.expect(&id, CertificateStatus::Revoked);

    let history = api(&w.rita).history(&id).wait().expect("History from the Regulator's peer");
    let got: Vec<(Action, CertificateStatus, String)> =
        history.iter().map(|h| (h.action, h.status, h.tx_id.clone())).collect();
    use CertificateStatus as S;
    let want = vec![
        (Action::Revoked, S::Revoked, revoked.tx_id),
        (Action::Reinstated, S::Active, reinstated.tx_id),
        (Action::Suspended, S::Suspended, suspended.tx_id),
        (Action::Approved, S::Active, approved.tx_id),
        (Action::Applied, S::Pending, applied.tx_id),
    ];
    assert_eq!(got, want, "History (newest first) with the transaction IDs the invokes reported");
    eprintln!("      {id}: history of {} entries, transaction IDs match the invokes", history.len());
}

/// The applicant cannot approve; the regulator cannot write. Refusals happen at
/// endorsement: nothing is ordered, the block height stays.
pub(crate) fn refusals(w: &World) {
    let applied = api(&w.dave)
        .apply_batch(vec![application("LOT-E2E-REFUSE-A"), application("LOT-E2E-REFUSE-B")])
        .wait()
        .expect("ApplyBatch of 2");
    let (pending, active) = (applied.value[0].clone(), applied.value[1].clone());
    w.expect(&pending, CertificateStatus::Pending);
    w.approve(&active);
    let height = w.height();

    // A correctly signed approval, sent by the applicant itself.
    let approval = api(&w.alice)
        .prepare_approval(&pending, &w.signer, &w.certifier_msp, now(), None)
        .wait()
        .expect("prepare an approval");
    let dave_approves = api(&w.dave).submit::<_, IdsResponse>(Function::Approve, &approval).wait();
    refused(dave_approves, "UNAUTHORIZED", "the applicant approves its own application");
    let dave_certifier_peer = w.dave.endorsed_by(&[Org::Certifier, Org::Regulator]);
    refused(
        api(&dave_certifier_peer).submit::<_, IdsResponse>(Function::Approve, &approval).wait(),
        "UNAUTHORIZED",
        "the applicant approves, endorsed by the Certifier's peer",
    );
    refused(api(&w.dave).suspend(&active, "x").wait(), "UNAUTHORIZED", "the applicant suspends");

    let rita = api(&w.rita);
    refused(
        rita.submit::<_, IdsResponse>(Function::Approve, &approval).wait(),
        "UNAUTHORIZED",
        "the regulator approves",
    );
    refused(rita.apply(&application("LOT-E2E-RITA")).wait(), "UNAUTHORIZED", "the regulator applies");
    refused(rita.suspend(&active, "x").wait(), "UNAUTHORIZED", "the regulator suspends");
    refused(rita.revoke(&active, "x").wait(), "UNAUTHORIZED", "the regulator revokes");
    refused(
        rita.register_organization("RogueMSP", "Rogue", OrgKind::Certifier).wait(),
        "UNAUTHORIZED",
        "the regulator registers an organisation",
    );
    let alice = RoleHolder { identity: w.alice_actor.clone(), key: "00".repeat(32) };
    refused(rita.grant_role(alice, Role::Admin).wait(), "UNAUTHORIZED", "the regulator grants a role");

    assert_eq!(w.height(), height, "refused transactions never reach the ledger");
    assert_eq!(w.verdict(&pending).verdict, Verdict::Pending);
    assert_eq!(w.verdict(&active).verdict, Verdict::Valid);
    assert_eq!(api(&w.rita).history(&active).wait().expect("History").len(), 2);
}

/// A change of an issued certificate endorsed without the Certifier's peer (by the
/// Manufacturer's and the Regulator's, enough for the chaincode's 2-of-3 policy) is
/// invalidated at commit by the certificate key's own endorsement policy, and changes
/// nothing.
pub(crate) fn key_level_policy(w: &World) {
    let id = w.apply("LOT-E2E-POLICY").value;
    w.approve(&id);
    let height = w.height();
    let without_certifier = w.alice.endorsed_by(&[Org::Manufacturer, Org::Regulator]);
    let err = api(&without_certifier)
        .suspend(&id, "suspended without the certifier's peer")
        .wait()
        .expect_err("must not commit");
    let invalid_tx = match &err {
        ApiError::Commit { tx_id: Some(tx_id), code, .. } if code == "ENDORSEMENT_POLICY_FAILURE" => tx_id.clone(),
        other => panic!("expected ENDORSEMENT_POLICY_FAILURE at commit, got {other:?}"),
    };
    eprintln!("      transaction {invalid_tx} invalidated at commit: ENDORSEMENT_POLICY_FAILURE");
    assert_eq!(w.height(), height + 1, "the invalid transaction is in a block, marked invalid");
    let v = w.verdict(&id);
    assert_eq!(v.verdict, Verdict::Valid, "an invalidated transaction changes nothing: {v:?}");
    let history = api(&w.rita).history(&id).wait().expect("History");
    assert_eq!(history.len(), 2);
    assert!(history.iter().all(|h| h.tx_id != invalid_tx));

    // The same change with the Certifier's peer among the endorsers commits.
    let ok = api(&w.alice.endorsed_by(&[Org::Certifier, Org::Regulator]))
        .suspend(&id, "suspended with the certifier's peer")
        .wait()
        .expect("Suspend endorsed by Certifier + Regulator");
    assert_eq!(w.verdict(&id).verdict, Verdict::Suspended);
    assert_eq!(api(&w.rita).history(&id).wait().expect("History")[0].tx_id, ok.tx_id);
    w.expect(&id, CertificateStatus::Suspended);

    // An application (no certificate key with a policy yet) needs no certifier.
    let applied = api(&w.dave.endorsed_by(&[Org::Manufacturer, Org::Regulator]))
        .apply(&application("LOT-E2E-POLICY-APPLY"))
        .wait()
        .expect("Apply endorsed by Manufacturer + Regulator");
    w.expect(&applied.value, CertificateStatus::Pending);
}

/// The manufacturer's `UpdateSds` on an issued certificate commits, endorsed by the
/// Manufacturer's and the Regulator's peers (the certificate's key, which only the
/// Certifier's peer may endorse, is not written: the declaration has its own key), and
/// suspends the certificate until alice reinstates it with a fresh signature. The
/// declaration's key is the manufacturer's: a declaration endorsed without the
/// Manufacturer's peer is invalidated at commit.
pub(crate) fn sds_revision(w: &World) {
    let id = w.apply("LOT-E2E-SDS").value;
    w.approve(&id);
    let mut sds = w.verdict(&id).certificate.expect("certificate").application.sds;
    sds.revision += 1;
    sds.sha256 = hex::encode(Sha256::digest(format!("SDS revision {} of {id}", sds.revision)));
    let declared =
        api(&w.dave).update_sds(&id, sds.clone()).wait().expect("UpdateSds by dave, endorsed by his own peer");
    w.expect(&id, CertificateStatus::Suspended);
    let v = w.verdict(&id);
    assert_eq!(v.verdict, Verdict::Suspended, "a new SDS revision suspends: {v:?}");
    let cert = v.certificate.expect("certificate");
    assert!(cert.resign_required && cert.application.sds == sds, "{cert:?}");

    // The declaration's key is protected for the manufacturer's peer.
    let height = w.height();
    let mut later = sds.clone();
    later.revision += 1;
    let without_manufacturer = w.dave.endorsed_by(&[Org::Certifier, Org::Regulator]);
    match api(&without_manufacturer).update_sds(&id, later).wait() {
        Err(ApiError::Commit { code, .. }) if code == "ENDORSEMENT_POLICY_FAILURE" => {}
        other => {
            panic!("a declaration without the Manufacturer's peer: expected ENDORSEMENT_POLICY_FAILURE, got {other:?}")
        }
    }
    assert_eq!(w.height(), height + 1, "the invalid transaction is in a block, marked invalid");
    assert_eq!(w.verdict(&id).certificate.expect("certificate").application.sds, sds);

    // As strict as ever: only a fresh signature over the new canonical bytes reinstates.
    refused(
        api(&w.alice).reinstate(&id, "SDS reviewed", None).wait(),
        "BAD_SIGNATURE",
        "a reinstatement without re-signing",
    );
    let reinstated =
        api(&w.alice).reinstate(&id, "SDS reviewed", Some(&w.signer)).wait().expect("Reinstate with resign");
    w.expect(&id, CertificateStatus::Active);
    let v = w.verdict(&id);
    assert_eq!(v.verdict, Verdict::Valid, "{v:?}");
    let cert = v.certificate.expect("certificate");
    assert!(!cert.resign_required && cert.application.sds == sds);
    let history = api(&w.rita).history(&id).wait().expect("History");
    let got: Vec<(Action, CertificateStatus, &str)> =
        history.iter().take(2).map(|h| (h.action, h.status, h.tx_id.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (Action::Reinstated, CertificateStatus::Active, reinstated.tx_id.as_str()),
            (Action::SdsUpdated, CertificateStatus::Suspended, declared.tx_id.as_str()),
        ]
    );
}

/// ApplyBatch of 100, then ApproveBatch of the 100 in one transaction.
pub(crate) fn batch(w: &World) {
    const N: usize = 100;
    let apps: Vec<Application> = (0..N)
        .map(|i| {
            let mut app = application(&format!("LOT-E2E-BATCH-{i:03}"));
            // The peer CLI passes the request as one command-line argument (at most 128 KiB).
            app.product_description.clear();
            app
        })
        .collect();
    let size = serde_json::to_vec(&ApplyBatchRequest { applications: apps.clone() }).expect("json").len();
    assert!(size < 110_000, "ApplyBatch request of {size} bytes is too long for one command-line argument");
    let t = std::time::Instant::now();
    let applied = api(&w.dave).apply_batch(apps).wait().expect("ApplyBatch of 100");
    let apply_time = t.elapsed();
    assert_eq!(applied.value.len(), N);
    for (i, id) in applied.value.iter().enumerate() {
        assert_eq!(*id, certificate_id(&applied.tx_id, i as u32));
    }

    let t = std::time::Instant::now();
    let queue = api(&w.alice).queue(CertificateStatus::Pending, 1000, "").wait().expect("ListByStatus PENDING");
    let queue_time = t.elapsed();
    let pending: BTreeMap<&str, &Certificate> = queue.certificates.iter().map(|c| (c.id.as_str(), c)).collect();
    // The same records read in one query, in the order asked (keys read together with
    // GET_STATE_MULTIPLE through the CCaaS runtime).
    let t = std::time::Instant::now();
    let read = api(&w.alice).get_certificates(&applied.value).wait().expect("GetCertificates of 100");
    let read_time = t.elapsed();
    assert_eq!(read.len(), N);
    for (id, cert) in applied.value.iter().zip(&read) {
        assert_eq!(&cert.id, id);
        assert_eq!(Some(&cert), pending.get(id.as_str()), "GetCertificates and ListByStatus disagree on {id}");
    }
    eprintln!("      GetCertificates of {N}: {read_time:.1?}");
    let issued_at = now();
    let approvals: Vec<ApproveRequest> = applied
        .value
        .iter()
        .map(|id| {
            let cert = pending.get(id.as_str()).unwrap_or_else(|| panic!("{id} is not in the PENDING queue"));
            let valid_until = issued_at + 180 * DAY;
            ApproveRequest {
                certificate_id: id.clone(),
                issuer_key_id: w.signer.key_id.clone(),
                issued_at,
                valid_until,
                signature: w.signer.sign_issuance(cert, &w.certifier_msp, issued_at, valid_until),
                credential: None,
            }
        })
        .collect();
    let t = std::time::Instant::now();
    let approved = api(&w.alice).approve_batch(approvals).wait().expect("ApproveBatch of 100 in one transaction");
    let approve_time = t.elapsed();
    assert_eq!(approved.value, applied.value);
    eprintln!("      ApplyBatch {} and ApproveBatch {}: {N} certificates each", applied.tx_id, approved.tx_id);
    eprintln!(
        "      committed ApplyBatch {apply_time:.1?}, ListByStatus PENDING (1000) {queue_time:.1?}, committed ApproveBatch {approve_time:.1?}"
    );

    let active = api(&w.rita).queue(CertificateStatus::Active, 1000, "").wait().expect("ListByStatus ACTIVE");
    for id in &applied.value {
        let cert = active.certificates.iter().find(|c| &c.id == id).unwrap_or_else(|| panic!("{id} is not ACTIVE"));
        let issuance = cert.issuance.as_ref().expect("issued");
        assert_eq!(cert.last_change.tx_id, approved.tx_id);
        assert_eq!(issuance.approved_by, w.alice_actor);
        w.expect(id, CertificateStatus::Active);
    }
    for id in [&applied.value[0], &applied.value[N - 1]] {
        assert_eq!(w.verdict(id).verdict, Verdict::Valid);
    }
}

/// Kills the chaincode server with SIGKILL, checks that a transaction fails while it is
/// gone and nothing reaches the ledger, restarts it from its env file alone, and checks
/// that later transactions succeed and nothing committed was lost. Returns the restarted
/// server (its process group), which `network.sh down` stops.
pub(crate) fn kill_and_restart(w: &World, net: &Network, server: &Path, port: u16) -> Child {
    let ccdir = net.chaincode_dir(crate::peer::CHAINCODE);
    let pid_file = net.run_dir.join("pids/chaincode-nanotrace.pid");
    let pid: u32 = std::fs::read_to_string(&pid_file).expect("pid file").trim().parse().expect("pid");
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("the chaincode server runs");
    assert!(String::from_utf8_lossy(&cmdline).contains("nanotrace-chaincode"), "pid {pid} is the chaincode server");
    let before: Vec<(String, CertificateStatus)> =
        w.expected.lock().expect("expected").iter().map(|(k, v)| (k.clone(), *v)).collect();
    let height = w.height();
    let address = format!("{}:{port}", net.chaincode_host());

    assert!(process::kill_pid(pid, "KILL"), "kill -9 {pid}");
    process::wait_until(Duration::from_secs(10), "the killed server to vanish", || !process::alive(pid));
    process::wait_until(Duration::from_secs(10), "the port to close", || !process::listening_at(&address));
    eprintln!("      killed the chaincode server (pid {pid}) with SIGKILL");

    let err = api(&w.dave).apply(&application("LOT-E2E-WHILE-DOWN")).wait().expect_err("no chaincode server");
    assert!(!err.is_refusal() && err.tx_id().is_none(), "endorsement fails underneath the contract: {err:?}");
    eprintln!("      while it is down: {}", first_line(&err.to_string()));
    assert_eq!(w.height(), height, "nothing reaches the ledger while the server is down");

    // Restart from the env file alone, as network/README.md tells an operator to.
    let env = ccdir.join("env");
    let log = std::fs::OpenOptions::new()
        .append(true)
        .open(net.run_dir.join("logs/chaincode-nanotrace.log"))
        .expect("chaincode log");
    let mut cmd = Command::new("bash");
    cmd.args(["-c", r#"set -a; . "$1"; set +a; shift; exec "$@""#, "_"])
        .arg(&env)
        .arg(server)
        .env(MARKER_VAR, &net.run_dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log);
    process::new_process_group(&mut cmd);
    let child = cmd.spawn().expect("restart the chaincode server");
    std::fs::write(&pid_file, format!("{}\n", child.id())).expect("pid file");
    process::wait_until(Duration::from_secs(30), "the restarted server to listen", || process::listening_at(&address));
    eprintln!("      restarted it (pid {}) with {}", child.id(), env.display());

    let applied = w.apply("LOT-E2E-AFTER-RESTART");
    w.approve(&applied.value);
    assert_eq!(w.verdict(&applied.value).verdict, Verdict::Valid);
    for (id, status) in before {
        let cert = api(&w.rita).get_certificate(&id).wait().unwrap_or_else(|e| panic!("{id} after the restart: {e}"));
        assert_eq!(cert.status, status, "{id} after the restart");
    }
    child
}

/// Malformed JSON, unknown functions, wrong argument counts, unknown fields: the
/// contract refuses (BAD_REQUEST) at endorsement and nothing is written.
pub(crate) fn bad_arguments(w: &World) {
    let height = w.height();
    let pending = api(&w.rita).queue(CertificateStatus::Pending, 1000, "").wait().expect("queue").certificates.len();
    let approve_extra = br#"{"certificate_id":"NT-AAAAAAAAAAAA","issuer_key_id":"ik-0","issued_at":1,"valid_until":2,"signature":"00","admin":true}"#;
    let cases: Vec<(&str, Vec<Vec<u8>>, &str)> = vec![
        ("Apply", vec![b"{\"product_name\": ".to_vec()], "malformed JSON"),
        ("NoSuchFunction", vec![b"{}".to_vec()], "an unknown function"),
        ("apply", vec![SAMPLE_APPLICATION.as_bytes().to_vec()], "a function name in the wrong case"),
        ("Apply", vec![], "no argument"),
        ("Apply", vec![SAMPLE_APPLICATION.as_bytes().to_vec(), b"{}".to_vec()], "two arguments"),
        ("Approve", vec![approve_extra.to_vec()], "an unknown field"),
        ("ApplyBatch", vec![b"[]".to_vec()], "an array instead of an object"),
    ];
    for (function, args, what) in &cases {
        let invoked = w.dave.invoke(function, args);
        assert!(invoked.tx_id.is_none(), "{what}: nothing may be ordered: {}", invoked.output);
        refused(invoked.into_result(), "BAD_REQUEST", what);
    }
    refused(w.rita.query("NoSuchQuery", &[]).map_err(|e| error_of(&e)), "BAD_REQUEST", "an unknown query");
    assert_eq!(w.height(), height, "bad arguments write nothing");
    let after = api(&w.rita).queue(CertificateStatus::Pending, 1000, "").wait().expect("queue").certificates.len();
    assert_eq!(after, pending);
}

fn error_of(text: &str) -> ApiError {
    match crate::peer::response_message(text) {
        Some(m) => ApiError::from_contract_message(&m, None),
        None => ApiError::Evaluate { message: text.to_owned(), grpc: None },
    }
}

/// Every certificate the steps made, in its expected status, on all three peers (each
/// peer's own copy of the ledger), queried by rita.
/// The `nanotrace` binary on the network: `apply` with the manufacturer user's connection
/// profile (the one `network.sh up` wrote), then `verify` of the certificate it made.
pub(crate) fn cli_apply_verify(w: &World, net: &Network) {
    let profile = net.run_dir.join("profiles/manufacturer-dave.yaml");
    assert!(profile.is_file(), "no connection profile {}", profile.display());
    std::fs::create_dir_all(net.scratch()).expect("scratch folder");
    let file = net.scratch().join("cli-application.json");
    std::fs::write(&file, serde_json::to_vec(&application("CLI-FABRIC-01")).expect("json")).expect("write application");
    let nanotrace = |args: &[&str]| {
        let out = Command::new(nanotrace_systests::nanotrace_cli())
            .args(["--network", "fabric", "--profile"])
            .arg(&profile)
            .arg("--json")
            .args(args)
            .env_remove("NANOTRACE_DATA_DIR")
            .env_remove("NANOTRACE_IDENTITY")
            .stdin(Stdio::null())
            .output()
            .expect("run nanotrace");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code(), stdout, stderr)
    };
    let (code, stdout, stderr) = nanotrace(&["apply", "--file", file.to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(0), "nanotrace apply on Fabric:\n{stdout}\n{stderr}");
    let applied: serde_json::Value = serde_json::from_str(&stdout).expect("apply --json");
    let id = applied["certificate_id"].as_str().expect("certificate_id").to_owned();
    let tx_id = applied["tx_id"].as_str().expect("tx_id");
    assert_eq!(id, certificate_id(tx_id, 0), "certificate ID = f(Fabric transaction ID)");
    w.expect(&id, CertificateStatus::Pending);
    let (code, stdout, stderr) = nanotrace(&["verify", &id]);
    assert_eq!(code, Some(2), "verify of a pending certificate exits 2:\n{stdout}\n{stderr}");
    let v: Verification = serde_json::from_str(&stdout).expect("verify --json");
    assert_eq!((v.certificate_id.as_str(), v.verdict), (id.as_str(), Verdict::Pending));
    assert_eq!(w.verdict(&id).verdict, Verdict::Pending, "the peer CLI reads the same");
    eprintln!("      nanotrace apply → {id} in tx {tx_id}; nanotrace verify → PENDING");
}

pub(crate) fn nothing_lost(w: &World) {
    let expected = w.expected.lock().expect("expected").clone();
    for org in [Org::Manufacturer, Org::Certifier, Org::Regulator] {
        let rita = api(&w.rita.querying(org));
        let mut found = BTreeMap::new();
        for status in [
            CertificateStatus::Pending,
            CertificateStatus::Active,
            CertificateStatus::Suspended,
            CertificateStatus::Revoked,
            CertificateStatus::Rejected,
            CertificateStatus::Superseded,
        ] {
            let page =
                rita.queue(status, 1000, "").wait().unwrap_or_else(|e| panic!("ListByStatus on {org:?}'s peer: {e}"));
            assert!(page.bookmark.is_empty(), "fewer than 1000 certificates per status");
            for c in page.certificates {
                assert_eq!(c.status, status);
                found.insert(c.id, c.status);
            }
        }
        assert_eq!(found, expected, "the certificates on {org:?}'s peer");
    }
    // A peer answers qscc (the block height) to identities of its own organisation only.
    let heights: Vec<u64> = [(&w.dave, Org::Manufacturer), (&w.alice, Org::Certifier), (&w.rita, Org::Regulator)]
        .iter()
        .map(|(c, o)| c.height(*o))
        .collect();
    assert!(heights.windows(2).all(|h| h[0] == h[1]), "every peer has every block: {heights:?}");
    eprintln!("      {} certificates in their expected status on all three peers; heights {heights:?}", expected.len());
}

fn first_line(s: &str) -> String {
    s.lines().find(|l| l.contains("Error") || l.contains("error")).unwrap_or(s).chars().take(300).collect()
}
