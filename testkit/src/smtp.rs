//! A real SMTP server for tests and benchmarks: Debian's aiosmtpd (`python3-aiosmtpd`),
//! started on 127.0.0.1 with STARTTLS or implicit TLS and a certificate signed by a CA of
//! the test's own, storing what it receives in a Maildir. Killed when the guard drops.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free port on 127.0.0.1 (free when asked: bind it soon).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// How the SMTP server secures connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    /// STARTTLS required.
    Starttls,
    /// TLS from the first byte.
    Implicit,
}

/// A running aiosmtpd; killed on drop.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
    /// The PEM of the CA that signed the server's certificate (for `root_certificate`).
    pub root: PathBuf,
}

impl std::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpServer").finish_non_exhaustive()
    }
}

const PYTHON: &str = "/usr/bin/python3";

/// aiosmtpd with STARTTLS required and AUTH required (arguments: port, cert, key,
/// maildir, user, password).
const AUTH_SERVER: &str = r#"
import ssl, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword
port, cert, key, maildir, user, password = sys.argv[1:7]
def check(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == user.encode() and data.password == password.encode()
    return AuthResult(success=ok, handled=False)
tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain(cert, key)
controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), authenticator=check,
                        auth_required=True, tls_context=tls, require_starttls=True)
controller.start()
threading.Event().wait()
"#;

impl SmtpServer {
    /// Starts aiosmtpd on a free port of 127.0.0.1 with a certificate for `localhost`
    /// signed by a CA of the test's own. `None` (after a loud skip) where Debian's
    /// aiosmtpd is not installed.
    pub fn start(dir: &Path, mode: SmtpMode) -> Option<SmtpServer> {
        SmtpServer::start_at(dir, mode, free_port())
    }

    /// [`SmtpServer::start`] on `port`.
    pub fn start_at(dir: &Path, mode: SmtpMode, port: u16) -> Option<SmtpServer> {
        SmtpServer::launch(dir, mode, port, None)
    }

    /// A STARTTLS server that takes mail only after SMTP AUTH (PLAIN or LOGIN) as `user`
    /// with `password` (aiosmtpd's `Controller` with an authenticator; AUTH is offered
    /// only inside TLS).
    pub fn start_authenticated(dir: &Path, user: &str, password: &str) -> Option<SmtpServer> {
        SmtpServer::launch(dir, SmtpMode::Starttls, free_port(), Some((user, password)))
    }

    fn launch(dir: &Path, mode: SmtpMode, port: u16, auth: Option<(&str, &str)>) -> Option<SmtpServer> {
        let installed = Command::new(PYTHON)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            crate::skip::skip(
                crate::skip::SMTP,
                "a test with a real SMTP server",
                "Debian's python3-aiosmtpd is not installed (scripts/prereqs.sh --tests installs it)",
            );
            return None;
        }
        std::fs::create_dir_all(dir).expect("smtp dir");
        let (root, cert, key) = (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"));
        // A server started again in the same folder keeps its certificate.
        if !root.is_file() {
            let (ca_pem, cert_pem, key_pem) = tls_files();
            std::fs::write(&root, ca_pem).expect("write ca");
            std::fs::write(&cert, cert_pem).expect("write cert");
            std::fs::write(&key, key_pem).expect("write key");
        }
        let maildir = dir.join("maildir");
        let mut cmd = Command::new(PYTHON);
        match auth {
            None => {
                cmd.args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")]);
                match mode {
                    SmtpMode::Starttls => cmd.arg("--tlscert").arg(&cert).arg("--tlskey").arg(&key),
                    SmtpMode::Implicit => cmd.arg("--smtpscert").arg(&cert).arg("--smtpskey").arg(&key),
                };
                cmd.args(["-c", "aiosmtpd.handlers.Mailbox"]).arg(&maildir);
            }
            Some((user, password)) => {
                cmd.args(["-c", AUTH_SERVER])
                    .arg(port.to_string())
                    .arg(&cert)
                    .arg(&key)
                    .arg(&maildir)
                    .args([user, password]);
            }
        }
        let log = std::fs::File::create(dir.join("aiosmtpd.log")).expect("log");
        let child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(log).spawn().expect("spawn aiosmtpd");
        let server = SmtpServer { child, port, maildir, root };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not listen on {port} within 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }

    /// The raw messages stored so far.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else { continue };
            let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths {
                out.push(std::fs::read(&path).expect("read message"));
            }
        }
        out
    }

    /// Waits until at least `n` messages are stored (or `timeout` passed) and returns them.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n || Instant::now() > deadline {
                return messages;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA, and a server certificate for `localhost`/127.0.0.1 it signed: (CA PEM, cert
/// PEM, key PEM).
pub fn tls_files() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name.push(DnType::CommonName, "notifier test mail CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_pem = ca_params.self_signed(&ca_key).expect("CA").pem();
    let ca = Issuer::from_params(&ca_params, &ca_key);
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, "localhost");
    (ca_pem, params.signed_by(&key, &ca).expect("sign").pem(), key.serialize_pem())
}
