//! HTTPS served directly: a real `nanotrace-verifier` process with `--tls-cert` and
//! `--tls-key` answers over TLS only (a plaintext request gets no answer), with HSTS on
//! every answer, says `https://`
//! in its links, and on SIGHUP serves a new certificate to new connections while a
//! connection opened before keeps working; a reload from broken files changes nothing,
//! and a key that is not the certificate's stops it at start with a clear error.

use crate::common_follow::*;
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// A self-signed certificate for `localhost` and 127.0.0.1 named `cn`: its PEM, its key's PEM, its DER.
fn certificate(cn: &str) -> (String, String, CertificateDer<'static>) {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, cn);
    let cert = params.self_signed(&key).expect("self-signed");
    (cert.pem(), key.serialize_pem(), cert.der().clone())
}

/// A client that trusts exactly `roots`.
fn connector(roots: &[&CertificateDer<'static>]) -> TlsConnector {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add((*root).clone()).expect("root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(store)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn connect(tls: &TlsConnector, addr: std::net::SocketAddr) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    tls.connect(ServerName::try_from("localhost").expect("name"), tcp).await
}

/// The certificate the server presented on `stream`.
fn presented(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    stream.get_ref().1.peer_certificates().expect("a certificate")[0].clone().into_owned()
}

/// One GET on a kept-alive connection: status and body (the answer must carry a length).
async fn get(stream: &mut TlsStream<TcpStream>, path: &str) -> (u16, String) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await.expect("read the head");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("UTF-8 head");
    assert!(
        head.to_ascii_lowercase().contains("\r\nstrict-transport-security: max-age=31536000\r\n"),
        "an HTTPS answer without HSTS: {head}"
    );
    let status = head[9..12].parse().expect("status");
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
        .expect("content-length")
        .parse()
        .expect("length");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.expect("read the body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
}

fn hup(pid: u32) {
    let status = std::process::Command::new("kill").args(["-HUP", &pid.to_string()]).status().expect("kill");
    assert!(status.success());
}

#[tokio::test]
async fn https_with_a_certificate_reloaded_on_sighup_without_dropping_a_connection() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let dir = sample_network(&data);
    let id = issue(&dir, "LOT-TLS");
    drop(dir);
    let (cert_file, key_file) = (tmp.path().join("tls.crt"), tmp.path().join("tls.key"));
    let (a_pem, a_key, a_der) = certificate("verifier A");
    let (b_pem, b_key, b_der) = certificate("verifier B");
    write(&cert_file, &a_pem);
    write(&key_file, &a_key);
    let (cert, key) = (cert_file.to_str().expect("utf-8"), key_file.to_str().expect("utf-8"));
    let log = tmp.path().join("verifier.log");
    let mut v = Verifier::start(&data, &tmp.path().join("cache"), &log, &["--tls-cert", cert, "--tls-key", key]);
    let addr = v.addr();
    let trusting = connector(&[&a_der, &b_der]);

    // HTTPS, certificate A; ready, and the verdict over TLS; links say https.
    let mut first = connect(&trusting, addr).await.expect("TLS to the verifier");
    assert_eq!(presented(&first), a_der);
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(&mut first, "/readyz").await.0 != 200 {
        assert!(Instant::now() < deadline, "not ready; log:\n{}", v.log_text());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = get(&mut first, &format!("/api/v1/certificates/{id}")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"VALID\""), "{body}");
    assert!(body.contains(&format!("\"verify_url\":\"https://{addr}/c/{id}\"")), "{body}");
    // Asked again: answered from the rendered answer before the router (`web::hot`),
    // still with HSTS (`get` checks every answer for it).
    let (again, body) = get(&mut first, &format!("/api/v1/certificates/{id}")).await;
    assert_eq!(again, 200, "{body}");
    assert!(body.contains("\"VALID\""), "{body}");
    // A client that does not trust A cannot talk to it; nor does plain HTTP get an answer.
    assert!(connect(&connector(&[&b_der]), addr).await.is_err(), "an untrusted certificate was accepted");
    let mut plain = TcpStream::connect(addr).await.expect("tcp");
    plain.write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut answer)).await;
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"), "plain HTTP was answered");

    // SIGHUP with certificate B in the files: new connections get B; the one opened
    // before keeps working.
    write(&cert_file, &b_pem);
    write(&key_file, &b_key);
    hup(v.pid());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut second = loop {
        let stream = connect(&trusting, addr).await.expect("TLS after the reload");
        if presented(&stream) == b_der {
            break stream;
        }
        assert!(Instant::now() < deadline, "still certificate A after SIGHUP; log:\n{}", v.log_text());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(get(&mut second, "/readyz").await.0, 200);
    assert_eq!(get(&mut first, &format!("/api/v1/certificates/{id}")).await.0, 200, "the open connection was dropped");
    assert!(v.log_text().contains("TLS certificate and key reloaded"), "{}", v.log_text());

    // A reload from a broken key changes nothing (and says so).
    write(&key_file, "not a key");
    hup(v.pid());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !v.log_text().contains("were not reloaded") {
        assert!(Instant::now() < deadline, "no word of the failed reload; log:\n{}", v.log_text());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut third = connect(&trusting, addr).await.expect("TLS after a failed reload");
    assert_eq!(presented(&third), b_der);
    assert_eq!(get(&mut third, "/readyz").await.0, 200);
    drop(v);

    // At start, a key that is not the certificate's: a clear error, no server.
    write(&cert_file, &a_pem);
    write(&key_file, &b_key);
    let out = command(&data, &tmp.path().join("cache"), &["--tls-cert", cert, "--tls-key", key])
        .output()
        .expect("run the verifier");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--tls-cert") && stderr.contains("--tls-key"), "{stderr}");
}
