//! A node of the network (orderer, peer, chaincode server) killed with SIGKILL and
//! started again as it was: its command line, environment and working folder are read
//! from /proc before the kill, so the restarted process carries the run folder's marker
//! and `network.sh down` (and the guard's teardown) still finds it.

use super::process;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How to start a node again.
pub struct Node {
    cmdline: Vec<String>,
    environ: Vec<(String, String)>,
    cwd: PathBuf,
    log: PathBuf,
    /// The named network namespace it ran in (`network.sh up --hosts`), if any.
    netns: Option<String>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node").finish_non_exhaustive()
    }
}

/// The pid recorded in `<run>/pids/<name>.pid` (`peer0.regulator.nanotrace.test`,
/// `orderer0`, `chaincode-nanotrace`).
pub fn node_pid(run_dir: &Path, name: &str) -> u32 {
    let file = run_dir.join(format!("pids/{name}.pid"));
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())).trim().parse().expect("a pid")
}

impl Node {
    /// What process `pid` runs, to start it again later with its output appended to `log`.
    pub fn of(pid: u32, log: PathBuf) -> Node {
        let split = |file: &str| -> Vec<String> {
            let raw =
                std::fs::read(format!("/proc/{pid}/{file}")).unwrap_or_else(|e| panic!("/proc/{pid}/{file}: {e}"));
            raw.split(|b| *b == 0).filter(|s| !s.is_empty()).map(|s| String::from_utf8_lossy(s).into_owned()).collect()
        };
        let environ = split("environ")
            .into_iter()
            .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect();
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).expect("cwd");
        Node { cmdline: split("cmdline"), environ, cwd, log, netns: netns_of(pid) }
    }

    /// The node recorded in `<run>/pids/<name>.pid`, logging to `<run>/logs/<name>.log`.
    pub fn named(run_dir: &Path, name: &str) -> (u32, Node) {
        let pid = node_pid(run_dir, name);
        (pid, Node::of(pid, run_dir.join(format!("logs/{name}.log"))))
    }

    /// The program it runs.
    pub fn program(&self) -> &str {
        self.cmdline.first().map(String::as_str).unwrap_or_default()
    }

    /// Starts it again, in a process group of its own.
    pub fn start(&self) -> Child {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("node log");
        // On a host of its own: started again in the same network namespace.
        let mut cmd = match &self.netns {
            Some(ns) => {
                let mut cmd = Command::new("ip");
                cmd.args(["netns", "exec", ns]).args(&self.cmdline);
                cmd
            }
            None => {
                let mut cmd = Command::new(&self.cmdline[0]);
                cmd.args(&self.cmdline[1..]);
                cmd
            }
        };
        cmd.env_clear()
            .envs(self.environ.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone"))
            .stderr(log);
        process::new_process_group(&mut cmd);
        cmd.spawn().expect("restart the node")
    }

    /// Starts it again and records its new pid in `<run>/pids/<name>.pid`.
    pub fn restart_named(&self, run_dir: &Path, name: &str) -> Child {
        let child = self.start();
        std::fs::write(run_dir.join(format!("pids/{name}.pid")), format!("{}\n", child.id())).expect("pid file");
        child
    }
}

/// The named network namespace process `pid` runs in (`ip netns identify`), or None for
/// this process's own.
fn netns_of(pid: u32) -> Option<String> {
    let ours = std::fs::read_link("/proc/self/ns/net").ok()?;
    let theirs = std::fs::read_link(format!("/proc/{pid}/ns/net")).ok()?;
    if ours == theirs {
        return None;
    }
    let out = Command::new("ip").args(["netns", "identify", &pid.to_string()]).output().ok()?;
    let name = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(!name.is_empty(), "process {pid} runs in a network namespace that has no name");
    Some(name)
}

/// `kill -9 pid`, then waits until it is gone.
pub fn kill9(pid: u32) {
    assert!(process::kill_pid(pid, "KILL"), "kill -9 {pid}");
    process::wait_until(Duration::from_secs(10), "the killed process to vanish", || !process::alive(pid));
}
