//! End-to-end tests of the `nanotrace` binary against temporary data directories.
//!
//! Every test runs the real binary (`CARGO_BIN_EXE_nanotrace`) with its own
//! `tempfile::tempdir()`, parses `--json` output where there is one, and checks exit
//! codes, error messages (one line, no panic) and the ledger height around refusals.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ADMIN: &str = "admin@regulator";
const INSPECTOR: &str = "inspector@regulator";
const CERTIFIER: &str = "alice@certifier";
const APPLICANT: &str = "dave@manufacturer";

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

/// A `nanotrace` command with a clean environment (no inherited NANOTRACE_* settings).
fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nanotrace"));
    for var in ["NANOTRACE_DATA_DIR", "NANOTRACE_IDENTITY", "NANOTRACE_VERIFY_URL", "NANOTRACE_LOG"] {
        cmd.env_remove(var);
    }
    // A panic would then also print a backtrace, which the error checks look for.
    cmd.env("RUST_BACKTRACE", "1");
    cmd.stdin(Stdio::null());
    cmd
}

fn run_cmd(mut cmd: Command) -> Run {
    let out = cmd.output().expect("cannot run nanotrace");
    Run {
        code: out.status.code().expect("nanotrace was killed by a signal"),
        stdout: String::from_utf8(out.stdout).expect("stdout is not UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is not UTF-8"),
    }
}

/// Runs `nanotrace --data-dir <data> [--as <who>] <args>`.
fn nt(data: &Path, who: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = command();
    cmd.arg("--data-dir").arg(data);
    if let Some(who) = who {
        cmd.args(["--as", who]);
    }
    cmd.args(args);
    run_cmd(cmd)
}

/// Runs with `--json`, expects exit 0 and returns the parsed output.
fn ok_json(data: &Path, who: Option<&str>, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let r = nt(data, who, &all);
    assert_eq!(r.code, 0, "nanotrace {args:?} as {who:?} failed:\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r.json()
}

/// Asserts a clean failure: non-zero exit, exactly one stderr line `error: ...`
/// containing every needle, and no panic or backtrace.
fn assert_clean_error(r: &Run, needles: &[&str]) {
    assert_ne!(r.code, 0, "expected a failure, got exit 0:\nstdout:\n{}", r.stdout);
    assert_no_panic(r);
    let err = r.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "expected a one-line error, got:\n{err}");
    assert!(err.starts_with("error: "), "error does not start with `error: `: {err}");
    for needle in needles {
        assert!(err.contains(needle), "error does not mention {needle:?}: {err}");
    }
}

fn assert_no_panic(r: &Run) {
    assert!(!r.stderr.contains("panicked"), "nanotrace panicked:\n{}", r.stderr);
    assert!(!r.stderr.contains("stack backtrace"), "nanotrace printed a backtrace:\n{}", r.stderr);
}

/// The ledger height as `ledger check --json` reports it (the check must pass).
fn height(data: &Path) -> u64 {
    let report = ok_json(data, None, &["ledger", "check"]);
    assert_eq!(report["ok"], Value::Bool(true), "ledger check failed: {report}");
    report["height"].as_u64().expect("height")
}

fn init(data: &Path) {
    let ids = ok_json(data, None, &["init"]);
    let names: Vec<&str> =
        ids.as_array().expect("identity list").iter().map(|p| p[0].as_str().expect("name")).collect();
    for who in [ADMIN, INSPECTOR, CERTIFIER, APPLICANT] {
        assert!(names.contains(&who), "init did not create {who}: {ids}");
    }
}

fn example_application() -> PathBuf {
    // The checkout being tested: cargo sets this when it runs the test. The compile-time
    // value is only a fallback, since a target directory shared between checkouts can
    // hold a test binary built in another one.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("examples/application.json")
}

fn example_value() -> Value {
    serde_json::from_str(&std::fs::read_to_string(example_application()).expect("read example")).expect("example JSON")
}

fn is_certificate_id(id: &str) -> bool {
    id.len() == 15
        && id.starts_with("NT-")
        && id[3..].chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
}

/// Applies as the sample applicant with `application` written to a file; returns the ID.
fn apply_value(data: &Path, application: &Value) -> String {
    let file = data.join(format!("app-{}.json", rand_suffix()));
    std::fs::write(&file, serde_json::to_vec_pretty(application).unwrap()).unwrap();
    let out = ok_json(data, Some(APPLICANT), &["apply", "--file", file.to_str().unwrap()]);
    let id = out["certificate_id"].as_str().expect("certificate_id").to_owned();
    assert!(is_certificate_id(&id), "bad certificate ID {id}");
    assert_eq!(out["tx_id"].as_str().map(str::len), Some(64), "{out}");
    id
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

/// `verify --json`: (exit code, verdict, full JSON).
fn verify(data: &Path, id: &str) -> (i32, String, Value) {
    let r = nt(data, None, &["--json", "verify", id]);
    assert_no_panic(&r);
    let v = r.json();
    let verdict = v["verdict"].as_str().expect("verdict").to_owned();
    (r.code, verdict, v)
}

fn assert_verdict(data: &Path, id: &str, expected: &str) -> Value {
    let (code, verdict, v) = verify(data, id);
    assert_eq!(verdict, expected, "verdict of {id}: {v}");
    assert_eq!(code, if expected == "VALID" { 0 } else { 2 }, "exit code of verify {id} ({verdict})");
    v
}

fn ids_in_page(page: &Value) -> Vec<String> {
    page["certificates"]
        .as_array()
        .expect("certificates")
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn history_actions(data: &Path, id: &str) -> Vec<(String, String)> {
    let h = ok_json(data, None, &["history", id]);
    h.as_array()
        .expect("history")
        .iter()
        .map(|e| {
            assert_eq!(e["tx_id"].as_str().map(str::len), Some(64), "{e}");
            (e["action"].as_str().unwrap().to_owned(), e["status"].as_str().unwrap().to_owned())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// demo
// ---------------------------------------------------------------------------------------

fn check_demo_output(r: &Run) -> (String, PathBuf) {
    assert_eq!(r.code, 0, "demo failed:\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert_no_panic(r);
    let out = &r.stdout;
    let valid = out.find("VALID").expect("demo never says VALID");
    let suspended = out.find("SUSPENDED").expect("demo never says SUSPENDED");
    let revoked = out.find("REVOKED").expect("demo never says REVOKED");
    assert!(valid < suspended && suspended < revoked, "VALID, SUSPENDED, REVOKED out of order:\n{out}");
    assert!(out.contains("hash chain intact"), "{out}");
    let explore = out.lines().find(|l| l.starts_with("Explore further:")).expect("no `Explore further` line");
    let id = explore.rsplit(' ').next().unwrap().to_owned();
    assert!(is_certificate_id(&id), "bad certificate ID {id:?} in {explore:?}");
    assert!(out.contains(&format!("http://127.0.0.1:8080/c/{id}")), "no verification URL for {id}:\n{out}");
    let dir = explore
        .strip_prefix("Explore further: nanotrace --data-dir ")
        .and_then(|rest| rest.strip_suffix(&format!(" verify {id}")))
        .expect("cannot find the data directory in the `Explore further` line");
    (id, PathBuf::from(dir))
}

#[test]
fn demo_runs_the_lifecycle_in_the_given_data_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("demo");
    let mut cmd = command();
    cmd.arg("demo").arg("--data-dir").arg(&data);
    let r = run_cmd(cmd);
    let (id, dir) = check_demo_output(&r);
    assert_eq!(dir, data);
    // The data directory is left for exploring, as the output says.
    assert_verdict(&data, &id, "REVOKED");
    assert!(height(&data) > 0);
}

#[test]
fn demo_without_data_dir_uses_a_temporary_directory() {
    // std::env::temp_dir() honours TMPDIR: point it at our own temporary directory.
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = command();
    cmd.arg("demo").env("TMPDIR", tmp.path()).current_dir(tmp.path());
    let r = run_cmd(cmd);
    let (id, dir) = check_demo_output(&r);
    assert!(
        dir.starts_with(tmp.path()),
        "demo data dir {} is not under TMPDIR {}",
        dir.display(),
        tmp.path().display()
    );
    assert!(dir.join("ledger").is_dir(), "no ledger in {}", dir.display());
    assert!(!tmp.path().join("nanotrace-data").exists(), "demo wrote the default data dir");
    assert_verdict(&dir, &id, "REVOKED");
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------------------
// the lifecycle through subcommands
// ---------------------------------------------------------------------------------------

#[test]
fn full_lifecycle_through_subcommands() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let file = example_application();
    let file = file.to_str().unwrap();

    // Apply.
    let applied = ok_json(data, Some(APPLICANT), &["apply", "--file", file]);
    let id = applied["certificate_id"].as_str().unwrap().to_owned();
    assert!(is_certificate_id(&id), "{applied}");
    assert_verdict(data, &id, "PENDING");

    // The certifier's queue and the manufacturer's list.
    let queue = ok_json(data, Some(CERTIFIER), &["queue"]);
    assert_eq!(ids_in_page(&queue), vec![id.clone()]);
    assert_eq!(queue["certificates"][0]["status"], "PENDING");
    let text = nt(data, Some(CERTIFIER), &["queue"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains(&id) && text.stdout.contains("PENDING"), "{}", text.stdout);
    let mine = ok_json(data, Some(APPLICANT), &["mine"]);
    assert_eq!(ids_in_page(&mine), vec![id.clone()]);

    // Approve.
    let approved = ok_json(data, Some(CERTIFIER), &["approve", &id]);
    assert_eq!(approved["certificate_id"], id.as_str());
    let v = assert_verdict(data, &id, "VALID");
    assert_eq!(v["certificate"]["status"], "ACTIVE");
    assert!(ok_json(data, Some(CERTIFIER), &["queue"])["certificates"].as_array().unwrap().is_empty());
    let text = nt(data, None, &["verify", &id]);
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("VALID"), "{}", text.stdout);

    // Show.
    let cert = ok_json(data, None, &["show", &id]);
    assert_eq!(cert["id"], id.as_str());
    assert_eq!(cert["status"], "ACTIVE");
    assert_eq!(cert["manufacturer_msp"], "ManufacturerMSP");
    assert_eq!(cert["issuance"]["issuer_org"], "CertifierMSP");
    assert_eq!(cert["application"], example_value());
    let text = nt(data, None, &["show", &id]);
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains(&format!("Certificate {id}")), "{}", text.stdout);
    assert!(text.stdout.contains("SolarShield"), "{}", text.stdout);

    // Suspend and reinstate.
    let suspended = ok_json(data, Some(CERTIFIER), &["suspend", &id, "--reason", "lab audit pending"]);
    assert_eq!(suspended["status"], "SUSPENDED");
    let v = assert_verdict(data, &id, "SUSPENDED");
    assert!(v["reason"].as_str().unwrap().contains("lab audit pending"), "{v}");
    ok_json(data, Some(CERTIFIER), &["reinstate", &id, "--reason", "audit passed"]);
    assert_verdict(data, &id, "VALID");

    // A new SDS revision suspends the certificate until a certifier re-signs it.
    let sha = "a".repeat(64);
    let updated = ok_json(
        data,
        Some(APPLICANT),
        &[
            "update-sds",
            &id,
            "--url",
            "https://sds.example.com/solarshield/tio2-nano-rev4.pdf",
            "--sha256",
            &sha,
            "--revision",
            "4",
        ],
    );
    assert_eq!(updated["status"], "SUSPENDED");
    assert_eq!(updated["resign_required"], true);
    assert_verdict(data, &id, "SUSPENDED");
    let reinstated = ok_json(data, Some(CERTIFIER), &["reinstate", &id, "--reason", "SDS rev 4 reviewed"]);
    assert_eq!(reinstated["status"], "ACTIVE");
    assert_eq!(reinstated["resign_required"], false);
    assert_verdict(data, &id, "VALID");
    let cert = ok_json(data, None, &["show", &id]);
    assert_eq!(cert["application"]["sds"]["revision"], 4);
    assert_eq!(cert["application"]["sds"]["sha256"], sha.as_str());

    // Renew: the old version is superseded, the new one is valid.
    let renewed = ok_json(data, Some(CERTIFIER), &["renew", &id]);
    assert_eq!(renewed["superseded"], id.as_str());
    let new_id = renewed["certificate_id"].as_str().unwrap().to_owned();
    assert!(is_certificate_id(&new_id) && new_id != id, "{renewed}");
    let v = assert_verdict(data, &id, "SUPERSEDED");
    assert_eq!(v["superseded_by"], new_id.as_str());
    let v = assert_verdict(data, &new_id, "VALID");
    assert_eq!(v["certificate"]["version"], 2);
    assert_eq!(v["certificate"]["supersedes"], id.as_str());

    // Revoke the new version.
    let revoked = ok_json(data, Some(CERTIFIER), &["revoke", &new_id, "--reason", "contaminated batch"]);
    assert_eq!(revoked["status"], "REVOKED");
    assert_verdict(data, &new_id, "REVOKED");

    // The audit trails have every step, newest first.
    let actions = history_actions(data, &id);
    let expected = [
        ("superseded", "SUPERSEDED"),
        ("reinstated", "ACTIVE"),
        ("sds_updated", "SUSPENDED"),
        ("reinstated", "ACTIVE"),
        ("suspended", "SUSPENDED"),
        ("approved", "ACTIVE"),
        ("applied", "PENDING"),
    ];
    assert_eq!(actions, expected.map(|(a, s)| (a.to_owned(), s.to_owned())).to_vec());
    let actions = history_actions(data, &new_id);
    assert_eq!(
        actions,
        vec![("revoked".to_owned(), "REVOKED".to_owned()), ("renewed".to_owned(), "ACTIVE".to_owned())]
    );
    let text = nt(data, None, &["history", &id]);
    assert_eq!(text.code, 0);
    assert!(
        text.stdout.contains(&format!("History of {id}")) && text.stdout.contains("by alice@certifier (CertifierMSP)"),
        "{}",
        text.stdout
    );

    // Another application, rejected.
    let mut other = example_value();
    other["batch"] = "LOT-2026-0412-B".into();
    let other_id = apply_value(data, &other);
    let rejected = ok_json(data, Some(CERTIFIER), &["reject", &other_id, "--reason", "particle data incomplete"]);
    assert_eq!(rejected["status"], "REJECTED");
    let v = assert_verdict(data, &other_id, "REJECTED");
    assert!(v["reason"].as_str().unwrap().contains("particle data incomplete"), "{v}");

    // A well-formed ID that was never recorded.
    let v = assert_verdict(data, "NT-AAAAAAAAAAAA", "UNKNOWN");
    assert!(v.get("certificate").is_none(), "{v}");

    // The ledger: 7 blocks of setup, then apply, approve, suspend, reinstate, update-sds,
    // reinstate, renew, revoke, apply, reject.
    let report = ok_json(data, None, &["ledger", "check"]);
    assert_eq!(report["ok"], true);
    assert_eq!(report["height"], 17, "{report}");
    assert_eq!(report["entries_checked"], 17, "{report}");
    assert!(report["problems"].as_array().unwrap().is_empty());
    let text = nt(data, None, &["ledger", "check"]);
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("Ledger OK: 17 blocks"), "{}", text.stdout);

    let log = ok_json(data, None, &["ledger", "log", "--limit", "1000"]);
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 17);
    let functions: Vec<&str> = log.iter().map(|e| e["function"].as_str().unwrap()).collect();
    assert_eq!(
        functions[7..],
        ["Apply", "Approve", "Suspend", "Reinstate", "UpdateSds", "Reinstate", "Renew", "Revoke", "Apply", "Reject"]
    );
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e["block"], i as u64 + 1);
        if i > 0 {
            assert_eq!(e["prev_hash"], log[i - 1]["hash"], "chain broken at block {}", i + 1);
        }
    }
    assert_eq!(log[16]["hash"], report["head_hash"]);
    let page = ok_json(data, None, &["ledger", "log", "--from", "8", "--limit", "2"]);
    assert_eq!(page.as_array().unwrap().iter().map(|e| e["block"].as_u64().unwrap()).collect::<Vec<_>>(), vec![8, 9]);
    let text = nt(data, None, &["ledger", "log"]);
    assert_eq!(text.code, 0);
    assert_eq!(text.stdout.lines().count(), 17, "{}", text.stdout);
    assert!(text.stdout.lines().next().unwrap().starts_with("#1 "), "{}", text.stdout);
    assert!(text.stdout.contains("CertificateRevoked"), "{}", text.stdout);

    // Who am I, the trust list, the QR code.
    let me = ok_json(data, Some(CERTIFIER), &["whoami"]);
    assert_eq!(me["identity"]["msp_id"], "CertifierMSP");
    assert_eq!(me["roles"], serde_json::json!(["certifier"]));
    assert_eq!(me["organization"]["kind"], "certifier");
    let text = nt(data, Some(APPLICANT), &["whoami"]);
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("roles: none") && text.stdout.contains("Acme Nanomaterials GmbH"), "{}", text.stdout);

    let keys = ok_json(data, None, &["key", "list"]);
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys[0]["key_id"].as_str().unwrap().starts_with("ik-"));
    assert_eq!(keys[0]["holder"]["msp_id"], "CertifierMSP");
    assert_eq!(cert["issuance"]["issuer_key_id"], keys[0]["key_id"]);
    let text = nt(data, None, &["key", "list"]);
    assert!(text.stdout.contains("Issuer trust list: 1 key(s)"), "{}", text.stdout);

    let qr = nt(data, None, &["qr", &id]);
    assert_eq!(qr.code, 0, "{}", qr.stderr);
    // The URL carries the offline token of the issued certificate.
    let url = format!("http://127.0.0.1:8080/c/{id}?t=");
    let last = qr.stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with(&url) && last.len() > url.len() + 100, "{last}");
    assert!(qr.stdout.lines().count() > 10, "no QR code drawn:\n{}", qr.stdout);
    let qr = ok_json(data, None, &["--verify-url", "https://verify.example.org/", "qr", &id]);
    let url = qr["url"].as_str().unwrap_or_default();
    assert!(url.starts_with(&format!("https://verify.example.org/c/{id}?t=")), "{url}");
    assert_clean_error(&nt(data, None, &["qr", "nt-lowercase00"]), &["certificate ID"]);

    // Queries wrote nothing.
    assert_eq!(height(data), 17);
}

// ---------------------------------------------------------------------------------------
// authorization
// ---------------------------------------------------------------------------------------

#[test]
fn refusals_are_clean_errors_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let pending = apply_value(data, &example_value());
    let mut other = example_value();
    other["batch"] = "LOT-2026-0412-C".into();
    let issued = apply_value(data, &other);
    ok_json(data, Some(CERTIFIER), &["approve", &issued]);
    let before = height(data);

    // A manufacturer has no issuer key of its own...
    assert_clean_error(&nt(data, Some(APPLICANT), &["approve", &pending]), &["issuer key", APPLICANT]);
    // ...and even with the certifier's key file the contract refuses: no certifier role.
    assert_clean_error(
        &nt(data, Some(APPLICANT), &["approve", &pending, "--key", CERTIFIER]),
        &["UNAUTHORIZED:", "certifier role", APPLICANT],
    );
    assert_clean_error(&nt(data, Some(APPLICANT), &["renew", &issued, "--key", CERTIFIER]), &["UNAUTHORIZED:"]);
    assert_clean_error(&nt(data, Some(APPLICANT), &["reject", &pending, "--reason", "mine"]), &["UNAUTHORIZED:"]);
    assert_clean_error(&nt(data, Some(APPLICANT), &["revoke", &issued, "--reason", "mine"]), &["UNAUTHORIZED:"]);
    // An auditor reads everything and changes nothing.
    assert_clean_error(
        &nt(data, Some(INSPECTOR), &["suspend", &issued, "--reason", "spot check"]),
        &["UNAUTHORIZED:", "certifier role", INSPECTOR],
    );
    assert!(ok_json(data, Some(INSPECTOR), &["queue"])["certificates"].as_array().unwrap().len() == 1);
    // A certifier cannot apply, grant roles or register organisations.
    assert_clean_error(
        &nt(data, Some(CERTIFIER), &["apply", "--file", example_application().to_str().unwrap()]),
        &["UNAUTHORIZED:"],
    );
    assert_clean_error(&nt(data, Some(CERTIFIER), &["grant", CERTIFIER, "admin"]), &["UNAUTHORIZED:"]);
    assert_clean_error(
        &nt(data, Some(APPLICANT), &["register-org", "EvilMSP", "--name", "Evil", "--kind", "certifier"]),
        &["UNAUTHORIZED:"],
    );
    // An SDS revision must be newer than the recorded one.
    let sha = "b".repeat(64);
    assert_clean_error(
        &nt(
            data,
            Some(APPLICANT),
            &["update-sds", &issued, "--url", "https://sds.example.com/a.pdf", "--sha256", &sha, "--revision", "2"],
        ),
        &["revision"],
    );

    assert_eq!(height(data), before, "a refused transaction changed the ledger");
    assert_verdict(data, &pending, "PENDING");
    assert_verdict(data, &issued, "VALID");
}

// ---------------------------------------------------------------------------------------
// bad input
// ---------------------------------------------------------------------------------------

#[test]
fn bad_applications_are_refused_with_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let before = height(data);
    let apply = |file: &Path| nt(data, Some(APPLICANT), &["apply", "--file", file.to_str().unwrap()]);

    let malformed = tmp.path().join("malformed.json");
    std::fs::write(&malformed, "{\"product_name\": \"SolarShield\",\n").unwrap();
    assert_clean_error(&apply(&malformed), &["malformed.json", "not a valid application", "EOF"]);

    let mut unknown = example_value();
    unknown["colour"] = "white".into();
    let unknown_file = tmp.path().join("unknown.json");
    std::fs::write(&unknown_file, serde_json::to_vec(&unknown).unwrap()).unwrap();
    assert_clean_error(&apply(&unknown_file), &["unknown field `colour`"]);

    let mut bad_cas = example_value();
    bad_cas["nanomaterial"]["cas_number"] = "13463-67-8".into();
    let bad_cas_file = tmp.path().join("bad-cas.json");
    std::fs::write(&bad_cas_file, serde_json::to_vec(&bad_cas).unwrap()).unwrap();
    assert_clean_error(&apply(&bad_cas_file), &["VALIDATION:", "nanomaterial.cas_number", "check digit"]);

    let mut bad_gtin = example_value();
    bad_gtin["gtin"] = "4006381333932".into();
    let bad_gtin_file = tmp.path().join("bad-gtin.json");
    std::fs::write(&bad_gtin_file, serde_json::to_vec(&bad_gtin).unwrap()).unwrap();
    assert_clean_error(&apply(&bad_gtin_file), &["VALIDATION:", "gtin", "check digit"]);

    let missing = tmp.path().join("does-not-exist.json");
    assert_clean_error(&apply(&missing), &["cannot read", "does-not-exist.json"]);

    // Unknown identity: the error lists the known ones.
    assert_clean_error(
        &nt(data, Some("nobody"), &["apply", "--file", example_application().to_str().unwrap()]),
        &["nobody", ADMIN, CERTIFIER, APPLICANT, INSPECTOR],
    );
    assert_clean_error(&nt(data, Some("nobody"), &["whoami"]), &["no identity named \"nobody\"", APPLICANT]);
    // No identity at all for a submit.
    assert_clean_error(&nt(data, None, &["apply", "--file", example_application().to_str().unwrap()]), &["--as"]);
    assert_clean_error(&nt(data, None, &["suspend", "NT-AAAAAAAAAAAA", "--reason", "x"]), &["--as"]);

    // Malformed certificate IDs and unknown certificates.
    assert_clean_error(&nt(data, Some(CERTIFIER), &["approve", "not-an-id"]), &["certificate"]);
    assert_clean_error(
        &nt(data, Some(CERTIFIER), &["suspend", "NT-AAAAAAAAAAAA", "--reason", "x"]),
        &["NT-AAAAAAAAAAAA"],
    );
    assert_clean_error(&nt(data, None, &["show", "NT-AAAAAAAAAAAA"]), &["NT-AAAAAAAAAAAA"]);

    assert_eq!(height(data), before, "a refused application changed the ledger");
    assert!(ok_json(data, Some(APPLICANT), &["mine"])["certificates"].as_array().unwrap().is_empty());
}

#[test]
fn commands_on_an_empty_data_dir_fail_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("empty");
    assert_clean_error(&nt(&data, None, &["verify", "NT-AAAAAAAAAAAA"]), &["nanotrace init"]);
    init(&data);
    // A second init refuses instead of forking the network.
    assert_clean_error(&nt(&data, None, &["init"]), &["already holds a ledger"]);
}

#[test]
fn closed_stdout_is_not_a_panic() {
    // `nanotrace ledger log | head -1`: the reader goes away before nanotrace writes.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let mut cmd = command();
    cmd.arg("--data-dir").arg(data).args(["--json", "ledger", "log"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "nanotrace panicked on a closed stdout:\n{stderr}");
}

// ---------------------------------------------------------------------------------------
// batch
// ---------------------------------------------------------------------------------------

#[test]
fn batch_apply_and_approve() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let before = height(data);

    // 250 applications; lines 17, 120 and 233 carry a GTIN with a wrong check digit.
    let bad_lines = [17usize, 120, 233];
    let mut lines = Vec::new();
    for line in 1..=250usize {
        let mut app = example_value();
        app["batch"] = format!("LOT-2026-{line:04}").into();
        if bad_lines.contains(&line) {
            app["gtin"] = "4006381333932".into();
        }
        lines.push(serde_json::to_string(&app).unwrap());
    }
    let file = tmp.path().join("applications.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    let r =
        nt(data, Some(APPLICANT), &["--json", "batch", "apply", "--file", file.to_str().unwrap(), "--chunk", "100"]);
    assert_no_panic(&r);
    assert_ne!(r.code, 0, "a batch with failures must exit non-zero");
    let summary = r.json();
    let committed = summary["committed"].as_array().unwrap();
    let failed = summary["failed"].as_array().unwrap();
    assert_eq!(committed.len(), 247, "{summary}");
    assert_eq!(failed.len(), 3, "{summary}");
    let failed_lines: Vec<u64> = failed.iter().map(|f| f[0].as_u64().unwrap()).collect();
    assert_eq!(failed_lines, bad_lines.map(|l| l as u64).to_vec());
    for f in failed {
        let reason = f[1].as_str().unwrap();
        assert!(reason.contains("VALIDATION") && reason.contains("gtin") && reason.contains("check digit"), "{reason}");
    }
    let mut ids: Vec<String> = Vec::new();
    for c in committed {
        let line = c[0].as_u64().unwrap() as usize;
        assert!(!bad_lines.contains(&line));
        let id = c[1].as_str().unwrap();
        assert!(is_certificate_id(id), "{id}");
        ids.push(id.to_owned());
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 247, "duplicate certificate IDs");
    assert_eq!(height(data), before + 247, "each good application commits once");
    let pending = ok_json(data, Some(CERTIFIER), &["queue", "--page-size", "1000"]);
    assert_eq!(pending["certificates"].as_array().unwrap().len(), 247);

    // The text summary names the failed lines too (exit code non-zero as well): run it
    // on a file holding just the bad lines.
    let bad_only = tmp.path().join("bad.jsonl");
    std::fs::write(&bad_only, format!("# only bad ones\n\n{}\n", lines[16])).unwrap();
    let r = nt(data, Some(APPLICANT), &["batch", "apply", "--file", bad_only.to_str().unwrap()]);
    assert_no_panic(&r);
    assert_ne!(r.code, 0);
    assert!(r.stdout.contains("Committed 0 item(s)") && r.stdout.contains("1 failed"), "{}", r.stdout);
    assert!(r.stdout.contains("line 3: VALIDATION"), "{}", r.stdout);
    assert_eq!(height(data), before + 247);

    // Approve all 247, one ID per line.
    let id_file = tmp.path().join("ids.txt");
    std::fs::write(&id_file, ids.join("\n") + "\n").unwrap();
    let summary =
        ok_json(data, Some(CERTIFIER), &["batch", "approve", "--file", id_file.to_str().unwrap(), "--chunk", "100"]);
    assert_eq!(summary["committed"].as_array().unwrap().len(), 247, "{summary}");
    assert!(summary["failed"].as_array().unwrap().is_empty(), "{summary}");
    assert_eq!(summary["transactions"], 3, "{summary}");
    assert_eq!(height(data), before + 247 + 3);
    let active = ok_json(data, Some(CERTIFIER), &["queue", "--status", "ACTIVE", "--page-size", "1000"]);
    let mut active_ids = ids_in_page(&active);
    active_ids.sort();
    assert_eq!(active_ids, unique);
    assert!(ok_json(data, Some(CERTIFIER), &["queue", "--page-size", "1000"])["certificates"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_verdict(data, &ids[0], "VALID");
    assert_verdict(data, &ids[246], "VALID");

    // Approving them again fails item by item, nothing commits.
    let h = height(data);
    let r = nt(data, Some(CERTIFIER), &["--json", "batch", "approve", "--file", id_file.to_str().unwrap()]);
    assert_no_panic(&r);
    assert_ne!(r.code, 0);
    assert_eq!(r.json()["failed"].as_array().unwrap().len(), 247);
    assert_eq!(height(data), h);

    // A file with a malformed line: nothing is submitted.
    let mut with_bad = lines[..5].to_vec();
    with_bad.insert(2, "{\"product_name\": \"half a line\"".to_owned());
    let malformed = tmp.path().join("malformed.jsonl");
    std::fs::write(&malformed, with_bad.join("\n")).unwrap();
    let r = nt(data, Some(APPLICANT), &["batch", "apply", "--file", malformed.to_str().unwrap()]);
    assert_no_panic(&r);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.starts_with("error: ") && r.stderr.contains("line 3") && r.stderr.contains("nothing submitted"),
        "{}",
        r.stderr
    );
    assert_eq!(height(data), h, "a malformed batch file submitted something");

    // Bad chunk sizes are refused up front.
    let r = nt(data, Some(APPLICANT), &["batch", "apply", "--file", file.to_str().unwrap(), "--chunk", "0"]);
    assert_clean_error(&r, &["--chunk"]);
    let r = nt(data, Some(APPLICANT), &["batch", "apply", "--file", file.to_str().unwrap(), "--chunk", "1001"]);
    assert_clean_error(&r, &["--chunk"]);
    assert_eq!(height(data), h);
}

// ---------------------------------------------------------------------------------------
// tampering
// ---------------------------------------------------------------------------------------

#[test]
fn ledger_check_detects_a_tampered_log_entry() {
    use nanotrace_ledger::column_families::CF_LOG;

    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let id = apply_value(data, &example_value());
    ok_json(data, Some(CERTIFIER), &["approve", &id]);
    ok_json(data, Some(CERTIFIER), &["suspend", &id, "--reason", "audit"]);
    let h = height(data);
    assert_eq!(h, 10);

    // Rewrite block 8 (the Apply) as if another organisation had sent it, without
    // fixing its hash. The CLI is not running: the database is ours.
    const BLOCK: u64 = 8;
    {
        let ledger = nanotrace_ledger::Ledger::open(&data.join("ledger")).expect("open the ledger");
        let db = ledger.raw_db();
        let cf = db.cf_handle(CF_LOG).expect("log column family");
        let key = BLOCK.to_be_bytes();
        let stored = db.get_cf(cf, key).unwrap().expect("block 8 is in the log");
        let mut entry: Value = serde_json::from_slice(&stored).unwrap();
        assert_eq!(entry["block"], BLOCK);
        assert_eq!(entry["function"], "Apply");
        entry["creator_msp"] = "CertifierMSP".into();
        db.put_cf(cf, key, serde_json::to_vec(&entry).unwrap()).unwrap();
    }

    let r = nt(data, None, &["ledger", "check"]);
    assert_no_panic(&r);
    assert_ne!(r.code, 0, "ledger check passed a tampered ledger:\n{}", r.stdout);
    assert!(r.stdout.contains("TAMPERED"), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("block {BLOCK}: log entry hash mismatch")), "{}", r.stdout);

    let r = nt(data, None, &["--json", "ledger", "check"]);
    assert_ne!(r.code, 0);
    let report = r.json();
    assert_eq!(report["ok"], false);
    let problems = report["problems"].as_array().unwrap();
    assert!(!problems.is_empty());
    assert!(problems.iter().all(|p| p["block"] == BLOCK), "problems outside block {BLOCK}: {report}");

    // The rest of the CLI still reads the ledger; it is `check` that tells.
    assert_eq!(nt(data, None, &["ledger", "log"]).code, 0);
}

#[test]
fn offline_token_from_the_qr_verifies_without_the_ledger() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    init(&data);
    let id = apply_value(&data, &example_value());
    let r = nt(&data, Some("alice@certifier"), &["approve", &id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let qr = ok_json(&data, None, &["qr", &id]);
    let url = qr["url"].as_str().expect("url").to_owned();
    assert!(url.contains(&format!("/c/{id}?t=")), "{url}");
    let trust = nt(&data, None, &["--json", "key", "list"]);
    assert_eq!(trust.code, 0);
    let trust_file = tmp.path().join("trust.json");
    std::fs::write(&trust_file, &trust.stdout).expect("write trust list");
    let trust_arg = trust_file.to_str().expect("utf-8 path");

    // No data directory at all: the check needs only the token and the trust list.
    let elsewhere = tmp.path().join("no-ledger-here");
    let r = nt(&elsewhere, None, &["--json", "verify", "--offline", &url, "--trust-list", trust_arg]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["certificate_id"], id.as_str());
    assert_eq!(v["expired"], false);
    assert!(!elsewhere.exists(), "offline verification must not create a data directory");

    // The bare token works too; an altered one is refused with a clear error.
    let token = url.split("t=").nth(1).expect("token").to_owned();
    let r = nt(&elsewhere, None, &["verify", "--offline", &token, "--trust-list", trust_arg]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("AUTHENTIC"), "{}", r.stdout);
    let mut forged = token.clone().into_bytes();
    let i = forged.len() - 10;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).expect("ascii");
    let r = nt(&elsewhere, None, &["verify", "--offline", &forged, "--trust-list", trust_arg]);
    assert_clean_error(&r, &["token rejected", "forged or altered"]);
    let r = nt(&elsewhere, None, &["verify", "--offline", &token, "--trust-list", "/nonexistent/trust.json"]);
    assert_clean_error(&r, &["cannot read trust list"]);
}
