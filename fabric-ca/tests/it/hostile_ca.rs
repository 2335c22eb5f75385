//! The Fabric CA client against a hostile CA (`nanotrace_testkit::hostile_ca`, HTTPS on
//! 127.0.0.1): an endless answer is refused after at most 1 MiB and never read to its
//! end, a redirect is not followed (and its target never asked), a certificate for
//! another key or another name is refused; and no error text names the CA's URL.

use std::time::Duration;

use nanotrace_fabric_ca::{CaClient, CaError, MAX_ANSWER_BYTES};
use nanotrace_testkit::hostile_ca::{Answer, HostileCa};

fn client(ca: &HostileCa) -> CaClient {
    CaClient::new(&ca.url, Some(ca.ca_cert().as_bytes())).unwrap()
}

/// `e`'s text names neither the CA's URL nor its address.
#[track_caller]
fn names_no_url(e: &CaError, url: &str) {
    let host_port = url.trim_start_matches("https://");
    let text = e.to_string();
    assert!(!text.contains(host_port) && !text.contains("http"), "a URL in: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_answer_is_refused_after_the_limit_and_not_read_to_its_end() {
    let size = 64 << 20;
    for declared in [false, true] {
        let ca = HostileCa::start(Answer::Huge { size, declared });
        let err = client(&ca).cainfo().await.expect_err("an answer of 64 MiB");
        assert!(
            matches!(&err, CaError::TooLarge { limit, .. } if *limit == MAX_ANSWER_BYTES),
            "declared {declared}: {err}"
        );
        assert!(err.to_string().contains("larger than 1048576 bytes"), "{err}");
        names_no_url(&err, &ca.url);
        // The client hung up: the CA could send only what fits in the limit and the
        // sockets' buffers, not the 64 MiB (which a client reading it all would take).
        let sent = ca.sent(Duration::from_secs(60));
        assert!(sent < 16 << 20, "declared {declared}: the client took {sent} bytes");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_an_error_naming_its_status_and_is_not_followed() {
    for status in [302, 307, 308] {
        let ca = HostileCa::start(Answer::Redirect(status));
        let err = client(&ca).enroll("erin", "secret").await.expect_err("a redirect");
        assert!(matches!(&err, CaError::Redirected { status: s, .. } if *s == status), "{err}");
        assert!(err.to_string().contains(&format!("HTTP {status}")), "{err}");
        assert!(!err.to_string().contains("elsewhere"), "the Location is not named: {err}");
        names_no_url(&err, &ca.url);
        // Where it pointed (this CA, answering properly there) was never asked.
        assert_eq!(ca.requests(), ["POST /api/v1/enroll"], "the redirect was followed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_key_or_name_is_refused() {
    let ca = HostileCa::start(Answer::Proper);
    let ca_client = client(&ca);
    // The control: what the CA issues properly is accepted, and certifies the key.
    let erin = ca_client.enroll("erin", "secret").await.expect("a proper certificate");
    erin.identity("Org1MSP").expect("the certificate and the key belong together");

    for (answer, words) in
        [(Answer::OtherKey, "another key"), (Answer::OtherName("admin".into()), r#"names ["admin"], not "erin""#)]
    {
        ca.answer(answer.clone());
        let err = ca_client.enroll("erin", "secret").await.expect_err("a wrong certificate");
        assert!(matches!(err, CaError::WrongCertificate { .. }), "{answer:?}: {err}");
        assert!(err.to_string().contains(words), "{answer:?}: {err}");
        // A request signed elsewhere (the console's): refused the same way.
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "erin");
        let csr = params.serialize_request(&key).unwrap().pem().unwrap();
        let err = ca_client.enroll_request("erin", "secret", &csr).await.expect_err("a wrong certificate");
        assert!(err.to_string().contains(words), "{answer:?}: {err}");
        // Re-enrollment, with the same key and a new one.
        for new_key in [false, true] {
            let err = ca_client.reenroll(&erin, new_key).await.expect_err("a wrong certificate");
            assert!(err.to_string().contains(words), "{answer:?}, new key {new_key}: {err}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_ca_is_reported_without_its_url() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("https://127.0.0.1:{port}");
    let ca = HostileCa::start(Answer::Proper);
    let err = CaClient::new(&url, Some(ca.ca_cert().as_bytes())).unwrap().enroll("erin", "secret").await;
    let err = err.expect_err("nothing listens");
    assert!(matches!(err, CaError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("enroll erin"), "{err}");
    names_no_url(&err, &url);
}
