//! What the notifier's tests run against: a real SMTP server (Debian's aiosmtpd, storing
//! what it receives in a Maildir), a webhook receiver on 127.0.0.1 that records every
//! request and answers with a status the test sets, embedded ledgers with the sample
//! network, and the `nanotrace-notify` binary as a real process. Everything started is
//! killed when its guard drops, even when an assertion fails.

#![allow(dead_code)]

use nanotrace_follow::source::EmbeddedSource;
use nanotrace_notify::{Config, Notifier, Store};
use nanotrace_testkit::webhook::read_request;
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_nanotrace-notify");
/// The webhook secret of the tests' receiver.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

pub use nanotrace_testkit::datadir::{issue, issue_batch, sample_network};

pub use nanotrace_testkit::smtp::free_port;

pub use nanotrace_testkit::smtp::{SmtpMode, SmtpServer};

pub use nanotrace_testkit::webhook::{Received, Receiver};

/// Every event kind a subscription can ask for.
pub const ALL_EVENTS: &str = "[\"applied\", \"approved\", \"rejected\", \"suspended\", \"reinstated\", \"revoked\", \
                              \"renewed\", \"sds_revised\", \"supplier_changed\", \"expiring\"]";

/// A subscription file: every event of the manufacturer's certificates to the webhook
/// (and, with an SMTP server, to `quality@manufacturer.example`).
pub fn subscriptions(receiver_url: &str, smtp: Option<(&SmtpServer, &str)>, retry: &str) -> String {
    let mut text = format!(
        "verify_url = \"https://verify.example.org\"\n\n{retry}\n\n[[webhook]]\nname = \"erp\"\nurl = \"{receiver_url}\"\nsecret = \"{SECRET}\"\n"
    );
    let mut targets = "\"erp\"".to_owned();
    if let Some((server, tls)) = smtp {
        text.push_str(&format!(
            "\n[smtp]\nhost = \"localhost\"\nport = {}\ntls = \"{tls}\"\nroot_certificate = \"{}\"\nfrom = \"NanoTrace <notify@nanotrace.example>\"\n\n[[email]]\nname = \"quality\"\nto = [\"quality@manufacturer.example\"]\n",
            server.port,
            server.root.display()
        ));
        targets.push_str(", \"quality\"");
    }
    text.push_str(&format!(
        "\n[[subscription]]\norganization = \"ManufacturerMSP\"\nevents = {ALL_EVENTS}\nexpiring_days = 30\nnotify = [{targets}]\n"
    ));
    text
}

/// A running `nanotrace-notify run`; killed (SIGKILL) and reaped on drop.
pub struct Service {
    child: Option<Child>,
    pub addr: SocketAddr,
}

impl Service {
    pub fn start(config: &Path, data: &Path, store: &Path, log: &Path) -> Service {
        Service::start_with_env(config, data, store, log, &[])
    }

    /// [`Service::start`] with `env` added to its environment.
    pub fn start_with_env(config: &Path, data: &Path, store: &Path, log: &Path, env: &[(&str, &str)]) -> Service {
        let log = std::fs::File::options().create(true).append(true).open(log).expect("log");
        let mut cmd = nanotrace_testkit::process::service_command(BIN);
        cmd.envs(env.iter().copied());
        let mut child = cmd
            .arg("run")
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(data)
            .arg("--store")
            .arg(store)
            .args(["--listen", "127.0.0.1:0", "--poll-ms", "50", "--log", "info,nanotrace_notify=debug"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn nanotrace-notify");
        let stdout = child.stdout.take().expect("stdout");
        let rx = nanotrace_testkit::process::listening_address(stdout);
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok((addr, _)) => addr,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().ok();
                panic!("nanotrace-notify printed no address within 60 s (exit: {status:?})");
            }
        };
        Service { child: Some(child), addr }
    }

    /// GET `path` on the operations listener: (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        match ureq::get(&format!("http://{}{path}", self.addr)).config().http_status_as_error(false).build().call() {
            Ok(mut response) => {
                let status = response.status().as_u16();
                (status, response.body_mut().read_to_string().unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    }

    /// Waits until `/readyz` answers `status`.
    pub fn wait_ready(&self, status: u16, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let (got, body) = self.get("/readyz");
            if got == status {
                return body;
            }
            assert!(Instant::now() < deadline, "/readyz did not answer {status} within {timeout:?}: {got} {body}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the `/metrics` text satisfies `done`; returns it.
    pub fn wait_metrics(&self, timeout: Duration, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let (status, metrics) = self.get("/metrics");
            if status == 200 && done(&metrics) {
                return metrics;
            }
            assert!(Instant::now() < deadline, "{what}: not within {timeout:?}: {status} {metrics}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then the exit status (SIGKILL after `timeout`).
    pub fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return child.wait().ok();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs the CLI with `args`: (exit code, stdout, stderr).
pub fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().expect("run nanotrace-notify");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Checks `r`'s signature with the Standard Webhooks reference library.
pub fn verify_signature(r: &Received) -> Result<(), String> {
    let wh = standardwebhooks::Webhook::new(SECRET).map_err(|e| format!("{e:?}"))?;
    let mut headers = http::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let value = http::HeaderValue::from_str(r.header(name)).map_err(|e| e.to_string())?;
        headers.insert(name, value);
    }
    wh.verify(&r.body, &headers).map_err(|e| format!("{e:?}"))
}

/// A single-threaded runtime for the library-level tests.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// A notifier for `config_text` following the embedded ledger in `data`, with its store
/// laid out in `store` as `run --store` lays it out.
pub fn notifier(config_text: &str, data: &Path, store: &Path) -> Notifier {
    let config = Arc::new(Config::parse(config_text, Path::new("subscriptions.toml")).expect("config"));
    let source = Arc::new(EmbeddedSource::open(data, &Store::follower_path(store)).expect("source"));
    let store = Arc::new(Store::create_in_folder(store).expect("store"));
    Notifier::new(config, store, source).expect("notifier")
}

/// Follows and delivers (the clock: `now_ms`) until the ledger is followed and the
/// outbox is empty: every message delivered or, with `max_attempts = 1`, buried.
pub fn follow_and_deliver(rt: &tokio::runtime::Runtime, notifier: &Notifier, now_ms: i64) {
    for _ in 0..1000 {
        let (_, caught_up) = notifier.follow_pass(10_000, now_ms).expect("follow");
        rt.block_on(notifier.deliver_due(now_ms)).expect("deliver");
        let (queued, _) = notifier.store().counts().expect("counts");
        if caught_up && queued == 0 {
            return;
        }
    }
    panic!("the outbox did not empty: {:?}", notifier.store().outbox());
}

/// The value of metric `name` in a `/metrics` text.
pub fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or_else(|| panic!("no metric {name} in {text}"), |v| v as u64)
}

/// One request an [`Endpoint`] got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// Path and query.
    pub path: String,
}

/// The answer of an [`Endpoint`] to a request for a path: status and extra headers.
pub type Answer = dyn Fn(&str) -> (u16, Vec<(String, String)>) + Send + Sync;

/// An HTTP or HTTPS endpoint on 127.0.0.1 that answers each request as `answer` says
/// for its path and records the requests whose TLS handshake (if any) succeeded.
pub struct Endpoint {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl Endpoint {
    /// Plain HTTP.
    pub fn http(answer: Arc<Answer>) -> Endpoint {
        Endpoint::start(None, answer)
    }

    /// HTTPS with a certificate for 127.0.0.1 from a private CA of its own; returns the
    /// endpoint and the CA's root certificate (PEM).
    pub fn https(answer: Arc<Answer>) -> (Endpoint, String) {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let (root, cert, key) = nanotrace_testkit::smtp::tls_files();
        let cert = CertificateDer::from_pem_slice(cert.as_bytes()).expect("certificate");
        let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("key");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server certificate");
        (Endpoint::start(Some(Arc::new(config)), answer), root)
    }

    fn start(tls: Option<Arc<rustls::ServerConfig>>, answer: Arc<Answer>) -> Endpoint {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, st) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (r, tls, answer) = (r.clone(), tls.clone(), answer.clone());
                        std::thread::spawn(move || serve(stream, tls, answer.as_ref(), &r));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Endpoint { addr, requests, stop }
    }

    /// `http(s)://127.0.0.1:port` + `path`.
    pub fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://{}{path}", self.addr)
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(stream: TcpStream, tls: Option<Arc<rustls::ServerConfig>>, answer: &Answer, requests: &Mutex<Vec<Request>>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    match tls {
        None => exchange(stream, answer, requests),
        Some(config) => {
            let Ok(connection) = rustls::ServerConnection::new(config) else { return };
            exchange(rustls::StreamOwned::new(connection, stream), answer, requests);
        }
    }
}

/// Reads one request from `stream`, records it and answers it.
fn exchange(mut stream: impl Read + Write, answer: &Answer, requests: &Mutex<Vec<Request>>) {
    let Some((line, _, _)) = read_request(&mut BufReader::new(&mut stream)) else { return };
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or("").to_owned();
    let path = words.next().unwrap_or("").to_owned();
    let (status, headers) = answer(&path);
    requests.lock().expect("lock").push(Request { method, path });
    let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.flush();
}
