//! No data in the repository: no file a run makes — a RocksDB folder (a ledger, a
//! verifier's cache), a private key — is ever tracked (issue 74 found a verifier cache
//! committed at the root). Read from `git ls-files`, so a developer's own run folders in
//! the working tree do not count, and a clean clone (CI) checks exactly what is committed.

use std::path::Path;
use std::process::Command;

/// Why a tracked path (and its text, when it is small) looks like data a run made.
fn data_made_by_a_run(path: &str, text: Option<&str>) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    if matches!(name, "CURRENT" | "IDENTITY" | "LOCK") || numbered("MANIFEST-") || numbered("OPTIONS-") {
        return Some("a RocksDB folder's file (a ledger or a cache)");
    }
    if name.ends_with(".sst") || name.ends_with(".blob") {
        return Some("a RocksDB table");
    }
    if name == "priv_sk" || name.ends_with("_sk") || name.ends_with(".key") {
        return Some("a private key file");
    }
    // A PEM private key: its header line followed by base64 (a program that writes or
    // looks for such a header holds no key).
    let pem = text.is_some_and(|t| {
        t.match_indices("PRIVATE KEY-----").any(|(at, m)| {
            let body = t[at + m.len()..].trim_start_matches('\r').strip_prefix('\n').unwrap_or_default();
            body.len() >= 40 && body.bytes().take(40).all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        })
    });
    pem.then_some("a PEM private key")
}

#[test]
fn no_ledger_cache_or_key_is_tracked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join(".git").exists() {
        eprintln!("not a git checkout: nothing to check");
        return;
    }
    let out = Command::new("git").args(["ls-files", "-z"]).current_dir(root).output().expect("git ls-files");
    assert!(out.status.success(), "git ls-files: {}", String::from_utf8_lossy(&out.stderr));
    let files: Vec<String> = out
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    assert!(files.len() > 500, "only {} tracked files", files.len());
    let found: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = std::fs::metadata(root.join(path))
                .ok()
                .filter(|m| m.len() < 1 << 20)
                .and_then(|_| std::fs::read_to_string(root.join(path)).ok());
            data_made_by_a_run(path, text.as_deref()).map(|why| format!("{path}: {why}"))
        })
        .collect();
    assert!(
        found.is_empty(),
        "data made by a run is tracked (git rm it, and ignore where it is made):\n{}",
        found.join("\n")
    );
}

#[test]
fn what_a_run_leaves_is_told_from_code_that_names_it() {
    for path in ["nanotrace-verifier-cache/CURRENT", "x/MANIFEST-000005", "x/OPTIONS-000007", "ledger/000012.sst"] {
        assert!(data_made_by_a_run(path, None).is_some(), "{path}");
    }
    assert!(data_made_by_a_run("msp/keystore/priv_sk", None).is_some());
    let key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+hUTmBUOcv8ZFNf0yOmNT1RxyUJ8HZEe3U4EdXoV4g\n-----END PRIVATE KEY-----\n";
    assert!(data_made_by_a_run("examples/alice.pem", Some(key)).is_some());
    let code = "const pem = '-----BEGIN PRIVATE KEY-----\\n' + der.match(/.{1,64}/g).join('\\n');";
    assert_eq!(data_made_by_a_run("console/assets/console.js", Some(code)), None);
    assert_eq!(
        data_made_by_a_run(
            "scripts/images.sh",
            Some("grep -- '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\\r?\\n[A-Za-z0-9+/=]{40}'")
        ),
        None
    );
    assert_eq!(data_made_by_a_run("docs/MANIFEST.md", None), None);
    assert_eq!(data_made_by_a_run("src/commands/key.rs", None), None);
}

/// A shell line with its double-quoted text taken out (a message that names a cargo
/// command runs none), and its comment.
fn unquoted(line: &str) -> String {
    let line = line.split('"').step_by(2).collect::<Vec<_>>().join(" ");
    match line.trim_start().starts_with('#') {
        true => String::new(),
        false => line.split(" #").next().unwrap_or_default().to_owned(),
    }
}

/// Whether a shell script's `text` runs cargo (a command line that starts with it, or
/// after `&&`, `(`, `then`, `time` …), comments and quoted text left out.
fn runs_cargo(text: &str) -> bool {
    text.lines().map(unquoted).any(|l| {
        l.split(['(', ';', '|', '&', '`', '$']).map(str::trim_start).any(|part| {
            let part = part.strip_prefix("time ").or_else(|| part.strip_prefix("then ")).unwrap_or(part);
            part.starts_with("cargo ")
        })
    })
}

/// Whether a script's `text` sources the build environment (`. scripts/env.sh`,
/// `. "$ROOT/scripts/env.sh"`, `source …/env.sh`; a comment naming it does not).
fn sources_build_environment(text: &str) -> bool {
    text.lines().any(|raw| {
        let l = unquoted(raw);
        let sourced = l.trim_start().starts_with(". ") || l.contains("&& . ") || l.contains("source ");
        sourced && (raw.contains("scripts/env.sh") || raw.contains("/env.sh"))
    })
}

/// Every script that runs cargo first sources `scripts/env.sh`, the one build environment
/// (ccache and the C++ compiler, whose absence compiles RocksDB's C++ again: issue 74 found
/// `scripts/images.sh` without it).
#[test]
fn every_script_that_runs_cargo_uses_the_one_build_environment() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut scripts = Vec::new();
    for dir in ["scripts", "systests", ".ci"] {
        shell_scripts(&root.join(dir), &mut scripts);
    }
    let mut cargo_users = 0;
    let mut missing = Vec::new();
    for script in &scripts {
        let text = std::fs::read_to_string(script).expect("a script");
        if script.ends_with("scripts/env.sh") || !runs_cargo(&text) {
            continue;
        }
        cargo_users += 1;
        if !sources_build_environment(&text) {
            missing.push(script.strip_prefix(root).unwrap_or(script).display().to_string());
        }
    }
    assert!(cargo_users >= 10, "only {cargo_users} scripts run cargo");
    assert!(missing.is_empty(), "these scripts run cargo without sourcing scripts/env.sh: {missing:?}");
}

fn shell_scripts(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            shell_scripts(&path, out);
        } else if path.extension().is_some_and(|e| e == "sh") || path.file_name().is_some_and(|n| n == "run") {
            out.push(path);
        }
    }
}

#[test]
fn cargo_calls_are_found_in_script_lines() {
    assert!(runs_cargo("set -e\n(cd \"$ROOT\" && cargo build --locked) >&2\n"));
    assert!(runs_cargo("  cargo test --workspace\n"));
    assert!(runs_cargo("x=$(cargo metadata --format-version 1)"));
    assert!(!runs_cargo("# cargo build --release\necho done\n"));
    assert!(!runs_cargo("echo \"run cargo build first\"\n"));
    assert!(!runs_cargo("die \"remove needs the CLI (cargo build --bin nanotrace)\"\n"));
    assert!(sources_build_environment("[ -f scripts/env.sh ] && . scripts/env.sh\n"));
    assert!(sources_build_environment(". \"$ROOT/scripts/env.sh\"\n"));
    assert!(sources_build_environment("(cd \"$ROOT\" && . scripts/env.sh && cargo build)\n"));
    assert!(!sources_build_environment("# The workspace's own build settings (scripts/env.sh) apply\n"));
}
