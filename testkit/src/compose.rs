//! A Compose project run for a test (issue 47): `docker-compose` (Debian's, the Compose
//! Specification's reference implementation before v2) against podman's Docker-compatible
//! API on a socket of the test's own, the way `../shared/containers/README.md` runs a Docker
//! CLI without a Docker engine. The socket's podman service takes this machine kind's
//! settings ([`crate::containers::CONTAINERS_CONF`]). `down -v` and the service's end when
//! dropped, however the test ends.
//!
//! (Debian's `podman-compose` 1.0.3 was tried first: it adds the project network to a
//! service with `network_mode: host`, which podman refuses, and runs a health check through
//! `/bin/sh`, which an image FROM scratch does not have.)

use crate::containers::{text, CONTAINERS_CONF};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Why a Compose project cannot run here, or Ok.
pub fn compose_works() -> Result<(), String> {
    crate::containers::podman_works()?;
    match Command::new("docker-compose").arg("version").output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!("docker-compose version failed: {}", text(&out))),
        Err(e) => {
            Err(format!("no docker-compose ({e}); Debian: apt-get install --no-install-recommends docker-compose"))
        }
    }
}

/// A running Compose project.
#[derive(Debug)]
pub struct ComposeProject {
    /// The project's name (`-p`): its volumes are `<name>_<volume>`.
    pub name: String,
    file: PathBuf,
    env_file: PathBuf,
    socket: PathBuf,
    service: Child,
}

impl ComposeProject {
    /// Starts podman's API service on a socket in `dir` and returns the project `name` of
    /// `file` with its variables from `env_file` (nothing is started yet: [`Self::up`]).
    pub fn new(dir: &Path, name: &str, file: &Path, env_file: &Path) -> ComposeProject {
        let conf = dir.join("containers.conf");
        std::fs::write(&conf, CONTAINERS_CONF).expect("containers.conf");
        let socket = dir.join("podman.sock");
        let log = std::fs::File::create(dir.join("podman-service.log")).expect("podman service log");
        let mut cmd = Command::new("podman");
        cmd.args(["system", "service", "--time=0"])
            .arg(format!("unix://{}", socket.display()))
            .env("CONTAINERS_CONF", &conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        let service = cmd.spawn().expect("podman system service");
        let project = ComposeProject {
            name: name.to_owned(),
            file: file.to_owned(),
            env_file: env_file.to_owned(),
            socket,
            service,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::os::unix::net::UnixStream::connect(&project.socket).is_err() {
            assert!(Instant::now() < deadline, "podman's API service did not listen at {}", project.socket.display());
            std::thread::sleep(Duration::from_millis(50));
        }
        project
    }

    /// `docker-compose -p NAME -f FILE --env-file ENV ARGS…` against the service.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("docker-compose")
            .arg("--project-name")
            .arg(&self.name)
            .arg("--file")
            .arg(&self.file)
            .arg("--env-file")
            .arg(&self.env_file)
            .args(args)
            .env("DOCKER_HOST", format!("unix://{}", self.socket.display()))
            .env("COMPOSE_HTTP_TIMEOUT", "120")
            .output()
            .expect("docker-compose")
    }

    /// [`Self::run`], panicking with its output when it fails.
    pub fn must(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "docker-compose {args:?} failed:\n{}", text(&out));
        text(&out)
    }

    /// `up --detach`.
    pub fn up(&self) {
        self.must(&["up", "--detach", "--no-build"]);
    }

    /// Every service's log (for a failure's report).
    pub fn logs(&self) -> String {
        text(&self.run(&["logs", "--no-color", "--tail", "60"]))
    }
}

impl Drop for ComposeProject {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("[compose] {}'s logs:\n{}", self.name, self.logs());
        }
        let _ = self.run(&["down", "--volumes", "--timeout", "5"]);
        let _ = self.service.kill();
        let _ = self.service.wait();
    }
}
