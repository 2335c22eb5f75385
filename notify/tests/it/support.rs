//! What the notifier's tests run against: a real SMTP server (Debian's aiosmtpd, storing
//! what it receives in a Maildir), a webhook receiver on 127.0.0.1 that records every
//! request and answers with a status the test sets, embedded ledgers with the sample
//! network, and the `nanotrace-notify` binary as a real process. Everything started is
//! killed when its guard drops, even when an assertion fails.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
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
