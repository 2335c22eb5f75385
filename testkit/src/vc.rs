//! The third-party checks of Verifiable Credentials: Digital Bazaar's libraries run by
//! Node from `tests/vc` (its npm packages installed by `scripts/vc-deps.sh`), each answer
//! one JSON line. Without Node or the packages, each check is a recorded skip
//! ([`skip::NODE`]) and answers `None`.

use crate::skip;
use nanotrace_model::credential::VC_CONTEXT_V2_SHA256;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's `tests/vc`.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("tests").join("vc")
}

/// `tests/vc` when Node and its packages are there; else a skip of `what`.
pub fn ready(what: &str) -> Option<PathBuf> {
    let dir = dir();
    if Command::new("node").arg("--version").output().is_err() {
        skip::skip(skip::NODE, what, "`node` is not on the PATH (scripts/prereqs.sh --tests installs it)");
        return None;
    }
    if !dir.join("node_modules").join("@digitalbazaar").join("vc-bitstring-status-list").exists() {
        skip::skip(skip::NODE, what, "tests/vc has no node_modules: run scripts/vc-deps.sh");
        return None;
    }
    Some(dir)
}

/// Runs `tests/vc/SCRIPT` with `args` (the pinned context's SHA-256 is added where each
/// script takes it) and reads its JSON answer.
fn run(dir: &Path, script: &str, args: &[&std::ffi::OsStr]) -> Value {
    let out = Command::new("node").arg(dir.join(script)).args(args).output().expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("{script} said no JSON ({e}): {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr))
    })
}

/// `verify.mjs`: the credential in `file` verified (`{"verified": …}`), and with
/// `mutations` every single-field change of it too.
pub fn verify(what: &str, file: &Path, mutations: bool) -> Option<Value> {
    let dir = ready(what)?;
    let mut args = vec![file.as_os_str(), VC_CONTEXT_V2_SHA256.as_ref()];
    if mutations {
        args.push("--mutations".as_ref());
    }
    Some(run(&dir, "verify.mjs", &args))
}

/// `status.mjs decode`: a status list credential's proof checked and its set bits.
pub fn decode_list(what: &str, list: &Path) -> Option<Value> {
    let dir = ready(what)?;
    Some(run(&dir, "status.mjs", &["decode".as_ref(), list.as_os_str(), VC_CONTEXT_V2_SHA256.as_ref()]))
}

/// `status.mjs check`: the credential in `file` verified with its status checked against
/// the `revocation` and `suspension` list files (`{"verified", "revoked", "suspended"}`).
pub fn check_status(what: &str, file: &Path, revocation: &Path, suspension: &Path) -> Option<Value> {
    let dir = ready(what)?;
    let args = [
        "check".as_ref(),
        file.as_os_str(),
        VC_CONTEXT_V2_SHA256.as_ref(),
        revocation.as_os_str(),
        suspension.as_os_str(),
    ];
    Some(run(&dir, "status.mjs", &args))
}
