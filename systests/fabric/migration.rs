//! Migration from the whole-record layout to the write-once one (issue 28).
//!
//! When the suite has the chaincode server of the last version before the write-once
//! layout (`scripts/legacy-chaincode.sh`, passed as `NANOTRACE_LEGACY_CHAINCODE_BIN`), the
//! network starts with it: setup runs on it, and [`before`] makes certificates in every
//! state with it, each written as that version wrote them (the whole certificate under one
//! key, rewritten by each change). [`after`] upgrades the chaincode to this checkout's
//! server (`peer lifecycle` sequence + 1, as docs/OPERATIONS.md) and checks that every
//! peer reads the old certificates exactly as before (record, verdict, history), that
//! the new version changes them (suspend, reinstate with and without a fresh signature,
//! an SDS revision, renewal, revocation, approval of an old application) and that new
//! certificates go through their whole life. The rest of the suite then runs on the
//! new version with the old certificates on the ledger.
//!
//! Credentials (issue 44): the old version recorded one under a status base nobody
//! registered (it accepted any); after the upgrade it is no credential a verifier serves,
//! the set-up (run on the old version, which had no status bases) left the certification
//! body without one, so a new credential is refused until the admin sets it, and then
//! names the certificate's position. With the chaincode of a version before the status
//! lists as the old one (`scripts/legacy-chaincode.sh a855c11`, which has no
//! `AttachCredential` either), its certificates have no position: the new version's
//! `AttachCredential` gives one first.

use crate::peer::{Org, PeerCli, CHAINCODE};
use crate::steps::{now, World};
use nanotrace_client::GatewayTransport;
use nanotrace_client::{NanoTrace, Wait};
use nanotrace_model::credential::{self, CredentialError};
use nanotrace_model::Role;
use nanotrace_model::{Action, Certificate, CertificateStatus, HistoryEntry, Verdict, Verification};
use nanotrace_testkit::fabric::network::Network;
use std::path::{Path, PathBuf};

fn connect(profile: &Path) -> NanoTrace<GatewayTransport> {
    let transport = GatewayTransport::from_profile(profile).wait();
    NanoTrace::new(transport.unwrap_or_else(|e| panic!("connect {}: {e}", profile.display())))
}

fn api(cli: &PeerCli) -> NanoTrace<PeerCli> {
    NanoTrace::new(cli.clone())
}

/// What the old version left on the ledger, as read through it.
pub(crate) struct Legacy {
    pending: String,
    active: String,
    suspended: String,
    revoked: String,
    rejected: String,
    /// Issued, to be renewed by the new version.
    renewed: String,
    /// Issued, to get an SDS revision under the new version.
    revised: String,
    /// Issued; its credential recorded by the old version under a status base nobody
    /// registered, when the old version had `AttachCredential`.
    signed: String,
    /// The profile of lena, a second certifier from the Certifier's CA, whose role the old
    /// version granted (naming no key).
    lena: PathBuf,
    /// Each certificate, its verdict and its history as the old version answered.
    read: Vec<(Certificate, Verification, Vec<HistoryEntry>)>,
}

/// With the old version: one certificate in each state, read back through it.
pub(crate) fn before(w: &World, net: &Network) -> Legacy {
    let alice = api(&w.alice);
    // A role grant of the old version names no key (issue 44).
    let lena = crate::ca_members::enrolled_member(net, "CERTIFIER", "lena", "certifier-alice");
    let holder = connect(&lena).who_am_i().wait().expect("WhoAmI as lena (old version)").holder();
    api(&w.admin).grant_role(holder, Role::Certifier).wait().expect("GrantRole (old version)");
    let apply = |lot: &str| w.apply(lot).value;
    let pending = apply("LOT-V1-PENDING");
    let active = w.issue("LOT-V1-ACTIVE");
    let suspended = w.issue("LOT-V1-SUSPENDED");
    alice.suspend(&suspended, "suspended by the old version").wait().expect("Suspend (old version)");
    w.expect(&suspended, CertificateStatus::Suspended);
    let revoked = w.issue("LOT-V1-REVOKED");
    alice.revoke(&revoked, "revoked by the old version").wait().expect("Revoke (old version)");
    w.expect(&revoked, CertificateStatus::Revoked);
    let rejected = apply("LOT-V1-REJECTED");
    alice.reject(&rejected, "rejected by the old version").wait().expect("Reject (old version)");
    w.expect(&rejected, CertificateStatus::Rejected);
    let renewed = w.issue("LOT-V1-RENEWED");
    let revised = w.issue("LOT-V1-REVISED");
    let signed = w.issue("LOT-V1-SIGNED");
    let cert = alice.get_certificate(&signed).wait().expect("GetCertificate (old version)");
    let organizations = alice.organizations().wait().expect("Organizations (old version)");
    let name = credential::issuer_name(&organizations, &w.certifier_msp);
    // As a client of its time made it: without the status-list position's signature,
    // which that version's request did not have (it refuses a field it does not know).
    let attach = credential::attachment(&cert, &w.signer.key, name, UNREGISTERED_BASE, now())
        .map(|req| nanotrace_model::AttachCredentialRequest { position_signature: None, ..req })
        .map_err(|e| nanotrace_client::ApiError::Request(e.to_string()));
    let attached = match attach {
        Ok(req) => alice.submit::<_, Certificate>(nanotrace_model::Function::AttachCredential, &req).wait(),
        Err(e) => Err(e),
    };
    match attached {
        Ok(_) => eprintln!("      the old version recorded a credential under {UNREGISTERED_BASE}"),
        // A version before AttachCredential (and before the status lists).
        Err(e) if e.code() == Some("BAD_REQUEST") && e.to_string().contains("unknown function") => {}
        Err(e) => panic!("AttachCredential (old version): {e}"),
    }
    let rita = api(&w.rita);
    let read = [&pending, &active, &suspended, &revoked, &rejected, &renewed, &revised, &signed]
        .into_iter()
        .map(|id| {
            crate::steps::wait_visible(&rita, id);
            let cert = rita.get_certificate(id).wait().unwrap_or_else(|e| panic!("{id} (old version): {e}"));
            let verdict = rita.verify(id).wait().unwrap_or_else(|e| panic!("Verify {id} (old version): {e}"));
            let history = rita.history(id).wait().unwrap_or_else(|e| panic!("History {id} (old version): {e}"));
            (cert, verdict, history)
        })
        .collect();
    eprintln!(
        "      the old version made 8 certificates: pending, active, suspended, revoked, rejected and three to change"
    );
    Legacy { pending, active, suspended, revoked, rejected, renewed, revised, signed, lena, read }
}

/// The verifier URL the old version's credential names: no organisation's status base.
const UNREGISTERED_BASE: &str = "https://verify.unregistered.example";

/// The upgrade to this checkout's server, then the old certificates read and changed by
/// it, and new ones.
pub(crate) fn after(w: &World, net: &Network, server: &Path, port: u16, legacy: &Legacy) {
    let (seconds, log) = net.deploy_labelled(CHAINCODE, port, server, "nanotrace_write_once");
    assert!(log.contains(&format!("'{CHAINCODE}' sequence 2 committed")), "sequence 2 committed on every peer: {log}");
    eprintln!("      upgraded to the write-once layout (sequence 2) in {seconds:.1} s");

    // Every peer reads what the old version wrote exactly as the old version did.
    for org in [Org::Manufacturer, Org::Certifier, Org::Regulator] {
        let reader = api(&w.rita.querying(org));
        for (cert, verdict, history) in &legacy.read {
            let id = &cert.id;
            let now_cert = reader.get_certificate(id).wait().unwrap_or_else(|e| panic!("{id} on {org:?}: {e}"));
            assert_eq!(&now_cert, cert, "{id} reads differently after the upgrade on {org:?}'s peer");
            let now_verdict = reader.verify(id).wait().unwrap_or_else(|e| panic!("Verify {id} on {org:?}: {e}"));
            assert_eq!(
                (now_verdict.verdict, &now_verdict.certificate),
                (verdict.verdict, &verdict.certificate),
                "{id}'s verdict on {org:?}'s peer"
            );
            let now_history = reader.history(id).wait().unwrap_or_else(|e| panic!("History {id} on {org:?}: {e}"));
            assert_eq!(&now_history, history, "{id}'s history on {org:?}'s peer");
        }
    }

    let alice = api(&w.alice);
    let rita = api(&w.rita);
    let verdict = |id: &str| rita.verify(id).wait().unwrap_or_else(|e| panic!("Verify {id}: {e}")).verdict;
    let actions = |id: &str| -> Vec<(Action, CertificateStatus)> {
        rita.history(id)
            .wait()
            .unwrap_or_else(|e| panic!("History {id}: {e}"))
            .into_iter()
            .map(|h| (h.action, h.status))
            .collect()
    };
    use CertificateStatus as S;

    // The old application approved by the new version: its history goes on from the old one.
    w.approve(&legacy.pending);
    assert_eq!(verdict(&legacy.pending), Verdict::Valid);
    assert_eq!(actions(&legacy.pending), vec![(Action::Approved, S::Active), (Action::Applied, S::Pending)]);

    // An old issued certificate suspended, reinstated without and with a fresh signature,
    // then revoked.
    let id = &legacy.active;
    alice.suspend(id, "suspended by the new version").wait().expect("Suspend an old certificate");
    assert_eq!(verdict(id), Verdict::Suspended);
    alice.reinstate(id, "reinstated by the new version", None).wait().expect("Reinstate an old certificate");
    assert_eq!(verdict(id), Verdict::Valid);
    alice.suspend(id, "again").wait().expect("Suspend again");
    alice.reinstate(id, "re-signed", Some(&w.signer)).wait().expect("Reinstate with a fresh signature");
    assert_eq!(verdict(id), Verdict::Valid);
    alice.revoke(id, "revoked by the new version").wait().expect("Revoke an old certificate");
    w.expect(id, S::Revoked);
    assert_eq!(verdict(id), Verdict::Revoked);
    assert_eq!(
        actions(id),
        vec![
            (Action::Revoked, S::Revoked),
            (Action::Reinstated, S::Active),
            (Action::Suspended, S::Suspended),
            (Action::Reinstated, S::Active),
            (Action::Suspended, S::Suspended),
            (Action::Approved, S::Active),
            (Action::Applied, S::Pending),
        ]
    );

    // The old suspended one reinstated; the old revoked and rejected ones stay final.
    alice.reinstate(&legacy.suspended, "reinstated by the new version", None).wait().expect("Reinstate");
    w.expect(&legacy.suspended, S::Active);
    assert_eq!(verdict(&legacy.suspended), Verdict::Valid);
    let refused = alice.reinstate(&legacy.revoked, "no", None).wait().expect_err("a revoked certificate stays revoked");
    assert_eq!(refused.code(), Some("INVALID_TRANSITION"), "{refused}");
    let refused = alice.suspend(&legacy.rejected, "no").wait().expect_err("a rejected application stays rejected");
    assert_eq!(refused.code(), Some("INVALID_TRANSITION"), "{refused}");

    // An SDS revision of an old issued certificate suspends it until it is re-signed.
    let dave = api(&w.dave);
    let mut sds = rita.get_certificate(&legacy.revised).wait().expect("the old certificate").application.sds;
    sds.revision += 1;
    sds.sha256 = "c".repeat(64);
    dave.update_sds(&legacy.revised, sds.clone()).wait().expect("UpdateSds of an old certificate");
    assert_eq!(verdict(&legacy.revised), Verdict::Suspended);
    let refused = alice.reinstate(&legacy.revised, "no signature", None).wait().expect_err("needs a fresh signature");
    assert_eq!(refused.code(), Some("BAD_SIGNATURE"), "{refused}");
    alice.reinstate(&legacy.revised, "new SDS reviewed", Some(&w.signer)).wait().expect("Reinstate re-signed");
    let revised = rita.get_certificate(&legacy.revised).wait().expect("the revised certificate");
    assert_eq!((revised.status, &revised.application.sds), (S::Active, &sds));
    assert_eq!(verdict(&legacy.revised), Verdict::Valid);

    // An old certificate renewed: the old one SUPERSEDED, the new version issued.
    let renewal = alice
        .renew(&legacy.renewed, &w.signer, &w.certifier_msp, now(), None)
        .wait()
        .expect("Renew an old certificate");
    let [old, new] = <[String; 2]>::try_from(renewal.value).expect("the old and the new ID");
    assert_eq!(old, legacy.renewed);
    w.expect(&old, S::Superseded);
    w.expect(&new, S::Active);
    assert_eq!(verdict(&old), Verdict::Superseded);
    assert_eq!(verdict(&new), Verdict::Valid);
    assert_eq!(actions(&new), vec![(Action::Renewed, S::Active)]);

    // Issue 44 on an upgraded network: the old version bound no GTIN, so the manufacturer
    // holds no GS1 Company Prefix and its new applications are refused until the
    // governance admin registers it (docs/OPERATIONS.md); what the old version wrote was
    // changed above all the same.
    let dave = api(&w.dave);
    let manufacturer = dave.who_am_i().wait().expect("WhoAmI").identity.msp_id;
    match dave.apply(&nanotrace_testkit::sample_application("LOT-NO-PREFIX")).wait() {
        Err(e) if e.code() == Some("UNAUTHORIZED") && e.to_string().contains("[gtin.company_prefix]") => {}
        other => panic!("an application before the prefix is registered: {other:?}"),
    }
    let prefixes = nanotrace_model::sample::MANUFACTURER.company_prefixes.iter().map(|p| p.to_string()).collect();
    api(&w.admin).set_company_prefixes(&manufacturer, prefixes).wait().expect("SetCompanyPrefixes after the upgrade");

    credentials_after_the_upgrade(w, legacy);
    a_legacy_grant_binds_at_its_first_use(w, net, legacy);

    // A new certificate through its whole life.
    let id = w.apply("LOT-WRITE-ONCE").value;
    w.approve(&id);
    assert_eq!(verdict(&id), Verdict::Valid);
    alice.suspend(&id, "audit").wait().expect("Suspend");
    alice.revoke(&id, "failed the audit").wait().expect("Revoke");
    w.expect(&id, S::Revoked);
    assert_eq!(verdict(&id), Verdict::Revoked);
    assert_eq!(
        actions(&id),
        vec![
            (Action::Revoked, S::Revoked),
            (Action::Suspended, S::Suspended),
            (Action::Approved, S::Active),
            (Action::Applied, S::Pending)
        ]
    );
    eprintln!("      old certificates read the same on every peer and change under the new version; new ones issue");
}

/// Issue 44 after the upgrade: the old version's credential under an unregistered status
/// base is no credential any more; a new one needs a status base the admin set (the
/// set-up ran on the old version, which had none) and names the certificate's position,
/// given first to a certificate of a version before the status lists.
/// The old version's grant to lena names no key. Her first committed use under the new
/// version binds it to her certificate's key; a certificate the Certifier's CA then issues
/// under her name for another key holds none of her role (`[role.key]`), while the bound
/// key still acts.
fn a_legacy_grant_binds_at_its_first_use(w: &World, net: &Network, legacy: &Legacy) {
    let lena = connect(&legacy.lena);
    let id = w.apply("LOT-LEGACY-GRANT").value;
    w.approve(&id);
    crate::steps::wait_visible(&lena, &id);
    lena.suspend(&id, "the first use of a grant the old version made").wait().expect("Suspend by lena's key");
    w.expect(&id, CertificateStatus::Suspended);
    let old_profile = crate::ca_members::reenrolled_with_a_new_key(net, "lena", &legacy.lena);
    let (twin, lena) = (connect(&legacy.lena), connect(&old_profile));
    let me = twin.who_am_i().wait().expect("WhoAmI with lena's new key");
    assert_eq!((me.roles.clone(), me.roles_of_other_key.clone()), (vec![], vec![Role::Certifier]));
    match twin.reinstate(&id, "a twin certificate", None).wait() {
        Err(e) if e.code() == Some("UNAUTHORIZED") && e.to_string().contains("[role.key]") => {}
        other => panic!("a second certificate under lena's name acts with her role: {other:?}"),
    }
    let held = lena.who_am_i().wait().expect("WhoAmI with lena's first key");
    assert_eq!(held.roles, vec![Role::Certifier], "the key that used the grant holds it");
    eprintln!(
        "      lena's keyless grant bound at its first use; a twin certificate under her name refused ([role.key])"
    );
}

fn credentials_after_the_upgrade(w: &World, legacy: &Legacy) {
    let alice = api(&w.alice);
    let rita = api(&w.rita);
    let id = &legacy.signed;
    let (before, _, _) = legacy.read.iter().find(|(c, _, _)| &c.id == id).expect("read by the old version");
    let keys = rita.issuer_keys().wait().expect("IssuerKeys");
    let organizations = rita.organizations().wait().expect("Organizations");
    let ours = organizations.iter().find(|o| o.msp_id == w.certifier_msp).expect("the certification body");
    assert!(ours.status_bases.is_empty(), "no status base before the admin sets one: {ours:?}");
    if let Some(proof) = &before.credential {
        let refused = credential::recorded(before, &keys, &organizations, None).expect_err("not served");
        let want = match before.status_index {
            None => CredentialError::NoStatus(id.clone()),
            Some(_) => CredentialError::UnknownStatusBase { id: id.clone(), base: proof.status_base.clone() },
        };
        assert_eq!(refused, want);
    }
    let name = credential::issuer_name(&organizations, &w.certifier_msp).to_owned();
    let base = nanotrace_model::sample::STATUS_BASE;
    let current = alice.get_certificate(id).wait().expect("GetCertificate");
    let refused = alice.attach_credential(&current, &w.signer.key, &name, base, now()).wait();
    let refused = refused.map(|s| s.tx_id).expect_err("no status base yet");
    assert_eq!(refused.code(), Some("UNAUTHORIZED"), "{refused}");
    assert!(refused.to_string().contains("[status_base.registered]"), "{refused}");
    api(&w.admin).set_status_bases(&w.certifier_msp, &[base.to_owned()]).wait().expect("SetStatusBases");
    alice.attach_credential(&current, &w.signer.key, &name, base, now()).wait().expect("AttachCredential");
    let after = rita.get_certificate(id).wait().expect("GetCertificate");
    let organizations = rita.organizations().wait().expect("Organizations");
    let vc = credential::recorded(&after, &keys, &organizations, None).expect("a credential a verifier serves");
    let position = after.status_index.expect("a position");
    assert_eq!(vc["credentialStatus"][0]["statusListIndex"], position.to_string());
    let history = rita.history(id).wait().expect("History");
    if before.status_index.is_none() {
        assert_eq!(history[1].action, Action::StatusPositionAssigned, "{history:?}");
    } else {
        assert_eq!(after.status_index, before.status_index, "a position is never changed");
    }
    assert_eq!(history[0].action, Action::CredentialSigned, "{history:?}");
    eprintln!(
        "      {id}: the old version's credential is not served; signed again under the status base the admin set, \
         at position {position}{}",
        if before.status_index.is_none() { " (given now)" } else { "" }
    );
}
