//! A hostile Fabric CA for tests of its clients: an HTTPS server on 127.0.0.1 (its own CA
//! issues its TLS certificate and the certificates it hands out) that speaks enough of
//! Fabric CA's REST API to enroll, and answers as the test sets — a proper certificate,
//! one for another key or another name, an endless body, a redirect. One request per
//! connection; stops accepting when dropped.

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use data_encoding::BASE64;

/// How the CA answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Issues a certificate for the request's key and CN, as Fabric CA does.
    Proper,
    /// Issues a certificate for a key of its own instead of the request's.
    OtherKey,
    /// Issues a certificate for the request's key with this CN instead of the request's.
    OtherName(String),
    /// A `200` whose body is `size` bytes (the start of an envelope that never closes),
    /// with or without a `Content-Length` saying so; the bytes it managed to send before
    /// the client hung up arrive on [`HostileCa::sent`].
    Huge { size: usize, declared: bool },
    /// This status (`302`, `307`, …) with a `Location` on this server, where a request
    /// would be answered [`Answer::Proper`]ly.
    Redirect(u16),
}

/// The path a redirect sends clients to.
pub const ELSEWHERE: &str = "/elsewhere/api/v1/enroll";

/// A running hostile CA.
pub struct HostileCa {
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    addr: SocketAddr,
    ca_cert_pem: String,
    answer: Arc<Mutex<Answer>>,
    requests: Arc<Mutex<Vec<String>>>,
    sent: Mutex<mpsc::Receiver<usize>>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for HostileCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostileCa").finish_non_exhaustive()
    }
}

struct Shared {
    answer: Arc<Mutex<Answer>>,
    requests: Arc<Mutex<Vec<String>>>,
    sent: mpsc::Sender<usize>,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    ca_cert_pem: String,
    url: String,
}

impl HostileCa {
    /// Starts one answering `answer`.
    pub fn start(answer: Answer) -> HostileCa {
        let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("the CA's key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "hostile-ca");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).expect("the CA's certificate");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let tls_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("the TLS key");
        let tls_cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .expect("params")
            .signed_by(&tls_key, &issuer)
            .expect("the TLS certificate");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![tls_cert.der().clone()],
                rustls_pki_types::PrivateKeyDer::Pkcs8(tls_key.serialize_der().into()),
            )
            .expect("the TLS configuration");
        let tls = Arc::new(tls);

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let url = format!("https://{addr}");
        let answer = Arc::new(Mutex::new(answer));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (sent_tx, sent_rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            answer: answer.clone(),
            requests: requests.clone(),
            sent: sent_tx,
            issuer,
            ca_cert_pem: ca_cert.pem(),
            url: url.clone(),
        });
        let st = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if st.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (shared, tls) = (shared.clone(), tls.clone());
                std::thread::spawn(move || serve_one(stream, &tls, &shared));
            }
        });
        HostileCa { url, addr, ca_cert_pem: ca_cert.pem(), answer, requests, sent: Mutex::new(sent_rx), stop }
    }

    /// The CA's certificate (PEM): the root of its TLS certificate and the issuer of the
    /// certificates it hands out.
    pub fn ca_cert(&self) -> String {
        self.ca_cert_pem.clone()
    }

    /// Answers `answer` from now on.
    pub fn answer(&self, answer: Answer) {
        *self.answer.lock().expect("lock") = answer;
    }

    /// Every request so far, as `METHOD /path`.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }

    /// How many body bytes the next [`Answer::Huge`] answer sent before it ended (all of
    /// them, or as many as the client took before it hung up); waits at most `timeout`.
    pub fn sent(&self, timeout: Duration) -> usize {
        self.sent.lock().expect("lock").recv_timeout(timeout).expect("a huge answer ended")
    }
}

impl Drop for HostileCa {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wakes the accept loop, which then sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

type Tls = rustls::StreamOwned<rustls::ServerConnection, TcpStream>;

fn serve_one(stream: TcpStream, tls: &Arc<rustls::ServerConfig>, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(conn) = rustls::ServerConnection::new(tls.clone()) else { return };
    let mut reader = BufReader::new(rustls::StreamOwned::new(conn, stream));
    let Some((line, _, body)) = crate::webhook::read_request(&mut reader) else { return };
    let mut words = line.split_whitespace();
    let (method, path) = (words.next().unwrap_or("").to_owned(), words.next().unwrap_or("").to_owned());
    shared.requests.lock().expect("lock").push(format!("{method} {path}"));
    let answer = if path.starts_with("/api/") { shared.answer.lock().expect("lock").clone() } else { Answer::Proper };
    let mut stream = reader.into_inner();
    match answer {
        Answer::Redirect(status) => {
            let location = format!("{}{ELSEWHERE}", shared.url);
            respond(&mut stream, status, &[("location", &location)], b"");
        }
        Answer::Huge { size, declared } => {
            let _ = shared.sent.send(huge(&mut stream, size, declared));
        }
        Answer::Proper | Answer::OtherKey | Answer::OtherName(_) => {
            let envelope = match issue(&answer, &body, shared) {
                Ok(result) => serde_json::json!({ "success": true, "result": result, "errors": [], "messages": [] }),
                Err(message) => serde_json::json!({
                    "success": false, "result": "", "errors": [{ "code": 0, "message": message }], "messages": []
                }),
            };
            respond(&mut stream, 201, &[("content-type", "application/json")], envelope.to_string().as_bytes());
        }
    }
}

fn respond(stream: &mut Tls, status: u16, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body)).and_then(|()| stream.flush());
    stream.conn.send_close_notify();
    let _ = stream.flush();
}

/// Writes a `200` with a body of `size` bytes; answers how many body bytes went out.
fn huge(stream: &mut Tls, size: usize, declared: bool) -> usize {
    let length = if declared { format!("content-length: {size}\r\n") } else { String::new() };
    let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}connection: close\r\n\r\n");
    if stream.write_all(head.as_bytes()).is_err() {
        return 0;
    }
    let start = br#"{"success":true,"result":{"Cert":""#;
    let mut chunk = vec![b'A'; 64 * 1024];
    chunk[..start.len()].copy_from_slice(start);
    let mut sent = 0;
    while sent < size {
        let n = chunk.len().min(size - sent);
        if stream.write_all(&chunk[..n]).is_err() {
            return sent;
        }
        chunk[..start.len()].fill(b'A');
        sent += n;
    }
    stream.conn.send_close_notify();
    let _ = stream.flush();
    sent
}

/// The `result` of an enroll answer for the request in `body`, issued as `answer` says.
fn issue(answer: &Answer, body: &[u8], shared: &Shared) -> Result<serde_json::Value, String> {
    let request: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("the body: {e}"))?;
    let csr = request["certificate_request"].as_str().ok_or("no certificate_request")?;
    let csr = rcgen::CertificateSigningRequestParams::from_pem(csr).map_err(|e| format!("the request: {e}"))?;
    let requested = csr.params.distinguished_name.get(&rcgen::DnType::CommonName).cloned();
    let cn = match (answer, requested) {
        (Answer::OtherName(name), _) => name.clone(),
        (_, Some(rcgen::DnValue::Utf8String(cn))) => cn,
        (_, Some(rcgen::DnValue::PrintableString(cn))) => cn.as_str().to_owned(),
        _ => return Err("no CN in the request".into()),
    };
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    params.distinguished_name.push(rcgen::DnType::OrganizationalUnitName, "client");
    params.distinguished_name.push(rcgen::DnType::CommonName, cn);
    let cert = if *answer == Answer::OtherKey {
        let other = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())?;
        params.signed_by(&other, &shared.issuer)
    } else {
        params.signed_by(&csr.public_key, &shared.issuer)
    }
    .map_err(|e| e.to_string())?;
    Ok(serde_json::json!({
        "Cert": BASE64.encode(cert.pem().as_bytes()),
        "ServerInfo": { "CAName": "", "CAChain": BASE64.encode(shared.ca_cert_pem.as_bytes()), "Version": "1.5.15" },
    }))
}
