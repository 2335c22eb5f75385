//! Invitations: each organisation's names its own, an existing name refused, a link that
//! lapses or is cancelled enrolling nowhere, and one link enrolling once however many
//! browsers race with it.

use std::time::{Duration, Instant};

use data_encoding::BASE64;
use p256::pkcs8::EncodePublicKey as _;
use serde_json::json;

use crate::support::*;

/// A sample network with an organisation admin of the manufacturer as well.
async fn with_manufacturer_admin() -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(nanotrace_testkit::datadir::sample_network(dir.path()));
    nanotrace_embedded::devmsp::DevMsp::new(dir.path())
        .enroll("boss@manufacturer", "ManufacturerMSP", nanotrace_embedded::devmsp::NodeType::Admin)
        .expect("the manufacturer's admin");
    Harness::on(dir).await
}

/// The secret of an enrollment link.
fn secret_of(link: &str) -> String {
    link.split("/enroll#").nth(1).expect("the secret is in the fragment").to_owned()
}

/// A browser's new key and its first enrollment call: the request's bytes signed. Returns
/// the key and the body of `/api/enroll`.
async fn enrollment(base: &str, secret: &str) -> Result<(p256::ecdsa::SigningKey, serde_json::Value), Reply> {
    let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let spki = BASE64.encode(key.verifying_key().to_public_key_der().expect("spki").as_bytes());
    let browser = Member::new(base, "", "", key.clone());
    let request = browser.post("/api/enroll/request", &json!({ "secret": secret, "public_key": spki })).await;
    if !request.ok() {
        return Err(request);
    }
    let signature = browser.sign(request.json["sign"].as_str().expect("tbs"));
    Ok((key, json!({ "secret": secret, "public_key": spki, "signature": signature })))
}

#[tokio::test]
async fn invitation_names_are_each_organizations_own() {
    let h = with_manufacturer_admin().await;
    let (regulator, manufacturer) = (h.signed_in(ADMIN).await, h.signed_in("boss@manufacturer").await);

    let first = manufacturer.post("/api/members", &json!({ "name": "erin@acme" })).await;
    assert!(first.ok(), "{}", first.error());
    // Another organisation's admin cannot squat the name, nor take it over: its own
    // invitation of the same name is its own.
    let second = regulator.post("/api/members", &json!({ "name": "erin@acme" })).await;
    assert!(second.ok(), "the same name in another organisation: {}", second.error());
    let again = manufacturer.post("/api/members", &json!({ "name": "erin@acme" })).await;
    assert_eq!(again.status, 400, "the same name twice in one organisation: {}", again.error());

    for (reply, msp_id) in [(&first, "ManufacturerMSP"), (&second, "RegulatorMSP")] {
        let secret = secret_of(reply.json["link"].as_str().expect("link"));
        let (key, body) = enrollment(&h.url, &secret).await.map_err(|e| e.error()).expect("the link is open");
        let issued = Member::new(&h.url, "", "", key.clone()).post("/api/enroll", &body).await;
        assert!(issued.ok(), "{msp_id}: {}", issued.error());
        assert_eq!(issued.json["msp_id"], msp_id);
        let mut erin = Member::new(&h.url, msp_id, issued.json["cert_pem"].as_str().expect("cert"), key);
        erin.sign_in().await.expect("erin signs in");
    }
    let (_, _, members) = manufacturer.get("/members").await;
    assert_eq!(members.matches("<b>erin@acme</b>").count(), 1, "its own invitation only: {members}");
}

#[tokio::test]
async fn inviting_an_existing_name_is_refused_with_a_clear_error() {
    let h = Harness::start().await;
    let admin = h.signed_in(ADMIN).await;

    // An identity of the organisation (here the inspector, made by `nanotrace init`).
    let existing = admin.post("/api/members", &json!({ "name": INSPECTOR })).await;
    assert_eq!(existing.status, 400, "{}", existing.error());
    assert!(existing.error().contains("already a member of RegulatorMSP"), "{}", existing.error());

    // An open invitation, then an enrolled member.
    let open = admin.post("/api/members", &json!({ "name": "ivan@regulator" })).await;
    assert!(open.ok(), "{}", open.error());
    let twice = admin.post("/api/members", &json!({ "name": "ivan@regulator" })).await;
    assert_eq!(twice.status, 400);
    assert!(
        twice.error().contains("open invitation") && twice.error().contains("cancel it first"),
        "{}",
        twice.error()
    );
    let secret = secret_of(open.json["link"].as_str().expect("link"));
    let (key, body) = enrollment(&h.url, &secret).await.map_err(|e| e.error()).expect("open");
    assert!(Member::new(&h.url, "", "", key).post("/api/enroll", &body).await.ok());
    let enrolled = admin.post("/api/members", &json!({ "name": "ivan@regulator" })).await;
    assert_eq!(enrolled.status, 400);
    assert!(enrolled.error().contains("already a member of RegulatorMSP"), "{}", enrolled.error());
}

#[tokio::test]
async fn an_invitation_cancelled_by_its_admin_never_enrolls() {
    let h = with_manufacturer_admin().await;
    let (admin, other) = (h.signed_in(ADMIN).await, h.signed_in("boss@manufacturer").await);
    let invited = admin.post("/api/members", &json!({ "name": "ivan@regulator" })).await;
    let secret = secret_of(invited.json["link"].as_str().expect("link"));
    let (key, body) = enrollment(&h.url, &secret).await.map_err(|e| e.error()).expect("open");

    let (_, _, page) = admin.get("/members").await;
    assert!(page.contains("data-cancel-invitation=\"ivan@regulator\""), "a Cancel button: {page}");
    let foreign = other.post("/api/members/cancel", &json!({ "name": "ivan@regulator" })).await;
    assert_eq!(foreign.status, 400, "another organisation's admin: {}", foreign.error());
    let client = Member::new(&h.url, "", "", p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng));
    assert_eq!(client.post("/api/members/cancel", &json!({ "name": "ivan@regulator" })).await.status, 401);

    let cancelled = admin.post("/api/members/cancel", &json!({ "name": "ivan@regulator" })).await;
    assert!(cancelled.ok(), "{}", cancelled.error());
    assert_eq!(cancelled.json["withdraw"], serde_json::Value::Null, "the embedded CA issues through the console only");
    let refused = Member::new(&h.url, "", "", key).post("/api/enroll", &body).await;
    assert_eq!(refused.status, 403, "{}", refused.error());
    assert!(refused.error().contains("cancelled"), "{}", refused.error());
    let (_, _, page) = admin.get("/members").await;
    assert!(page.contains("cancelled") && !page.contains("data-cancel-invitation"), "{page}");
    let twice = admin.post("/api/members/cancel", &json!({ "name": "ivan@regulator" })).await;
    assert_eq!(twice.status, 400, "{}", twice.error());

    // The name can be invited again, and an enrolled member is removed, not cancelled.
    let again = admin.post("/api/members", &json!({ "name": "ivan@regulator" })).await;
    assert!(again.ok(), "{}", again.error());
    let (key, body) = enrollment(&h.url, &secret_of(again.json["link"].as_str().expect("link")))
        .await
        .map_err(|e| e.error())
        .expect("open");
    assert!(Member::new(&h.url, "", "", key).post("/api/enroll", &body).await.ok());
    let enrolled = admin.post("/api/members/cancel", &json!({ "name": "ivan@regulator" })).await;
    assert_eq!(enrolled.status, 400);
    assert!(enrolled.error().contains("remove the member instead"), "{}", enrolled.error());
}

#[tokio::test]
async fn an_invitation_that_lapsed_enrolls_nowhere_whatever_the_clock_says_later() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(nanotrace_testkit::datadir::sample_network(dir.path()));
    let registry = nanotrace_console::registry::Registry::open(&dir.path().join("console")).expect("registry");
    let now = nanotrace_embedded::datadir::now();
    let invitation = nanotrace_console::registry::Invitation::new(
        "erin@manufacturer",
        "ManufacturerMSP",
        false,
        "cli",
        now,
        now + 2,
    );
    let secret = registry.invite(invitation).expect("invite");
    drop(registry);
    let h = Harness::on(dir).await;

    // Open now: the browser gets the request to sign.
    let (key, body) = enrollment(&h.url, &secret).await.map_err(|e| e.error()).expect("open");
    // Then it lapses.
    let start = Instant::now();
    let lapsed = loop {
        match enrollment(&h.url, &secret).await {
            Ok(_) => {
                assert!(start.elapsed() < Duration::from_secs(20), "the invitation never lapsed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(reply) => break reply,
        }
    };
    assert_eq!(lapsed.status, 403);
    assert!(lapsed.error().contains("expired"), "{}", lapsed.error());
    let refused = Member::new(&h.url, "", "", key).post("/api/enroll", &body).await;
    assert_eq!(refused.status, 403, "enrolling after expiry: {}", refused.error());

    // The console expires it: its secret's hash is gone, so even a clock set back to
    // when it was open finds no invitation for the link.
    nanotrace_console::web::api::expire_lapsed_invitations(&h.state);
    let back_then = h.state.registry.invitation(&secret, now).expect_err("expired for good");
    assert!(back_then.to_string().contains("unknown or has expired"), "{back_then}");
    let file = std::fs::read_to_string(h.dir.path().join("console").join("registry.json")).expect("registry file");
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(secret.as_bytes()));
    assert!(!file.contains(&hash), "the lapsed secret's hash is dropped from the file");
}

#[tokio::test]
async fn two_enrollments_racing_on_one_secret_exactly_one_wins() {
    let h = Harness::start().await;
    let admin = h.signed_in(ADMIN).await;
    for round in 0..4 {
        let name = format!("racer{round}@regulator");
        let invited = admin.post("/api/members", &json!({ "name": name })).await;
        assert!(invited.ok(), "{}", invited.error());
        let secret = secret_of(invited.json["link"].as_str().expect("link"));
        let (key_a, body_a) = enrollment(&h.url, &secret).await.map_err(|e| e.error()).expect("open");
        let (key_b, body_b) = enrollment(&h.url, &secret).await.map_err(|e| e.error()).expect("open");
        let (a, b) = (Member::new(&h.url, "", "", key_a), Member::new(&h.url, "", "", key_b));
        let (ra, rb) = tokio::join!(a.post("/api/enroll", &body_a), b.post("/api/enroll", &body_b));
        let winners: Vec<&Reply> = [&ra, &rb].into_iter().filter(|r| r.ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {} / {}", ra.error(), rb.error());
        let loser = if ra.ok() { &rb } else { &ra };
        assert_eq!(loser.status, 403, "round {round}: {}", loser.error());
        let cert = winners[0].json["cert_pem"].as_str().expect("cert");
        let serial = nanotrace_embedded::devmsp::DevMsp::new(h.dir.path())
            .org_msp("RegulatorMSP")
            .expect("org")
            .member(cert, nanotrace_embedded::datadir::now())
            .expect("member")
            .serial;
        let recorded: Vec<_> =
            h.state.registry.invitations("RegulatorMSP").into_iter().filter(|i| i.name == name).collect();
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].serial.as_deref(), Some(serial.as_str()), "the winner's certificate is recorded");
    }
}

/// Issue 71: a name that differs from an existing member's (or invitation's) only by case
/// or a trailing dot is a look-alike of that member, refused; a trailing dot is refused on
/// its own. A name is never shown without its organisation.
#[tokio::test]
async fn look_alike_names_are_refused_and_names_carry_their_organization() {
    let h = with_manufacturer_admin().await;
    let admin = h.signed_in(ADMIN).await;
    let open = admin.post("/api/members", &json!({ "name": "ivan@regulator" })).await;
    assert!(open.ok(), "{}", open.error());
    let mut capital = INSPECTOR.to_owned();
    capital[..1].make_ascii_uppercase();
    for (name, twin) in [
        (capital.clone(), INSPECTOR),
        (INSPECTOR.to_uppercase(), INSPECTOR),
        (format!("{INSPECTOR}."), INSPECTOR),
        ("Ivan@Regulator".to_owned(), "ivan@regulator"),
        ("ivan@regulator.".to_owned(), "ivan@regulator"),
    ] {
        let reply = admin.post("/api/members", &json!({ "name": name })).await;
        assert_eq!(reply.status, 400, "{name}: {}", reply.error());
        assert!(reply.error().contains(twin), "{name} names the member it looks like: {}", reply.error());
    }
    let dotted = admin.post("/api/members", &json!({ "name": "zoe@regulator." })).await;
    assert_eq!(dotted.status, 400, "a trailing dot: {}", dotted.error());
    // The same name in another organisation is that organisation's own, and is shown with it.
    let boss = h.signed_in("boss@manufacturer").await;
    let theirs = boss.post("/api/members", &json!({ "name": "Ivan@Regulator" })).await;
    assert!(theirs.ok(), "{}", theirs.error());
    let (_, _, home) = boss.get("/").await;
    assert!(home.contains("Welcome, boss@manufacturer (ManufacturerMSP)"), "{home}");
    let (_, _, members) = boss.get("/members").await;
    assert!(members.contains("<b>Ivan@Regulator</b> · ManufacturerMSP"), "{members}");
}
