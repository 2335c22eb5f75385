//! The container images' health check, one binary copied into every image (they are built
//! `FROM scratch`: no shell, no curl). `tcp ADDR` is healthy when something accepts a
//! connection at ADDR (the chaincode server, whose peer speaks gRPC over mutual TLS);
//! `http ADDR [PATH]` when an HTTP/1.1 GET of PATH (default `/healthz`) answers `200`
//! (the verifier, the console, the notifier). Standard library only: a probe the image
//! runs every few seconds must be small and start fast.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Why a service is not healthy.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // the fields are what the messages say
pub enum Unhealthy {
    /// The address does not resolve.
    #[error("{addr}: no such address")]
    Address { addr: String },
    /// Nothing accepted a connection in time.
    #[error("{addr}: cannot connect: {source}")]
    Connect { addr: SocketAddr, source: std::io::Error },
    /// The request could not be sent or no answer came in time.
    #[error("{addr}: the HTTP exchange failed: {source}")]
    Exchange { addr: SocketAddr, source: std::io::Error },
    /// The service answered, but not `200`.
    #[error("{addr}{path} answered {status_line:?}, not 200")]
    Status { addr: SocketAddr, path: String, status_line: String },
}

fn resolve(addr: &str) -> Result<SocketAddr, Unhealthy> {
    addr.to_socket_addrs().ok().and_then(|mut a| a.next()).ok_or_else(|| Unhealthy::Address { addr: addr.to_owned() })
}

fn connect(addr: &str, timeout: Duration) -> Result<(SocketAddr, TcpStream), Unhealthy> {
    let addr = resolve(addr)?;
    let stream = TcpStream::connect_timeout(&addr, timeout).map_err(|source| Unhealthy::Connect { addr, source })?;
    Ok((addr, stream))
}

/// Healthy when a connection to `addr` is accepted within `timeout`.
pub fn tcp(addr: &str, timeout: Duration) -> Result<(), Unhealthy> {
    connect(addr, timeout).map(|_| ())
}

/// Healthy when `GET path` at `addr` answers `200` within `timeout`.
pub fn http(addr: &str, path: &str, timeout: Duration) -> Result<(), Unhealthy> {
    let (addr, mut stream) = connect(addr, timeout)?;
    let exchange = |stream: &mut TcpStream| -> std::io::Result<String> {
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        // One write: `write!` on the stream would send each piece of the format apart.
        stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())?;
        // The status line is all we need: read up to its end (at most 512 bytes), not
        // to the end of the answer.
        let mut head = Vec::new();
        let mut chunk = [0u8; 512];
        while head.len() < 512 && !head.contains(&b'\n') {
            match stream.read(&mut chunk[..512 - head.len()]) {
                Ok(0) => break,
                Ok(n) => head.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_owned())
    };
    let status_line = exchange(&mut stream).map_err(|source| Unhealthy::Exchange { addr, source })?;
    match status_line.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        _ => Err(Unhealthy::Status { addr, path: path.to_owned(), status_line }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A one-shot server answering `reply` to the first request.
    fn serve(reply: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                // The whole request first: closing with some of it unread makes the
                // kernel reset the connection, and the reset may discard the answer
                // before the client reads it (what made this test flaky in CI).
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = s.write_all(reply.as_bytes());
            }
        });
        addr
    }

    #[test]
    fn a_200_is_healthy_anything_else_is_not() {
        let t = Duration::from_secs(5);
        assert!(http(&serve("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"), "/healthz", t).is_ok());
        let err = http(&serve("HTTP/1.1 503 Service Unavailable\r\n\r\n"), "/healthz", t).expect_err("503");
        assert!(err.to_string().contains("503"), "{err}");
        let err = http(&serve(""), "/healthz", t).expect_err("no answer");
        assert!(matches!(err, Unhealthy::Status { .. }), "{err}");
    }

    #[test]
    fn tcp_needs_a_listener() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        assert!(tcp(&addr, Duration::from_secs(5)).is_ok());
        drop(listener);
        assert!(matches!(tcp(&addr, Duration::from_secs(5)), Err(Unhealthy::Connect { .. })));
        assert!(matches!(tcp("no-such-host.invalid:1", Duration::from_secs(5)), Err(Unhealthy::Address { .. })));
    }
}
