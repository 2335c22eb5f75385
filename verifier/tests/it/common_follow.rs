//! Helpers for the follower tests: ledgers built in-process with the ledger's data directory, the
//! verifier binary run as a real process on 127.0.0.1 (killed when the guard drops, even
//! when an assertion fails), and a tiny HTTP/1.1 GET client.

#![allow(dead_code)]

use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{DataDir, CERTIFIER};
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_nanotrace-verifier");

pub use nanotrace_testkit::datadir::{issue, issue_batch, sample_network};

/// Revokes `id` as the certifier.
pub fn revoke(dir: &DataDir, id: &str) {
    dir.client(CERTIFIER).expect("certifier").revoke(id, "contamination found").wait().expect("revoke");
}

/// A running `nanotrace-verifier`; killed (SIGKILL) and reaped on drop.
pub struct Verifier {
    child: Option<Child>,
    address: mpsc::Receiver<(SocketAddr, Instant)>,
    addr: Option<SocketAddr>,
    /// How long after the spawn the `listening on` line came.
    pub listening_after: Option<Duration>,
    pub log: PathBuf,
    pub started: Instant,
}

/// The command line of a verifier on `data` with cache `cache`, listening on any port.
pub fn command(data: &Path, cache: &Path, extra: &[&str]) -> Command {
    let mut cmd = nanotrace_testkit::process::service_command(BIN);
    cmd.args(["--listen", "127.0.0.1:0", "--rate-per-sec", "100000", "--rate-burst", "100000"])
        .args(["--log", "info,tower_http=warn"])
        .arg("--data-dir")
        .arg(data)
        .arg("--cache-dir")
        .arg(cache)
        .args(extra);
    cmd
}

impl Verifier {
    /// Starts `nanotrace-verifier serve` and returns at once (the address comes later).
    pub fn spawn(data: &Path, cache: &Path, log: &Path, extra: &[&str]) -> Verifier {
        let log_file = File::options().create(true).append(true).open(log).expect("open log");
        let mut child = command(data, cache, extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("spawn nanotrace-verifier");
        let stdout = child.stdout.take().expect("stdout");
        let rx = nanotrace_testkit::process::listening_address(stdout);
        Verifier {
            child: Some(child),
            address: rx,
            addr: None,
            listening_after: None,
            log: log.to_path_buf(),
            started: Instant::now(),
        }
    }

    /// Starts the verifier and waits for its `listening on` line.
    pub fn start(data: &Path, cache: &Path, log: &Path, extra: &[&str]) -> Verifier {
        let mut v = Verifier::spawn(data, cache, log, extra);
        v.addr();
        v
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// The bound address (waits up to 60 s for the `listening on` line).
    pub fn addr(&mut self) -> SocketAddr {
        if let Some(addr) = self.addr {
            return addr;
        }
        match self.address.recv_timeout(Duration::from_secs(60)) {
            Ok((addr, at)) => {
                self.addr = Some(addr);
                self.listening_after = Some(at.duration_since(self.started));
                addr
            }
            Err(e) => panic!("no `listening on` line from the verifier ({e}); log:\n{}", self.log_text()),
        }
    }

    /// The last 80 lines of the verifier's log (stderr).
    pub fn log_text(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(80)..].join("\n")
    }

    pub fn get(&mut self, path: &str) -> (u16, String) {
        let addr = self.addr();
        http_get(addr, path).unwrap_or_else(|e| panic!("GET {path} on {addr}: {e}; log:\n{}", self.log_text()))
    }

    /// The verdict the JSON API gives for `id`.
    pub fn verdict(&mut self, id: &str) -> String {
        let (status, body) = self.get(&format!("/api/v1/certificates/{id}"));
        let json: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("GET /api/v1/certificates/{id}: HTTP {status}, not JSON ({e}): {body}"));
        find_verdict(&json).unwrap_or_else(|| panic!("no verdict in HTTP {status} {body}"))
    }

    pub fn ready(&mut self) -> bool {
        self.get("/readyz").0 == 200
    }

    /// Waits until `/readyz` answers 200; returns how long that took since the start.
    pub fn wait_ready(&mut self, timeout: Duration) -> Duration {
        let deadline = Instant::now() + timeout;
        loop {
            if self.ready() {
                return self.started.elapsed();
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("the verifier exited ({status}) before it was ready; log:\n{}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "the verifier was not ready within {timeout:?}; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        let pid = self.pid();
        let sent = Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let child = self.child.as_mut().expect("running");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the verifier did not exit within {timeout:?} of SIGTERM; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILL, and reap.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Verifier {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("--- verifier log {} ---\n{}", self.log.display(), self.log_text());
        }
    }
}

/// The `verdict` string of an API answer: at the top level, or the first one nested.
pub fn find_verdict(value: &serde_json::Value) -> Option<String> {
    if let Some(v) = value.get("verdict").and_then(|v| v.as_str()) {
        return Some(v.to_owned());
    }
    match value {
        serde_json::Value::Object(map) => map.values().find_map(find_verdict),
        serde_json::Value::Array(items) => items.iter().find_map(find_verdict),
        _ => None,
    }
}

/// `GET path` over HTTP/1.1 (Connection: close); returns the status and the body.
pub fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_owned());
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| bad("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 =
        head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("no status code"))?;
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.to_ascii_lowercase().contains("chunked")
    });
    if chunked {
        body = dechunk(&body).ok_or_else(|| bad("bad chunked body"))?;
    }
    Ok((status, String::from_utf8_lossy(&body).to_string()))
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// Runs `nanotrace-verifier check`; returns (success, stdout, stderr).
pub fn check(data: &Path, cache: &Path) -> (bool, String, String) {
    let out = command(data, cache, &["check"]).output().expect("run check");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}
