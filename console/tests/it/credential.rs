//! A certificate's W3C Verifiable Credential signed by the issuer key in the certifier's
//! browser: the console builds it and what its proof signs, checks the browser's proof
//! against the trust list, keeps nothing between the calls; a third party's library
//! (`tests/vc`, Digital Bazaar's) verifies the result; the browser records the proof on
//! the ledger with AttachCredential. Every refusal.

use ed25519_dalek::Signer as _;
use nanotrace_model::credential;
use serde_json::{json, Value};
use std::path::Path;

use crate::support::*;
use crate::workflow::{approve, issuer_key};

/// Asks for the terms of `id`'s credential for `key` and signs them as WebCrypto's
/// Ed25519 does (64 raw bytes); the request to send with `POST /api/credential`.
async fn signed(certifier: &Member, key: &ed25519_dalek::SigningKey, id: &str) -> Result<Value, Reply> {
    let key_id = nanotrace_model::issuer_key_id(key.verifying_key().as_bytes());
    let body = json!({ "certificate_id": id, "issuer_key_id": key_id });
    let terms = certifier.post("/api/credential/terms", &body).await;
    if !terms.ok() {
        return Err(terms);
    }
    let input = data_encoding::BASE64.decode(terms.json["sign"].as_str().expect("sign").as_bytes()).expect("b64");
    assert_eq!(input.len(), 64, "eddsa-jcs-2022 signs two SHA-256 digests");
    let mut request = body;
    request["created"] = terms.json["created"].clone();
    request["signature"] = json!(hex::encode(key.sign(&input).to_bytes()));
    // The certificate's status-list position, bound to it by the same key (the offline
    // token's layout 2).
    let position = terms.json["sign_position"].as_str().expect("sign_position");
    let position = data_encoding::BASE64.decode(position.as_bytes()).expect("b64");
    let text = String::from_utf8(position.clone()).expect("text");
    assert!(text.starts_with(&format!("nanotrace/status-position/v1\n{id}\n")), "{text}");
    request["position_signature"] = json!(hex::encode(key.sign(&position).to_bytes()));
    Ok(request)
}

/// A console with dave, alice and the admin signed in, alice's browser issuer key
/// registered, and dave's application for `lot` pending.
async fn pending(lot: &str) -> (Harness, Member, Member, Member, ed25519_dalek::SigningKey, String) {
    let h = Harness::start().await;
    let mut dave = h.member(APPLICANT);
    let mut alice = h.member(CERTIFIER);
    let mut admin = h.member(ADMIN);
    for m in [&mut dave, &mut alice, &mut admin] {
        m.sign_in().await.expect("sign in");
    }
    let committed = dave
        .transact("/api/tx/apply", &apply_form("SolarShield SPF 50", lot))
        .await
        .map_err(|e| e.error())
        .expect("apply");
    let id = certificate_of(&committed);
    let key = issuer_key(&h, &alice, &admin).await;
    (h, dave, alice, admin, key, id)
}

#[tokio::test]
async fn a_certifier_signs_a_certificates_credential_in_the_browser_and_a_third_party_verifies_it() {
    let (h, dave, alice, _admin, key, id) = pending("LOT-VC-1").await;
    // Not issued yet: nothing to sign.
    let refused = signed(&alice, &key, &id).await.expect_err("pending");
    assert!(refused.error().contains("never been issued"), "{}", refused.error());
    approve(&alice, &key, &id).await.map_err(|e| e.error()).expect("approve");
    let (_, _, page) = alice.get(&format!("/certificates/{id}")).await;
    assert!(page.contains("data-credential=\"") && page.contains("Sign the credential"), "the certifier is offered it");
    let (_, _, page) = dave.get(&format!("/certificates/{id}")).await;
    assert!(!page.contains("data-credential"), "the applicant is not");

    let height = h.height();
    let request = signed(&alice, &key, &id).await.map_err(|e| e.error()).expect("terms");
    let answer = alice.post("/api/credential", &request).await;
    assert!(answer.ok(), "{}", answer.error());
    let vc = answer.json;
    assert_eq!(h.height(), height, "a credential writes nothing to the ledger");
    assert_eq!(vc["credentialSubject"]["certificateId"], id.as_str());
    assert_eq!(vc["issuer"]["id"], credential::did_key(&key.verifying_key().to_bytes()));
    credential::verify(&vc, &key.verifying_key().to_bytes()).expect("the proof is the browser key's");

    // A third party's implementation agrees, and refuses any change.
    if let Some(verdict) = third_party(&vc, h.dir.path(), "the third-party check of a console credential") {
        assert_eq!(verdict["verified"], true, "{verdict}");
        assert_eq!(verdict["mutationsVerified"], json!([]), "{verdict}");
    }

    // Recorded on the ledger (AttachCredential, signed by alice's member key like every
    // transaction): the contract checks the same proof; the history shows it.
    let revocation_list = vc["credentialStatus"][0]["statusListCredential"].as_str().expect("a status entry");
    let status_base = revocation_list.strip_suffix("/api/v1/status/revocation/0").expect("the verifier's list");
    let form = json!({
        "certificate_id": id,
        "status_base": status_base,
        "created": request["created"].to_string(),
        "proof_value": vc["proof"]["proofValue"],
        "position_signature": request["position_signature"],
    });
    let mut other_position = form.clone();
    let forged = nanotrace_model::status::sign_position(&key, "NT-ZZZZZZZZZZZZ", 7);
    other_position["position_signature"] = json!(forged);
    let refused = alice.transact("/api/tx/attach-credential", &other_position).await.expect_err("another position");
    assert!(refused.error().contains("BAD_SIGNATURE"), "{}", refused.error());
    let mut moved = form.clone();
    moved["created"] = json!((request["created"].as_i64().expect("created") + 1).to_string());
    let refused = alice.transact("/api/tx/attach-credential", &moved).await.expect_err("another time, another proof");
    assert!(refused.error().contains("BAD_SIGNATURE"), "{}", refused.error());
    assert_eq!(h.height(), height, "refused: nothing written");
    assert_eq!(dave.propose("/api/tx/attach-credential", &form).await.status, 404, "not offered to an applicant");
    alice.transact("/api/tx/attach-credential", &form).await.map_err(|e| e.error()).expect("recorded");
    assert_eq!(h.height(), height + 1);
    let (_, _, page) = alice.get(&format!("/certificates/{id}")).await;
    assert!(page.contains("credential signed"), "the history shows it");
    assert!(page.contains("A credential is on the ledger"), "the card says so");
}

/// What Digital Bazaar's library (`tests/vc/verify.mjs`, every single-field change
/// tried too) says of `vc`, written into `work`; `None` (a skip, or a failure where Node
/// is required) without `tests/vc`'s npm packages.
pub(crate) fn third_party(vc: &Value, work: &Path, what: &str) -> Option<Value> {
    let file = work.join("third-party-vc.json");
    std::fs::write(&file, serde_json::to_vec(vc).expect("JSON")).expect("write");
    nanotrace_testkit::vc::verify(what, &file, true)
}

#[tokio::test]
async fn the_console_makes_no_credential_the_issuing_key_did_not_sign() {
    let (h, dave, alice, admin, key, id) = pending("LOT-VC-2").await;
    approve(&alice, &key, &id).await.map_err(|e| e.error()).expect("approve");
    let good = signed(&alice, &key, &id).await.map_err(|e| e.error()).expect("terms");

    // An applicant: the route does not exist for them.
    let r = dave
        .post("/api/credential/terms", &json!({ "certificate_id": id, "issuer_key_id": good["issuer_key_id"] }))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(dave.post("/api/credential", &good).await.status, 404);
    // No CSRF token.
    assert_eq!(alice.post_with("/api/credential", &good, None).await.status, 403);
    // A signature by another key over the same bytes.
    let other = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let mut forged = good.clone();
    let terms = alice
        .post("/api/credential/terms", &json!({ "certificate_id": id, "issuer_key_id": good["issuer_key_id"] }))
        .await;
    let input = data_encoding::BASE64.decode(terms.json["sign"].as_str().expect("sign").as_bytes()).expect("b64");
    forged["created"] = terms.json["created"].clone();
    forged["signature"] = json!(hex::encode(other.sign(&input).to_bytes()));
    let r = alice.post("/api/credential", &forged).await;
    assert_eq!(r.status, 403, "{}", r.error());
    assert!(r.error().contains("not made by key"), "{}", r.error());
    // A proof time the browser did not get from the console moves the signed bytes.
    let mut moved = good.clone();
    moved["created"] = json!(good["created"].as_i64().expect("created") - 60);
    assert_eq!(alice.post("/api/credential", &moved).await.status, 403);
    let mut stale = good.clone();
    stale["created"] = json!(good["created"].as_i64().expect("created") - 3600);
    let r = alice.post("/api/credential", &stale).await;
    assert_eq!(r.status, 400, "{}", r.error());
    // Not a signature at all.
    let mut garbage = good.clone();
    garbage["signature"] = json!("00ff");
    assert_eq!(alice.post("/api/credential", &garbage).await.status, 400);
    // A key that did not issue the certificate (another trusted key of alice's).
    let second = issuer_key(&h, &alice, &admin).await;
    let r = signed(&alice, &second, &id).await.expect_err("not the issuing key");
    assert!(r.error().contains("only the key that signed the issuance"), "{}", r.error());
    // A suspended certificate gets none.
    alice
        .transact("/api/tx/suspend", &json!({ "certificate_id": id, "reason": "audit" }))
        .await
        .map_err(|e| e.error())
        .expect("suspend");
    let r = alice.post("/api/credential", &good).await;
    assert_eq!(r.status, 409, "{}", r.error());
    assert!(r.error().contains("not in force"), "{}", r.error());
    let (_, _, page) = alice.get(&format!("/certificates/{id}")).await;
    assert!(!page.contains("data-credential"), "no button on a suspended certificate");
}

#[tokio::test]
async fn a_certifier_holding_a_colleagues_key_still_cannot_make_a_credential_with_it() {
    use nanotrace_client::{IssuerSigner, Wait};
    use nanotrace_embedded::datadir::{self, CERTIFIER_MSP};
    use nanotrace_model::{RegisterIssuerKeyRequest, Role};
    // bob@certifier, a certifier with a trusted key of his own, issues a certificate.
    let tmp = tempfile::tempdir().expect("tempdir");
    let (id, bob_key) = {
        let dir = nanotrace_testkit::datadir::sample_network(tmp.path());
        let bob = "bob@certifier";
        dir.msp.enroll(bob, CERTIFIER_MSP, nanotrace_embedded::devmsp::NodeType::Client).expect("bob");
        let admin = dir.client(ADMIN).expect("admin");
        admin.grant_role(dir.holder(bob).expect("holder"), Role::Certifier).wait().expect("grant");
        let signer = IssuerSigner::new(dir.msp.create_issuer_key(bob).expect("key"));
        let now = datadir::now();
        let request = RegisterIssuerKeyRequest {
            public_key: signer.public_key_hex(),
            holder: dir.actor(bob).expect("actor"),
            valid_from: now - 60,
            valid_until: now + 86_400,
        };
        admin.register_issuer_key(&request).wait().expect("register");
        let id = dir
            .client(APPLICANT)
            .expect("applicant")
            .apply(&nanotrace_testkit::sample_application("LOT-VC-BOB"))
            .wait()
            .expect("apply")
            .value;
        dir.client(bob).expect("bob").approve(&id, &signer, CERTIFIER_MSP, now, None).wait().expect("approve");
        let pending = dir
            .client(APPLICANT)
            .expect("applicant")
            .apply(&nanotrace_testkit::sample_application("LOT-VC-BOB-2"))
            .wait()
            .expect("apply")
            .value;
        ((id, pending), signer.key)
    };
    let (id, pending) = id;
    let h = Harness::on(tmp).await;
    let mut alice = h.member(CERTIFIER);
    alice.sign_in().await.expect("sign in");
    // Alice has bob's key in her browser: the console still refuses, since the trust list
    // names bob as its holder.
    let r = signed(&alice, &bob_key, &id).await.expect_err("a colleague's key");
    assert_eq!(r.status, 409, "{}", r.error());
    assert!(r.error().contains("belongs to another member"), "{}", r.error());
    // Nor the credential an approval would carry.
    let nonce = hex::encode([5u8; 24]);
    let r = approval_with_credential(&alice, &bob_key, &pending, &nonce).await.expect_err("a colleague's key");
    assert_eq!(r.status, 409, "{}", r.error());
    assert!(r.error().contains("belongs to another member"), "{}", r.error());
}

/// The console's verifier must be a status base of the certification body: otherwise the
/// terms are refused, naming the way out, before anything is signed (issue 44).
#[tokio::test]
async fn a_console_whose_verifier_is_no_status_base_makes_no_credential() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(nanotrace_testkit::datadir::sample_network(dir.path()));
    let elsewhere = "https://verify.unregistered.example";
    let h = Harness::configured(dir, |c| c.verifier_url = elsewhere.to_owned()).await;
    let mut alice = h.member(CERTIFIER);
    let mut admin = h.member(ADMIN);
    for m in [&mut alice, &mut admin] {
        m.sign_in().await.expect("sign in");
    }
    let mut dave = h.member(APPLICANT);
    dave.sign_in().await.expect("sign in");
    let committed =
        dave.transact("/api/tx/apply", &apply_form("SolarShield SPF 50", "LOT-VC-BASE")).await.map_err(|e| e.error());
    let id = certificate_of(&committed.expect("apply"));
    let key = issuer_key(&h, &alice, &admin).await;
    approve(&alice, &key, &id).await.map_err(|e| e.error()).expect("approve");
    let height = h.height();
    let refused = signed(&alice, &key, &id).await.expect_err("not a status base");
    assert_eq!(refused.status, 409, "{}", refused.error());
    assert!(
        refused.error().contains(&format!("nanotrace status-bases CertifierMSP {elsewhere}")),
        "{}",
        refused.error()
    );
    assert_eq!(h.height(), height, "nothing written");
}

/// A certificate issued before the status lists (`tests/fixtures/before-status-lists`,
/// restored as it is): the terms say it has no position; `attach-credential` without a
/// proof gives it one; the credential then signed in the browser names it and is
/// recorded (what "Sign the credential" does, issue 44).
#[tokio::test]
async fn a_certificate_issued_before_the_status_lists_gets_its_position_then_its_credential() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/before-status-lists");
    let dir = tempfile::tempdir().expect("tempdir");
    let unpacked = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(fixture.join("backup.tar.gz"))
        .arg("-C")
        .arg(dir.path())
        .status()
        .expect("run tar");
    assert!(unpacked.success(), "tar -xzf of the fixture");
    let expected: Value =
        serde_json::from_slice(&std::fs::read(fixture.join("expected.json")).expect("expected.json")).expect("JSON");
    let id = expected["ids"]["active"].as_str().expect("an ID").to_owned();
    // The versions that made it had no status bases: the admin sets the console's
    // verifier, and alice signs with the issuer key she approved the certificate with.
    let key = {
        use nanotrace_client::Wait;
        let data = nanotrace_embedded::datadir::DataDir::open(dir.path()).expect("the data directory");
        let admin = data.client(ADMIN).expect("admin");
        let base = nanotrace_console::Config::new(dir.path()).verifier_url;
        admin.set_status_bases("CertifierMSP", &[base]).wait().expect("SetStatusBases");
        data.signer(CERTIFIER).expect("alice's issuer key").key
    };
    let h = Harness::on(dir).await;
    let mut alice = h.member(CERTIFIER);
    alice.sign_in().await.expect("sign in");
    let key_id = nanotrace_model::issuer_key_id(key.verifying_key().as_bytes());
    let body = json!({ "certificate_id": id, "issuer_key_id": key_id });
    let terms = alice.post("/api/credential/terms", &body).await;
    assert!(terms.ok(), "{}", terms.error());
    assert_eq!(terms.json["needs_position"], true, "{}", terms.json);
    assert!(terms.json.get("sign").is_none(), "nothing to sign without a position: {}", terms.json);
    // A signature cannot be attached yet.
    let refused = alice.post("/api/credential", &json!({ "created": terms.json["created"], "signature": "00".repeat(64), "certificate_id": id, "issuer_key_id": key_id })).await;
    assert_eq!(refused.status, 409, "{}", refused.error());
    assert!(refused.error().contains("no status-list position"), "{}", refused.error());
    let height = h.height();
    let form = json!({
        "certificate_id": id,
        "status_base": terms.json["status_base"],
        "created": terms.json["created"].to_string(),
        "proof_value": "",
    });
    alice.transact("/api/tx/attach-credential", &form).await.map_err(|e| e.error()).expect("its position");
    assert_eq!(h.height(), height + 1);
    let request = signed(&alice, &key, &id).await.map_err(|e| e.error()).expect("terms with a position");
    let answer = alice.post("/api/credential", &request).await;
    assert!(answer.ok(), "{}", answer.error());
    let vc = answer.json;
    let form = json!({
        "certificate_id": id,
        "status_base": terms.json["status_base"],
        "created": request["created"].to_string(),
        "proof_value": vc["proof"]["proofValue"],
    });
    alice.transact("/api/tx/attach-credential", &form).await.map_err(|e| e.error()).expect("recorded");
    assert_eq!(h.height(), height + 2);
    let (_, _, page) = alice.get(&format!("/certificates/{id}")).await;
    assert!(page.contains("status position assigned") && page.contains("credential signed"), "the history shows both");
    let index = vc["credentialStatus"][0]["statusListIndex"].as_str().expect("a position");
    assert!(index.parse::<u32>().is_ok(), "{vc}");
}

/// The approval form for `id` carrying its credential, as the browser makes it (issue 72):
/// the approval's terms asked, the nonce drawn, the console's issuing terms for that
/// transaction (the approval binding its position, and the credential) signed with the
/// same key; or the refusal of the issuing terms.
async fn approval_with_credential(
    certifier: &Member,
    key: &ed25519_dalek::SigningKey,
    id: &str,
    nonce: &str,
) -> Result<Value, Reply> {
    let mut form = crate::workflow::signed_terms(certifier, key, &json!({ "certificate_id": id })).await;
    let number = |v: &Value| v.as_str().and_then(|s| s.parse::<i64>().ok()).expect("a number");
    let body = json!({
        "certificate_id": id,
        "issuer_key_id": form["issuer_key_id"],
        "issued_at": number(&form["issued_at"]),
        "valid_until": number(&form["valid_until"]),
        "nonce": nonce,
    });
    let terms = certifier.post("/api/credential/issuing-terms", &body).await;
    if !terms.ok() {
        return Err(terms);
    }
    assert_eq!(terms.json["credential"], true, "{}", terms.json);
    let decode =
        |field: &str| data_encoding::BASE64.decode(terms.json[field].as_str().expect(field).as_bytes()).expect("b64");
    form["nonce"] = json!(nonce);
    form["status_index"] = json!(terms.json["status_index"].to_string());
    form["status_base"] = terms.json["status_base"].clone();
    form["credential_created"] = json!(terms.json["created"].to_string());
    // The approval's signature binds the position: the one signed without it is not sent.
    let alone = form["signature"].clone();
    form["signature"] = json!(hex::encode(key.sign(&decode("sign_issuance")).to_bytes()));
    assert_ne!(form["signature"], alone, "the approval is signed again with its position");
    form["proof_signature"] = json!(hex::encode(key.sign(&decode("sign")).to_bytes()));
    Ok(form)
}

#[tokio::test]
async fn an_approval_carries_its_credential_in_the_same_transaction() {
    let (h, dave, alice, _admin, key, id) = pending("LOT-VC-ONE").await;
    let nonce = hex::encode([7u8; 24]);
    // Only a certifier is answered; a nonce must be Fabric's 24 bytes.
    let form = approval_with_credential(&alice, &key, &id, &nonce).await.map_err(|e| e.error()).expect("terms");
    let body = json!({ "certificate_id": id, "issuer_key_id": form["issuer_key_id"], "issued_at": 1, "valid_until": 2,
        "nonce": nonce });
    assert_eq!(dave.post("/api/credential/issuing-terms", &body).await.status, 404, "not for an applicant");
    let mut bad_nonce = body.clone();
    bad_nonce["nonce"] = json!("00ff");
    let r = alice.post("/api/credential/issuing-terms", &bad_nonce).await;
    assert_eq!(r.status, 400, "{}", r.error());
    assert!(r.error().contains("nonce"), "{}", r.error());
    // A key not on the trust list.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let r = approval_with_credential(&alice, &stranger, &id, &nonce).await.expect_err("an unknown key");
    assert_eq!(r.status, 409, "{}", r.error());

    // A proof that is not the credential's: the contract refuses the approval, nothing written.
    let height = h.height();
    let mut spoiled = form.clone();
    spoiled["proof_signature"] = json!(hex::encode(key.sign(b"something else").to_bytes()));
    let refused = alice.transact("/api/tx/approve", &spoiled).await.expect_err("a bad proof");
    assert!(refused.error().contains("BAD_SIGNATURE"), "{}", refused.error());
    assert_eq!(h.height(), height, "refused: nothing written");
    // Under another transaction than the one the credential names: its position and
    // issuing transaction are not this one's.
    let mut elsewhere = form.clone();
    elsewhere["nonce"] = json!(hex::encode([8u8; 24]));
    let refused = alice.transact("/api/tx/approve", &elsewhere).await.expect_err("another transaction");
    assert!(refused.error().contains("CONFLICT") || refused.error().contains("BAD_SIGNATURE"), "{}", refused.error());
    assert_eq!(h.height(), height, "refused: nothing written");

    // As signed: one transaction issues the certificate with its credential.
    let done = alice.transact("/api/tx/approve", &form).await.map_err(|e| e.error()).expect("approved");
    assert_eq!(h.height(), height + 1, "one transaction, credential included");
    let tx_id = done["tx_id"].as_str().expect("tx_id");
    let member = nanotrace_fabric_gateway::Identity::new(alice.msp_id.clone(), alice.cert_pem.clone().into_bytes())
        .expect("identity");
    let expected = nanotrace_fabric_gateway::identity::transaction_id(&[7u8; 24], &member.creator());
    assert_eq!(tx_id, expected, "the transaction the browser's nonce named");
    let (_, _, page) = alice.get(&format!("/certificates/{id}")).await;
    assert!(page.contains("A credential is on the ledger"), "the approval recorded it");
    assert!(page.contains("ACTIVE"), "issued");
}
