//! What every test uses: running the binary in a clean environment, the sample
//! identities, and checks of exit codes, JSON output, verdicts and clean errors.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub(crate) const ADMIN: &str = "admin@regulator";
pub(crate) const INSPECTOR: &str = "inspector@regulator";
pub(crate) const CERTIFIER: &str = "alice@certifier";
pub(crate) const APPLICANT: &str = "dave@manufacturer";

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

/// A `nanotrace` command with a clean environment (no inherited NANOTRACE_* settings).
pub(crate) fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nanotrace"));
    for var in [
        "NANOTRACE_NETWORK",
        "NANOTRACE_PROFILE",
        "NANOTRACE_DATA_DIR",
        "NANOTRACE_IDENTITY",
        "NANOTRACE_VERIFY_URL",
        "NANOTRACE_LOG",
    ] {
        cmd.env_remove(var);
    }
    // A panic would then also print a backtrace, which the error checks look for.
    cmd.env("RUST_BACKTRACE", "1");
    cmd.stdin(Stdio::null());
    cmd
}

pub(crate) fn run_cmd(mut cmd: Command) -> Run {
    let out = cmd.output().expect("cannot run nanotrace");
    Run {
        code: out.status.code().expect("nanotrace was killed by a signal"),
        stdout: String::from_utf8(out.stdout).expect("stdout is not UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is not UTF-8"),
    }
}

/// Runs `nanotrace --data-dir <data> [--as <who>] <args>`.
pub(crate) fn nt(data: &Path, who: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = command();
    cmd.arg("--data-dir").arg(data);
    if let Some(who) = who {
        cmd.args(["--as", who]);
    }
    cmd.args(args);
    run_cmd(cmd)
}

/// Runs with `--json`, expects exit 0 and returns the parsed output.
pub(crate) fn ok_json(data: &Path, who: Option<&str>, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let r = nt(data, who, &all);
    assert_eq!(r.code, 0, "nanotrace {args:?} as {who:?} failed:\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r.json()
}

/// Asserts a clean failure: non-zero exit, exactly one stderr line `error: ...`
/// containing every needle, and no panic or backtrace.
pub(crate) fn assert_clean_error(r: &Run, needles: &[&str]) {
    assert_ne!(r.code, 0, "expected a failure, got exit 0:\nstdout:\n{}", r.stdout);
    assert_no_panic(r);
    let err = r.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "expected a one-line error, got:\n{err}");
    assert!(err.starts_with("error: "), "error does not start with `error: `: {err}");
    for needle in needles {
        assert!(err.contains(needle), "error does not mention {needle:?}: {err}");
    }
}

pub(crate) fn assert_no_panic(r: &Run) {
    assert!(!r.stderr.contains("panicked"), "nanotrace panicked:\n{}", r.stderr);
    assert!(!r.stderr.contains("stack backtrace"), "nanotrace printed a backtrace:\n{}", r.stderr);
}

/// The ledger height as `ledger check --json` reports it (the check must pass).
pub(crate) fn height(data: &Path) -> u64 {
    let report = ok_json(data, None, &["ledger", "check"]);
    assert_eq!(report["ok"], Value::Bool(true), "ledger check failed: {report}");
    report["height"].as_u64().expect("height")
}

pub(crate) fn init(data: &Path) {
    let ids = ok_json(data, None, &["init"]);
    let names: Vec<&str> =
        ids.as_array().expect("identity list").iter().map(|p| p[0].as_str().expect("name")).collect();
    for who in [ADMIN, INSPECTOR, CERTIFIER, APPLICANT] {
        assert!(names.contains(&who), "init did not create {who}: {ids}");
    }
}

pub(crate) fn example_application() -> PathBuf {
    // The checkout being tested: cargo sets this when it runs the test. The compile-time
    // value is only a fallback, since a target directory shared between checkouts can
    // hold a test binary built in another one.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("examples/application.json")
}

pub(crate) fn example_value() -> Value {
    serde_json::from_str(&std::fs::read_to_string(example_application()).expect("read example")).expect("example JSON")
}

pub(crate) fn is_certificate_id(id: &str) -> bool {
    id.len() == 15
        && id.starts_with("NT-")
        && id[3..].chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
}

/// Applies as the sample applicant with `application` written to a file; returns the ID.
pub(crate) fn apply_value(data: &Path, application: &Value) -> String {
    let file = data.join(format!("app-{}.json", rand_suffix()));
    std::fs::write(&file, serde_json::to_vec_pretty(application).expect("application JSON"))
        .expect("write the application");
    let out = ok_json(data, Some(APPLICANT), &["apply", "--file", file.to_str().expect("UTF-8 path")]);
    let id = out["certificate_id"].as_str().expect("certificate_id").to_owned();
    assert!(is_certificate_id(&id), "bad certificate ID {id}");
    assert_eq!(out["tx_id"].as_str().map(str::len), Some(64), "{out}");
    id
}

pub(crate) fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

/// `verify --json`: (exit code, verdict, full JSON).
pub(crate) fn verify(data: &Path, id: &str) -> (i32, String, Value) {
    let r = nt(data, None, &["--json", "verify", id]);
    assert_no_panic(&r);
    let v = r.json();
    let verdict = v["verdict"].as_str().expect("verdict").to_owned();
    (r.code, verdict, v)
}

pub(crate) fn assert_verdict(data: &Path, id: &str, expected: &str) -> Value {
    let (code, verdict, v) = verify(data, id);
    assert_eq!(verdict, expected, "verdict of {id}: {v}");
    assert_eq!(code, if expected == "VALID" { 0 } else { 2 }, "exit code of verify {id} ({verdict})");
    v
}

pub(crate) fn ids_in_page(page: &Value) -> Vec<String> {
    page["certificates"]
        .as_array()
        .expect("certificates")
        .iter()
        .map(|c| c["id"].as_str().expect("certificate id").to_owned())
        .collect()
}

pub(crate) fn history_actions(data: &Path, id: &str) -> Vec<(String, String)> {
    let h = ok_json(data, None, &["history", id]);
    h.as_array()
        .expect("history")
        .iter()
        .map(|e| {
            assert_eq!(e["tx_id"].as_str().map(str::len), Some(64), "{e}");
            (e["action"].as_str().expect("action").to_owned(), e["status"].as_str().expect("status").to_owned())
        })
        .collect()
}

/// The services whose deployment files (systemd environment files, Containerfiles,
/// Kubernetes manifests) name their configuration: the service, its binary and the
/// arguments that print the `--help` listing every variable it reads (`[env: NAME=]`).
pub(crate) const SERVICES: [(&str, &str, &[&str]); 4] = [
    ("verifier", "nanotrace-verifier", &["serve", "--help"]),
    ("chaincode", "nanotrace-chaincode", &["--help"]),
    ("console", "nanotrace-console", &["serve", "--help"]),
    ("notify", "nanotrace-notify", &["run", "--help"]),
];

/// What `binary` (one of [`SERVICES`], from this build) prints for `help`.
pub(crate) fn help_text(binary: &str, help: &[&str]) -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_nanotrace")).parent().expect("the binaries' folder").to_owned();
    let out = Command::new(bin_dir.join(binary)).args(help).output().expect("run --help");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Panics unless `binary`'s help (`text`) names every variable of `names` as one it reads.
pub(crate) fn assert_reads_env(what: &str, binary: &str, text: &str, names: &[String]) {
    assert!(!names.is_empty(), "{what} sets nothing");
    for name in names {
        assert!(text.contains(&format!("[env: {name}=")), "{what}: {binary} reads no {name}:\n{text}");
    }
}
