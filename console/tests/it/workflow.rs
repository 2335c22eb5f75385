//! Whole workflows over the console's API, with keys that never reach the server.

use data_encoding::BASE64;
use ed25519_dalek::Signer as _;
use p256::pkcs8::EncodePublicKey as _;
use serde_json::json;

use crate::support::*;

/// A certifier's issuer key made "in the browser", requested, registered by the admin.
pub(crate) async fn issuer_key(h: &Harness, certifier: &Member, admin: &Member) -> ed25519_dalek::SigningKey {
    let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let r = certifier.post("/api/keys", &json!({ "public_key": hex::encode(key.verifying_key().as_bytes()) })).await;
    assert!(r.ok(), "{}", r.error());
    let key_id = r.json["key_id"].as_str().expect("key id").to_owned();
    let (_, _, page) = admin.get("/keys").await;
    assert!(page.contains(&key_id), "the admin sees the request");
    admin
        .transact(&format!("/api/register-key/{key_id}"), &json!({}))
        .await
        .map_err(|e| e.error())
        .expect("registered");
    let _ = h;
    key
}

/// Approves `id` with `key`, signing the terms the console sends.
pub(crate) async fn approve(
    certifier: &Member,
    key: &ed25519_dalek::SigningKey,
    id: &str,
) -> Result<serde_json::Value, Reply> {
    let key_id = nanotrace_model::issuer_key_id(key.verifying_key().as_bytes());
    let terms = certifier.post("/api/approval-terms", &json!({ "certificate_id": id, "issuer_key_id": key_id })).await;
    assert!(terms.ok(), "{}", terms.error());
    let input = BASE64.decode(terms.json["sign"].as_str().expect("sign").as_bytes()).expect("b64");
    let form = json!({
        "certificate_id": id,
        "issuer_key_id": key_id,
        "issued_at": terms.json["issued_at"].to_string(),
        "valid_until": terms.json["valid_until"].to_string(),
        "signature": hex::encode(key.sign(&input).to_bytes()),
    });
    certifier.transact("/api/tx/approve", &form).await
}

#[tokio::test]
async fn an_application_signed_by_its_member_is_approved_with_a_browser_issuer_key_then_revoked() {
    let h = Harness::start().await;
    let mut dave = h.member(APPLICANT);
    let mut alice = h.member(CERTIFIER);
    let mut admin = h.member(ADMIN);
    for m in [&mut dave, &mut alice, &mut admin] {
        m.sign_in().await.expect("sign in");
    }
    let before = h.height();
    let committed = dave
        .transact("/api/tx/apply", &apply_form("SolarShield SPF 50", "LOT-C-1"))
        .await
        .map_err(|e| e.error())
        .expect("apply");
    let id = certificate_of(&committed);
    assert_eq!(committed["block"].as_u64(), Some(before + 1), "one transaction, in the next block");
    let (_, _, mine) = dave.get("/certificates").await;
    assert!(mine.contains(&id) && mine.contains("PENDING"), "{mine}");

    let key = issuer_key(&h, &alice, &admin).await;
    let (_, _, queue) = alice.get("/queue").await;
    assert!(queue.contains(&id), "the pending application is in the queue");
    approve(&alice, &key, &id).await.map_err(|e| e.error()).expect("approve");
    let (_, _, page) = dave.get(&format!("/certificates/{id}")).await;
    assert!(page.contains("verdict <b>VALID</b>"), "{page}");
    assert!(page.contains("/c/") && page.contains("?t="), "the verification link carries the offline token");
    let (status, headers, svg) = dave.get(&format!("/certificates/{id}/qr.svg")).await;
    assert!(status.is_success() && svg.starts_with("<svg") || svg.contains("<svg"), "{status}");
    assert_eq!(headers["content-type"], "image/svg+xml");

    alice
        .transact("/api/tx/revoke", &json!({ "certificate_id": id, "reason": "SDS falsified" }))
        .await
        .map_err(|e| e.error())
        .expect("revoke");
    let (_, _, page) = dave.get(&format!("/certificates/{id}")).await;
    assert!(page.contains("verdict <b>REVOKED</b>") && page.contains("SDS falsified"), "{page}");
    assert_eq!(h.height(), before + 4, "apply, register key, approve, revoke");
}

#[tokio::test]
async fn an_enrollment_link_gives_a_member_a_certificate_for_a_key_that_never_left_them() {
    // Invited before the console starts, as `nanotrace-console invite` does.
    let dir = tempfile::tempdir().expect("tempdir");
    drop(nanotrace_testkit::datadir::sample_network(dir.path()));
    let registry = nanotrace_console::registry::Registry::open(&dir.path().join("console")).expect("registry");
    let msp = nanotrace_ledger::devmsp::DevMsp::new(dir.path());
    let new = nanotrace_console::web::api::NewMember {
        name: "erin@manufacturer",
        msp_id: "ManufacturerMSP",
        admin: false,
        email: None,
        invited_by: "cli",
    };
    let link =
        nanotrace_console::web::api::invite_member(&registry, &msp, "http://console.test", 1, new).expect("invite");
    let secret = link.strip_prefix("http://console.test/enroll#").expect("the secret is in the fragment").to_owned();
    drop(registry);
    let h = Harness::on(dir).await;

    let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let spki = BASE64.encode(key.verifying_key().to_public_key_der().expect("spki").as_bytes());
    let anonymous = Member::new(&h.url, "", "", key.clone());
    let request = anonymous.post("/api/enroll/request", &json!({ "secret": secret, "public_key": spki })).await;
    assert!(request.ok(), "{}", request.error());
    assert_eq!(request.json["name"], "erin@manufacturer");
    let signature = anonymous.sign(request.json["sign"].as_str().expect("tbs"));
    let issued =
        anonymous.post("/api/enroll", &json!({ "secret": secret, "public_key": spki, "signature": signature })).await;
    assert!(issued.ok(), "{}", issued.error());
    let again =
        anonymous.post("/api/enroll", &json!({ "secret": secret, "public_key": spki, "signature": signature })).await;
    assert_eq!(again.status, 403, "a link works once: {}", again.error());

    let mut erin = Member::new(&h.url, "ManufacturerMSP", issued.json["cert_pem"].as_str().expect("cert"), key);
    erin.sign_in().await.expect("the new member signs in");
    let committed = erin
        .transact("/api/tx/apply", &apply_form("Erin's product", "LOT-E-1"))
        .await
        .map_err(|e| e.error())
        .expect("apply");
    let (_, _, page) = erin.get(committed["done"].as_str().expect("done")).await;
    assert!(page.contains("Erin&#39;s product") || page.contains("Erin's product"), "{page}");

    // An admin invites from the console (its own organisation only).
    let mut admin = h.member(ADMIN);
    admin.sign_in().await.expect("sign in");
    let r = admin.post("/api/members", &json!({ "name": "ivan@regulator", "admin": false })).await;
    assert!(r.ok(), "{}", r.error());
    assert!(r.json["link"].as_str().expect("link").contains("/enroll#"));
    let (_, _, members) = admin.get("/members").await;
    assert!(members.contains("ivan@regulator") && members.contains("open until"), "{members}");
    let twice = admin.post("/api/members", &json!({ "name": "ivan@regulator" })).await;
    assert_eq!(twice.status, 400, "{}", twice.error());
}
