//! "Only what a certifier issued is published", against every write a manufacturer can
//! make (issue 71): an application (`Apply`, `ApplyBatch`) and a new safety data sheet
//! revision (`UpdateSds`) on a PENDING, ACTIVE, SUSPENDED and later REVOKED certificate.
//! The SDS link a manufacturer declared reaches no route of the verifier — not the JSON
//! answer, the page, a redirect or linkset of the resolver in any spelling of
//! `safetyInfo`, a serial under the lot, the product page or the credential — until a
//! certifier signs it; a certificate suspended for the review keeps publishing the
//! revision its certifier signed.

use super::gs1::{ask, issue, router_over, world};
use super::*;
use nanotrace_model::*;

/// What a manufacturer's employee would like the verifier's domain to send people to.
const EVIL: &str = "evil.example";

fn evil_sds(revision: u32) -> SafetyDataSheet {
    SafetyDataSheet { url: format!("https://{EVIL}/phish-{revision}.pdf"), sha256: "e".repeat(64), revision }
}

fn declare(w: &mut World, id: &str) {
    w.now += 3600;
    let revision = w.cert(id).application.sds.revision + 1;
    let req = UpdateSdsRequest { certificate_id: id.into(), sds: evil_sds(revision) };
    w.ok::<Certificate>(Who::Applicant, "UpdateSds", &req);
}

#[tokio::test]
async fn no_route_publishes_an_sds_link_no_certifier_reviewed() {
    let mut w = world();
    let reviewed_url = sample_application("x").sds.url;
    // ACTIVE, then a new revision declared: SUSPENDED awaiting review.
    let awaiting = issue(&mut w, "LOT-AWAITING");
    declare(&mut w, &awaiting);
    // An application filed with the link, in the same lot (never chosen) and in its own.
    let mut app = sample_application("LOT-AWAITING");
    app.gtin = Some(GTIN.into());
    app.sds = evil_sds(1);
    let filed: IdsResponse = w.ok(Who::Applicant, "Apply", &app);
    app.batch = "LOT-APPLIED".into();
    let batch: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications: vec![app] });
    // A PENDING application given the link by UpdateSds.
    let mut pending_app = sample_application("LOT-PENDING");
    pending_app.gtin = Some(GTIN.into());
    let pending: IdsResponse = w.ok(Who::Applicant, "Apply", &pending_app);
    let pending = pending.certificate_ids[0].clone();
    declare(&mut w, &pending);
    // SUSPENDED by its certifier, then a new revision.
    let suspended = issue(&mut w, "LOT-SUSPENDED");
    super::gs1::act(&mut w, "Suspend", &suspended);
    declare(&mut w, &suspended);
    // A new revision, then REVOKED: the revocation writes the declared revision into it.
    let revoked = issue(&mut w, "LOT-REVOKED");
    declare(&mut w, &revoked);
    super::gs1::act(&mut w, "Revoke", &revoked);

    let ids = [&awaiting, &filed.certificate_ids[0], &batch.certificate_ids[0], &pending, &suspended, &revoked];
    for id in ids {
        assert!(w.cert(id).application.sds.url.contains(EVIL), "{id} carries the declared link on the ledger");
    }
    let (_dir, app) = router_over(&w, &ids);

    let gtin14 = format!("0{GTIN}");
    let mut uris =
        vec![format!("/01/{gtin14}"), format!("/products/{gtin14}"), format!("/01/{gtin14}?linkType=linkset")];
    for lot in ["LOT-AWAITING", "LOT-APPLIED", "LOT-PENDING", "LOT-SUSPENDED", "LOT-REVOKED"] {
        for level in [format!("/01/{gtin14}/10/{lot}"), format!("/01/{gtin14}/10/{lot}/21/SN-0001")] {
            uris.push(level.clone());
            for link_type in [
                "gs1:safetyInfo",
                "https://gs1.org/voc/safetyInfo",
                "https://www.gs1.org/voc/safetyInfo",
                "https://ref.gs1.org/voc/safetyInfo",
                "linkset",
                "all",
            ] {
                uris.push(format!("{level}?linkType={}", encode(link_type)));
            }
        }
    }
    for id in ids {
        for path in ["/api/v1/certificates/{id}", "/api/v1/certificates/{id}/vc", "/c/{id}", "/c/{id}?lang=de"] {
            uris.push(path.replace("{id}", id));
        }
    }
    for uri in &uris {
        for accept in [None, Some("application/json"), Some("application/linkset+json"), Some("text/html")] {
            let reply = ask(&app, Method::GET, uri, accept).await;
            let headers = format!("{:?}", reply.headers);
            let body = String::from_utf8_lossy(&reply.body);
            assert!(
                !headers.contains(EVIL) && !body.contains(EVIL),
                "{uri} ({accept:?}) publishes a link no certifier reviewed: {} {headers}\n{body}",
                reply.status
            );
        }
    }

    // The certificate suspended for the review keeps the revision its certifier signed:
    // the resolver sends safetyInfo there, the page links it, the JSON names it, each
    // saying that a newer revision awaits review.
    let reply = ask(&app, Method::GET, &format!("/01/{gtin14}/10/LOT-AWAITING?linkType=gs1:safetyInfo"), None).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT, "{}", reply.text());
    // (Every redirect carries the request's query.)
    assert_eq!(reply.header("location"), format!("{reviewed_url}?linkType=gs1:safetyInfo"));
    let json = get(&app, &format!("/api/v1/certificates/{awaiting}")).await.json();
    assert_eq!(json["verdict"], "SUSPENDED", "{json:#}");
    assert_eq!(json["sds"]["url"], reviewed_url.as_str(), "{json:#}");
    assert_eq!(json["sds"]["revision"], 3, "{json:#}");
    assert_eq!(json["sds_awaiting_review"], 4, "{json:#}");
    let page = get(&app, &format!("/c/{awaiting}")).await.text();
    assert!(page.contains(&format!("href=\"{reviewed_url}\"")), "{page}");
    assert!(page.contains("Revision 4, declared by the manufacturer: no certifier has reviewed it yet"), "{page}");
    // An application's revision was never reviewed: named, not linked.
    let json = get(&app, &format!("/api/v1/certificates/{pending}")).await.json();
    assert!(json["sds"].is_null(), "{json:#}");
    assert_eq!(json["sds_awaiting_review"], 4, "{json:#}");
}

fn encode(text: &str) -> String {
    text.replace(':', "%3A").replace('/', "%2F")
}
