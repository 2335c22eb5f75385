//! The contract is deterministic: every peer that runs a transaction writes the same
//! bytes. Its sources (and the shim interface's) name no clock, no randomness and no I/O;
//! its time is the transaction's timestamp and its IDs come from the transaction ID.

use std::path::{Path, PathBuf};

/// What a contract must never use, and why.
const FORBIDDEN: [(&str, &str); 11] = [
    ("SystemTime", "a clock: use the transaction's timestamp"),
    ("Instant", "a clock: use the transaction's timestamp"),
    ("unix_now", "the services' clock (nanotrace_model::clock)"),
    ("clock::", "the services' clock (nanotrace_model::clock)"),
    ("rand::", "randomness: derive IDs from the transaction ID"),
    ("OsRng", "randomness: derive IDs from the transaction ID"),
    ("std::fs", "file I/O"),
    ("std::net", "network I/O"),
    ("std::env", "the process environment"),
    ("std::process", "other processes"),
    ("tokio", "an async runtime (I/O, timers)"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `text` that name a forbidden item, comments left out.
fn offences(text: &str) -> Vec<(usize, &'static str, &'static str)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for (name, why) in FORBIDDEN {
            if code.contains(name) {
                found.push((n + 1, name, why));
            }
        }
    }
    found
}

#[test]
fn the_contract_and_the_shim_name_no_clock_randomness_or_io() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&crate_dir.join("src"), &mut files);
    rust_files(&crate_dir.join("shim/src"), &mut files);
    assert!(files.len() > 10, "only {} source files found", files.len());
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a source file");
        for (line, name, why) in offences(&text) {
            problems.push(format!("{}:{line}: {name} ({why})", file.display()));
        }
    }
    assert!(problems.is_empty(), "the contract must be deterministic:\n{}", problems.join("\n"));
}

#[test]
fn the_check_finds_a_clock_in_code_and_not_in_a_comment() {
    let found = offences("let t = std::time::SystemTime::now(); // not Instant\n// rand::random()\nlet x = 1;");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (1, "SystemTime"));
    assert_eq!(offences("let now = nanotrace_model::clock::unix_now();").len(), 2);
}
