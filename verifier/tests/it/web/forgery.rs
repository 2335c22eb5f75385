//! Records no certifier signed — written past the contract, as a rogue chaincode package
//! on colluding peers could commit them — on every route of the verifier: the JSON API,
//! the page (in each language), the consignment check, the GS1 resolver, the credential,
//! the QR code and the status lists. Each says UNTRUSTED, or publishes nothing of the
//! record, never VALID; the genuine certificates beside them are answered as before. (The
//! contract-side check and each kind of forgery: `chaincode/tests/it/forgery.rs`.)

use super::credential::attach;
use super::gs1::{ask, gtin14, issue, link_target, router_over};
use super::ops::assert_documented;
use super::status::set_positions;
use super::tokens::decode_qr_png;
use super::*;
use nanotrace_model::*;
use nanotrace_verifier::cache::{Cache, Update};
use std::sync::Arc;

/// The genuine and forged certificates of [`forged_world`].
struct Forged {
    /// VALID, in lot `LOT-GENUINE`, with its credential.
    genuine: String,
    /// REVOKED, with its credential and a status-list position.
    revoked: String,
    /// The revoked certificate's record under another ID, made ACTIVE, in lot
    /// `LOT-FORGED` (alone there), with the revoked certificate's position and credential.
    alone: String,
    /// The genuine certificate's record under another ID, newer, in lot `LOT-GENUINE`.
    in_lot: String,
}

const PHISHING: &str = "https://sds.example.net/phish.pdf";

fn forged_world() -> (World, Forged) {
    let mut w = world_with_verifier_base();
    w.now = now() - DAY;
    let genuine = issue(&mut w, "LOT-GENUINE");
    attach(&mut w, &genuine);
    let revoked = issue(&mut w, "LOT-REVOKED");
    attach(&mut w, &revoked);
    w.now += 60;
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&revoked, "contamination"));

    // Its ID sorts after every other, so that the lists read it last.
    let mut alone = Certificate { id: "NT-ZZZZFORGED22".into(), ..w.cert(&revoked) };
    alone.status = CertificateStatus::Active;
    alone.status_reason = None;
    alone.application.batch = "LOT-FORGED".into();
    alone.application.sds.url = PHISHING.into();
    assert!(alone.status_index.is_some() && alone.credential.is_some());
    w.forge_certificate(&alone);

    let mut in_lot = Certificate { id: "NT-FORGED333333".into(), ..w.cert(&genuine) };
    in_lot.applied_at += 7200;
    in_lot.issuance.as_mut().expect("issued").issued_at += 7200;
    w.forge_certificate(&in_lot);
    let ids = Forged { genuine, revoked, alone: alone.id, in_lot: in_lot.id };
    (w, ids)
}

#[tokio::test]
async fn forged_records_are_untrusted_on_every_route() {
    let (w, ids) = forged_world();
    let (_dir, app) = router_over(&w, &[&ids.genuine, &ids.revoked, &ids.alone, &ids.in_lot]);

    // The JSON API: UNTRUSTED with the reason, and no offline token; as the API document says.
    for id in [&ids.alone, &ids.in_lot] {
        let reply = get(&app, &format!("/api/v1/certificates/{id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{id}");
        assert_documented(&[&reply], id);
        let json = reply.json();
        assert_eq!(json["verdict"], "UNTRUSTED", "{id}: {json:#}");
        let reason = json["reason"].as_str().expect("reason");
        assert!(reason.starts_with("no certifier's signature vouches for this record: "), "{reason}");
        assert!(json.get("token").is_none_or(Value::is_null), "{id}: {json:#}");
    }
    let genuine = get(&app, &format!("/api/v1/certificates/{}", ids.genuine)).await.json();
    assert_eq!(genuine["verdict"], "VALID", "{genuine:#}");
    assert!(genuine["token"].is_string(), "{genuine:#}");

    // The page, in each language.
    for (lang, word) in [("en", "UNTRUSTED"), ("de", "NICHT BEGLAUBIGT"), ("fr", "NON AUTHENTIFIÉ")] {
        let request = Request::get(format!("/c/{}", ids.alone)).header(header::ACCEPT_LANGUAGE, lang);
        let page = send(&app, request.body(Body::empty()).expect("request")).await;
        assert_eq!(page.status, StatusCode::OK, "{lang}");
        let text = page.text();
        assert!(text.contains(&format!("<h1 class=\"word\">{word}</h1>")), "{lang}: {text}");
        assert!(text.contains("v-untrusted"), "{lang}");
        assert!(text.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
    }

    // The consignment check.
    let items = [ids.alone.clone(), ids.genuine.clone(), format!("{PUBLIC_URL}/c/{}", ids.in_lot)];
    let report = post_json(&app, "/api/v1/verify", serde_json::json!({ "items": items }).to_string()).await.json();
    let outcomes: Vec<(&str, &str, &str)> = report["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["outcome"].as_str().unwrap_or(""),
                i["problem"].as_str().unwrap_or(""),
                i["verdict"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [("not_valid", "untrusted", "UNTRUSTED"), ("valid", "", "VALID"), ("not_valid", "untrusted", "UNTRUSTED")],
        "{report:#}"
    );

    // The credential: refused, though the record carries the revoked certificate's proof.
    let vc = get(&app, &format!("/api/v1/certificates/{}/vc", ids.alone)).await;
    assert_eq!(vc.status, StatusCode::CONFLICT, "{}", vc.text());
    assert_documented(&[&vc], &ids.alone);
    assert_eq!(vc.json()["error"], "untrusted");

    // The status lists: the forged record does not clear the revoked certificate's bit.
    let position = w.cert(&ids.revoked).status_index.expect("a position");
    let revocation = set_positions(&get(&app, "/api/v1/status/revocation/0").await.json());
    assert!(revocation.contains(&position), "{position} not in {revocation:?}");

    // The QR code names the page alone, with no token a label could carry.
    let qr = get(&app, &format!("/qr/{}.png", ids.alone)).await;
    assert_eq!(qr.status, StatusCode::OK);
    assert_eq!(decode_qr_png(&qr.body), format!("{PUBLIC_URL}/c/{}", ids.alone));
    let qr = get(&app, &format!("/qr/{}.png", ids.genuine)).await;
    assert!(decode_qr_png(&qr.body).starts_with(&format!("{PUBLIC_URL}/c/{}?t=", ids.genuine)));
}

#[tokio::test]
async fn the_resolver_publishes_nothing_of_a_forged_record() {
    let (w, ids) = forged_world();
    let (_dir, app) = router_over(&w, &[&ids.genuine, &ids.revoked, &ids.alone, &ids.in_lot]);
    let gtin14 = gtin14();
    // A newer forged record of the genuine certificate's lot does not take its link.
    assert_eq!(link_target(&app, "LOT-GENUINE").await, format!("/c/{}", ids.genuine));
    // Alone in its lot, the forged record's link is its page (which says UNTRUSTED) …
    assert_eq!(link_target(&app, "LOT-FORGED").await, format!("/c/{}", ids.alone));
    // … and nothing it says: no safety data sheet, no credential, not its product name.
    let level = format!("/01/{gtin14}/10/LOT-FORGED");
    let sds = ask(&app, Method::GET, &format!("{level}?linkType=gs1:safetyInfo"), None).await;
    assert_eq!(sds.status, StatusCode::NOT_FOUND, "{:?}", sds.headers.get("location"));
    let linkset = ask(&app, Method::GET, &format!("{level}?linkType=linkset"), None).await.json();
    let text = linkset.to_string();
    assert!(!text.contains(PHISHING), "{linkset:#}");
    assert!(!text.contains(&format!("{}/vc", ids.alone)), "{linkset:#}");
    assert_eq!(linkset["linkset"][0]["itemDescription"], format!("GTIN {gtin14}, lot LOT-FORGED"), "{linkset:#}");
}

/// Issuance signatures are checked as the follower writes the records (issue 76): a
/// lookup of a genuine record takes the mark made then, also after a restart, and checks
/// nothing; a forged record gets no mark and is checked by the lookup, once per record
/// version. A mark vouches only for the record version it was made on, against the trust
/// list it was made with.
#[test]
fn signatures_are_checked_as_records_are_written() {
    let (mut w, ids) = forged_world();
    let other = issue(&mut w, "LOT-GENUINE-OTHER");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache");
    let verdicts = |state: &nanotrace_verifier::state::AppState, expected: &[(&String, Verdict)]| {
        for _ in 0..3 {
            for (id, verdict) in expected {
                assert_eq!(state.verdict(id, now()).expect("verdict").verification.verdict, *verdict, "{id}");
            }
        }
    };
    {
        let cache = Arc::new(Cache::open(&path).expect("open cache"));
        cache.apply(&update_of(&w, &[&ids.genuine, &ids.alone, &other])).expect("apply");
        assert_eq!(cache.lookup_stats().signed_on_write, 3, "every ACTIVE record checked as it was written");
    }
    // Reopened, nothing in memory: the marks on disk answer for the genuine records.
    let cache = Arc::new(Cache::open(&path).expect("reopen cache"));
    let state = Fixture::state_over(&cache, Some(now()), true);
    let stats = || cache.lookup_stats();
    verdicts(&state, &[(&ids.genuine, Verdict::Valid), (&ids.alone, Verdict::Untrusted), (&other, Verdict::Valid)]);
    let s = stats();
    assert_eq!((s.signed_marks, s.checked_signatures), (2, 1), "two marks taken, the unmarked forgery checked once");

    // An update that touches one certificate has it checked as it is written, and its
    // lookup takes the new mark; the other answers stay remembered.
    cache.apply(&Update { issuers: None, organizations: None, ..update_of(&w, &[&ids.genuine]) }).expect("apply");
    verdicts(&state, &[(&ids.genuine, Verdict::Valid), (&ids.alone, Verdict::Untrusted)]);
    let s = stats();
    assert_eq!((s.signed_on_write, s.signed_marks, s.checked_signatures), (1, 3, 1), "{s:?}");

    // A newer version of the genuine record that its signature does not vouch for (the
    // product renamed past the contract): the mark of the version before is not its.
    let mut forged = update_of(&w, &[&ids.genuine]);
    let record = &mut forged.certificates[0];
    record.certificate.application.product_name = "Renamed past the contract".into();
    let last = record.history.last().cloned().expect("an audit trail");
    record.history.push(last);
    cache.apply(&Update { issuers: None, organizations: None, ..forged }).expect("apply");
    verdicts(&state, &[(&ids.genuine, Verdict::Untrusted)]);
    assert_eq!(stats().checked_signatures, 2, "the new version checked by its lookup");

    // A trust list without the certifier's key: every mark is stale, the records are
    // checked against the list in force.
    let mut untrusted = update_of(&w, &[]);
    untrusted.issuers = Some(Vec::new());
    cache.apply(&untrusted).expect("apply");
    verdicts(&state, &[(&other, Verdict::Untrusted)]);
    assert_eq!(stats().checked_signatures, 3, "checked against the new trust list, not taken from its mark");
}
