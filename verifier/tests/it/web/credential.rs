//! `/api/v1/certificates/{id}/vc`: the Verifiable Credential its certifier recorded on the
//! ledger, rebuilt from the verifier's copy and served whatever the certificate's state;
//! none before it is signed (404), none that no longer matches the certificate (409), none
//! from a cache too old to vouch for (503). Digital Bazaar's library verifies what is
//! served and, through the status lists this verifier publishes, reports the certificate
//! revoked once the ledger says so.

use super::*;
use nanotrace_model::credential;
use nanotrace_model::*;
use nanotrace_testkit::vc;
use nanotrace_verifier::cache::{Cache, CertificateRecord, Update};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A verifier over `ids`' records as the ledger of `w` holds them now.
fn verifier_over(w: &World, ids: &[&String], dir: &Path) -> Router {
    let cache = Arc::new(Cache::open(&dir.join(format!("cache-{}", w.ledger.height()))).expect("open cache"));
    let certificates =
        ids.iter().map(|id| CertificateRecord { certificate: w.cert(id), history: Vec::new() }).collect();
    let issuers: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("IssuerKeys");
    let organizations: Vec<Organization> =
        w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("Organizations");
    cache
        .apply(&Update {
            txs: vec![],
            certificates,
            issuers: Some(issuers),
            organizations: Some(organizations),
            start_at: None,
        })
        .expect("apply");
    app(Fixture::state_over(&cache, Some(now()), true))
}

fn organizations(w: &World) -> Vec<Organization> {
    w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("Organizations")
}

fn attach(w: &mut World, id: &str) {
    let organizations = organizations(w);
    let req = sign_credential_with(&w.cert(id), &issuer_signing_key(Who::Certifier), &organizations, PUBLIC_URL, w.now);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &req);
}

/// Digital Bazaar's check of `vc` against the lists `app` serves; `None` (a skip)
/// without Node's packages.
async fn third_party_check(app: &Router, vc: &Value, dir: &Path) -> Option<Value> {
    let mut files = Vec::new();
    for (name, body) in [
        ("vc", serde_json::to_vec(vc).expect("JSON")),
        ("revocation", get(app, "/api/v1/status/revocation/0").await.body),
        ("suspension", get(app, "/api/v1/status/suspension/0").await.body),
    ] {
        let file = dir.join(format!("{name}-{}.json", COUNTER.fetch_add(1, Ordering::Relaxed)));
        std::fs::write(&file, body).expect("write");
        files.push(file);
    }
    vc::check_status("Digital Bazaar's check of a served credential", &files[0], &files[1], &files[2])
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

#[tokio::test]
async fn the_recorded_credential_is_served_checked_and_reports_its_revocation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = World::governed();
    w.now = now() - DAY;
    let signed = w.issue("LOT-VC-SIGNED");
    let unsigned = w.issue("LOT-VC-UNSIGNED");
    let changed = w.issue("LOT-VC-CHANGED");
    attach(&mut w, &signed);
    attach(&mut w, &changed);
    let mut sds = w.cert(&changed).application.sds;
    sds.revision += 1;
    sds.sha256 = "d".repeat(64);
    w.ok::<Certificate>(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: changed.clone(), sds });
    let pending = w.apply("LOT-VC-PENDING");
    let ids = [&signed, &unsigned, &changed, &pending];
    let app = verifier_over(&w, &ids, dir.path());

    // The signed one: exactly what its certifier signed, as a VC with CORS.
    let reply = get(&app, &format!("/api/v1/certificates/{signed}/vc")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("content-type"), "application/vc");
    assert_eq!(reply.header("access-control-allow-origin"), "*");
    let vc = reply.json();
    let key = issuer_signing_key(Who::Certifier);
    let cert = w.cert(&signed);
    let name = credential::issuer_name(&organizations(&w), CERTIFIER_MSP).to_owned();
    let mut as_signed = cert.clone();
    as_signed.credential = None;
    let created = cert.credential.as_ref().expect("recorded").created;
    assert_eq!(vc, credential::sign(&as_signed, &key, &name, PUBLIC_URL, created).expect("sign"));
    credential::verify(&vc, &key.verifying_key().to_bytes()).expect("verifies");
    assert_eq!(vc["credentialStatus"][0]["statusListCredential"], format!("{PUBLIC_URL}/api/v1/status/revocation/0"));

    // None recorded, none any more, none at all, a bad ID.
    for (id, status, code) in [
        (&unsigned, StatusCode::NOT_FOUND, "no_credential"),
        (&pending, StatusCode::NOT_FOUND, "no_credential"),
        (&changed, StatusCode::CONFLICT, "outdated"),
    ] {
        let reply = get(&app, &format!("/api/v1/certificates/{id}/vc")).await;
        assert_eq!((reply.status, reply.json()["error"].as_str()), (status, Some(code)), "{id}: {}", reply.text());
    }
    assert!(get(&app, &format!("/api/v1/certificates/{unsigned}/vc")).await.text().contains("vc sign"));
    assert_eq!(get(&app, "/api/v1/certificates/NT-AAAAAAAAAAAA/vc").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/api/v1/certificates/nonsense/vc").await.status, StatusCode::BAD_REQUEST);

    // Its page links to it; a page of a certificate without one does not.
    assert!(get(&app, &format!("/c/{signed}")).await.text().contains(&format!("/api/v1/certificates/{signed}/vc")));
    assert!(!get(&app, &format!("/c/{unsigned}")).await.text().contains("/vc\""));

    // The resolver lists it among the lot's certification links, and only where it exists.
    let linkset = get(&app, "/01/04006381333931/10/LOT-VC-SIGNED?linkType=linkset").await.json();
    let links = linkset["linkset"][0]["https://gs1.org/voc/certificationInfo"].to_string();
    assert!(links.contains(&format!("{PUBLIC_URL}/api/v1/certificates/{signed}/vc")), "{links}");
    assert!(links.contains("application/vc"), "{links}");
    let linkset = get(&app, "/01/04006381333931/10/LOT-VC-UNSIGNED?linkType=linkset").await.json();
    assert!(!linkset.to_string().contains("/vc\""), "{linkset}");

    // Third party: verified, in force; then revoked on the ledger, the same credential
    // reports it through the lists.
    let Some(checked) = third_party_check(&app, &vc, dir.path()).await else { return };
    assert_eq!(
        (checked["verified"].clone(), checked["revoked"].clone()),
        (Value::Bool(true), Value::Bool(false)),
        "{checked}"
    );
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&signed, "contamination"));
    let app = verifier_over(&w, &ids, dir.path());
    let served = get(&app, &format!("/api/v1/certificates/{signed}/vc")).await;
    assert_eq!(served.status, StatusCode::OK, "a revoked certificate's credential is still served");
    assert_eq!(served.json(), vc, "the same credential");
    let checked = third_party_check(&app, &vc, dir.path()).await.expect("node");
    assert_eq!(checked["revoked"], true, "{checked}");
    assert_eq!(checked["suspended"], false, "{checked}");
}

#[tokio::test]
async fn a_stale_cache_serves_no_credential() {
    let f = Fixture::new();
    let reply = get(&app(f.stale_state()), &format!("/api/v1/certificates/{}/vc", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
}

/// For a credential recorded in every state a certificate can reach, what the credential
/// and the status lists say never contradicts the verifier's verdict: served and verifying
/// whatever the state, its revocation bit set exactly when the verdict is REVOKED or
/// SUPERSEDED, its suspension bit exactly when SUSPENDED.
#[tokio::test]
async fn credential_and_lists_never_contradict_the_verdict_in_any_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = World::governed();
    // Issued three days ago for one day: expired now.
    w.now = now() - 3 * DAY;
    let expired = w.apply("LOT-P-EXPIRED");
    let approval = w.approval_for(Who::Certifier, &expired, 1);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
    attach(&mut w, &expired);
    w.now = now() - DAY;
    let mut ids = vec![expired.clone()];
    let mut issued = |w: &mut World, lot: &str| {
        let id = w.issue(lot);
        attach(w, &id);
        ids.push(id.clone());
        id
    };
    issued(&mut w, "LOT-P-VALID");
    let suspended = issued(&mut w, "LOT-P-SUSPENDED");
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&suspended, "audit"));
    let revoked = issued(&mut w, "LOT-P-REVOKED");
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&revoked, "fraud"));
    let revoked_while_suspended = issued(&mut w, "LOT-P-REVOKED-2");
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&revoked_while_suspended, "audit"));
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&revoked_while_suspended, "failed"));
    let reinstated = issued(&mut w, "LOT-P-REINSTATED");
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&reinstated, "audit"));
    w.ok::<Certificate>(Who::Certifier, "Reinstate", &World::reason(&reinstated, "passed"));
    let renewed = issued(&mut w, "LOT-P-RENEWED");
    let renewal = w.renewal(Who::Certifier, &renewed);
    let new: IdsResponse = w.ok(Who::Certifier, "Renew", &renewal);
    let new_version = new.certificate_ids[1].clone();
    attach(&mut w, &new_version);
    ids.push(new_version.clone());
    let flagged = w.issue_dependent("LOT-P-FLAGGED", vec![suspended.clone()], Who::Certifier);
    attach(&mut w, &flagged);
    ids.push(flagged.clone());

    let refs: Vec<&String> = ids.iter().collect();
    let app = verifier_over(&w, &refs, dir.path());
    let revocation = super::status::set_positions(&get(&app, "/api/v1/status/revocation/0").await.json());
    let suspension = super::status::set_positions(&get(&app, "/api/v1/status/suspension/0").await.json());
    let public = issuer_signing_key(Who::Certifier).verifying_key().to_bytes();
    let mut seen = std::collections::BTreeSet::new();
    for id in &ids {
        let verdict = get(&app, &format!("/api/v1/certificates/{id}")).await.json()["verdict"]
            .as_str()
            .expect("verdict")
            .to_owned();
        seen.insert(verdict.clone());
        let reply = get(&app, &format!("/api/v1/certificates/{id}/vc")).await;
        assert_eq!(reply.status, StatusCode::OK, "{id} ({verdict}): {}", reply.text());
        let vc = reply.json();
        credential::verify(&vc, &public).unwrap_or_else(|e| panic!("{id} ({verdict}): {e}"));
        let index: u32 = vc["credentialStatus"][0]["statusListIndex"].as_str().expect("index").parse().expect("number");
        let bits = (revocation.contains(&index), suspension.contains(&index));
        let want = match verdict.as_str() {
            "REVOKED" | "SUPERSEDED" => (true, false),
            "SUSPENDED" => (false, true),
            "VALID" | "EXPIRED" => (false, false),
            other => panic!("{id}: an issued certificate cannot be {other}"),
        };
        assert_eq!(bits, want, "{id} is {verdict}: the lists say revoked={} suspended={}", bits.0, bits.1);
    }
    let want: std::collections::BTreeSet<String> =
        ["VALID", "EXPIRED", "SUSPENDED", "REVOKED", "SUPERSEDED"].iter().map(|s| s.to_string()).collect();
    assert_eq!(seen, want, "every verdict of an issued certificate was tried");
}
