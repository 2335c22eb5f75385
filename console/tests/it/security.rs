//! What the console refuses: routes a role does not allow, requests without the CSRF
//! token, replayed or foreign signatures, certificates of another CA — each with
//! nothing written — and text that would run as script (in Chromium: payloads that would
//! set the page's title and add elements, read back after the pages load).

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn routes_a_role_does_not_allow_answer_404_and_anonymous_api_calls_401() {
    let h = Harness::start().await;
    let mut dave = h.member(APPLICANT);
    let mut alice = h.member(CERTIFIER);
    let mut inspector = h.member(INSPECTOR);
    for m in [&mut dave, &mut alice, &mut inspector] {
        m.sign_in().await.expect("sign in");
    }
    for path in ["/queue", "/members", "/roles", "/keys", "/no-such-page"] {
        assert_eq!(dave.get(path).await.0, 404, "applicant GET {path}");
    }
    for path in ["/apply", "/members", "/roles"] {
        assert_eq!(alice.get(path).await.0, 404, "certifier GET {path}");
    }
    for path in ["/apply", "/queue", "/keys", "/members"] {
        assert_eq!(inspector.get(path).await.0, 404, "auditor GET {path}");
    }
    assert_eq!(dave.get("/apply").await.0, 200);
    assert_eq!(alice.get("/queue").await.0, 200);
    // Liveness (the container's health check) needs no session.
    let (status, _, body) = h.member(APPLICANT).get("/healthz").await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "ok\n"));
    assert_eq!(inspector.get("/certificates").await.0, 200);
    // The nav offers only what the role allows.
    let (_, _, home) = dave.get("/").await;
    assert!(home.contains("href=\"/apply\"") && !home.contains("href=\"/queue\""), "{home}");

    let reason = json!({ "certificate_id": "NT-AAAAAAAAAAAA", "reason": "x" });
    for action in ["approve", "reject", "suspend", "revoke", "reinstate", "grant-role", "retire-issuer-key"] {
        assert_eq!(dave.propose(&format!("/api/tx/{action}"), &reason).await.status, 404, "applicant {action}");
    }
    assert_eq!(alice.propose("/api/tx/apply", &apply_form("x", "L")).await.status, 404, "certifier apply");
    assert_eq!(alice.propose("/api/tx/grant-role", &json!({})).await.status, 404, "certifier grant-role");
    assert_eq!(inspector.propose("/api/tx/apply", &apply_form("x", "L")).await.status, 404, "auditor apply");
    assert_eq!(dave.post("/api/members", &json!({ "name": "x" })).await.status, 404, "client invites");
    assert_eq!(dave.post("/api/keys", &json!({ "public_key": "00".repeat(32) })).await.status, 404, "applicant key");
    assert_eq!(dave.post("/api/register-key/ik-0000000000000000", &json!({})).await.status, 404, "applicant registers");
    assert_eq!(
        dave.post("/api/approval-terms", &json!({ "certificate_id": "NT-AAAAAAAAAAAA", "issuer_key_id": "x" }))
            .await
            .status,
        404
    );

    assert_eq!(alice.propose("/api/tx/update-sds", &json!({ "certificate_id": "NT-AAAAAAAAAAAA" })).await.status, 404);

    // A certificate is shown to its manufacturer, certifiers and auditors only: not to
    // a member of another organisation without those roles (the governance admin here).
    let committed =
        dave.transact("/api/tx/apply", &apply_form("Private", "LOT-P")).await.map_err(|e| e.error()).expect("apply");
    let id = certificate_of(&committed);
    let mut admin = h.member(ADMIN);
    admin.sign_in().await.expect("sign in");
    for path in
        [format!("/certificates/{id}"), format!("/certificates/{id}/qr.svg"), format!("/certificates/{id}/qr.png")]
    {
        assert_eq!(admin.get(&path).await.0, 404, "another organisation's member: {path}");
        assert_eq!(dave.get(&path).await.0, 200, "its manufacturer: {path}");
        assert_eq!(inspector.get(&path).await.0, 200, "an auditor: {path}");
    }
    assert_eq!(alice.get(&format!("/certificates/{id}")).await.0, 200, "a certifier");

    // Only a governance admin registers a requested issuer key, even one that exists.
    let key = hex::encode([7u8; 32]);
    let key = ed25519_dalek::SigningKey::from_bytes(&hex::decode(&key).expect("hex").try_into().expect("32"));
    let r = alice.post("/api/keys", &json!({ "public_key": hex::encode(key.verifying_key().as_bytes()) })).await;
    let key_id = r.json["key_id"].as_str().expect("key id").to_owned();
    assert_eq!(alice.post(&format!("/api/register-key/{key_id}"), &json!({})).await.status, 404, "a certifier");
    let code = r.json["code"].as_str().expect("a key request code").to_owned();
    assert_eq!(alice.post("/api/register-key-code", &json!({ "code": code })).await.status, 404, "a certifier: code");
    let tampered = {
        let mut request: serde_json::Value =
            serde_json::from_slice(&data_encoding::BASE64URL_NOPAD.decode(code.as_bytes()).expect("b64"))
                .expect("json");
        request["key_id"] = json!("ik-0000000000000000");
        data_encoding::BASE64URL_NOPAD.encode(&serde_json::to_vec(&request).expect("json"))
    };
    let refused = admin.post("/api/register-key-code", &json!({ "code": tampered })).await;
    assert_eq!(refused.status, 400, "a code whose key ID is not its key's: {}", refused.error());
    assert_eq!(admin.post("/api/register-key-code", &json!({ "code": "%%%" })).await.status, 400, "not a code");
    assert!(admin.post("/api/register-key-code", &json!({ "code": code })).await.ok(), "the governance admin: code");
    assert!(admin.post(&format!("/api/register-key/{key_id}"), &json!({})).await.ok(), "the governance admin");

    let stranger = Member::new(&h.url, "ManufacturerMSP", "", p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng));
    assert_eq!(stranger.propose("/api/tx/apply", &apply_form("x", "L")).await.status, 401);
    assert_eq!(stranger.get("/apply").await.0, 303, "pages send the anonymous to sign in");
}

#[tokio::test]
async fn a_missing_or_wrong_csrf_token_is_refused_and_writes_nothing() {
    let h = Harness::start().await;
    let mut dave = h.member(APPLICANT);
    dave.sign_in().await.expect("sign in");
    let before = h.height();
    let form = apply_form("CSRF test", "LOT-X");
    let none = dave.post_with("/api/tx/apply", &form, None).await;
    let wrong = dave.post_with("/api/tx/apply", &form, Some("not-the-token")).await;
    assert_eq!((none.status.as_u16(), wrong.status.as_u16()), (403, 403), "{} / {}", none.error(), wrong.error());
    assert!(none.error().contains("CSRF"), "{}", none.error());
    assert_eq!(dave.post_with("/api/signout", &json!({}), None).await.status, 403, "sign-out needs it too");
    assert_eq!(h.height(), before);
    dave.transact("/api/tx/apply", &form).await.map_err(|e| e.error()).expect("with the token it goes through");
    assert_eq!(h.height(), before + 1);
}

#[tokio::test]
async fn replayed_stages_foreign_signatures_and_other_sessions_are_refused_and_write_nothing() {
    let h = Harness::start().await;
    let mut dave = h.member(APPLICANT);
    let mut alice = h.member(CERTIFIER);
    dave.sign_in().await.expect("sign in");
    alice.sign_in().await.expect("sign in");
    let before = h.height();
    let form = apply_form("Replay test", "LOT-R");

    // A proposal signed by another key: refused at endorsement as an identity failure.
    let p = dave.propose("/api/tx/apply", &form).await;
    let tx_id = p.json["tx_id"].as_str().expect("tx").to_owned();
    let forged = alice.sign(p.json["sign"].as_str().expect("sign"));
    let r = dave.post("/api/endorse", &json!({ "tx_id": tx_id, "signature": forged })).await;
    assert_eq!(r.status, 403, "{}", r.error());
    assert!(r.error().contains("not made by the certificate's key"), "{}", r.error());
    // … and the transaction is gone: the right signature now finds nothing to endorse.
    let late = dave
        .post(
            "/api/endorse",
            &json!({ "tx_id": tx_id, "signature": dave.sign(p.json["sign"].as_str().expect("sign")) }),
        )
        .await;
    assert_eq!(late.status, 409, "{}", late.error());

    // Another member's session cannot carry on dave's transaction, even with dave's signature.
    let p = dave.propose("/api/tx/apply", &form).await;
    let tx_id = p.json["tx_id"].as_str().expect("tx").to_owned();
    let proposal_sig = dave.sign(p.json["sign"].as_str().expect("sign"));
    let hijack = alice.post("/api/endorse", &json!({ "tx_id": tx_id, "signature": proposal_sig })).await;
    assert_eq!(hijack.status, 409, "{}", hijack.error());

    // Replays: the endorsement and the commit, each answered once.
    let e = dave.post("/api/endorse", &json!({ "tx_id": tx_id, "signature": proposal_sig })).await;
    assert!(e.ok(), "{}", e.error());
    let replay = dave.post("/api/endorse", &json!({ "tx_id": tx_id, "signature": proposal_sig })).await;
    assert_eq!(replay.status, 409, "{}", replay.error());
    let bad_tx = dave
        .post(
            "/api/commit",
            &json!({ "tx_id": tx_id, "signature": alice.sign(e.json["sign"].as_str().expect("sign")) }),
        )
        .await;
    assert_eq!(bad_tx.status, 403, "a transaction signed by another key: {}", bad_tx.error());
    assert_eq!(h.height(), before, "nothing written so far");

    let p = dave.propose("/api/tx/apply", &form).await;
    let tx_id = p.json["tx_id"].as_str().expect("tx").to_owned();
    let e = dave
        .post(
            "/api/endorse",
            &json!({ "tx_id": tx_id, "signature": dave.sign(p.json["sign"].as_str().expect("sign")) }),
        )
        .await;
    let tx_sig = dave.sign(e.json["sign"].as_str().expect("sign"));
    let c = dave.post("/api/commit", &json!({ "tx_id": tx_id, "signature": tx_sig })).await;
    assert!(c.ok(), "{}", c.error());
    let again = dave.post("/api/commit", &json!({ "tx_id": tx_id, "signature": tx_sig })).await;
    assert_eq!(again.status, 409, "{}", again.error());
    assert_eq!(h.height(), before + 1, "exactly one transaction committed");
}

#[tokio::test]
async fn the_embedded_ledger_refuses_a_replayed_transaction_id_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = nanotrace_testkit::datadir::sample_network(dir.path());
    let member_dir = dir.path().join("identities").join(APPLICANT);
    let dave = Member::from_files("http://unused", &member_dir);
    let creator = nanotrace_fabric_gateway::Identity::new("ManufacturerMSP", dave.cert_pem.clone().into_bytes())
        .expect("id")
        .creator();
    let request = serde_json::to_vec(&nanotrace_testkit::sample_application("LOT-L")).expect("json");
    let (_, proposal) = nanotrace_fabric_gateway::unsigned_proposal(
        &creator,
        "nanotrace",
        "nanotrace",
        "Apply",
        &[request],
        &Default::default(),
        None,
    );
    let der = |bytes: &[u8]| {
        let sig: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(&dave.key, bytes);
        sig.normalize_s().unwrap_or(sig).to_der().as_bytes().to_vec()
    };
    let now = nanotrace_embedded::datadir::now();
    let endorsed =
        nanotrace_embedded::signed::endorse(&data.ledger, &data.msp, &proposal, &der(&proposal), now).expect("endorse");
    let signature = der(&endorsed.payload);
    nanotrace_embedded::signed::commit(&data.ledger, &endorsed, &signature).expect("commit");
    let height = data.ledger.height().expect("height");
    let replay = nanotrace_embedded::signed::commit(&data.ledger, &endorsed, &signature).expect_err("replay");
    assert!(
        matches!(&replay, nanotrace_client::ApiError::Commit { code, .. } if code == "DUPLICATE_TXID"),
        "{replay:?}"
    );
    assert_eq!(data.ledger.height().expect("height"), height);
    // A proposal from another time is refused before the contract runs.
    let stale = nanotrace_embedded::signed::endorse(&data.ledger, &data.msp, &proposal, &der(&proposal), now + 3600)
        .expect_err("stale");
    assert!(stale.to_string().contains("more than"), "{stale}");
    // Once the organisation's CA revokes the member, their signed proposals are refused.
    let serial = data.msp.org_msp("ManufacturerMSP").expect("msp").member(&dave.cert_pem, now).expect("member").serial;
    let (_, fresh) = nanotrace_fabric_gateway::unsigned_proposal(
        &creator,
        "nanotrace",
        "nanotrace",
        "Apply",
        &[serde_json::to_vec(&nanotrace_testkit::sample_application("LOT-L2")).expect("json")],
        &Default::default(),
        None,
    );
    nanotrace_embedded::signed::endorse(&data.ledger, &data.msp, &fresh, &der(&fresh), now).expect("before revocation");
    data.msp.revoke("ManufacturerMSP", &serial, now).expect("revoke");
    let revoked =
        nanotrace_embedded::signed::endorse(&data.ledger, &data.msp, &fresh, &der(&fresh), now).expect_err("revoked");
    assert!(
        matches!(&revoked, nanotrace_client::ApiError::Identity { message, .. } if message.contains("has been revoked")),
        "{revoked:?}"
    );
}

#[tokio::test]
async fn sign_in_needs_a_certificate_of_the_orgs_ca_and_its_key_and_a_challenge_works_once() {
    let h = Harness::start().await;
    let dave = h.member(APPLICANT);
    // A certificate with dave's name from another CA.
    let (other_ca, other) = {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(rcgen::DnType::CommonName, "ca.manufacturermsp");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).expect("ca");
        (cert, rcgen::Issuer::new(params, key))
    };
    let _ = other_ca;
    let member_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, APPLICANT);
    let forged_cert = params.signed_by(&member_key, &other).expect("cert").pem();
    let mut mallory =
        Member::new(&h.url, "ManufacturerMSP", &forged_cert, p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng));
    let err = mallory.sign_in().await.expect_err("another CA");
    assert!(err.contains("not issued by a CA of ManufacturerMSP"), "{err}");

    // dave's certificate with another key: the challenge's signature fails.
    let mut impostor =
        Member::new(&h.url, "ManufacturerMSP", &dave.cert_pem, p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng));
    let err = impostor.sign_in().await.expect_err("wrong key");
    assert!(err.contains("does not match your certificate"), "{err}");

    // A challenge is answered once.
    let c = dave
        .post_with("/api/signin/challenge", &json!({ "msp_id": "ManufacturerMSP", "cert_pem": dave.cert_pem }), None)
        .await;
    let body = json!({ "challenge_id": c.json["challenge_id"], "signature": dave.sign(c.json["challenge"].as_str().expect("c")) });
    assert!(dave.post_with("/api/signin", &body, None).await.ok());
    assert_eq!(dave.post_with("/api/signin", &body, None).await.status, 403, "the same answer again");

    // The cookie's attributes; sign-out ends the session on the server.
    let mut dave = h.member(APPLICANT);
    let headers = dave.sign_in().await.expect("sign in");
    let cookie = headers["set-cookie"].to_str().expect("cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"),
        "{cookie}"
    );
    let old = dave.cookie.clone();
    assert!(dave.post("/api/signout", &json!({})).await.ok());
    dave.cookie = old;
    assert_eq!(dave.propose("/api/tx/apply", &apply_form("x", "L")).await.status, 401, "the old cookie is dead");
    assert_eq!(dave.get("/apply").await.0, 303);
}

#[tokio::test]
async fn text_from_members_is_shown_as_text_never_run_and_every_response_has_the_csp() {
    let h = Harness::start().await;
    let mut dave = h.member(APPLICANT);
    dave.sign_in().await.expect("sign in");
    let evil = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let mut form = apply_form(evil, "LOT-<b>1</b>");
    form["product_description"] = json!("\"><svg onload=alert(2)>");
    let committed = dave.transact("/api/tx/apply", &form).await.map_err(|e| e.error()).expect("apply");
    let id = certificate_of(&committed);
    let (_, headers, page) = dave.get(&format!("/certificates/{id}")).await;
    assert!(!page.contains("<script>alert") && !page.contains("<img src=x") && !page.contains("<svg onload"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(") && page.contains("&lt;img src=x onerror=alert(1)&gt;"), "{page}");
    let csp = headers["content-security-policy"].to_str().expect("csp");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    let (_, api_headers, _) = dave.get("/api/nothing").await;
    assert!(api_headers.contains_key("content-security-policy"));
    let (_, _, list) = dave.get("/certificates").await;
    assert!(list.contains("&lt;script&gt;") && !list.contains("<script>alert"), "{list}");

    // A reason is text too, on the certificate page and in its history.
    let mut alice = h.member(CERTIFIER);
    alice.sign_in().await.expect("sign in");
    let reason = "<img src=x onerror=alert(3)>\"' & co";
    alice
        .transact("/api/tx/reject", &json!({ "certificate_id": id, "reason": reason }))
        .await
        .map_err(|e| e.error())
        .expect("reject");
    let (_, _, page) = dave.get(&format!("/certificates/{id}")).await;
    assert!(!page.contains("<img src=x onerror=alert(3)>"), "{page}");
    assert!(
        page.contains("&lt;img src=x onerror=alert(3)&gt;&quot;&#39; &amp; co")
            || page.contains("&lt;img src=x onerror=alert(3)&gt;&quot;' &amp; co"),
        "{page}"
    );
    // A member's name becomes a certificate's CN: markup is refused before anything is made.
    let mut admin = h.member(ADMIN);
    admin.sign_in().await.expect("sign in");
    let r = admin.post("/api/members", &json!({ "name": "<script>x</script>" })).await;
    assert_eq!(r.status, 400, "{}", r.error());
    let (_, _, members) = admin.get("/members").await;
    assert!(
        members.contains("<ul class=\"list\"></ul>") && !members.contains("&lt;script&gt;x"),
        "no invitation was made: {members}"
    );
}

/// Payloads in members' text: each would add an element `#xss-N` and (where it runs)
/// set `document.title` to `XSS-N`.
fn payload(n: u32) -> String {
    match n {
        1 => r#"<img id=xss-1 src=x onerror="document.title='XSS-1'">"#.to_owned(),
        2 => r#""><svg id=xss-2 onload="document.title='XSS-2'">"#.to_owned(),
        3 => r#"<script id=xss-3>document.title='XSS-3'</script>"#.to_owned(),
        4 => r#"<details id=xss-4 open ontoggle="document.title='XSS-4'">"#.to_owned(),
        _ => format!(r#"<img id=xss-{n} src=x onerror="document.title='XSS-{n}'">"#),
    }
}

/// What the page in `p` shows of the payloads: its title, the `#xss-…` elements in it,
/// and whether its text shows the payload `n` as text.
async fn effects(p: &crate::browser::Profile, shown: &[u32]) -> (String, Vec<String>, Vec<u32>) {
    p.wait_for("the page and its script", "document.readyState === 'complete'").await;
    let title = p.eval("document.title").await;
    let injected = p.eval("JSON.stringify([...document.querySelectorAll('[id^=xss-]')].map(e => e.id))").await;
    let injected: Vec<String> = serde_json::from_str(&injected).expect("ids");
    let text = p.eval("document.body.innerText").await;
    let as_text = shown.iter().copied().filter(|n| text.contains(&format!("id=xss-{n}"))).collect();
    (title, injected, as_text)
}

#[tokio::test]
async fn payloads_in_members_text_never_run_in_chromium() {
    use crate::browser::{ConsoleSteps, Profile, CHROMIUM};
    assert!(std::path::Path::new(CHROMIUM).exists(), "{CHROMIUM} is missing (scripts/prereqs.sh --tests)");
    let h = Harness::start().await;
    let (dave, alice, admin) = (h.signed_in(APPLICANT).await, h.signed_in(CERTIFIER).await, h.signed_in(ADMIN).await);
    let mut form = apply_form(&format!("Sunscreen {}", payload(1)), "LOT-X1");
    form["product_description"] = json!(format!("Lotion {}", payload(2)));
    form["supplier"] = json!(format!("Kronos {}", payload(3)));
    form["substance_name"] = json!(format!("Titanium dioxide {}", payload(4)));
    let committed = dave.transact("/api/tx/apply", &form).await.map_err(|e| e.error()).expect("apply");
    let id = certificate_of(&committed);

    // The control: the same payloads in a page without the console (no escaping, no
    // CSP) run and add their elements, so what is read back below would show them.
    let control_html: String = (1..=4).map(payload).collect();
    let control = Profile::launch(&format!("data:text/html,<title>control</title>{}", urlencode(&control_html))).await;
    control.wait_for("the payloads to run", "document.title.startsWith('XSS-')").await;
    let (_, injected, _) = effects(&control, &[]).await;
    assert_eq!(injected, ["xss-1", "xss-2", "xss-3", "xss-4"], "the control page holds every payload's element");
    control.close().await;

    // Each member's pages, in their own browser signed in with their session.
    let visits: [(&Member, Vec<String>, &[u32]); 3] = [
        (&dave, vec![format!("/certificates/{id}"), "/certificates".into()], &[1, 2, 3, 4]),
        (&alice, vec!["/queue".into(), format!("/certificates/{id}")], &[1]),
        (&admin, vec!["/members".into()], &[]),
    ];
    for (member, paths, shown) in visits {
        let profile = Profile::launch(&h.url).await;
        let cookie = nanotrace_testkit::browser::chromiumoxide::cdp::browser_protocol::network::CookieParam::builder()
            .name("nt_session")
            .value(member.cookie.clone().expect("cookie"))
            .url(h.url.clone())
            .build()
            .expect("cookie");
        profile.page.set_cookie(cookie).await.expect("set the session cookie");
        for path in paths {
            profile.goto(&format!("{}{path}", h.url)).await;
            let (title, injected, as_text) = effects(&profile, shown).await;
            // A payload that ran would have set the title to `XSS-N`; the page's own
            // title (a certificate's is its product name, payload and all, as text) stays.
            assert!(title.ends_with(" · NanoTrace console"), "{path}: the title became {title:?}");
            assert!(injected.is_empty(), "{path}: elements from members' text: {injected:?}");
            let expected: &[u32] = if path == "/certificates" || path == "/queue" { &shown[..1] } else { shown };
            assert_eq!(as_text, expected, "{path}: the payloads are shown as text");
        }
        if member.cookie == admin.cookie {
            // A name typed into the invitation form comes back in the refusal, shown by
            // the page's script: as text.
            profile.type_into("#invite-form [name=name]", &payload(5)).await;
            profile.click("#invite-form button").await;
            profile.wait_for("the refusal", "document.getElementById('tx-status').textContent.includes('xss-5')").await;
            let (title, injected, _) = effects(&profile, &[]).await;
            assert!(title == "Members · NanoTrace console" && injected.is_empty(), "{title:?} {injected:?}");

            // The Members page's Cancel button withdraws an open invitation.
            profile.invite(&h.url, "ivan@regulator").await;
            profile.goto(&format!("{}/members", h.url)).await;
            profile.click("button[data-cancel-invitation='ivan@regulator']").await;
            profile
                .wait_for(
                    "the cancelled invitation",
                    "!document.querySelector('button[data-cancel-invitation]') && document.body.innerText.includes('cancelled')",
                )
                .await;
        }
        profile.close().await;
    }
    let (_, _, members) = admin.get("/members").await;
    assert!(members.contains("ivan@regulator") && members.contains("cancelled"), "{members}");
}

/// Percent-encodes `text` for a `data:` URL.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
