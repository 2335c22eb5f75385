//! Child processes with a deadline: every command the suite runs (network.sh, the peer
//! CLI) is bounded, runs in its own process group (so a timeout kills the whole group)
//! and writes its output to files, never to pipes, so a background process it leaves
//! behind can never hold the suite up.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stdout and stderr together, for messages.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout_text(), self.stderr)
    }
}

static SEQ: AtomicU64 = AtomicU64::new(0);

/// Runs `cmd` to completion within `timeout`; its stdout/stderr go to files in
/// `scratch`. On timeout the command's process group is killed and this panics.
pub fn run_bounded(mut cmd: Command, timeout: Duration, scratch: &Path) -> Output {
    std::fs::create_dir_all(scratch).expect("create the scratch folder");
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let out_path = scratch.join(format!("cmd-{}-{n}.out", std::process::id()));
    let err_path = scratch.join(format!("cmd-{}-{n}.err", std::process::id()));
    let out = std::fs::File::create(&out_path).expect("create stdout file");
    let err = std::fs::File::create(&err_path).expect("create stderr file");
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    new_process_group(&mut cmd);
    let what = format!("{cmd:?}");
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let status = wait_deadline(&mut child, timeout);
    let elapsed = start.elapsed();
    let stdout = std::fs::read(&out_path).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&std::fs::read(&err_path).unwrap_or_default()).into_owned();
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&err_path);
    match status {
        Some(status) => Output { status, stdout, stderr, elapsed },
        None => panic!(
            "timed out after {timeout:?}: {}\nstdout: {}\nstderr: {stderr}",
            short(&what),
            String::from_utf8_lossy(&stdout)
        ),
    }
}

/// Waits for `child` at most `timeout`; on timeout kills its process group and returns None.
pub fn wait_deadline(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                kill_group(child.id(), "KILL");
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// Puts the command in a process group of its own (its pid is the group id).
pub fn new_process_group(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
}

/// Sends SIG`signal` to the process group `pgid`.
pub fn kill_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([format!("-{signal}"), "--".to_owned(), format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// Sends SIG`signal` to one process.
pub fn kill_pid(pid: u32, signal: &str) -> bool {
    Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether the process `pid` exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

/// The pids of live processes whose environment holds exactly `var=value`.
pub fn pids_with_env(var: &str, value: &str) -> Vec<u32> {
    let needle = format!("{var}={value}");
    let mut pids = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else { return pids };
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
        if environ.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()) && alive(pid) {
            pids.push(pid);
        }
    }
    pids
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub fn listening(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(300)).is_ok()
}

/// Whether something accepts TCP connections on `address` (`host:port`, e.g. an address
/// from network.env).
pub fn listening_at(address: &str) -> bool {
    use std::net::ToSocketAddrs;
    let Ok(mut addrs) = address.to_socket_addrs() else { return false };
    addrs.next().is_some_and(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_millis(300)).is_ok())
}

/// Polls `cond` every 50 ms until it holds; panics with `what` after `timeout`.
pub fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The last `n` lines of a file (for failure reports).
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The last `n` lines of a file that contain one of `needles`.
pub fn tail_matching(path: &Path, n: usize, needles: &[&str]) -> String {
    let text = std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| needles.iter().any(|x| l.contains(x))).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Every `*.log` file directly in `dir`, sorted.
pub fn logs_in(dir: &Path) -> Vec<PathBuf> {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "log")).collect())
        .unwrap_or_default();
    logs.sort();
    logs
}

fn short(s: &str) -> String {
    if s.len() > 600 {
        format!("{}…", &s[..s.char_indices().nth(600).map_or(s.len(), |(i, _)| i)])
    } else {
        s.to_owned()
    }
}
