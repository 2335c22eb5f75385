//! Hostile client certificates, made with `openssl` in a temporary folder of the test's
//! own (never committed, removed with it): a look-alike of a real user signed by a
//! throwaway CA that copies the real CA's name, and a real user's look-alike signed by
//! the organisation's real CA whose validity ended in the past.

use std::path::{Path, PathBuf};
use std::process::Command;

const EXTENSIONS: &str = "\
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[sign]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
";

/// A certificate and its private key, PEM files.
#[derive(Debug, Clone)]
pub(crate) struct Pair {
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn p256_key(dir: &Path, name: &str) -> PathBuf {
    openssl(dir, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name]);
    dir.join(name)
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A certificate with `user`'s subject (same name, OU=client) under a throwaway CA
/// whose subject is a byte-for-byte copy of `real_ca`'s: only the signatures tell them
/// apart.
pub(crate) fn unknown_ca(dir: &Path, user: &Path, real_ca: &Path) -> Pair {
    std::fs::create_dir_all(dir).expect("cert folder");
    std::fs::write(dir.join("ext.cnf"), EXTENSIONS).expect("ext.cnf");
    let ca_key = p256_key(dir, "fake-ca.key");
    openssl(dir, &["x509", "-x509toreq", "-in", path(real_ca), "-signkey", path(&ca_key), "-out", "fake-ca.csr"]);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "fake-ca.csr",
            "-signkey",
            "fake-ca.key",
            "-days",
            "365",
            "-sha256",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "ca",
            "-out",
            "fake-ca.pem",
        ],
    );
    let key = p256_key(dir, "forged.key");
    openssl(dir, &["x509", "-x509toreq", "-in", path(user), "-signkey", "forged.key", "-out", "forged.csr"]);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "forged.csr",
            "-CA",
            "fake-ca.pem",
            "-CAkey",
            "fake-ca.key",
            "-CAcreateserial",
            "-CAserial",
            "fake-ca.srl",
            "-days",
            "365",
            "-sha256",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "sign",
            "-out",
            "forged.pem",
        ],
    );
    Pair { cert: dir.join("forged.pem"), key }
}

/// A certificate with `user`'s subject and a new key, signed by the organisation's
/// real CA (`ca_cert`, `ca_key`), valid from 2025-01-01 to 2025-02-01 only.
pub(crate) fn expired(dir: &Path, user: &Path, ca_cert: &Path, ca_key: &Path) -> Pair {
    std::fs::create_dir_all(dir).expect("cert folder");
    std::fs::write(dir.join("ext.cnf"), EXTENSIONS).expect("ext.cnf");
    std::fs::write(dir.join("index.txt"), "").expect("index.txt");
    std::fs::write(dir.join("serial"), "1000\n").expect("serial");
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = real\n[real]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n\
         default_md = sha256\npolicy = any\nunique_subject = no\n\
         [any]\nC = optional\nST = optional\nL = optional\nO = optional\nOU = optional\nCN = supplied\n",
    )
    .expect("ca.cnf");
    let key = p256_key(dir, "expired.key");
    openssl(dir, &["x509", "-x509toreq", "-in", path(user), "-signkey", "expired.key", "-out", "expired.csr"]);
    openssl(
        dir,
        &[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-in",
            "expired.csr",
            "-cert",
            path(ca_cert),
            "-keyfile",
            path(ca_key),
            "-startdate",
            "20250101000000Z",
            "-enddate",
            "20250201000000Z",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "sign",
            "-preserveDN",
            "-notext",
            "-out",
            "expired.pem",
        ],
    );
    Pair { cert: dir.join("expired.pem"), key }
}
