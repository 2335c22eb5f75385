//! GS1 Digital Link when one lot has several certificates: the link resolves to the
//! certificate a buyer should rely on (VALID first, then the newest issued), never to
//! the one whose status changed last.

use super::*;
use nanotrace_model::*;
use nanotrace_verifier::cache::{Cache, CertificateRecord, Update};
use std::sync::Arc;

/// A world whose clock is real time minus a day, with the contract's fixture roles.
fn world() -> World {
    let mut w = World::governed();
    w.now = now() - DAY;
    w
}

/// Issues a certificate for `lot` an hour after the previous transaction.
fn issue(w: &mut World, lot: &str) -> String {
    w.now += 3600;
    let mut app = sample_application(lot);
    app.gtin = Some(GTIN.into());
    let ids: IdsResponse = w.ok(Who::Applicant, "Apply", &app);
    let id = ids.certificate_ids[0].clone();
    let req = w.approval(Who::Certifier, &id);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
    id
}

fn act(w: &mut World, function: &str, id: &str) {
    w.now += 3600;
    w.ok::<Certificate>(Who::Certifier, function, &World::reason(id, "audit"));
}

/// A router over a fresh cache holding `ids` as they are now in `w`.
fn router_over(w: &World, ids: &[&String]) -> (tempfile::TempDir, Router) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Arc::new(Cache::open(&dir.path().join("cache")).expect("open cache"));
    let certificates = ids
        .iter()
        .map(|id| {
            let req = CertificateIdRequest { certificate_id: (*id).clone() };
            let history = w.evaluate(Who::Unknown, "History", &req).expect("History");
            CertificateRecord { certificate: w.cert(id), history }
        })
        .collect();
    let issuers: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("IssuerKeys");
    let organizations: Vec<nanotrace_model::Organization> =
        w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("Organizations");
    cache
        .apply(&Update { txs: vec![], certificates, issuers: Some(issuers), organizations: Some(organizations) })
        .expect("apply");
    let state = Fixture::state_over(&cache, Some(now()), true);
    (dir, app(state))
}

async fn link_target(app: &Router, lot: &str) -> String {
    let reply = get(app, &format!("/01/{GTIN}/10/{lot}")).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{lot}");
    reply.header("location").to_owned()
}

#[tokio::test]
async fn two_certificates_in_one_lot_resolve_to_the_valid_one() {
    let mut w = world();
    // A, then B, then A suspended: B is the valid certificate though A changed last.
    let a = issue(&mut w, "LOT-TWO");
    let b = issue(&mut w, "LOT-TWO");
    act(&mut w, "Suspend", &a);
    // The other way round: the newer certificate is the one suspended.
    let c = issue(&mut w, "LOT-TWO-B");
    let d = issue(&mut w, "LOT-TWO-B");
    act(&mut w, "Suspend", &d);
    // Both valid: the newest issued.
    let e = issue(&mut w, "LOT-TWO-C");
    let f = issue(&mut w, "LOT-TWO-C");
    // None valid: the newest issued (its page says why it is not valid), not the one
    // that changed last.
    let g = issue(&mut w, "LOT-TWO-D");
    let h = issue(&mut w, "LOT-TWO-D");
    act(&mut w, "Revoke", &h);
    act(&mut w, "Suspend", &g);
    // An issued certificate over a newer application that is still pending.
    let i = issue(&mut w, "LOT-TWO-E");
    w.now += 3600;
    let mut app_j = sample_application("LOT-TWO-E");
    app_j.gtin = Some(GTIN.into());
    let j: IdsResponse = w.ok(Who::Applicant, "Apply", &app_j);
    let j = j.certificate_ids[0].clone();

    let (_dir, router) = router_over(&w, &[&a, &b, &c, &d, &e, &f, &g, &h, &i, &j]);
    assert_eq!(link_target(&router, "LOT-TWO").await, format!("/c/{b}"));
    assert_eq!(link_target(&router, "LOT-TWO-B").await, format!("/c/{c}"));
    assert_eq!(link_target(&router, "LOT-TWO-C").await, format!("/c/{f}"));
    assert_eq!(link_target(&router, "LOT-TWO-D").await, format!("/c/{h}"));
    assert_eq!(link_target(&router, "LOT-TWO-E").await, format!("/c/{i}"));
}
