//! Private key files: written with mode 0600, and never printed or logged, even at the
//! most verbose log level.

use crate::support::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Every file under `dir` (the ledger's own RocksDB files aside).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "ledger") {
                    todo.push(path);
                }
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// The secret of a key file as it would appear if printed: the PEM body lines of a
/// private key, or the hex seed of an issuer key (and its upper-case form).
fn secrets(path: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).expect("a text file");
    if text.contains("PRIVATE KEY") {
        let body: Vec<String> =
            text.lines().filter(|l| !l.starts_with("-----") && l.len() >= 16).map(str::to_owned).collect();
        assert!(!body.is_empty(), "{} has no PEM body", path.display());
        Some(body)
    } else if path.extension().is_some_and(|e| e == "key") {
        let seed = text.trim().to_owned();
        assert_eq!(seed.len(), 64, "{} is not a hex Ed25519 seed", path.display());
        Some(vec![seed.clone(), seed.to_uppercase()])
    } else {
        None
    }
}

#[test]
fn private_keys_are_0600_and_never_appear_in_output_or_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("demo");
    let mut cmd = command();
    cmd.args(["--log", "trace", "demo", "--data-dir"]).arg(&data);
    let demo = run_cmd(cmd);
    assert_eq!(demo.code, 0, "demo failed:\n{}\n{}", demo.stdout, demo.stderr);
    assert!(demo.stderr.contains("TRACE") || demo.stderr.contains("DEBUG"), "no verbose logs:\n{}", demo.stderr);

    // More commands that read the keys: an application, an approval with the issuer key.
    let file = example_application();
    let id = ok_json(&data, Some(APPLICANT), &["apply", "--file", file.to_str().expect("UTF-8 path")])
        ["certificate_id"]
        .as_str()
        .expect("an ID")
        .to_owned();
    let mut cmd = command();
    cmd.args(["--log", "trace", "--data-dir"]).arg(&data).args(["--as", CERTIFIER, "approve", &id]);
    let approve = run_cmd(cmd);
    assert_eq!(approve.code, 0, "approve failed:\n{}\n{}", approve.stdout, approve.stderr);

    let mut keys = 0;
    for path in files(&data) {
        let Some(secrets) = secrets(&path) else { continue };
        keys += 1;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} has mode {mode:o}", path.display());
        for run in [&demo, &approve] {
            for secret in &secrets {
                assert!(
                    !run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()),
                    "a secret of {} appears in the output",
                    path.display()
                );
            }
        }
    }
    // Four identities, three CAs, one issuer key: a change in the layout must be looked at.
    assert!(keys >= 8, "found only {keys} private key files under {}", data.display());
}
