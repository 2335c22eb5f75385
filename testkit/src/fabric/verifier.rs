//! The public verifier (`nanotrace-verifier --source fabric`) following one peer of a test
//! network: started with an ephemeral port, its address read from its first line, killed
//! on drop. Shared by the console's Fabric lifecycle and the chaos soak.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

/// A running verifier; killed when dropped.
#[derive(Debug)]
pub struct VerifierProcess {
    /// The process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl VerifierProcess {
    /// Starts `nanotrace-verifier` at `bin` following the peer of `profile` into `cache`,
    /// its log in `log`, with `extra` flags (e.g. `--poll-ms 100`). Panics with its log
    /// when it does not say where it listens within a minute.
    pub fn start(bin: &Path, profile: &Path, cache: &Path, log: &Path, extra: &[&str]) -> VerifierProcess {
        let mut cmd = crate::process::service_command(bin.to_str().expect("UTF-8 path"));
        cmd.args(["--source", "fabric", "--listen", "127.0.0.1:0", "--log", "info"])
            .args(extra)
            .arg("--profile")
            .arg(profile)
            .arg("--cache-dir")
            .arg(cache)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("verifier log"));
        let mut child = cmd.spawn().expect("start nanotrace-verifier");
        let stdout = child.stdout.take().expect("stdout");
        let listening = crate::process::listening_address(stdout);
        match listening.recv_timeout(Duration::from_secs(60)) {
            Ok((addr, _)) => VerifierProcess { child, addr },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the verifier did not start: {}", std::fs::read_to_string(log).unwrap_or_default())
            }
        }
    }

    /// Its base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for VerifierProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` over HTTP/1.1 on a new connection: (status, body), or why not (no answer
/// yet: a service still starting).
pub fn try_get(addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    exchange(addr, &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes(), path)
}

/// `POST path` with `body` of `content_type`, asking for `accept`, over HTTP/1.1 on a new
/// connection: (status, body), or why not.
pub fn try_post(
    addr: SocketAddr,
    path: &str,
    content_type: &str,
    accept: &str,
    body: &[u8],
) -> Result<(u16, String), String> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\n\
         Accept: {accept}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    exchange(addr, &request, path)
}

/// Sends `request` whole and reads the answer to its end.
fn exchange(addr: SocketAddr, request: &[u8], path: &str) -> Result<(u16, String), String> {
    let mut s =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| format!("connect {addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    s.write_all(request).map_err(|e| format!("{path}: {e}"))?;
    let mut text = String::new();
    s.read_to_string(&mut text).map_err(|e| format!("{path}: {e}"))?;
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}

/// [`try_get`] of a service that runs: panics when it does not answer.
pub fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    try_get(addr, path).unwrap_or_else(|e| panic!("{e}"))
}
