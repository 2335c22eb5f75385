//! TLS and mutual TLS, as a CCaaS peer connects with `tls_required` and a client
//! certificate: the server presents its certificate, and with a client CA configured
//! refuses peers without a certificate that CA issued.

use crate::common::*;
use nanotrace_ccaas::server::TlsSettings;
use nanotrace_ccaas::ChaincodeServer;
use nanotrace_fabric_gateway::error_chain as chain;
use std::net::SocketAddr;
use tokio::net::TcpListener;

async fn start(pki: &Pki, mutual: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let tls = TlsSettings {
        cert_pem: pki.server.0.clone().into_bytes(),
        key_pem: pki.server.1.clone().into_bytes(),
        client_ca_pem: mutual.then(|| pki.ca_pem.clone().into_bytes()),
    };
    tokio::spawn(ChaincodeServer::new(CCID, Probe).with_tls(tls).serve(listener, std::future::pending()));
    addr
}

/// The TLS alert the server answers a bare TLS 1.3 client with `identity` (none: no
/// client certificate) with: the handshake completes on the client's side, then the
/// first read returns the server's verdict on the client's certificate.
async fn tls_refusal(addr: SocketAddr, pki: &Pki, identity: Option<&(String, String)>) -> String {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore};
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).expect("CA")).expect("root");
    let builder = ClientConfig::builder().with_root_certificates(roots);
    let mut config = match identity {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(cert.as_bytes()).expect("cert")],
                PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("key"),
            )
            .expect("client auth"),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let mut tls = match connector.connect(name, tcp).await {
        Ok(tls) => tls,
        Err(e) => return chain(&e),
    };
    let _ = tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
    let mut buf = [0u8; 64];
    match tokio::time::timeout(std::time::Duration::from_secs(5), tls.read(&mut buf)).await {
        Ok(Err(e)) => chain(&e),
        Ok(Ok(n)) => format!("not refused: read {n} bytes"),
        Err(_) => "not refused: no answer in 5 s".to_owned(),
    }
}

/// Asserts that `result` is a refusal whose text names one of `causes`.
fn refused_for(result: Result<(), String>, causes: &[&str], what: &str) {
    match result {
        Ok(()) => panic!("{what}: not refused"),
        Err(why) => assert!(causes.iter().any(|c| why.contains(c)), "{what}: refused, but not for {causes:?}: {why}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_the_shim() {
    let pki = pki();
    let addr = start(&pki, false).await;
    works(dial(addr, &pki, None).await).await.expect("TLS serves the shim");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_requires_a_client_certificate_from_the_ca() {
    let pki = pki();
    let addr = start(&pki, true).await;
    works(dial(addr, &pki, Some(&pki.client)).await).await.expect("a peer with a CA-issued certificate");
    // Refused by the transport, not by the shim (which never answers them). Through
    // tonic the server's TLS 1.3 alert races the client's first HTTP/2 stream, so the
    // cause is read with a bare TLS client.
    assert!(works(dial(addr, &pki, None).await).await.is_err(), "a peer without a client certificate");
    assert!(works(dial(addr, &pki, Some(&pki.stranger)).await).await.is_err(), "a certificate from another CA");
    refused_for(Err(tls_refusal(addr, &pki, None).await), &["CertificateRequired"], "a peer without a certificate");
    refused_for(Err(tls_refusal(addr, &pki, Some(&pki.stranger)).await), &["UnknownCA"], "another CA's certificate");
    // The bare client itself: with the CA-issued certificate it is not refused.
    let accepted = tls_refusal(addr, &pki, Some(&pki.client)).await;
    assert!(accepted.starts_with("not refused"), "a CA-issued certificate: {accepted}");
}
