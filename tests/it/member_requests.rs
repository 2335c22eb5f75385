//! A member hands its governance admin a request code, never a key: `key request` (the
//! certifier makes its own issuer key) then `key register CODE` (the admin), and
//! `whoami --code` (the member) then `grant CODE ROLE` (the admin). On Fabric the commands
//! that would take another member's private key (`key create`, `grant`/`ungrant` of a
//! connection profile) are refused before anything is read or contacted.

use crate::support::*;
use nanotrace_model::member_request::KeyRequest;

#[test]
fn a_certifier_makes_its_own_key_and_an_admin_registers_it_from_the_code() -> Result<(), serde_json::Error> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path();
    init(data);
    let bob = "bob@certifier";
    assert_eq!(nt(data, Some(ADMIN), &["identity", "create", bob, "--msp", "CertifierMSP"]).code, 0);

    // The member's role request code, granted from by the admin.
    let code = ok_json(data, Some(bob), &["whoami", "--code"])["code"].as_str().expect("a code").to_owned();
    let granted = ok_json(data, Some(ADMIN), &["grant", &code, "certifier"]);
    assert_eq!(granted["role"], "certifier", "{granted}");
    let me = ok_json(data, Some(bob), &["whoami"]);
    assert_eq!(me["roles"], serde_json::json!(["certifier"]), "{me}");

    // Bob makes his key; the code names it and him; nothing is on the trust list yet.
    let before = ok_json(data, None, &["key", "list"]);
    let made = ok_json(data, Some(bob), &["key", "request"]);
    let (key_id, code) = (made["key_id"].as_str().expect("key id"), made["code"].as_str().expect("code"));
    assert_eq!(ok_json(data, None, &["key", "list"]), before, "a request registers nothing");

    // A code whose key ID is not its key's, or no code at all: refused, nothing written.
    let height_before = height(data);
    let mut request = KeyRequest::from_code(code).expect("the code it printed reads");
    assert_eq!((request.key_id.as_str(), &request.holder), (key_id, &serde_json::from_value(me["identity"].clone())?));
    request.key_id = "ik-0000000000000000".into();
    let forged = request.code();
    assert_clean_error(&nt(data, Some(ADMIN), &["key", "register", &forged]), &["is not its public key's"]);
    assert_clean_error(&nt(data, Some(ADMIN), &["key", "register", "alice.key"]), &["not a key request"]);
    // Only an admin registers.
    assert_clean_error(&nt(data, Some(bob), &["key", "register", code]), &["UNAUTHORIZED"]);
    assert_eq!(height(data), height_before, "nothing was written");

    let registered = ok_json(data, Some(ADMIN), &["key", "register", code]);
    assert_eq!(registered["key_id"], key_id, "{registered}");
    let list = ok_json(data, None, &["key", "list"]);
    let entry = list.as_array().expect("a list").iter().find(|k| k["key_id"] == key_id).expect("on the trust list");
    assert_eq!(entry["holder"], me["identity"], "held by the member whose code it was");

    // Bob approves with the key he made.
    let id = apply_value(data, &example_value());
    assert_eq!(nt(data, Some(bob), &["approve", &id]).code, 0);
    assert_verdict(data, &id, "VALID");
    Ok(())
}

#[test]
fn on_fabric_no_command_takes_another_members_private_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let profile = tmp.path().join("certifier-alice.yaml");
    let profile = profile.to_str().expect("utf-8");
    for (args, needles) in [
        (
            vec!["key", "create", profile],
            &["`nanotrace key create` makes a key for another member", "key request --out FILE", "key register CODE"][..],
        ),
        (vec!["grant", profile, "certifier"], &["named by its role request code", "whoami --code"][..]),
        (vec!["ungrant", profile, "auditor"], &["named by its role request code", "whoami --code"][..]),
    ] {
        let mut cmd = command();
        cmd.args(["--network", "fabric", "--profile", "/nonexistent/admin.yaml"]).args(&args);
        let r = run_cmd(cmd);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert_clean_error(&r, needles);
        assert!(!r.stderr.contains("no connection profile"), "refused before the profile is read: {}", r.stderr);
    }
    assert_eq!(std::fs::read_dir(tmp.path()).expect("dir").count(), 0, "nothing created");
}
