//! `nanotrace ca` against a real `fabric-ca-server` (TLS on): the member lifecycle in
//! commands — the admin enrolls into a wallet, registers erin, erin enrolls into hers
//! (key 0600, made locally), re-enrolls with a new key, is listed, and is revoked with
//! the CRL written; and the clear errors, each changing nothing: a bad secret, an
//! existing wallet, a non-registrar, a revoked member.

use crate::support::*;
use nanotrace_testkit::fabric_ca::CaServer;
use std::path::{Path, PathBuf};

/// `nanotrace --json ca ARGS`.
fn ca(args: &[&str]) -> Run {
    let mut cmd = command();
    cmd.args(["--json", "ca"]).args(args);
    run_cmd(cmd)
}

fn ok(args: &[&str]) -> serde_json::Value {
    let r = ca(args);
    assert_eq!(r.code, 0, "nanotrace ca {args:?}:\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r.json()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Every file of a folder with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn the_member_lifecycle_in_commands() {
    let Some(server) = CaServer::start_or_skip("nanotrace ca against a real fabric-ca-server") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = server.ca_cert_path();
    let (admin, erin) = (tmp.path().join("admin"), tmp.path().join("erin"));
    let enroll = |id: &str, secret: &str, wallet: &Path| {
        ca(&[
            "enroll",
            "--url",
            &server.url,
            "--tls-root",
            s(&root),
            "--id",
            id,
            "--secret",
            secret,
            "--wallet",
            s(wallet),
        ])
    };

    // A bad secret: the CA's code and message, and no wallet.
    let r = enroll("admin", "wrong", &admin);
    assert_clean_error(&r, &["the CA refused enroll admin", "code 20", "Authentication failure"]);
    assert!(!admin.exists(), "nothing written when the CA refuses");

    let out = enroll("admin", "adminpw", &admin);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = out.json();
    assert_eq!(out["enrollment_id"], "admin");
    assert!(out["subject"].as_str().unwrap().contains("CN=admin"), "{out}");
    for file in ["key.pem", "cert.pem", "ca-chain.pem", "ca-tls.pem", "ca.json"] {
        assert!(admin.join(file).exists(), "{file}");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(admin.join("key.pem")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the key is the owner's alone");
    // An existing wallet is never overwritten.
    let before = snapshot(&admin);
    assert_clean_error(&enroll("admin", "adminpw", &admin), &["already holds a wallet"]);
    assert_eq!(snapshot(&admin), before);

    // The admin registers erin; erin enrolls into her own wallet.
    let reg = ok(&["register", "--wallet", s(&admin), "--id", "erin", "--affiliation", "org1.department1"]);
    assert_eq!(reg["enrollment_id"], "erin");
    let secret = reg["secret"].as_str().unwrap().to_owned();
    assert_eq!(enroll("erin", &secret, &erin).code, 0);
    let key_before = std::fs::read_to_string(erin.join("key.pem")).unwrap();
    assert!(!std::fs::read_to_string(admin.join("key.pem")).unwrap().contains(key_before.trim()), "two keys");

    // The same enrollment acts on the embedded ledger: imported as a local identity.
    let data = tmp.path().join("data");
    init(&data);
    let msp = "ManufacturerMSP";
    // A key that is not the certificate's is refused, and nothing is written.
    let mixed = tmp.path().join("mixed");
    std::fs::create_dir_all(&mixed).unwrap();
    for file in ["cert.pem", "ca-chain.pem", "ca-tls.pem", "ca.json"] {
        std::fs::copy(erin.join(file), mixed.join(file)).unwrap();
    }
    std::fs::copy(admin.join("key.pem"), mixed.join("key.pem")).unwrap();
    let r = nt(&data, None, &["identity", "import", "erin@ca", "--msp", msp, "--wallet", s(&mixed)]);
    assert_clean_error(&r, &["cannot import \"erin@ca\"", "not the certificate's"]);
    assert!(!data.join("identities/erin@ca").exists());
    let imported = ok_json(&data, None, &["identity", "import", "erin@ca", "--msp", msp, "--wallet", s(&erin)]);
    assert_eq!(imported["msp_id"], msp);
    let who = ok_json(&data, Some("erin@ca"), &["whoami"]);
    assert!(who["identity"]["id"].as_str().unwrap().contains("CN=erin"), "{who}");
    assert_eq!(who["node_ou"], "client", "{who}");
    let app = example_application();
    let applied = ok_json(&data, Some("erin@ca"), &["apply", "--file", app.to_str().unwrap()]);
    let id = applied["certificate_id"].as_str().unwrap().to_owned();
    let shown = ok_json(&data, None, &["show", &id]);
    assert!(shown["applicant"]["id"].as_str().unwrap().contains("CN=erin"), "{shown}");

    // erin is no registrar.
    let r = ca(&["register", "--wallet", s(&erin), "--id", "mallory"]);
    assert_clean_error(&r, &["the CA refused register mallory", "code 71", "Authorization failure"]);
    // Bad input is refused before anything is sent.
    assert_clean_error(&ca(&["register", "--wallet", s(&admin), "--id", "x", "--attr", "noequals"]), &["NAME=VALUE"]);

    // Re-enrollment with a new key replaces key and certificate together.
    let cert_before = std::fs::read_to_string(erin.join("cert.pem")).unwrap();
    let out = ok(&["reenroll", "--wallet", s(&erin), "--new-key"]);
    assert_eq!(out["enrollment_id"], "erin");
    assert_ne!(std::fs::read_to_string(erin.join("key.pem")).unwrap(), key_before);
    assert_ne!(std::fs::read_to_string(erin.join("cert.pem")).unwrap(), cert_before);
    let mode = std::fs::metadata(erin.join("key.pem")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // The list, as the admin sees it.
    let listed = ok(&["list", "--wallet", s(&admin)]);
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|r| r["enrollment_id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"admin") && ids.contains(&"erin"), "{listed}");

    // Revoked: the CRL is written, and erin can no longer re-enroll (her wallet unchanged).
    let crl = tmp.path().join("crl.pem");
    let out = ok(&[
        "revoke",
        "--wallet",
        s(&admin),
        "--id",
        "erin",
        "--reason",
        "cessationofoperation",
        "--crl-out",
        s(&crl),
    ]);
    assert_eq!(out["revoked"].as_array().unwrap().len(), 2, "both of erin's certificates: {out}");
    assert!(std::fs::read_to_string(&crl).unwrap().contains("BEGIN X509 CRL"));
    let before = snapshot(&erin);
    let r = ca(&["reenroll", "--wallet", s(&erin)]);
    assert_clean_error(&r, &["the CA refused reenroll erin", "code 20"]);
    assert_eq!(snapshot(&erin), before, "a refused re-enrollment changes nothing");
    let crl2 = tmp.path().join("crl2.pem");
    ok(&["crl", "--wallet", s(&admin), "--out", s(&crl2)]);
    assert_eq!(crl_serials(&crl2), crl_serials(&crl), "the same revoked certificates (a new signature)");
    assert_eq!(crl_serials(&crl).len(), 2);

    // No private key in anything printed.
    for r in [ca(&["list", "--wallet", s(&admin)]), ca(&["reenroll", "--wallet", s(&admin)])] {
        assert!(!r.stdout.contains("PRIVATE KEY") && !r.stderr.contains("PRIVATE KEY"));
    }
}

/// `ca remove`: a member enrolled from the CA and given a contract role loses the role and
/// its certificates in one command run by the contract's admin; run again, it is harmless;
/// run by anyone else, the contract refuses and nothing happens at the CA.
#[test]
fn removing_a_member_revokes_its_roles_then_its_certificates() {
    let Some(server) = CaServer::start_or_skip("nanotrace ca remove against a real fabric-ca-server") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = server.ca_cert_path();
    let enroll = |id: &str, secret: &str, wallet: &Path| {
        let args = ["enroll", "--url", &server.url, "--tls-root", s(&root), "--id", id, "--secret", secret];
        ok(&[&args[..], &["--wallet", s(wallet)]].concat())
    };
    let registrar = tmp.path().join("registrar");
    enroll("admin", "adminpw", &registrar);
    let data = tmp.path().join("data");
    init(&data);
    let msp = "CertifierMSP";
    // carl and dan: certifiers enrolled from the CA, imported into the embedded ledger,
    // granted the certifier role by the contract's admin.
    let member = |name: &str| -> (PathBuf, String) {
        let secret = ok(&["register", "--wallet", s(&registrar), "--id", name])["secret"].as_str().unwrap().to_owned();
        let wallet = tmp.path().join(name);
        enroll(name, &secret, &wallet);
        ok(&["reenroll", "--wallet", s(&wallet)]);
        let local = format!("{name}@ca");
        ok_json(&data, None, &["identity", "import", &local, "--msp", msp, "--wallet", s(&wallet)]);
        ok_json(&data, Some(ADMIN), &["grant", &local, "certifier"]);
        assert_eq!(ok_json(&data, Some(&local), &["whoami"])["roles"], serde_json::json!(["certifier"]));
        let serial = std::fs::read_to_string(wallet.join("cert.pem")).unwrap();
        (wallet, serial)
    };
    let (_carl, _) = member("carl");
    let (_dan, _) = member("dan");
    let remove = |who: &str, id: &str, crl: &Path| {
        let args = ["--json", "ca", "remove", "--wallet", s(&registrar), "--id", id, "--msp-id", msp, "--crl-out"];
        nt(&data, Some(who), &[&args[..], &[s(crl)]].concat())
    };

    // Anyone but the contract's admin: refused by the contract, nothing at the CA.
    let crl = tmp.path().join("crl-refused.pem");
    let r = remove(APPLICANT, "dan", &crl);
    assert_clean_error(&r, &["UNAUTHORIZED", "nothing was revoked at the CA"]);
    assert!(!crl.exists(), "no CRL written");
    assert_eq!(ok_json(&data, Some("dan@ca"), &["whoami"])["roles"], serde_json::json!(["certifier"]));
    let gen = tmp.path().join("crl-now.pem");
    ok(&["crl", "--wallet", s(&registrar), "--out", s(&gen)]);
    assert!(crl_serials(&gen).is_empty(), "nothing revoked at the CA");

    // The admin removes carl: his role, then both his certificates (one identity: the
    // re-enrolled certificate keeps subject and issuer).
    let crl = tmp.path().join("crl.pem");
    let r = remove(ADMIN, "carl", &crl);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let out = r.json();
    assert_eq!(out["identities"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(out["roles_revoked"][0]["role"], "certifier", "{out}");
    assert_eq!(out["certificates_revoked"].as_array().unwrap().len(), 2, "{out}");
    assert_eq!(out["already_revoked"], false);
    assert!(ok_json(&data, Some("carl@ca"), &["whoami"])["roles"].as_array().unwrap().is_empty(), "role gone");
    assert_eq!(crl_serials(&crl).len(), 2, "both certificates on the CRL");
    assert_eq!(ok_json(&data, Some("dan@ca"), &["whoami"])["roles"], serde_json::json!(["certifier"]), "dan keeps his");

    // Again: nothing left to do, and it says so.
    let r = remove(ADMIN, "carl", &crl);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let again = r.json();
    assert!(again["roles_revoked"].as_array().unwrap().is_empty() && again["already_revoked"] == true, "{again}");
    assert_eq!(crl_serials(&crl).len(), 2);

    // Someone the CA never issued a certificate to: a clear error, nothing done.
    assert_clean_error(&remove(ADMIN, "nobody", &crl), &["issued no certificate", "nothing done"]);
}

/// The serials a PEM CRL file lists.
fn crl_serials(path: &Path) -> Vec<String> {
    use x509_parser::prelude::FromDer;
    let text = std::fs::read(path).expect("the CRL file");
    let (_, pem) = x509_parser::pem::parse_x509_pem(&text).expect("a PEM CRL");
    let (_, crl) = x509_parser::revocation_list::CertificateRevocationList::from_der(&pem.contents).expect("a DER CRL");
    let mut serials: Vec<String> =
        crl.iter_revoked_certificates().map(|r| format!("{:x}", r.user_certificate)).collect();
    serials.sort();
    serials
}
