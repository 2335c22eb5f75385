//! Bad input: malformed files, unknown identities and certificates, an empty data
//! directory and a closed stdout fail cleanly.

use crate::support::*;
use std::path::Path;
use std::process::Stdio;

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
