//! Whole workflows over the console's API, with keys that never reach the server.

use data_encoding::BASE64;
use ed25519_dalek::Signer as _;
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
    let form = signed_terms(certifier, key, &json!({ "certificate_id": id })).await;
    certifier.transact("/api/tx/approve", &form).await
}

/// The approve or renew form for `terms` (`certificate_id`, and `renew`,
/// `validity_days` if wanted): the console's terms signed with the issuer `key`.
pub(crate) async fn signed_terms(
    certifier: &Member,
    key: &ed25519_dalek::SigningKey,
    terms: &serde_json::Value,
) -> serde_json::Value {
    let key_id = nanotrace_model::issuer_key_id(key.verifying_key().as_bytes());
    let mut request = terms.clone();
    request["issuer_key_id"] = json!(key_id);
    let answer = certifier.post("/api/approval-terms", &request).await;
    assert!(answer.ok(), "{}", answer.error());
    let input = BASE64.decode(answer.json["sign"].as_str().expect("sign").as_bytes()).expect("b64");
    json!({
        "certificate_id": terms["certificate_id"],
        "issuer_key_id": key_id,
        "issued_at": answer.json["issued_at"].to_string(),
        "valid_until": answer.json["valid_until"].to_string(),
        "signature": hex::encode(key.sign(&input).to_bytes()),
    })
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

/// Enrolls with the link secret `secret` as a browser does (a new key, the request's
/// bytes signed); returns the member and the answer to a second use of the link.
pub(crate) async fn enroll(base: &str, secret: &str, msp_id: &str) -> (Member, Reply) {
    let (key, body, issued) = try_enroll(base, secret).await;
    assert!(issued.ok(), "{}", issued.error());
    assert_eq!(issued.json["msp_id"], msp_id);
    let again = Member::new(base, "", "", key.clone()).post("/api/enroll", &body).await;
    let mut member = Member::new(base, msp_id, issued.json["cert_pem"].as_str().expect("cert"), key);
    member.sign_in().await.expect("the new member signs in");
    (member, again)
}

#[tokio::test]
async fn the_demo_makes_the_sample_network_and_a_link_per_sample_person_that_keeps_their_roles() {
    let demo = crate::process::ConsoleProcess::demo();
    let links: Vec<&String> = demo.banner.iter().filter(|l| l.contains("/enroll#")).collect();
    assert_eq!(links.len(), 4, "{:?}", demo.banner);
    let certifier = links.iter().find(|l| l.contains(CERTIFIER)).expect("the certifier's link");
    let secret = certifier.split("/enroll#").nth(1).expect("secret").trim();
    let (alice, _) = enroll(&demo.url, secret, "CertifierMSP").await;
    let (status, _, queue) = alice.get("/queue").await;
    assert_eq!(status, 200, "a new key under alice's name has alice's certifier role: {queue}");
}

#[tokio::test]
async fn an_enrollment_link_gives_a_member_a_certificate_for_a_key_that_never_left_them() {
    // Invited before the console starts, as `nanotrace-console invite` does.
    let dir = tempfile::tempdir().expect("tempdir");
    drop(nanotrace_testkit::datadir::sample_network(dir.path()));
    let registry = nanotrace_console::registry::Registry::open(&dir.path().join("console")).expect("registry");
    let msp = nanotrace_embedded::devmsp::DevMsp::new(dir.path());
    let new = nanotrace_console::registry::NewMember {
        name: "erin@manufacturer",
        msp_id: "ManufacturerMSP",
        admin: false,
        email: None,
        invited_by: "cli",
        reenrollment: false,
    };
    let secret = nanotrace_console::ledger::invite_member(&registry, &msp, 1, nanotrace_model::clock::unix_now(), new)
        .expect("invite");
    let link = nanotrace_console::registry::enrollment_link("http://console.test", &secret);
    let secret = link.strip_prefix("http://console.test/enroll#").expect("the secret is in the fragment").to_owned();
    drop(registry);
    let h = Harness::on(dir).await;

    let (erin, again) = enroll(&h.url, &secret, "ManufacturerMSP").await;
    assert_eq!(again.status, 403, "a link works once: {}", again.error());
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

#[tokio::test]
async fn auditors_see_every_transaction_with_its_chain_checked_and_can_search_it() {
    let h = Harness::start().await;
    let mut dave = h.member(APPLICANT);
    let mut inspector = h.member(INSPECTOR);
    dave.sign_in().await.expect("sign in");
    inspector.sign_in().await.expect("sign in");
    let first =
        dave.transact("/api/tx/apply", &apply_form("First", "LOT-L-1")).await.map_err(|e| e.error()).expect("apply");
    let second =
        dave.transact("/api/tx/apply", &apply_form("Second", "LOT-L-2")).await.map_err(|e| e.error()).expect("apply");
    let (first_id, second_id) = (certificate_of(&first), certificate_of(&second));
    assert_eq!(dave.get("/ledger").await.0, 404, "applicants do not see the ledger view");

    let (status, _, all) = inspector.get("/ledger").await;
    assert_eq!(status, 200);
    let height = h.height();
    assert!(all.contains(&format!("Height {height}")), "{all}");
    assert_eq!(all.matches("✓ intact").count() as u64, height, "every block's chain is checked: {all}");
    assert!(!all.contains("✗ broken"));
    assert!(all.contains(&first_id) && all.contains(&second_id) && all.contains("ManufacturerMSP"));

    let tx = first["tx_id"].as_str().expect("tx");
    let (_, _, by_tx) = inspector.get(&format!("/ledger?tx={tx}")).await;
    assert!(by_tx.contains(&first_id) && !by_tx.contains(&second_id), "{by_tx}");
    let (_, _, by_cert) = inspector.get(&format!("/ledger?certificate={second_id}")).await;
    assert!(by_cert.contains(&second_id) && !by_cert.contains(&first_id), "{by_cert}");
    let (_, _, by_gtin) = inspector.get("/ledger?gtin=4006381333931").await;
    assert!(by_gtin.contains(&first_id) && by_gtin.contains(&second_id), "{by_gtin}");
    let (_, _, none) = inspector.get("/ledger?tx=ffffffffffff").await;
    assert!(none.contains("No transaction matches"), "{none}");
}

#[tokio::test]
async fn an_org_admin_removes_a_member_whose_certificate_is_revoked_and_sessions_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(nanotrace_testkit::datadir::sample_network(dir.path()));
    let registry = nanotrace_console::registry::Registry::open(&dir.path().join("console")).expect("registry");
    let msp = nanotrace_embedded::devmsp::DevMsp::new(dir.path());
    let new = nanotrace_console::registry::NewMember {
        name: "mia@manufacturer",
        msp_id: "ManufacturerMSP",
        admin: true,
        email: None,
        invited_by: "cli",
        reenrollment: false,
    };
    let secret = nanotrace_console::ledger::invite_member(&registry, &msp, 1, nanotrace_model::clock::unix_now(), new)
        .expect("invite");
    let link = nanotrace_console::registry::enrollment_link("http://c", &secret);
    drop(registry);
    let h = Harness::on(dir).await;
    let (mia, _) = enroll(&h.url, link.split('#').nth(1).expect("secret"), "ManufacturerMSP").await;
    let r = mia.post("/api/members", &json!({ "name": "erin@manufacturer" })).await;
    assert!(r.ok(), "{}", r.error());
    let secret = r.json["link"].as_str().and_then(|l| l.split('#').nth(1)).expect("secret").to_owned();
    let (erin, _) = enroll(&h.url, &secret, "ManufacturerMSP").await;
    erin.transact("/api/tx/apply", &apply_form("Before removal", "LOT-M-1"))
        .await
        .map_err(|e| e.error())
        .expect("apply");

    // A transaction in flight when the member is removed does not commit.
    let p = erin.propose("/api/tx/apply", &apply_form("In flight", "LOT-M-2")).await;
    let tx_id = p.json["tx_id"].as_str().expect("tx").to_owned();
    let e = erin
        .post(
            "/api/endorse",
            &json!({ "tx_id": tx_id, "signature": erin.sign(p.json["sign"].as_str().expect("sign")) }),
        )
        .await;
    assert!(e.ok(), "{}", e.error());
    let before = h.height();
    assert_eq!(
        erin.post("/api/members/remove", &json!({ "name": "mia@manufacturer" })).await.status,
        404,
        "members do not remove"
    );
    // A challenge handed out before the removal…
    let pending = erin
        .post_with("/api/signin/challenge", &json!({ "msp_id": "ManufacturerMSP", "cert_pem": erin.cert_pem }), None)
        .await;
    assert!(pending.ok(), "{}", pending.error());
    let removed = mia.post("/api/members/remove", &json!({ "name": "erin@manufacturer" })).await;
    assert!(removed.ok(), "{}", removed.error());
    let c = erin
        .post("/api/commit", &json!({ "tx_id": tx_id, "signature": erin.sign(e.json["sign"].as_str().expect("sign")) }))
        .await;
    assert_eq!(c.status, 401, "the removed member's session is over: {}", c.error());
    let mut again = Member::new(&h.url, "ManufacturerMSP", &erin.cert_pem, erin.key.clone());
    // … answered after it: the certificate is checked again when the challenge is answered.
    let late = again.post_with("/api/signin", &again.challenge_answer(&pending.json), None).await;
    assert_eq!(late.status, 403, "{}", late.error());
    assert!(late.error().contains("has been revoked"), "{}", late.error());
    let err = again.sign_in().await.expect_err("a revoked certificate signs in no more");
    assert!(err.contains("has been revoked"), "{err}");
    assert_eq!(h.height(), before, "nothing written");
    let (_, _, members) = mia.get("/members").await;
    assert!(members.contains("removed") && members.contains("certificate revoked"), "{members}");
    let twice = mia.post("/api/members/remove", &json!({ "name": "erin@manufacturer" })).await;
    assert_eq!(twice.status, 400, "{}", twice.error());
}

#[tokio::test]
async fn with_an_smtp_server_the_enrollment_link_is_emailed_and_a_failed_email_is_said() {
    use nanotrace_testkit::smtp::{SmtpMode, SmtpServer};
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(smtp) = SmtpServer::start(&tmp.path().join("smtp"), SmtpMode::Starttls) else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    drop(nanotrace_testkit::datadir::sample_network(dir.path()));
    let (port, root) = (smtp.port, smtp.root.clone());
    let h = Harness::configured(dir, |c| {
        c.smtp.host = Some("localhost".into());
        c.smtp.port = Some(port);
        c.smtp.root_certificate = Some(root);
    })
    .await;
    let mut admin = h.member(ADMIN);
    admin.sign_in().await.expect("sign in");
    let r = admin.post("/api/members", &json!({ "name": "olga@regulator", "email": "olga@regulator.example" })).await;
    assert!(r.ok(), "{}", r.error());
    assert_eq!(r.json["email"]["sent_to"], "olga@regulator.example", "{}", r.json);
    let link = r.json["link"].as_str().expect("link").to_owned();
    let mail = String::from_utf8_lossy(&smtp.wait_for(1, std::time::Duration::from_secs(10))[0]).to_string();
    assert!(mail.contains("olga@regulator.example") && mail.contains("Your NanoTrace enrollment link"), "{mail}");
    let unfolded = mail.replace("=\r\n", "").replace("=3D", "=");
    assert!(unfolded.contains(&link), "the email carries the link {link}:\n{mail}");

    // The server gone: the invitation stands, the page says the email failed.
    drop(smtp);
    let r = admin.post("/api/members", &json!({ "name": "piet@regulator", "email": "piet@regulator.example" })).await;
    assert!(r.ok(), "{}", r.error());
    assert!(r.json["email"]["error"].as_str().is_some_and(|e| !e.is_empty()), "{}", r.json);
    assert!(r.json["link"].as_str().expect("link").contains("/enroll#"));
}

#[tokio::test]
async fn a_governance_admin_grants_and_revokes_a_role_of_a_member_picked_on_the_roles_page() {
    let h = Harness::start().await;
    let mut admin = h.member(ADMIN);
    admin.sign_in().await.expect("sign in");
    let r = admin.post("/api/members", &json!({ "name": "ivan@regulator" })).await;
    let secret = r.json["link"].as_str().and_then(|l| l.split('#').nth(1)).expect("secret").to_owned();
    let (ivan, _) = enroll(&h.url, &secret, "RegulatorMSP").await;
    assert_eq!(ivan.get("/ledger").await.0, 404, "no auditor role yet");

    let (_, _, roles) = admin.get("/roles").await;
    let option = roles
        .split("<option value=\"")
        .find(|o| o.contains(">ivan@regulator · RegulatorMSP<"))
        .and_then(|o| o.split('"').next())
        .expect("ivan is offered on the roles page")
        .to_owned();
    let key = option.split('|').nth(1).expect("the key");
    assert!(key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()), "{option}");
    assert!(
        option.starts_with("RegulatorMSP|") && option.contains("|x509::") && option.contains("CN=ivan@regulator"),
        "{option}"
    );
    admin
        .transact("/api/tx/grant-role", &json!({ "identity": option, "role": "auditor" }))
        .await
        .map_err(|e| e.error())
        .expect("grant");
    assert_eq!(ivan.get("/ledger").await.0, 200, "roles are read from the contract on every request");
    admin
        .transact("/api/tx/revoke-role", &json!({ "identity": option, "role": "auditor" }))
        .await
        .map_err(|e| e.error())
        .expect("revoke");
    assert_eq!(ivan.get("/ledger").await.0, 404);
}

#[tokio::test]
async fn a_certifier_renews_an_issued_certificate_with_the_browser_issuer_key() {
    let h = Harness::start().await;
    let (mut dave, mut alice, mut admin) = (h.member(APPLICANT), h.member(CERTIFIER), h.member(ADMIN));
    for m in [&mut dave, &mut alice, &mut admin] {
        m.sign_in().await.expect("sign in");
    }
    let id = certificate_of(
        &dave.transact("/api/tx/apply", &apply_form("Renewed", "LOT-N")).await.map_err(|e| e.error()).expect("apply"),
    );
    let key = issuer_key(&h, &alice, &admin).await;
    approve(&alice, &key, &id).await.map_err(|e| e.error()).expect("approve");
    let form = signed_terms(&alice, &key, &json!({ "certificate_id": id, "renew": true, "validity_days": "30" })).await;
    let renewed = alice.transact("/api/tx/renew", &form).await.map_err(|e| e.error()).expect("renew");
    let new_id = certificate_of(&renewed);
    assert_ne!(new_id, id);
    let (_, _, old_page) = dave.get(&format!("/certificates/{id}")).await;
    assert!(old_page.contains("SUPERSEDED"), "{old_page}");
    let (_, _, new_page) = dave.get(&format!("/certificates/{new_id}")).await;
    assert!(new_page.contains("verdict <b>VALID</b>"), "{new_page}");
    // Approval terms signed for a renewal do not approve anything else.
    assert_eq!(dave.propose("/api/tx/renew", &form).await.status, 404, "applicants do not renew");
}
