//! The console as the real binary in its own process: its logs captured, its memory
//! readable (`/proc/PID/mem`, as root or as the parent allowed to ptrace it), so a test
//! can show that no member's private key ever reached it.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// A running `nanotrace-console` with the sample network in its data directory.
pub(crate) struct ConsoleProcess {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) url: String,
    child: Child,
    logs: Arc<Mutex<String>>,
    /// What it printed before `listening on` (the demo's links).
    pub(crate) banner: Vec<String>,
}

impl ConsoleProcess {
    /// `nanotrace-console serve` on a fresh sample network.
    pub(crate) fn serve() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(nanotrace_testkit::datadir::sample_network(dir.path()));
        Self::run(dir, "serve")
    }

    /// `nanotrace-console demo` on an empty directory.
    pub(crate) fn demo() -> Self {
        Self::run(tempfile::tempdir().expect("tempdir"), "demo")
    }

    /// `nanotrace-console serve` on Fabric with `args` (its state in a fresh folder).
    pub(crate) fn fabric(args: &[std::ffi::OsString]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut all: Vec<std::ffi::OsString> = vec!["--state-dir".into(), dir.path().into()];
        all.extend(args.iter().cloned());
        Self::run_with(dir, "serve", &all)
    }

    fn run(dir: tempfile::TempDir, command: &str) -> Self {
        let args = vec!["--data-dir".into(), dir.path().into()];
        Self::run_with(dir, command, &args)
    }

    fn run_with(dir: tempfile::TempDir, command: &str, args: &[std::ffi::OsString]) -> Self {
        let mut cmd = nanotrace_testkit::process::service_command(env!("CARGO_BIN_EXE_nanotrace-console"));
        cmd.arg(command)
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start nanotrace-console");
        let logs = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<(Option<SocketAddr>, String)>();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let out_logs = Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let addr = line.strip_prefix("listening on ").and_then(|a| a.trim().parse().ok());
                let _ = tx.send((addr, line.clone()));
                out_logs.lock().expect("logs").push_str(&(line + "\n"));
            }
        });
        let err_logs = Arc::clone(&logs);
        std::thread::spawn(move || {
            let mut text = String::new();
            let mut reader = BufReader::new(stderr);
            while reader.read_line(&mut text).map(|n| n > 0).unwrap_or(false) {
                err_logs.lock().expect("logs").push_str(&text);
                text.clear();
            }
        });
        let mut banner = Vec::new();
        let addr = loop {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok((Some(addr), _)) => break addr,
                Ok((None, line)) => banner.push(line),
                Err(_) => {
                    let _ = child.kill();
                    panic!("the console did not start:\n{}", logs.lock().expect("logs"));
                }
            }
        };
        ConsoleProcess { dir, url: format!("http://{addr}"), child, logs, banner }
    }

    /// Everything it wrote to stdout and stderr so far.
    pub(crate) fn logs(&self) -> String {
        self.logs.lock().expect("logs").clone()
    }

    /// Which of `needles` occur anywhere in its writable memory.
    pub(crate) fn memory_holds(&self, needles: &[(&str, Vec<u8>)]) -> Vec<String> {
        let pid = self.child.id();
        let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).expect("maps");
        let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).expect("the console's memory (run as root)");
        let mut found = Vec::new();
        let mut scanned = 0usize;
        for line in maps.lines() {
            let mut parts = line.split_whitespace();
            let (Some(range), Some(perms)) = (parts.next(), parts.next()) else { continue };
            if !perms.starts_with("rw") {
                continue;
            }
            let Some((start, end)) = range.split_once('-') else { continue };
            let (Ok(start), Ok(end)) = (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16)) else { continue };
            let mut region = vec![0u8; (end - start) as usize];
            if mem.seek(SeekFrom::Start(start)).is_err() || mem.read_exact(&mut region).is_err() {
                continue;
            }
            scanned += region.len();
            for (name, needle) in needles {
                if !found.contains(&name.to_string()) && region.windows(needle.len()).any(|w| w == needle.as_slice()) {
                    found.push(name.to_string());
                }
            }
        }
        assert!(scanned > 1 << 20, "scanned only {scanned} bytes of the console's memory");
        found
    }
}

impl Drop for ConsoleProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a member's key file would leave behind if it reached the console: the private
/// scalar, its PKCS#8 DER, the PEM body and the scalar in hex.
pub(crate) fn key_traces(key_pem: &str) -> Vec<(String, Vec<u8>)> {
    use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
    let key = p256::SecretKey::from_pkcs8_pem(key_pem).expect("key");
    let scalar = key.to_bytes().to_vec();
    let der = key.to_pkcs8_der().expect("der").as_bytes().to_vec();
    let body: String = key_pem.lines().filter(|l| !l.starts_with("-----")).collect();
    vec![
        ("scalar".into(), scalar.clone()),
        ("pkcs8 der".into(), der),
        // Past the 48 characters every P-256 PKCS#8 PEM starts with (its ASN.1 header).
        ("pem body".into(), body.as_bytes()[48..96.min(body.len())].to_vec()),
        ("scalar hex".into(), hex::encode(&scalar).into_bytes()),
    ]
}
