//! A real `fabric-ca-server` (Fabric CA 1.5.15, TLS on) of a test's own on 127.0.0.1,
//! stopped when dropped. The binaries come from `FABRIC_CA_BIN_DIR` or the cache folder
//! `scripts/fabric-ca.sh` fills; [`CaServer::start_or_skip`] records the skip (a failure
//! where the run requires `fabric-ca`, see [`crate::skip`]).

use nanotrace_topology::port_bases::PORT_BASES;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Fabric CA version the project pins (`scripts/fabric-ca.sh`).
pub const VERSION: &str = "1.5.15";

/// The folder holding `fabric-ca-server` and `fabric-ca-client`, if there is one.
pub fn bin_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("FABRIC_CA_BIN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(format!(".cache/nanotrace/fabric-ca/v{VERSION}/bin")),
    };
    dir.join("fabric-ca-server").exists().then_some(dir)
}

/// A free port on 127.0.0.1 in none of the Fabric networks' spans: the developer's, the
/// test suites' and the benchmarks' (`nanotrace_topology::port_bases::PORT_BASES`, each
/// base … base+699). The tests' lie below Linux's ephemeral range (32768–60999), so no
/// port a test binds as `127.0.0.1:0` can take one of theirs while a network starts; the
/// benchmarks' do not, and the CA servers of tests keep off them all.
fn free_port() -> u16 {
    loop {
        let port =
            TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
        if !PORT_BASES.iter().any(|network| network.span().contains(&port)) {
            return port;
        }
    }
}

/// A running `fabric-ca-server` with the bootstrap identity `admin:adminpw`.
pub struct CaServer {
    child: Child,
    home: tempfile::TempDir,
    /// `https://127.0.0.1:PORT`.
    pub url: String,
}

impl std::fmt::Debug for CaServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaServer").finish_non_exhaustive()
    }
}

impl CaServer {
    /// Starts one, or records why `what` cannot run here and answers `None`.
    pub fn start_or_skip(what: &str) -> Option<CaServer> {
        match bin_dir() {
            Some(bin) => Some(CaServer::start(&bin)),
            None => {
                crate::skip::skip(
                    crate::skip::FABRIC_CA,
                    what,
                    "no fabric-ca-server: run scripts/fabric-ca.sh (or set FABRIC_CA_BIN_DIR)",
                );
                None
            }
        }
    }

    /// Starts the server in `bin` and waits until it listens (30 s at most). A port taken by
    /// another process between picking and binding it is picked again (five tries).
    pub fn start(bin: &Path) -> CaServer {
        for _ in 0..5 {
            match CaServer::try_start(bin) {
                Ok(server) => return server,
                Err(log) if log.contains("address already in use") => continue,
                Err(log) => panic!("fabric-ca-server exited: {log}"),
            }
        }
        panic!("fabric-ca-server found no free port in five tries");
    }

    fn try_start(bin: &Path) -> Result<CaServer, String> {
        let home = tempfile::tempdir().expect("a home folder");
        let (port, ops) = (free_port(), free_port());
        let log = std::fs::File::create(home.path().join("server.log")).expect("the server log");
        let child = Command::new(bin.join("fabric-ca-server"))
            .args(["start", "-b", "admin:adminpw", "--address", "127.0.0.1", "--port", &port.to_string()])
            .args(["--operations.listenaddress", &format!("127.0.0.1:{ops}")])
            .args(["--tls.enabled", "--csr.hosts", "127.0.0.1,localhost", "--csr.cn", "ca.manufacturer.test"])
            .arg("--home")
            .arg(home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start fabric-ca-server");
        let mut server = CaServer { child, home, url: format!("https://127.0.0.1:{port}") };
        let t = Instant::now();
        // Its own log line, not just any listener on the port: a port picked free may be taken
        // by another test's server before this one binds it.
        let listening = format!("Listening on https://127.0.0.1:{port}");
        while !server.log().contains(&listening) {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("({status}) {}", server.log()));
            }
            assert!(t.elapsed() < Duration::from_secs(30), "fabric-ca-server did not listen: {}", server.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.home.path().join("server.log")).unwrap_or_default()
    }

    /// The CA's certificate file (PEM), which also issued the server's TLS certificate.
    pub fn ca_cert_path(&self) -> PathBuf {
        self.home.path().join("ca-cert.pem")
    }

    /// The CA's certificate (PEM).
    pub fn ca_cert(&self) -> String {
        std::fs::read_to_string(self.ca_cert_path()).expect("ca-cert.pem")
    }

    /// The CA's private key (PKCS#8 PEM), to forge what only the CA could issue.
    pub fn ca_key(&self) -> String {
        let keystore = self.home.path().join("msp/keystore");
        let key = std::fs::read_dir(&keystore)
            .expect("the CA's keystore")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.to_string_lossy().ends_with("_sk"))
            .expect("the CA's key");
        std::fs::read_to_string(key).expect("the CA's key")
    }
}

impl Drop for CaServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
