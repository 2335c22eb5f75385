//! Services under test as real processes: a command without the developer's
//! `NANOTRACE_*` settings, and the `listening on <ip:port>` line every NanoTrace service
//! prints on stdout once its listener is bound.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{ChildStdout, Command};
use std::sync::mpsc;
use std::time::Instant;

/// `Command::new(bin)` with every `NANOTRACE_*` variable of this environment removed, so
/// a developer's settings cannot change what a test runs.
pub fn service_command(bin: &str) -> Command {
    let mut cmd = Command::new(bin);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("NANOTRACE_") {
            cmd.env_remove(&name);
        }
    }
    cmd
}

/// Reads `stdout` on a thread of its own until the process ends: the address of the
/// `listening on <ip:port>` line, with when it came, is sent once it appears.
pub fn listening_address(stdout: ChildStdout) -> mpsc::Receiver<(SocketAddr, Instant)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Read the address line, then drain stdout until the process ends.
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.strip_prefix("listening on ") {
                if let Ok(addr) = addr.trim().parse::<SocketAddr>() {
                    let _ = tx.send((addr, Instant::now()));
                }
            }
        }
    });
    rx
}
