//! `--network fabric` without a network: a missing, absent or bad connection profile,
//! and the commands that need the embedded ledger, each fail with one clear line and
//! exit code 1, before anything is contacted or any data directory is created.

use crate::support::*;

fn fabric(args: &[&str]) -> Run {
    let mut cmd = command();
    cmd.args(["--network", "fabric"]);
    cmd.args(args);
    run_cmd(cmd)
}

#[test]
fn a_missing_profile_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-profile.yaml");
    let missing = missing.to_str().unwrap();
    for args in [
        vec!["--profile", missing, "whoami"],
        vec!["--profile", missing, "verify", "NT-AAAAAAAAAAAA"],
        vec!["--profile", missing, "apply", "--file", "examples/application.json"],
        vec!["--profile", missing, "approve", "NT-AAAAAAAAAAAA", "--key", "alice.key"],
        vec!["--profile", missing, "batch", "apply", "--file", "apps.jsonl"],
    ] {
        let r = fabric(&args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert_clean_error(&r, &["no connection profile at", "no-such-profile.yaml", "scripts/network.sh up"]);
    }
    // The profile also comes from the environment.
    let mut cmd = command();
    cmd.env("NANOTRACE_NETWORK", "fabric").env("NANOTRACE_PROFILE", missing).arg("show").arg("NT-AAAAAAAAAAAA");
    let r = run_cmd(cmd);
    assert_eq!(r.code, 1);
    assert_clean_error(&r, &["no connection profile at", "no-such-profile.yaml"]);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "nothing created");
}

#[test]
fn no_profile_and_a_bad_profile_are_clear_errors() {
    let r = fabric(&["whoami"]);
    assert_eq!(r.code, 1);
    assert_clean_error(&r, &["--network fabric needs a connection profile", "--profile PATH", "NANOTRACE_PROFILE"]);

    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(&bad, "name: manufacturer-dave\n").unwrap();
    let r = fabric(&["--profile", bad.to_str().unwrap(), "whoami"]);
    assert_eq!(r.code, 1);
    assert_clean_error(&r, &["bad connection profile", "bad.yaml", "network/profiles/README.md", "channel"]);

    // A well-formed profile whose identity files are not there.
    let gone = tmp.path().join("gone.yaml");
    std::fs::write(
        &gone,
        "name: manufacturer-dave\nchannel: nanotrace\nchaincode: nanotrace\nidentity:\n  msp_id: ManufacturerMSP\n  \
         cert: /nonexistent/cert.pem\n  key: /nonexistent/priv_sk\ngateway:\n  address: 127.0.0.1:1\n",
    )
    .unwrap();
    let r = fabric(&["--profile", gone.to_str().unwrap(), "whoami"]);
    assert_eq!(r.code, 1);
    assert_clean_error(&r, &["bad connection profile", "gone.yaml", "/nonexistent/"]);
}

#[test]
fn embedded_only_commands_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for (args, name) in [
        (vec!["init"], "init"),
        (vec!["demo"], "demo"),
        (vec!["identity", "list"], "identity"),
        (vec!["ledger", "check"], "ledger check"),
        (vec!["ledger", "log"], "ledger log"),
    ] {
        let mut all = vec!["--data-dir", data.to_str().unwrap()];
        all.extend(args);
        let r = fabric(&all);
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        assert_clean_error(&r, &[&format!("`nanotrace {name}` works on the embedded ledger only"), "--network fabric"]);
    }
    assert!(!data.exists(), "no data directory is created with --network fabric");
}

#[test]
fn an_unknown_network_is_a_usage_error() {
    let mut cmd = command();
    cmd.args(["--network", "fabrik", "whoami"]);
    let r = run_cmd(cmd);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("possible values: embedded, fabric"), "{}", r.stderr);
}

#[test]
fn fabric_only_flags_and_bootstrap_on_the_embedded_ledger() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let out = data.join("alice.key");
    let r = nt(data, Some(CERTIFIER), &["key", "request", "--out", out.to_str().unwrap()]);
    assert_clean_error(&r, &["--out is for --network fabric"]);
    assert!(!out.exists());
    // `init` bootstrapped the ledger already.
    assert_clean_error(&nt(data, Some(ADMIN), &["bootstrap"]), &["CONFLICT"]);
}

#[test]
fn events_is_for_fabric_and_needs_follow() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // On the embedded ledger: one clear line, no data directory created.
    let mut cmd = command();
    cmd.args(["--data-dir", data.to_str().unwrap(), "events", "--follow"]);
    let r = run_cmd(cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_clean_error(
        &r,
        &["`nanotrace events` follows the chaincode events of a Fabric network", "--network fabric"],
    );
    assert!(!data.exists(), "nothing created");
    // Without --follow: a usage error that names it.
    let mut cmd = command();
    cmd.args(["--data-dir", data.to_str().unwrap(), "events"]);
    let r = run_cmd(cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--follow"), "{}", r.stderr);
    // On Fabric, a missing profile is the usual clear error, before anything is contacted.
    let r = fabric(&["--profile", tmp.path().join("none.yaml").to_str().unwrap(), "events", "--follow"]);
    assert_eq!(r.code, 1);
    assert_clean_error(&r, &["no connection profile at"]);
}
