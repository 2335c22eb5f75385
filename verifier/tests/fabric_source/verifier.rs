//! A `nanotrace-verifier --source fabric` process under test, and what the steps ask it.

use crate::support::{agent, bin, MAX_STALENESS};
use nanotrace_testkit::fabric::process;
use nanotrace_testkit::process::service_command;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A `nanotrace-verifier --source fabric` process; killed (SIGKILL) when dropped.
pub struct Verifier {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    log: PathBuf,
    /// The HTTP agent to ask it with.
    pub http: ureq::Agent,
}

impl Verifier {
    /// Starts one reading the gateway of `profile` into `cache`, logging to `log`.
    pub fn start(profile: &Path, cache: &Path, log: &Path) -> Verifier {
        Verifier::start_with(profile, cache, log, &[])
    }

    /// [`Verifier::start`] with more options (`--public-url`, `--status-key`, …).
    pub fn start_with(profile: &Path, cache: &Path, log: &Path, extra: &[&std::ffi::OsStr]) -> Verifier {
        let bin = bin(cache.parent().expect("the cache's folder"));
        let mut cmd = service_command(bin.to_str().expect("the verifier's path is UTF-8"));
        cmd.args(extra);
        cmd.args(["--source", "fabric", "--listen", "127.0.0.1:0", "--poll-ms", "100", "--log", "info"])
            .arg("--profile")
            .arg(profile)
            .arg("--cache-dir")
            .arg(cache)
            .args([
                "--max-staleness-secs",
                &MAX_STALENESS.to_string(),
                "--rate-per-sec",
                "10000",
                "--rate-burst",
                "10000",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file"));
        let mut child = cmd.spawn().expect("start nanotrace-verifier");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.trim().parse::<SocketAddr>());
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(addr)) => addr,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("no `listening on` line ({other:?}); log:\n{}", std::fs::read_to_string(log).unwrap_or_default())
            }
        };
        Verifier { child, addr, log: log.to_owned(), http: agent() }
    }

    /// The log's last 40 lines.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// GET `path`: the status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let url = format!("http://{}{path}", self.addr);
        match self.http.get(&url).call() {
            Ok(mut r) => (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default()),
            Err(e) => panic!("GET {url}: {e}; log:\n{}", self.log_tail()),
        }
    }

    /// GET `path`: the status and body as bytes.
    pub fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let url = format!("http://{}{path}", self.addr);
        match self.http.get(&url).call() {
            Ok(mut r) => (r.status().as_u16(), r.body_mut().read_to_vec().unwrap_or_default()),
            Err(e) => panic!("GET {url}: {e}"),
        }
    }

    /// The API's verdict on `id`.
    pub fn verdict(&self, id: &str) -> String {
        let (status, body) = self.get(&format!("/api/v1/certificates/{id}"));
        let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{status} {body}: {e}"));
        value["verdict"].as_str().unwrap_or_else(|| panic!("no verdict in {body}")).to_owned()
    }

    /// GET `/readyz`.
    pub fn ready(&self) -> (u16, String) {
        self.get("/readyz")
    }

    /// Waits until `/readyz` is 200; returns how long that took.
    pub fn wait_ready(&self, timeout: Duration) -> Duration {
        let t = Instant::now();
        loop {
            let (status, body) = self.ready();
            if status == 200 {
                return t.elapsed();
            }
            assert!(t.elapsed() < timeout, "not ready after {timeout:?}: {body}\nlog:\n{}", self.log_tail());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the API's verdict on `id` is `want`; returns how long that took.
    pub fn wait_verdict(&self, id: &str, want: &str, timeout: Duration) -> Duration {
        let t = Instant::now();
        loop {
            let got = self.verdict(id);
            if got == want {
                return t.elapsed();
            }
            assert!(
                t.elapsed() < timeout,
                "{id}: still {got} after {timeout:?}, want {want}\nlog:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills it (SIGKILL) and waits for it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops it (SIGTERM), killing it after 20 s.
    pub fn stop(&mut self) {
        process::kill_pid(self.child.id(), "TERM");
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill9();
    }
}

impl Drop for Verifier {
    fn drop(&mut self) {
        self.kill9();
    }
}
