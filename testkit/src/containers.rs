//! Podman for the tests that run NanoTrace's images (issue 47): whether podman works here,
//! building the images with `scripts/images.sh`, a container removed however a test ends,
//! and the settings this machine kind needs (the `runc` runtime, lowered ulimits:
//! `../shared/containers/README.md`) as a `containers.conf` for `podman-compose`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// What `podman run` needs on this machine kind: crun refuses the hybrid cgroup layout,
/// and the default ulimits fail with `setrlimit`.
pub const RUN_FLAGS: [&str; 6] =
    ["--runtime", "runc", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"];

/// The same settings as a `containers.conf` (for `podman-compose`, which takes no run flags:
/// point `CONTAINERS_CONF` at it).
pub const CONTAINERS_CONF: &str = "[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n\
     [engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\n";

/// `podman ARGS`, its output (panics only when podman cannot be started at all).
pub fn podman(args: &[&str]) -> Output {
    Command::new("podman").args(args).output().unwrap_or_else(|e| panic!("podman {args:?}: {e}"))
}

/// An output's stdout and stderr as one text.
pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Podman can run containers here: Ok, or why not (a test skips with
/// [`crate::skip::CONTAINERS`], which `.ci/run` requires where its probe works).
pub fn podman_works() -> Result<(), String> {
    match Command::new("podman").arg("info").output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!("podman info failed: {}", text(&out))),
        Err(e) => Err(format!("no podman ({e}); Debian: apt-get install podman buildah skopeo runc")),
    }
}

/// `scripts/images.sh --profile dev --out OUT SERVICES…` with the binaries of `target_dir`
/// (the workspace's target folder): each image's tag and manifest digest, in the order printed.
pub fn build_images(repo: &Path, target_dir: &Path, out: &Path, services: &[&str]) -> Vec<(String, String)> {
    let built = Command::new(repo.join("scripts/images.sh"))
        .args(["--profile", "dev", "--out"])
        .arg(out)
        .args(services)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .expect("scripts/images.sh");
    assert!(built.status.success(), "scripts/images.sh failed:\n{}", text(&built));
    let stdout = String::from_utf8_lossy(&built.stdout);
    let tags = stdout.lines().filter_map(|l| l.strip_prefix("image="));
    let digests = stdout.lines().filter_map(|l| l.strip_prefix("digest="));
    let images: Vec<(String, String)> = tags.zip(digests).map(|(t, d)| (t.to_owned(), d.to_owned())).collect();
    assert_eq!(images.len(), services.len(), "one image= and digest= per service in:\n{stdout}");
    images
}

/// The workspace's target folder, from a binary of it (`<target>/debug/<bin>`).
pub fn target_dir_of(bin: &Path) -> PathBuf {
    bin.parent().and_then(Path::parent).unwrap_or_else(|| panic!("{} is in <target>/debug", bin.display())).to_owned()
}

/// A container by name; removed when dropped (however the test ends) if the test owns it.
#[derive(Debug)]
pub struct Container {
    /// Its name.
    pub name: String,
    owned: bool,
}

impl Container {
    /// A container the test started itself: removed when dropped.
    pub fn owned(name: impl Into<String>) -> Container {
        Container { name: name.into(), owned: true }
    }

    /// A container something else (a compose project) manages and removes.
    pub fn managed(name: impl Into<String>) -> Container {
        Container { name: name.into(), owned: false }
    }

    /// `podman inspect --format FORMAT` of it, trimmed.
    pub fn inspect(&self, format: &str) -> String {
        text(&podman(&["inspect", "--format", format, &self.name])).trim().to_owned()
    }

    /// `podman kill --signal KILL`, then waits (bounded) until it no longer runs.
    pub fn kill(&self) {
        let killed = podman(&["kill", "--signal", "KILL", &self.name]);
        assert!(killed.status.success(), "podman kill {}: {}", self.name, text(&killed));
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.inspect("{{.State.Running}}") != "false" {
            assert!(Instant::now() < deadline, "the killed container {} still runs", self.name);
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `podman start`.
    pub fn start(&self) {
        let started = podman(&["start", &self.name]);
        assert!(started.status.success(), "podman start {}: {}", self.name, text(&started));
    }

    /// Waits (bounded) until the image's own health check passes, run as the engine runs it.
    pub fn wait_healthy(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let health = podman(&["healthcheck", "run", &self.name]);
            if health.status.success() {
                return;
            }
            assert!(Instant::now() < deadline, "{} is not healthy within {within:?}: {}", self.name, text(&health));
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The user ID its process runs as (from `/proc`).
    pub fn process_uid(&self) -> String {
        let pid = self.inspect("{{.State.Pid}}");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the container's process");
        let uid = status.lines().find(|l| l.starts_with("Uid:")).expect("Uid line");
        uid.split_whitespace().nth(1).unwrap_or_default().to_owned()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if self.owned {
            let _ = podman(&["rm", "--force", "--time", "0", &self.name]);
        }
    }
}
