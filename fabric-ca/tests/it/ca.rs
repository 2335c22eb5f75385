//! The Fabric CA client against a real `fabric-ca-server` 1.5.15 (TLS on) on 127.0.0.1:
//! enroll (the key made here), register with token authentication, re-enroll with the
//! same and a new key, revoke and the CRL, the identity list; and each way a request
//! can be wrong — a bad secret, a registrar without the authority, a revoked or expired
//! registrar, a tampered token — refused with the CA's own code and message.
//!
//! The binaries come from `FABRIC_CA_BIN_DIR` or `scripts/fabric-ca.sh`'s cache folder;
//! without them the test is skipped loudly (a failure where `NANOTRACE_REQUIRE` lists
//! `fabric-ca`, as `.ci/run` does).

use nanotrace_fabric_ca::{Attribute, CaClient, CaError, Enrollment, Registration, Revocation};
use p256::pkcs8::DecodePrivateKey as _;
use x509_parser::prelude::*;

use nanotrace_testkit::fabric_ca::{CaServer, VERSION};

trait Client {
    fn client(&self) -> CaClient;
}

impl Client for CaServer {
    fn client(&self) -> CaClient {
        CaClient::new(&self.url, Some(self.ca_cert().as_bytes())).unwrap()
    }
}

fn parse(pem: &str) -> (Vec<u8>, String) {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
    let subject = pem.parse_x509().unwrap().subject().to_string();
    (pem.contents, subject)
}

/// `cert_pem` is signed by the CA of `ca_pem`.
fn issued_by(cert_pem: &str, ca_pem: &str) -> bool {
    let (cert_der, _) = parse(cert_pem);
    let (ca_der, _) = parse(ca_pem);
    let (_, cert) = X509Certificate::from_der(&cert_der).unwrap();
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    let key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_ASN1,
        ca.public_key().subject_public_key.data.as_ref(),
    );
    key.verify(cert.tbs_certificate.as_ref(), cert.signature_value.data.as_ref()).is_ok()
}

fn public_key(cert_pem: &str) -> Vec<u8> {
    let (der, _) = parse(cert_pem);
    let (_, cert) = X509Certificate::from_der(&der).unwrap();
    cert.public_key().raw.to_vec()
}

#[track_caller]
fn refused(result: Result<impl std::fmt::Debug, CaError>, code: i64, words: &str) -> CaError {
    match result {
        Ok(v) => panic!("expected the CA to refuse (code {code}), got {v:?}"),
        Err(e) => {
            assert!(matches!(e, CaError::Refused { .. }), "not a refusal by the CA: {e}");
            assert_eq!(e.ca_code(), Some(code), "{e}");
            assert!(e.to_string().contains(words), "expected {words:?} in: {e}");
            e
        }
    }
}

fn registration(id: &str, attributes: Vec<Attribute>) -> Registration {
    Registration {
        enrollment_id: id.into(),
        identity_type: "client".into(),
        affiliation: "org1.department1".into(),
        attributes,
        ..Registration::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enroll_register_reenroll_revoke_on_a_real_fabric_ca() {
    let Some(server) = CaServer::start_or_skip("the Fabric CA client against a real fabric-ca-server") else {
        return;
    };
    let ca = server.client();

    // What the CA says about itself.
    let info = ca.cainfo().await.unwrap();
    assert_eq!(info.version, VERSION);
    assert_eq!(parse(&info.ca_chain_pem).0, parse(&server.ca_cert()).0, "the chain is the CA's certificate");

    // The bootstrap admin enrolls: the key is made here, the certificate issued by the CA.
    let admin = ca.enroll("admin", "adminpw").await.unwrap();
    assert!(parse(&admin.certificate_pem).1.contains("CN=admin"), "{}", parse(&admin.certificate_pem).1);
    assert!(issued_by(&admin.certificate_pem, &server.ca_cert()));
    assert!(admin.key_pem().contains("BEGIN PRIVATE KEY"));
    assert!(!format!("{admin:?}").contains("PRIVATE"), "Debug shows no key");
    refused(ca.enroll("admin", "not-the-secret").await, 20, "Authentication failure");
    refused(ca.enroll("nobody", "x").await, 20, "Authentication failure");

    // The admin registers erin (token authentication); erin enrolls with the secret.
    let secret = ca.register(&admin, &registration("erin", vec![])).await.unwrap();
    assert!(!secret.is_empty());
    let erin = ca.enroll("erin", &secret).await.unwrap();
    let subject = parse(&erin.certificate_pem).1;
    assert!(subject.contains("CN=erin") && subject.contains("OU=client"), "{subject}");
    assert!(issued_by(&erin.certificate_pem, &server.ca_cert()));
    // The same secret does not enroll twice (max enrollments 1 by default? no: -1) — a
    // wrong one never does.
    refused(ca.enroll("erin", &format!("{secret}x")).await, 20, "Authentication failure");

    // erin is no registrar: her token authenticates, her authority is refused.
    refused(ca.register(&erin, &registration("mallory", vec![])).await, 71, "Authorization failure");

    // A tampered token: signed over one body, sent with another.
    let body = br#"{"id":"eve","type":"client","affiliation":"org1.department1"}"#;
    let signed_over = br#"{"id":"bob","type":"client","affiliation":"org1.department1"}"#;
    let identity = admin.identity("ca").unwrap();
    let token = nanotrace_fabric_ca::token(
        &identity,
        admin.certificate_pem.as_bytes(),
        "POST",
        "/api/v1/register",
        signed_over,
    )
    .unwrap();
    let http = reqwest_client(&server.ca_cert());
    let answer = http
        .post(format!("{}/api/v1/register", server.url))
        .header("authorization", token)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 401, "a tampered token is refused");
    let text = answer.text().await.unwrap();
    assert!(text.contains("\"code\":20"), "{text}");

    // A registration signed elsewhere (the console's path: the admin's browser signs the
    // bytes the client built): accepted when the registrar's key signed them, refused when
    // another key did or the bytes were tampered with.
    let unsigned = ca.unsigned_register(admin.certificate_pem.as_bytes(), &registration("olivia", vec![])).unwrap();
    assert_eq!(unsigned.enrollment_id(), "olivia");
    let elsewhere = p256::ecdsa::SigningKey::from_pkcs8_pem(admin.key_pem()).unwrap();
    let der = |key: &p256::ecdsa::SigningKey, bytes: &[u8]| {
        let sig: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(key, bytes);
        sig.normalize_s().unwrap_or(sig).to_der().as_bytes().to_vec()
    };
    let other = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    refused(ca.register_signed(unsigned.clone(), &der(&other, unsigned.to_sign())).await, 20, "");
    let mut tampered = unsigned.to_sign().to_vec();
    tampered[0] ^= 1;
    refused(ca.register_signed(unsigned.clone(), &der(&elsewhere, &tampered)).await, 20, "");
    let olivia_secret = ca.register_signed(unsigned.clone(), &der(&elsewhere, unsigned.to_sign())).await.unwrap();
    ca.enroll("olivia", &olivia_secret).await.expect("the identity registered from elsewhere enrolls");

    // A revocation signed elsewhere (the console withdrawing a cancelled invitation's
    // registration): refused when another key signed it or the bytes were tampered with;
    // accepted when the revoker's key signed them, after which the unused secret of the
    // registration enrolls no more.
    let pablo_secret = ca.register(&admin, &registration("pablo", vec![])).await.unwrap();
    let withdraw = Revocation::Identity { enrollment_id: "pablo".into(), reason: "cessationofoperation".into() };
    let unsigned = ca.unsigned_revoke(admin.certificate_pem.as_bytes(), &withdraw, false).unwrap();
    refused(ca.revoke_signed(unsigned.clone(), &der(&other, unsigned.to_sign())).await, 20, "");
    let mut tampered = unsigned.to_sign().to_vec();
    tampered[0] ^= 1;
    refused(ca.revoke_signed(unsigned.clone(), &der(&elsewhere, &tampered)).await, 20, "");
    let revoked = ca.revoke_signed(unsigned.clone(), &der(&elsewhere, unsigned.to_sign())).await.unwrap();
    assert!(revoked.certificates.is_empty(), "pablo never enrolled: {revoked:?}");
    let e = ca.enroll("pablo", &pablo_secret).await.expect_err("a withdrawn registration's secret enrolls");
    assert!(matches!(e, CaError::Refused { .. }), "{e}");

    // Re-enrollment: the same key, then a new one; each new certificate works.
    let same = ca.reenroll(&erin, false).await.unwrap();
    assert_eq!(public_key(&same.certificate_pem), public_key(&erin.certificate_pem));
    assert_ne!(same.serial_and_aki().unwrap().0, erin.serial_and_aki().unwrap().0);
    let fresh = ca.reenroll(&same, true).await.unwrap();
    assert_ne!(public_key(&fresh.certificate_pem), public_key(&erin.certificate_pem));
    assert_ne!(fresh.key_pem(), erin.key_pem());
    let again = ca.reenroll(&fresh, false).await.unwrap();
    assert!(issued_by(&again.certificate_pem, &server.ca_cert()));

    // The identity list, as the admin sees it.
    let listed = ca.identities(&admin).await.unwrap();
    let names: Vec<&str> = listed.iter().map(|i| i.enrollment_id.as_str()).collect();
    assert!(names.contains(&"admin") && names.contains(&"erin"), "{names:?}");
    let erin_info = listed.iter().find(|i| i.enrollment_id == "erin").unwrap();
    assert_eq!((erin_info.identity_type.as_str(), erin_info.affiliation.as_str()), ("client", "org1.department1"));

    // Every certificate the CA issued erin, as the admin sees them; erin, no registrar,
    // sees nobody's.
    let mut listed: Vec<String> =
        ca.certificates(&admin, "erin").await.unwrap().iter().map(|p| pem_serial(p)).collect();
    listed.sort();
    let mut issued: Vec<String> =
        [&erin, &same, &fresh, &again].iter().map(|e| e.serial_and_aki().unwrap().0).collect();
    issued.sort();
    assert_eq!(listed, issued, "erin's four certificates, and only those");
    assert!(ca.certificates(&admin, "nobody-by-that-name").await.unwrap().is_empty());
    let err = ca.certificates(&again, "admin").await.expect_err("erin lists the admin's certificates");
    eprintln!("      a member listing another identity's certificates: {err}");
    assert!(err.ca_code().is_some(), "the CA's own refusal: {err}");

    // Revoking erin revokes every certificate she had, and the CRL names them.
    let revoked = ca
        .revoke(
            &admin,
            &Revocation::Identity { enrollment_id: "erin".into(), reason: "cessationofoperation".into() },
            true,
        )
        .await
        .unwrap();
    let mut serials: Vec<String> = revoked.certificates.iter().map(|c| c.serial.to_lowercase()).collect();
    serials.sort();
    let mut expected: Vec<String> =
        [&erin, &same, &fresh, &again].iter().map(|e| e.serial_and_aki().unwrap().0).collect();
    expected.sort();
    assert_eq!(serials, expected, "every certificate of erin, by serial");
    let crl = revoked.crl_pem.expect("the CRL");
    assert_eq!(crl_serials(&crl), expected, "the CRL after the revocation");
    assert_eq!(crl_serials(&ca.gencrl(&admin).await.unwrap()), expected, "gencrl");
    // Revoked: erin can neither re-enroll nor enroll again.
    refused(ca.reenroll(&again, false).await, 20, "");
    refused(ca.enroll("erin", &secret).await, 20, "");

    // A revoked registrar registers nobody.
    let attrs = vec![Attribute { name: "hf.Registrar.Roles".into(), value: "client".into(), ecert: false }];
    let frank_secret = ca.register(&admin, &registration("frank", attrs)).await.unwrap();
    let frank = ca.enroll("frank", &frank_secret).await.unwrap();
    ca.register(&frank, &registration("grace", vec![])).await.expect("frank registers while he may");
    let (serial, aki) = frank.serial_and_aki().unwrap();
    ca.revoke(&admin, &Revocation::Certificate { serial, aki, reason: "keycompromise".into() }, false).await.unwrap();
    refused(ca.register(&frank, &registration("heidi", vec![])).await, 20, "");

    // An expired registrar certificate (issued by the CA's own key, validity over) is
    // refused too.
    let expired = forge_expired(&server, "admin");
    refused(ca.register(&expired, &registration("ivan", vec![])).await, 20, "");
}

/// A PEM certificate's serial (lowercase hex, as `Enrollment::serial_and_aki` writes it).
fn pem_serial(pem: &str) -> String {
    let (der, _) = parse(pem);
    let (_, cert) = X509Certificate::from_der(&der).unwrap();
    cert.raw_serial_as_string().replace(':', "").trim_start_matches('0').to_owned()
}

/// The serials (lowercase hex) a PEM CRL lists.
fn crl_serials(pem: &str) -> Vec<String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
    let (_, crl) = CertificateRevocationList::from_der(&pem.contents).unwrap();
    let mut serials: Vec<String> =
        crl.iter_revoked_certificates().map(|r| format!("{:x}", r.user_certificate)).collect();
    serials.sort();
    serials
}

/// An HTTP client trusting `ca_pem`, for requests the CA client would never make.
fn reqwest_client(ca_pem: &str) -> reqwest::Client {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls_pki_types::CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap()).unwrap();
    let config =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    reqwest::Client::builder().tls_backend_preconfigured(config).no_proxy().build().unwrap()
}

/// A certificate for `cn` issued with the CA's own key, valid from 2020 to 2021.
fn forge_expired(server: &CaServer, cn: &str) -> Enrollment {
    let ca_key = rcgen::KeyPair::from_pem(&server.ca_key()).unwrap();
    let issuer = rcgen::Issuer::from_ca_cert_pem(&server.ca_cert(), ca_key).unwrap();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, cn);
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let cert = params.signed_by(&key, &issuer).unwrap().pem();
    Enrollment::from_pem(cn, &cert, &key.serialize_pem(), &server.ca_cert())
}

/// Conformance with Fabric CA's own client: the same registered identity enrolled by
/// `fabric-ca-client` and by ours gets certificates alike — the same issuer, subject,
/// authority key identifier, key usage, basic constraints and attribute extension — and
/// both chain to the CA. (`fabric-ca-client` also puts the machine's host name in a
/// subject alternative name by default, `--csr.hosts`: the one extension allowed to
/// differ; a member's identity never depends on it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrollment_by_our_client_matches_fabric_ca_clients() {
    let Some(server) = CaServer::start_or_skip("our CA client against fabric-ca-client") else {
        return;
    };
    let bin = nanotrace_testkit::fabric_ca::bin_dir().expect("the server started, so the binaries are there");
    let ca = server.client();
    let admin = ca.enroll("admin", "adminpw").await.unwrap();
    let registration = Registration { secret: "ginapw".into(), ..registration("gina", vec![]) };
    ca.register(&admin, &registration).await.unwrap();
    // fabric-ca-client sends its configured subject names (its defaults: C=US,
    // ST=North Carolina, O=Hyperledger); both send the same ones here.
    let names = [("C", "DE"), ("O", "NanoTrace Test")];
    let ours = ca.enroll_with_names("gina", "ginapw", &names).await.unwrap();

    let home = tempfile::tempdir().unwrap();
    let url = server.url.replace("https://", "https://gina:ginapw@");
    let out = std::process::Command::new(bin.join("fabric-ca-client"))
        .args(["enroll", "-u", &url, "--csr.names", "C=DE,O=NanoTrace Test", "--tls.certfiles"])
        .arg(server.ca_cert_path())
        .arg("--home")
        .arg(home.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "fabric-ca-client enroll: {}", String::from_utf8_lossy(&out.stderr));
    let theirs = std::fs::read_to_string(home.path().join("msp/signcerts/cert.pem")).unwrap();

    let (our_der, _) = parse(&ours.certificate_pem);
    let (their_der, _) = parse(&theirs);
    let (_, a) = X509Certificate::from_der(&our_der).unwrap();
    let (_, b) = X509Certificate::from_der(&their_der).unwrap();
    assert_eq!(a.issuer().to_string(), b.issuer().to_string());
    assert_eq!(a.subject().to_string(), b.subject().to_string());
    assert_eq!(a.signature_algorithm.algorithm, b.signature_algorithm.algorithm);
    assert_eq!(a.public_key().algorithm.algorithm, b.public_key().algorithm.algorithm);
    let san = x509_parser::oid_registry::OID_X509_EXT_SUBJECT_ALT_NAME;
    let extensions = |c: &X509Certificate<'_>| -> Vec<(String, bool, Option<Vec<u8>>)> {
        let mut list: Vec<(String, bool, Option<Vec<u8>>)> = c
            .extensions()
            .iter()
            .filter(|e| e.oid != san)
            .map(|e| {
                // The key identifiers name each certificate's own key: compare presence only.
                let ski = e.oid == x509_parser::oid_registry::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER;
                (e.oid.to_id_string(), e.critical, (!ski).then(|| e.value.to_vec()))
            })
            .collect();
        list.sort();
        list
    };
    assert_eq!(extensions(&a), extensions(&b), "the same extensions, the same values (SAN aside)");
    assert!(issued_by(&ours.certificate_pem, &server.ca_cert()) && issued_by(&theirs, &server.ca_cert()));
    eprintln!("ours and fabric-ca-client's: {} / {} extensions alike", extensions(&a).len(), extensions(&b).len());
}
