//! The W3C Bitstring Status Lists: each list's bits are the ledger's statuses (revoked or
//! superseded; suspended) at the positions the contract gave, the list is signed by the
//! operator's key, a stale cache serves none; and, with 10,000 certificates, Digital
//! Bazaar's implementation decodes the same bits and reports a credential's revocation
//! and suspension from them.

use super::*;
use nanotrace_model::credential;
use nanotrace_model::status::{list_url, StatusPurpose, LIST_SIZE};
use nanotrace_model::*;
use nanotrace_testkit::vc;
use nanotrace_verifier::cache::{Cache, CertificateRecord, Update};
use std::collections::BTreeSet;
use std::io::Read as _;
use std::sync::Arc;

/// The set positions of a served list, decoded here (GZIP, multibase base64url).
pub(super) fn set_positions(list: &Value) -> BTreeSet<u32> {
    let encoded = list["credentialSubject"]["encodedList"].as_str().expect("encodedList");
    let packed = data_encoding::BASE64URL_NOPAD
        .decode(encoded.strip_prefix('u').expect("multibase u").as_bytes())
        .expect("b64url");
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(packed.as_slice()).read_to_end(&mut bits).expect("gzip");
    assert_eq!(bits.len() as u32 * 8, LIST_SIZE);
    (0..LIST_SIZE).filter(|i| bits[(i / 8) as usize] & (0x80 >> (i % 8)) != 0).collect()
}

/// The positions whose bit `purpose` sets, from the records.
fn expected(certs: &[Certificate], purpose: StatusPurpose) -> BTreeSet<u32> {
    certs.iter().filter(|c| purpose.is_set(c)).filter_map(|c| c.status_index).collect()
}

fn status_key() -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(&STATUS_KEY_SEED).verifying_key().to_bytes()
}

#[tokio::test]
async fn each_list_sets_exactly_the_positions_of_its_statuses_and_is_signed_by_the_operator() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let certs: Vec<Certificate> =
        f.ids.all_known().iter().map(|id| f.cache.certificate(id).expect("read").expect("known").certificate).collect();
    assert!(
        certs.iter().filter(|c| c.issuance.is_some()).all(|c| c.status_index.is_some()),
        "every issued certificate has a position"
    );
    for purpose in StatusPurpose::ALL {
        let uri = format!("/api/v1/status/{}/0", purpose.as_str());
        let reply = get(&app, &uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.header("access-control-allow-origin"), "*");
        let list = reply.json();
        assert_eq!(list["id"], list_url(PUBLIC_URL, purpose, 0));
        assert_eq!(list["type"], serde_json::json!(["VerifiableCredential", "BitstringStatusListCredential"]));
        assert_eq!(list["credentialSubject"]["statusPurpose"], purpose.as_str());
        assert_eq!(list["issuer"], credential::did_key(&status_key()));
        credential::verify(&list, &status_key()).expect("signed by the operator's key");
        let want = expected(&certs, purpose);
        assert!(!want.is_empty(), "the fixture has a certificate of each status");
        assert_eq!(set_positions(&list), want, "{uri}");
    }
    // The revocation list holds the revoked and the replaced version, the suspension list
    // the suspended one.
    let position =
        |id: &str| f.cache.certificate(id).expect("read").expect("known").certificate.status_index.expect("position");
    let revocation = set_positions(&get(&app, "/api/v1/status/revocation/0").await.json());
    assert!(revocation.contains(&position(&f.ids.revoked)) && revocation.contains(&position(&f.ids.superseded)));
    assert!(!revocation.contains(&position(&f.ids.valid)) && !revocation.contains(&position(&f.ids.suspended)));
    let suspension = set_positions(&get(&app, "/api/v1/status/suspension/0").await.json());
    assert_eq!(suspension, BTreeSet::from([position(&f.ids.suspended)]));

    // One list of each purpose so far: no other, and no other spelling of 0.
    assert_eq!(
        get(&app, "/api/v1/status").await.json(),
        serde_json::json!({
            "purposes": ["revocation", "suspension"], "lists": [0], "size": LIST_SIZE,
        })
    );
    for uri in [
        "/api/v1/status/refresh/0",
        "/api/v1/status/revocation/1",
        "/api/v1/status/revocation/00",
        "/api/v1/status/revocation/+0",
        "/api/v1/status/revocation/4294967296",
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(reply.json()["error"], "status_list", "{uri}");
    }
    // A stale cache could hide a revocation: no list.
    for uri in ["/api/v1/status/revocation/0", "/api/v1/status"] {
        assert_eq!(
            get(&router(f.stale_state(), &config()), uri).await.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{uri}"
        );
    }
    // Without an operator key, none is published.
    let mut keyless = f.state.clone();
    keyless.status_key = None;
    for uri in ["/api/v1/status/revocation/0", "/api/v1/status"] {
        let reply = get(&router(keyless.clone(), &config()), uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(reply.text().contains("--status-key"), "{uri}");
    }
}

#[tokio::test]
async fn a_certificate_in_a_later_list_sets_its_bit_there_and_every_list_up_to_it_is_published() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    // The suspended certificate, as if the contract had given it a position in list 2.
    let mut moved = f.cache.certificate(&f.ids.suspended).expect("read").expect("known");
    let old = moved.certificate.status_index.expect("position");
    let index = 4242;
    moved.certificate.status_index = Some(2 * LIST_SIZE + index);
    f.cache
        .apply(&Update { txs: vec![], certificates: vec![moved], issuers: None, organizations: None, start_at: None })
        .expect("apply");
    let lists = get(&app, "/api/v1/status").await.json();
    assert_eq!(lists["lists"], serde_json::json!([0, 1, 2]), "{lists}");
    let suspension = |list: u32| {
        let app = app.clone();
        async move {
            let reply = get(&app, &format!("/api/v1/status/suspension/{list}")).await;
            assert_eq!(reply.status, StatusCode::OK, "list {list}");
            let list_json = reply.json();
            assert_eq!(list_json["id"], list_url(PUBLIC_URL, StatusPurpose::Suspension, list));
            credential::verify(&list_json, &status_key()).expect("signed by the operator's key");
            set_positions(&list_json)
        }
    };
    assert_eq!(suspension(2).await, BTreeSet::from([index]), "its bit, at its index in list 2");
    assert!(!suspension(0).await.contains(&old), "not at its old place");
    assert!(suspension(1).await.is_empty(), "a list no certificate is in yet is published, all clear");
    assert!(set_positions(&get(&app, "/api/v1/status/revocation/2").await.json()).is_empty());
    assert_eq!(get(&app, "/api/v1/status/suspension/3").await.status, StatusCode::NOT_FOUND);

    // Updates after the lists were built are read into them: a reinstatement clears its
    // bit, a revocation sets one, a certificate in a new list opens it.
    let mut reinstated = f.cache.certificate(&f.ids.suspended).expect("read").expect("known");
    reinstated.certificate.status = CertificateStatus::Active;
    let mut revoked = f.cache.certificate(&f.ids.valid).expect("read").expect("known");
    revoked.certificate.status = CertificateStatus::Revoked;
    // A revoked certificate new to the cache, at a place in list 3.
    let mut later = f.cache.certificate(&f.ids.revoked).expect("read").expect("known");
    later.certificate.id = "NT-LATERLIST3AA".into();
    later.certificate.status_index = Some(3 * LIST_SIZE + 7);
    for (i, record) in [reinstated, revoked.clone(), later].into_iter().enumerate() {
        f.cache
            .apply(&Update {
                txs: vec![],
                certificates: vec![record],
                issuers: None,
                organizations: None,
                start_at: None,
            })
            .expect("apply");
        // Built between the updates, so that each is read into bits already kept.
        assert_eq!(get(&app, "/api/v1/status").await.status, StatusCode::OK, "after update {i}");
    }
    assert!(suspension(2).await.is_empty(), "the reinstated certificate's bit is cleared");
    let revocation = |list: u32| {
        let app = app.clone();
        async move { set_positions(&get(&app, &format!("/api/v1/status/revocation/{list}")).await.json()) }
    };
    let position = revoked.certificate.status_index.expect("position");
    assert!(revocation(0).await.contains(&position), "the revocation sets its bit");
    assert_eq!(get(&app, "/api/v1/status").await.json()["lists"], serde_json::json!([0, 1, 2, 3]));
    assert_eq!(revocation(3).await, BTreeSet::from([7]), "the new certificate's bit in list 3");
}

#[tokio::test]
async fn the_vc_context_is_served_as_pinned() {
    use sha2::{Digest, Sha256};
    let f = Fixture::new();
    let reply = get(&app(f.state.clone()), "/contexts/credentials/v2").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/ld+json");
    assert_eq!(hex::encode(Sha256::digest(&reply.body)), credential::VC_CONTEXT_V2_SHA256);
    assert!(reply.json()["@context"]["BitstringStatusList"].is_object(), "the status list terms are in it");
}

/// The verifier's count of status list builds, from `/metrics`.
async fn builds(app: &Router) -> u64 {
    let text = get(app, "/metrics").await.text();
    let line = text
        .lines()
        .find(|l| l.starts_with("nanotrace_verifier_status_list_builds_total"))
        .unwrap_or_else(|| panic!("{text}"));
    line.rsplit(' ').next().and_then(|n| n.parse().ok()).expect("a count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_requests_costs_one_build_per_ledger_change() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    assert_eq!(builds(&app).await, 0);
    let burst: Vec<_> = (0..64)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { get(&app, "/api/v1/status/revocation/0").await.status })
        })
        .collect();
    for request in burst {
        assert_eq!(request.await.expect("task"), StatusCode::OK);
    }
    assert_eq!(builds(&app).await, 1, "64 requests at once, one build");
    get(&app, "/api/v1/status/suspension/0").await;
    assert_eq!(builds(&app).await, 2, "the other purpose");
    // A ledger change: the next request builds again, and shows it.
    let mut revoked = f.cache.certificate(&f.ids.valid).expect("read").expect("known");
    revoked.certificate.status = CertificateStatus::Revoked;
    let position = revoked.certificate.status_index.expect("position");
    f.cache
        .apply(&Update { txs: vec![], certificates: vec![revoked], issuers: None, organizations: None, start_at: None })
        .expect("apply");
    let list = get(&app, "/api/v1/status/revocation/0").await.json();
    assert!(set_positions(&list).contains(&position), "the revocation shows in the first list after it");
    assert_eq!(builds(&app).await, 3);
}

#[tokio::test]
async fn ten_thousand_certificates_decode_to_the_ledgers_bits_with_digital_bazaars_implementation() {
    let mut w = World::governed();
    w.now = now() - DAY;
    let mut ids = Vec::new();
    for batch in 0..10 {
        let apps: Vec<Application> = (0..1000).map(|i| sample_application(&format!("LOT-{batch}-{i}"))).collect();
        let applied: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications: apps });
        let approvals = applied.certificate_ids.iter().map(|id| w.approval(Who::Certifier, id)).collect();
        w.ok::<IdsResponse>(Who::Certifier, "ApproveBatch", &ApproveBatchRequest { approvals });
        ids.extend(applied.certificate_ids);
    }
    for id in ids.iter().step_by(37) {
        w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(id, "audit"));
    }
    for id in ids.iter().skip(5).step_by(41) {
        if w.cert(id).status == CertificateStatus::Active {
            w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(id, "audit"));
        }
    }
    let certs: Vec<Certificate> = ids.iter().map(|id| w.cert(id)).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Arc::new(Cache::open(&dir.path().join("cache")).expect("open cache"));
    let records = certs.iter().map(|c| CertificateRecord { certificate: c.clone(), history: Vec::new() }).collect();
    let issuers: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("IssuerKeys");
    cache
        .apply(&Update {
            txs: vec![],
            certificates: records,
            issuers: Some(issuers),
            organizations: Some(vec![]),
            start_at: None,
        })
        .expect("apply");
    let router = app(Fixture::state_over(&cache, Some(now()), true));

    let mut files = Vec::new();
    for purpose in StatusPurpose::ALL {
        let list = get(&router, &format!("/api/v1/status/{}/0", purpose.as_str())).await.json();
        assert_eq!(set_positions(&list), expected(&certs, purpose), "{purpose:?} (decoded here)");
        let file = dir.path().join(format!("{}.json", purpose.as_str()));
        std::fs::write(&file, serde_json::to_vec(&list).expect("JSON")).expect("write");
        files.push(file);
    }
    const WHAT: &str = "Digital Bazaar's status list check";
    let Some(_) = vc::decode_list(WHAT, &files[0]) else { return };
    for (purpose, file) in StatusPurpose::ALL.into_iter().zip(&files) {
        let decoded = vc::decode_list(WHAT, file).expect("node");
        assert_eq!(decoded["verified"], true, "{decoded}");
        assert_eq!(decoded["length"], LIST_SIZE);
        let set: BTreeSet<u32> = serde_json::from_value(decoded["set"].clone()).expect("positions");
        let want = expected(&certs, purpose);
        assert!(want.len() > 200, "{purpose:?}: {} set", want.len());
        assert_eq!(set, want, "{purpose:?}: Digital Bazaar's decoding differs from the ledger");
    }
    // A credential's status, checked by the same library against these lists.
    let key = issuer_signing_key(Who::Certifier);
    let revoked = certs.iter().find(|c| c.status == CertificateStatus::Revoked).expect("a revoked one");
    let suspended = certs.iter().find(|c| c.status == CertificateStatus::Suspended).expect("a suspended one");
    let valid = certs.iter().find(|c| c.status == CertificateStatus::Active).expect("a valid one");
    for (cert, revoked_bit, suspended_bit) in [(revoked, true, false), (suspended, false, true), (valid, false, false)]
    {
        let mut in_force = cert.clone();
        in_force.status = CertificateStatus::Active;
        let vc = credential::sign(&in_force, &key, "Certification body", PUBLIC_URL, now()).expect("sign");
        let file = dir.path().join(format!("{}.vc.json", cert.id));
        std::fs::write(&file, serde_json::to_vec(&vc).expect("JSON")).expect("write");
        let checked = vc::check_status(WHAT, &file, &files[0], &files[1]).expect("node");
        assert_eq!(checked["revoked"], revoked_bit, "{}: {checked}", cert.id);
        assert_eq!(checked["suspended"], suspended_bit, "{}: {checked}", cert.id);
    }
}
