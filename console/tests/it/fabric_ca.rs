//! Enrollment at a real Fabric CA for a key that stays in the browser: the request the
//! console assembles from the browser's public key and signature (`csr`) is accepted by
//! `fabric-ca-server` 1.5.15 (built from its Go module by `scripts/fabric-ca.sh`, so this
//! runs in every CI run), and the certificate it issues certifies that key.

use nanotrace_console::csr;
use nanotrace_fabric_ca::msp::{der_from_webcrypto, OrgMsp};
use nanotrace_fabric_ca::{CaClient, Registration};
use nanotrace_testkit::fabric_ca::CaServer;
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::EncodePublicKey as _;

/// What the console sends the CA for a browser's `key`: the request's bytes built from
/// the public key, signed as WebCrypto signs, assembled.
fn browser_request(key: &p256::ecdsa::SigningKey, signer: &p256::ecdsa::SigningKey, name: &str) -> String {
    let spki = key.verifying_key().to_public_key_der().expect("spki");
    let info = csr::to_be_signed(spki.as_bytes(), name).expect("to be signed");
    let raw: p256::ecdsa::Signature = signer.sign(&info);
    let der = csr::assemble(&info, &der_from_webcrypto(&raw.to_bytes()).expect("der")).expect("assemble");
    csr::pem(&der)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fabric_ca_issues_the_certificate_for_a_request_signed_in_the_browser() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(server) = CaServer::start_or_skip("enrollment at a Fabric CA for a browser's key") else { return };
    let ca = CaClient::new(&server.url, Some(server.ca_cert().as_bytes())).expect("client");
    let admin = ca.enroll("admin", "adminpw").await.expect("the bootstrap admin");
    let registration = |id: &str| Registration {
        enrollment_id: id.into(),
        identity_type: "client".into(),
        affiliation: "org1.department1".into(),
        ..Registration::default()
    };

    let secret = ca.register(&admin, &registration("erin")).await.expect("register erin");
    let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let issued = ca.enroll_request("erin", &secret, &browser_request(&key, &key, "erin")).await.expect("enrolled");
    let org = OrgMsp::new("Org1MSP", server.ca_cert().as_bytes()).expect("the CA");
    let member = org.member(&issued.certificate_pem, nanotrace_embedded::datadir::now()).expect("issued by the CA");
    assert_eq!((member.common_name.as_str(), member.has_ou("client")), ("erin", true));
    // The certificate is for the browser's key: its signature verifies against it.
    let proof: p256::ecdsa::Signature = key.sign(b"signed in the browser");
    member
        .verify(b"signed in the browser", &der_from_webcrypto(&proof.to_bytes()).expect("der"))
        .expect("the certificate certifies the browser's key");

    // A request for one key signed by another is refused by the CA, and the secret is
    // not spent by it.
    let secret = ca.register(&admin, &registration("frank")).await.expect("register frank");
    let other = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let forged = ca.enroll_request("frank", &secret, &browser_request(&key, &other, "frank")).await;
    let err = forged.expect_err("a request not signed by its key");
    eprintln!("      the CA refused a request signed by another key: {err}");
    let frank_key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    ca.enroll_request("frank", &secret, &browser_request(&frank_key, &frank_key, "frank"))
        .await
        .expect("the secret still enrolls with a proper request");
}
