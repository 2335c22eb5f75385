//! `nanotrace vc sign` and `vc export`: a certificate's W3C Verifiable Credential, signed
//! by the certifier's issuer key and recorded on the ledger, exported by anyone as the
//! ledger records it, verified by a third party's implementation (Digital Bazaar's
//! `@digitalbazaar/vc` with its `eddsa-jcs-2022` cryptosuite, run by Node from
//! `tests/vc/`), which refuses every single-field change; and every refusal of both.

use crate::support::*;
use nanotrace_model::credential;
use nanotrace_testkit::vc;
use serde_json::Value;
use std::path::Path;

/// A data directory with one issued certificate (by alice's key); its ID.
fn issued(data: &Path) -> String {
    init(data);
    let id = apply_value(data, &example_value());
    let r = nt(data, Some(CERTIFIER), &["approve", &id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    id
}

#[test]
fn an_exported_credential_verifies_with_digital_bazaars_library_and_no_change_does() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let id = issued(&data);
    let file = tmp.path().join("vc.json");
    // Approving recorded the credential; `vc sign` signs it again; anyone exports it.
    let r = nt(&data, Some(CERTIFIER), &["vc", "sign", &id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = nt(&data, None, &["vc", "export", &id, "--out", file.to_str().expect("utf-8")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let vc: Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("JSON");

    // What it says: the certificate, by the certification body's key as a did:key.
    let cert = ok_json(&data, None, &["show", &id]);
    let keys = ok_json(&data, None, &["key", "list"]);
    let key =
        keys.as_array().expect("keys").iter().find(|k| k["key_id"] == cert["issuance"]["issuer_key_id"]).expect("key");
    let public: [u8; 32] = hex::decode(key["public_key"].as_str().expect("hex")).expect("hex").try_into().expect("32");
    assert_eq!(vc["issuer"]["id"], credential::did_key(&public));
    assert_eq!(vc["issuer"]["mspId"], cert["issuance"]["issuer_org"]);
    assert_eq!(vc["type"], serde_json::json!(["VerifiableCredential", "DigitalConformityCredential"]));
    let subject = &vc["credentialSubject"];
    assert_eq!(subject["certificateId"], id.as_str());
    assert_eq!(subject["certificateDigest"], cert["issuance"]["digest"]);
    assert_eq!(subject["assessedProduct"]["gtin"], "04006381333931");
    assert_eq!(subject["assessedProduct"]["batchNumber"], cert["application"]["batch"]);
    assert_eq!(subject["safetyDataSheet"]["sha256"], cert["application"]["sds"]["sha256"]);
    assert_eq!(subject["assessment"]["isNanomaterial"], cert["assessment"]["is_nanomaterial"]);
    assert_eq!(vc["proof"]["cryptosuite"], "eddsa-jcs-2022");
    // Our own check agrees.
    credential::verify(&vc, &public).expect("our verification");

    let Some(verdict) = vc::verify("the third-party check of an exported credential", &file, true) else { return };
    assert_eq!(verdict["verified"], true, "{verdict}");
    let changes = verdict["mutations"].as_u64().expect("count");
    assert!(changes >= 80, "every field was changed once: {verdict}");
    assert_eq!(verdict["mutationsVerified"], serde_json::json!([]), "a changed credential verified: {verdict}");
}

#[test]
fn only_the_key_that_issued_the_certificate_signs_its_credential_while_it_is_trusted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let id = issued(&data);
    let file = tmp.path().join("vc.json");
    let out = file.to_str().expect("utf-8");

    // The applicant has no issuer key.
    assert_clean_error(&nt(&data, Some(APPLICANT), &["vc", "sign", &id]), &["has no issuer key"]);
    // Another certifier's trusted key did not sign this certificate.
    for args in [
        &["identity", "create", "bob@certifier", "--msp", "CertifierMSP"][..],
        &["grant", "bob@certifier", "certifier"],
        &["key", "create", "bob@certifier"],
    ] {
        let r = nt(&data, Some(ADMIN), args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    }
    assert_clean_error(
        &nt(&data, Some("bob@certifier"), &["vc", "sign", &id]),
        &["was issued with key", "only the key"],
    );
    // A pending application has no credential.
    let pending = apply_value(&data, &example_value());
    assert_clean_error(&nt(&data, Some(CERTIFIER), &["vc", "sign", &pending]), &["never been issued"]);
    assert_clean_error(&nt(&data, Some(CERTIFIER), &["vc", "sign", "NT-ABCDEFGH234"]), &["certificate ID"]);
    assert_clean_error(&nt(&data, None, &["vc", "export", "NT-ABCDEFGH234"]), &["certificate ID"]);
    // Status lists under a verifier that is not a status base of the certification body:
    // refused, until the admin registers it (`status-bases`); taken off again, the
    // credential recorded under it is no longer exported.
    let elsewhere = "https://verify.elsewhere.example";
    let sign_elsewhere = ["--verify-url", elsewhere, "vc", "sign", &id];
    assert_clean_error(&nt(&data, Some(CERTIFIER), &sign_elsewhere), &["[status_base.registered]", "SetStatusBases"]);
    let exported = ok_json(&data, None, &["vc", "export", &id]);
    assert_eq!(
        exported["credentialStatus"][0]["statusListCredential"], "http://127.0.0.1:8080/api/v1/status/revocation/0",
        "the refused signature changed nothing: the credential approving recorded stands"
    );
    let bases = ok_json(&data, Some(ADMIN), &["status-bases", "CertifierMSP", "http://127.0.0.1:8080", elsewhere]);
    assert_eq!(bases["status_bases"], serde_json::json!(["http://127.0.0.1:8080", elsewhere]), "{bases}");
    let signed = ok_json(&data, Some(CERTIFIER), &sign_elsewhere);
    assert_eq!(signed["status_base"], elsewhere, "{signed}");
    let exported = ok_json(&data, None, &["vc", "export", &id]);
    assert_eq!(
        exported["credentialStatus"][0]["statusListCredential"],
        format!("{elsewhere}/api/v1/status/revocation/0")
    );
    ok_json(&data, Some(ADMIN), &["status-bases", "CertifierMSP", "http://127.0.0.1:8080"]);
    assert_clean_error(&nt(&data, None, &["vc", "export", &id]), &[elsewhere, "not a status base"]);
    assert_clean_error(&nt(&data, Some(APPLICANT), &["status-bases", "CertifierMSP"]), &["[role.admin]"]);
    // An existing file is never replaced.
    assert_eq!(nt(&data, Some(CERTIFIER), &["vc", "sign", &id]).code, 0);
    std::fs::write(&file, "mine").expect("write");
    assert_clean_error(&nt(&data, None, &["vc", "export", &id, "--out", out]), &["never replaced"]);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "mine");
    // A certificate not in force gets no new credential.
    let r = nt(&data, Some(CERTIFIER), &["suspend", &id, "--reason", "audit"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_clean_error(&nt(&data, Some(CERTIFIER), &["vc", "sign", &id]), &["SUSPENDED, not in force"]);
    let r = nt(&data, Some(CERTIFIER), &["reinstate", &id, "--reason", "audit passed"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(nt(&data, Some(CERTIFIER), &["vc", "sign", &id]).code, 0);
    // The recorded credential is exported whatever the certificate's state (its status
    // entries tell a relying party what became of it).
    let r = nt(&data, Some(CERTIFIER), &["suspend", &id, "--reason", "second audit"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(nt(&data, None, &["vc", "export", &id]).code, 0);
    let r = nt(&data, Some(CERTIFIER), &["reinstate", &id, "--reason", "second audit passed"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Once its key is retired, the certifier issues no more credentials with it.
    let cert = ok_json(&data, None, &["show", &id]);
    let key_id = cert["issuance"]["issuer_key_id"].as_str().expect("key id");
    let r = nt(&data, Some(ADMIN), &["key", "retire", key_id, "--reason", "rotated"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_clean_error(&nt(&data, Some(CERTIFIER), &["vc", "sign", &id]), &["retired"]);
}

#[test]
fn our_own_check_refuses_another_key_another_suite_and_any_change() {
    use ed25519_dalek::SigningKey;
    use nanotrace_model::credential::CredentialError;
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let id = issued(&data);
    let cert: nanotrace_model::Certificate =
        serde_json::from_value(ok_json(&data, None, &["show", &id])).expect("a certificate");
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key().to_bytes();
    let vc =
        credential::sign(&cert, &key, "Certification body", "https://verify.example", 1_790_000_000).expect("sign");
    assert!(credential::did_key(&public).starts_with("did:key:z6Mk"), "an Ed25519 did:key");
    credential::verify(&vc, &public).expect("verifies");
    let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key().to_bytes();
    assert!(matches!(credential::verify(&vc, &other), Err(CredentialError::Proof(_))));
    for (pointer, value) in [
        ("/credentialSubject/assessedProduct/batchNumber", serde_json::json!("LOT-OTHER")),
        ("/validUntil", serde_json::json!("2099-01-01T00:00:00Z")),
        ("/proof/cryptosuite", serde_json::json!("eddsa-rdfc-2022")),
        ("/proof/created", serde_json::json!("2030-01-01T00:00:00Z")),
        ("/proof/proofValue", serde_json::json!("z3")),
    ] {
        let mut changed = vc.clone();
        *changed.pointer_mut(pointer).expect(pointer) = value;
        assert!(credential::verify(&changed, &public).is_err(), "{pointer} changed, still verified");
    }
    // Only an issued certificate has a credential.
    let mut pending = cert.clone();
    pending.issuance = None;
    assert_eq!(credential::sign(&pending, &key, "x", "https://verify.example", 0), Err(CredentialError::NotIssued(id)));
}

#[test]
fn approving_renewing_and_batch_approving_make_every_issued_certificate_a_credential() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    init(&data);
    let public_key = |id: &str| -> [u8; 32] {
        let cert = ok_json(&data, None, &["show", id]);
        let keys = ok_json(&data, None, &["key", "list"]);
        let key = keys.as_array().expect("keys").iter().find(|k| k["key_id"] == cert["issuance"]["issuer_key_id"]);
        hex::decode(key.expect("key")["public_key"].as_str().expect("hex")).expect("hex").try_into().expect("32")
    };
    let exported_verifies = |id: &str| {
        let vc = ok_json(&data, None, &["vc", "export", id]);
        assert_eq!(vc["credentialSubject"]["certificateId"], id);
        credential::verify(&vc, &public_key(id)).unwrap_or_else(|e| panic!("{id}'s credential: {e}"));
    };

    // One approval: the credential in the same command, under the configured verifier.
    let id = apply_value(&data, &example_value());
    let approved = ok_json(&data, Some(CERTIFIER), &["approve", &id]);
    assert_eq!(approved["credential"]["recorded"], 1, "{approved}");
    assert_eq!(approved["credential"]["status_base"], "http://127.0.0.1:8080", "{approved}");
    exported_verifies(&id);
    let text = nt(&data, Some(CERTIFIER), &["approve", &apply_value(&data, &example_value())]);
    assert!(
        text.stdout.contains("1 credential recorded, its status lists under http://127.0.0.1:8080"),
        "{}",
        text.stdout
    );

    // A renewal: the new version's credential.
    let renewed = ok_json(&data, Some(CERTIFIER), &["renew", &id]);
    let new_id = renewed["certificate_id"].as_str().expect("new ID").to_owned();
    assert_eq!(renewed["credential"]["recorded"], 1, "{renewed}");
    exported_verifies(&new_id);

    // A batch: each certificate's credential; run again, none is signed twice.
    let ids: Vec<String> = (0..3).map(|_| apply_value(&data, &example_value())).collect();
    let file = tmp.path().join("ids.txt");
    std::fs::write(&file, ids.join("\n") + "\n").expect("write");
    let file = file.to_str().expect("utf-8");
    let summary = ok_json(&data, Some(CERTIFIER), &["batch", "approve", "--file", file]);
    assert_eq!(summary["credentials"]["recorded"], 3, "{summary}");
    for id in &ids {
        exported_verifies(id);
    }
    let again = ok_json(&data, Some(CERTIFIER), &["batch", "approve", "--file", file]);
    assert_eq!(again["credentials"]["recorded"], 0, "{again}");

    // A certification body without a status base: the approval stands, no credential, and why.
    ok_json(&data, Some(ADMIN), &["status-bases", "CertifierMSP"]);
    let bare = apply_value(&data, &example_value());
    let r = nt(&data, Some(CERTIFIER), &["approve", &bare]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("No credential recorded: CertifierMSP has no status base"), "{}", r.stdout);
    assert_verdict(&data, &bare, "VALID");
    assert_clean_error(&nt(&data, None, &["vc", "export", &bare]), &["no credential on the ledger yet"]);
}

/// `vc sign --new-position` on the embedded ledger: a certificate whose credential was
/// recorded apart (issued without one) moves to a new position, the old one retired, and
/// its credential is signed for the new one; one whose approval's signature binds its
/// position, or one without a position to move, gets a clear error that changes nothing.
#[test]
fn vc_sign_with_a_new_position_retires_the_old_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let bound = issued(&data);
    let before_refusal = height(&data);
    assert_clean_error(
        &nt(&data, Some(CERTIFIER), &["vc", "sign", &bound, "--new-position"]),
        &["issuance signature binds its status-list position"],
    );
    assert_eq!(height(&data), before_refusal, "a refusal writes nothing");
    // Issued without a credential (no status base then), its credential recorded apart.
    ok_json(&data, Some(ADMIN), &["status-bases", "CertifierMSP"]);
    let id = apply_value(&data, &{
        let mut other = example_value();
        other["batch"] = "LOT-APART".into();
        other
    });
    assert_eq!(nt(&data, Some(CERTIFIER), &["approve", &id]).code, 0);
    ok_json(&data, Some(ADMIN), &["status-bases", "CertifierMSP", "http://127.0.0.1:8080"]);
    let r = nt(&data, Some(CERTIFIER), &["vc", "sign", &id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let before = ok_json(&data, None, &["show", &id]);
    assert!(before["credential"]["position_signature"].is_string(), "signed apart: {before}");
    let old = before["status_index"].as_u64().expect("a position");
    let r = nt(&data, Some(CERTIFIER), &["--json", "vc", "sign", &id, "--new-position"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.json();
    assert_eq!(out["retired_status_index"], old, "{out}");
    let after = ok_json(&data, None, &["show", &id]);
    let new = after["status_index"].as_u64().expect("a position");
    assert_ne!(new, old);
    assert_eq!(out["status_index"], new, "{out}");
    assert_eq!(after["retired_status_indexes"], serde_json::json!([old]), "{after}");
    let vc = ok_json(&data, None, &["vc", "export", &id]);
    let index = nanotrace_model::status::index_in_list(u32::try_from(new).expect("u32")).to_string();
    assert_eq!(vc["credentialStatus"][0]["statusListIndex"], index.as_str(), "{vc}");
    // A pending application has nothing to move.
    let pending = apply_value(&data, &{
        let mut other = example_value();
        other["batch"] = "LOT-NEW-POSITION".into();
        other
    });
    let height = height(&data);
    assert_clean_error(
        &nt(&data, Some(CERTIFIER), &["vc", "sign", &pending, "--new-position"]),
        &["never been issued"],
    );
    assert_eq!(crate::support::height(&data), height, "a refusal writes nothing");
}
