//! The third-party check of the verifier's answers against its OpenAPI document:
//! `tests/openapi/check.py`, which runs openapi-core (and openapi-spec-validator on the
//! document) from the virtual environment `scripts/openapi-deps.sh` makes in
//! `tests/openapi/.venv`. Without it, a check is a recorded skip ([`skip::OPENAPI`]).

use crate::skip;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's `tests/openapi`.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("tests").join("openapi")
}

/// The Python of `tests/openapi/.venv` when it is there; else a skip of `what`.
pub fn python(what: &str) -> Option<PathBuf> {
    let python = dir().join(".venv").join("bin").join("python");
    if !python.exists() {
        skip::skip(skip::OPENAPI, what, "tests/openapi has no .venv: run scripts/openapi-deps.sh");
        return None;
    }
    Some(python)
}

/// What `check.py` found: `{"spec", "checked", "not_routes", "mismatches"}` (see the
/// script), for the document `spec` and the exchanges (JSON lines) in `exchanges`, a
/// file or a folder of them. `None` when the check cannot run here (a recorded skip).
pub fn check(what: &str, spec: &Path, exchanges: &Path) -> Option<Value> {
    let python = python(what)?;
    let out = Command::new(python)
        .arg(dir().join("check.py"))
        .arg(spec)
        .arg(exchanges)
        .output()
        .expect("run tests/openapi/check.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    Some(serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("check.py said no JSON ({e}): {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr))
    }))
}

/// Panics listing every mismatch `check` found, or when the document is not valid
/// OpenAPI; answers how many answers were checked.
pub fn assert_valid(result: &Value, what: &str) -> u64 {
    assert_eq!(result["spec"], "valid", "{what}: the OpenAPI document: {}", result["spec"]);
    let mismatches = result["mismatches"].as_array().cloned().unwrap_or_default();
    let listed: Vec<String> = mismatches
        .iter()
        .map(|m| {
            format!(
                "- {} -> {}: {}",
                m["request"].as_str().unwrap_or("?"),
                m["status"],
                m["error"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{what}: {} answers do not match the OpenAPI document:\n{}",
        mismatches.len(),
        listed.join("\n")
    );
    result["checked"].as_u64().unwrap_or(0)
}
