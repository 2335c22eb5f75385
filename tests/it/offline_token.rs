//! `nanotrace verify --offline`: the QR code's token checked against a saved trust list,
//! with no ledger at all.

use crate::support::*;

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
