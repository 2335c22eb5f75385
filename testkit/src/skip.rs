//! Skips that say so, and that a run can forbid.
//!
//! A test that cannot run on this machine (no Go toolchain, no Fabric binaries, no tmpfs)
//! returns early. Inside `cargo test` its stderr is captured, so without more a skipped
//! test shows as `ok`. [`skip`] therefore
//!
//! - fails the test when the capability is required: `NANOTRACE_REQUIRE` is a
//!   comma-separated list of capabilities (or `all`), set by `.ci/run` to everything the
//!   CI machine is expected to have;
//! - otherwise appends one line to the file named by `NANOTRACE_SKIP_LOG` (set by
//!   `scripts/test.sh`, which prints them all in its closing summary) and prints it
//!   loudly to stderr.
//!
//! Capabilities, one word each: [`GO`], [`FABRIC`], [`FABRIC_CA`], [`TMPFS`], [`TERMINAL`], [`SMTP`], [`NODE`], [`OPENAPI`], [`SYSTEMD`], [`NETNS`], [`LEGACY`].

use std::io::Write;

/// A Go toolchain on the PATH (Fabric's own Go shim, Gateway client and protos).
pub const GO: &str = "go";
/// Fabric 3.1 binaries in `FABRIC_BIN_DIR`.
pub const FABRIC: &str = "fabric";
/// The chaincode server of the version before the write-once layout, built from this
/// repository's history by `scripts/legacy-chaincode.sh` (a clone with that commit), in
/// `NANOTRACE_LEGACY_CHAINCODE_BIN`: the Fabric suite's migration steps.
pub const LEGACY: &str = "legacy";
/// Fabric CA's `fabric-ca-server` and `fabric-ca-client` (`scripts/fabric-ca.sh`).
pub const FABRIC_CA: &str = "fabric-ca";
/// Permission to mount a small tmpfs (the full-disk tests).
pub const TMPFS: &str = "tmpfs";
/// A real SMTP server: Debian's aiosmtpd (`python3-aiosmtpd`), for the notifier's emails.
pub const SMTP: &str = "smtp";
/// Node.js with `tests/vc`'s npm packages installed (`scripts/vc-deps.sh`): third-party
/// checks of Verifiable Credentials.
pub const NODE: &str = "node";
/// Python with `tests/openapi`'s packages installed (`scripts/openapi-deps.sh`): the
/// check of the verifier's real answers against its OpenAPI document.
pub const OPENAPI: &str = "openapi";
/// `systemd-analyze` (Debian's `systemd` package): checks of the service units.
pub const SYSTEMD: &str = "systemd";
/// Permission to make Linux network namespaces and a bridge (root): the Fabric networks
/// with each organisation a host of its own (`scripts/network.sh up --hosts`).
pub const NETNS: &str = "netns";
/// util-linux `script`, a terminal for the progress-bar check.
pub const TERMINAL: &str = "terminal";
/// Podman (with buildah and skopeo) able to build images and run containers: the
/// services' images (`scripts/images.sh`) and the tests that run them.
pub const CONTAINERS: &str = "containers";

/// The environment variable listing required capabilities.
pub const REQUIRE_VAR: &str = "NANOTRACE_REQUIRE";
/// The environment variable naming the skip log.
pub const LOG_VAR: &str = "NANOTRACE_SKIP_LOG";

/// Is `capability` required in this run (`NANOTRACE_REQUIRE` names it, or `all`)?
pub fn required(capability: &str) -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|list| is_listed(&list, capability))
}

fn is_listed(list: &str, capability: &str) -> bool {
    list.split(',').map(str::trim).any(|c| c == capability || c == "all")
}

/// Records that `what` did not run for want of `capability`, because `why`; panics
/// (failing the test) instead when the capability is required.
#[track_caller]
pub fn skip(capability: &str, what: &str, why: &str) {
    if required(capability) {
        panic!(
            "REQUIRED BUT MISSING [{capability}] {what}: {why} \
             ({REQUIRE_VAR} lists '{capability}': this machine is expected to have it)"
        );
    }
    let line = format!("[{capability}] {what}: {why}");
    eprintln!("\n*** SKIPPED {line} ***\n");
    if let Some(path) = std::env::var_os(LOG_VAR) {
        // One write of one line: lines of tests running in parallel do not interleave.
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
        if let Err(e) = appended {
            eprintln!("could not record the skip in {}: {e}", std::path::Path::new(&path).display());
        }
    }
}

/// Whether `go` runs here; when it does not, skips `what` (a loud line, or a failure
/// where Go is required) and answers `false`.
pub fn go_or_skip(what: &str) -> bool {
    if std::process::Command::new("go").arg("version").output().is_ok() {
        return true;
    }
    skip(GO, what, "`go` is not on the PATH (install Go 1.22+ to run it)");
    false
}

/// Whether Node.js 20.9 or later and npm run here; when they do not, skips `what` (a
/// loud line, or a failure where Node.js is required) and answers `false`.
pub fn node_or_skip(what: &str) -> bool {
    let version = std::process::Command::new("node").arg("--version").output().ok().filter(|o| o.status.success());
    let Some(version) = version else {
        skip(NODE, what, "`node` is not on the PATH (install Node.js 20.9+ to run it)");
        return false;
    };
    let text = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    let numbers: Vec<u32> = text.trim_start_matches('v').split('.').filter_map(|n| n.parse().ok()).collect();
    if numbers.len() < 2 || (numbers[0], numbers[1]) < (20, 9) {
        skip(NODE, what, &format!("Node.js {text} is older than 20.9"));
        return false;
    }
    if std::process::Command::new("npm").arg("--version").output().is_err() {
        skip(NODE, what, "`npm` is not on the PATH");
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_capability_or_all_is_required() {
        assert!(is_listed("go,fabric", "go"));
        assert!(is_listed("go, fabric", "fabric"));
        assert!(is_listed("all", "tmpfs"));
        assert!(!is_listed("go,fabric", "tmpfs"));
        assert!(!is_listed("", "go"));
        assert!(!is_listed("gopher", "go"));
    }
}
