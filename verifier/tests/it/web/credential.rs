//! `/api/v1/certificates/{id}/vc`: the Verifiable Credential its certifier recorded on the
//! ledger, rebuilt from the verifier's copy and served whatever the certificate's state;
//! none before it is signed (404), none that no longer matches the certificate (409), none
//! that could not show a revocation (409: recorded without status entries, or naming lists
//! under a URL that is neither a status base of its certification body nor this
//! verifier's own), none from a cache too old to vouch for (503). Digital Bazaar's library
//! verifies what is served and, through the status lists this verifier publishes, reports
//! the certificate revoked once the ledger says so.

use super::*;
use nanotrace_model::credential;
use nanotrace_model::*;
use nanotrace_testkit::vc;
use nanotrace_verifier::cache::{Cache, CertificateRecord, Update};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A governed world whose certification body also has this verifier's [`PUBLIC_URL`] as
/// a status base.
fn world() -> World {
    world_with_verifier_base()
}

/// A verifier over `ids`' records as the ledger of `w` holds them now.
fn verifier_over(w: &World, ids: &[&String], dir: &Path) -> Router {
    app(state_over(w, ids, dir))
}

/// The state of [`verifier_over`].
fn state_over(w: &World, ids: &[&String], dir: &Path) -> nanotrace_verifier::state::AppState {
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
    Fixture::state_over(&cache, Some(now()), true)
}

fn organizations(w: &World) -> Vec<Organization> {
    w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("Organizations")
}

pub(super) fn attach(w: &mut World, id: &str) {
    attach_under(w, id, PUBLIC_URL);
}

fn attach_under(w: &mut World, id: &str, base: &str) {
    let organizations = organizations(w);
    let req = sign_credential_with(&w.cert(id), &issuer_signing_key(Who::Certifier), &organizations, base, w.now);
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
    let mut w = world();
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

/// How a certificate's credential came to be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Recorded {
    /// Through this contract, under a status base of its certification body that is not
    /// this verifier's URL ([`STATUS_BASE`]).
    Registered,
    /// By an earlier contract, under this verifier's own URL, which its certification body
    /// does not have as a status base: served only while this verifier publishes lists.
    Own,
    /// By an earlier contract, for a certificate issued before the status lists: without
    /// status entries, and the certificate without a position.
    WithoutStatus,
    /// By an earlier contract, under a URL the network does not know.
    Foreign,
}

impl Recorded {
    const ALL: [Recorded; 4] = [Recorded::Registered, Recorded::Own, Recorded::WithoutStatus, Recorded::Foreign];

    /// Records `id`'s credential this way (certificate in force, as read now).
    fn record(self, w: &mut World, id: &str) {
        let key = issuer_signing_key(Who::Certifier);
        let orgs = organizations(w);
        let signed_under = |w: &World, base: &str| {
            let req = sign_credential_with(&w.cert(id), &key, &orgs, base, w.now);
            CredentialProof {
                status_base: base.into(),
                created: req.created,
                proof_value: req.proof_value,
                position_signature: req.position_signature,
            }
        };
        match self {
            Recorded::Registered => attach_under(w, id, STATUS_BASE),
            Recorded::Own | Recorded::Foreign => {
                let base = if self == Recorded::Own { PUBLIC_URL } else { "https://verify.elsewhere.example" };
                let proof = signed_under(w, base);
                w.rewrite_state(id, |state| {
                    state.insert("credential".into(), serde_json::to_value(proof).expect("JSON"));
                });
            }
            Recorded::WithoutStatus => {
                let proof = status_less_proof(&w.cert(id), &key, &orgs, PUBLIC_URL, w.now);
                w.issued_before_the_status_lists(id, Some(proof));
            }
        }
    }
}

/// For a credential recorded in every state a certificate can reach, and in every way a
/// ledger may hold one (through this contract; by an earlier one under this verifier's own
/// URL, without status entries for a certificate issued before the lists, or under a URL
/// nobody registered), what the verifier serves never contradicts its verdict: a
/// credential is served only with status entries naming the certificate's position under
/// a known base (its certification body's, or this verifier's own while it publishes the
/// lists), and verifies; its revocation bit is set exactly when the verdict is REVOKED or
/// SUPERSEDED, its suspension bit exactly when SUSPENDED; every other is refused (409),
/// never served with 200.
#[tokio::test]
async fn credential_and_lists_never_contradict_the_verdict_in_any_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = World::governed();
    let mut ids: Vec<(String, Recorded)> = Vec::new();
    for how in Recorded::ALL {
        let tag = format!("{how:?}").to_uppercase();
        let lot = |state: &str| format!("LOT-P-{state}-{tag}");
        // Issued three days ago for one day: expired now.
        w.now = now() - 3 * DAY;
        let expired = w.apply(&lot("EXPIRED"));
        let approval = w.approval_for(Who::Certifier, &expired, 1);
        w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
        how.record(&mut w, &expired);
        ids.push((expired, how));
        w.now = now() - DAY;
        let mut issued = |w: &mut World, state: &str| {
            let id = w.issue(&lot(state));
            how.record(w, &id);
            ids.push((id.clone(), how));
            id
        };
        issued(&mut w, "VALID");
        let suspended = issued(&mut w, "SUSPENDED");
        w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&suspended, "audit"));
        let revoked = issued(&mut w, "REVOKED");
        w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&revoked, "fraud"));
        let revoked_while_suspended = issued(&mut w, "REVOKED-2");
        w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&revoked_while_suspended, "audit"));
        w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&revoked_while_suspended, "failed"));
        let reinstated = issued(&mut w, "REINSTATED");
        w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&reinstated, "audit"));
        w.ok::<Certificate>(Who::Certifier, "Reinstate", &World::reason(&reinstated, "passed"));
        let renewed = issued(&mut w, "RENEWED");
        let renewal = w.renewal(Who::Certifier, &renewed);
        let new: IdsResponse = w.ok(Who::Certifier, "Renew", &renewal);
        let new_version = new.certificate_ids[1].clone();
        how.record(&mut w, &new_version);
        ids.push((new_version, how));
        let flagged = w.issue_dependent(&lot("FLAGGED"), vec![suspended.clone()], Who::Certifier);
        how.record(&mut w, &flagged);
        ids.push((flagged, how));
    }

    let refs: Vec<&String> = ids.iter().map(|(id, _)| id).collect();
    let state = state_over(&w, &refs, dir.path());
    let router = app(state.clone());
    let revocation = super::status::set_positions(&get(&router, "/api/v1/status/revocation/0").await.json());
    let suspension = super::status::set_positions(&get(&router, "/api/v1/status/suspension/0").await.json());
    let public = issuer_signing_key(Who::Certifier).verifying_key().to_bytes();
    let mut seen = std::collections::BTreeSet::new();
    for (id, how) in &ids {
        let verdict = get(&router, &format!("/api/v1/certificates/{id}")).await.json()["verdict"]
            .as_str()
            .expect("verdict")
            .to_owned();
        seen.insert((*how, verdict.clone()));
        let reply = get(&router, &format!("/api/v1/certificates/{id}/vc")).await;
        let refused = match how {
            Recorded::Registered | Recorded::Own => None,
            Recorded::WithoutStatus => Some("no_status"),
            Recorded::Foreign => Some("unknown_status_base"),
        };
        if let Some(code) = refused {
            assert_eq!(
                (reply.status, reply.json()["error"].as_str()),
                (StatusCode::CONFLICT, Some(code)),
                "{id} ({how:?}, {verdict}) must not be served: {}",
                reply.text()
            );
            continue;
        }
        assert_eq!(reply.status, StatusCode::OK, "{id} ({how:?}, {verdict}): {}", reply.text());
        let vc = reply.json();
        credential::verify(&vc, &public).unwrap_or_else(|e| panic!("{id} ({verdict}): {e}"));
        let base = if *how == Recorded::Own { PUBLIC_URL } else { STATUS_BASE };
        let entries = vc["credentialStatus"].as_array().expect("status entries");
        assert_eq!(entries.len(), 2, "{id}: {vc}");
        let index = w.cert(id).status_index.expect("a position").to_string();
        for (entry, purpose) in entries.iter().zip(["revocation", "suspension"]) {
            assert_eq!(entry["statusListCredential"], format!("{base}/api/v1/status/{purpose}/0"), "{id}: {vc}");
            assert_eq!(entry["statusListIndex"], index.as_str(), "{id}: {vc}");
        }
        let index: u32 = index.parse().expect("number");
        let bits = (revocation.contains(&index), suspension.contains(&index));
        let want = match verdict.as_str() {
            "REVOKED" | "SUPERSEDED" => (true, false),
            "SUSPENDED" => (false, true),
            "VALID" | "EXPIRED" => (false, false),
            other => panic!("{id}: an issued certificate cannot be {other}"),
        };
        assert_eq!(bits, want, "{id} is {verdict}: the lists say revoked={} suspended={}", bits.0, bits.1);
    }
    for how in Recorded::ALL {
        let verdicts: Vec<&str> = seen.iter().filter(|(h, _)| *h == how).map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            verdicts,
            ["EXPIRED", "REVOKED", "SUPERSEDED", "SUSPENDED", "VALID"],
            "{how:?}: every verdict tried"
        );
    }

    // A verifier that publishes no lists serves no credential naming its own URL: nothing
    // would answer there; one naming its certification body's base it still serves.
    let silent = app(nanotrace_verifier::state::AppState { status_key: None, ..state });
    for (id, how) in &ids {
        let status = get(&silent, &format!("/api/v1/certificates/{id}/vc")).await.status;
        let want = if *how == Recorded::Registered { StatusCode::OK } else { StatusCode::CONFLICT };
        assert_eq!(status, want, "{id} ({how:?}) from a verifier without lists");
    }
}

/// Each revision of a certificate has its own status: once the certificate is signed anew
/// (a new SDS revision reviewed), the earlier revision's credential names a retired
/// position, revoked in the lists, and Digital Bazaar's check of that file says revoked;
/// the new revision's credential is in force.
#[tokio::test]
async fn an_earlier_revisions_credential_is_revoked_once_the_certificate_is_signed_anew() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = world();
    let id = w.issue("LOT-VC-REVISION");
    attach(&mut w, &id);
    let app = verifier_over(&w, &[&id], dir.path());
    let old_vc = get(&app, &format!("/api/v1/certificates/{id}/vc")).await.json();
    let old = w.cert(&id).status_index.expect("a position");

    w.sign_new_sds_revision(&id, 4);
    attach(&mut w, &id);
    let app = verifier_over(&w, &[&id], dir.path());
    let new_vc = get(&app, &format!("/api/v1/certificates/{id}/vc")).await.json();
    let new = w.cert(&id).status_index.expect("a position");
    assert_ne!(old, new, "the new revision's credential names a position of its own");
    assert_eq!(w.cert(&id).retired_status_indexes, [old]);
    assert_ne!(new_vc["credentialStatus"], old_vc["credentialStatus"]);

    // The lists this verifier publishes: the old position revoked, the new one not.
    let revoked = |position: u32| {
        let app = app.clone();
        async move {
            let list = get(&app, &format!("/api/v1/status/revocation/{}", nanotrace_model::status::list_of(position)))
                .await
                .json();
            super::status::set_positions(&list).contains(&nanotrace_model::status::index_in_list(position))
        }
    };
    assert!(revoked(old).await, "the earlier revision's position is revoked");
    assert!(!revoked(new).await, "the current revision's position is not");

    // An independent verifier: the earlier file fails its status check, the new one passes.
    let Some(checked) = third_party_check(&app, &old_vc, dir.path()).await else { return };
    assert_eq!(checked["revoked"], true, "{checked}");
    let checked = third_party_check(&app, &new_vc, dir.path()).await.expect("node");
    assert_eq!((checked["verified"].clone(), checked["revoked"].clone()), (Value::Bool(true), Value::Bool(false)));
}
