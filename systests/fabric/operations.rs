//! (m) and (n): an organisation administrator's procedures of docs/OPERATIONS.md, run on
//! the network every earlier step wrote to. (m) `network.sh rotate-tls certifier`: the
//! Certifier's peer gets a new TLS certificate from its CA and restarts; it serves the new
//! one, and transactions it endorses commit. (n) `network.sh backup certifier` then
//! `restore`: the Certifier's crypto material and CA database come back on a wiped
//! organisation (crypto folder, CA home and the peer's ledger removed, as on a fresh
//! host); the CA knows the identities registered before the backup and not those
//! registered after, and the peer rejoins, catches up and endorses.

use crate::ca_members::{nanotrace, nanotrace_output};
use crate::peer::Org;
use crate::steps::{wait_visible, World};
use nanotrace_client::{NanoTrace, Wait};
use nanotrace_model::CertificateStatus;
use nanotrace_testkit::fabric::network::Network;
use std::os::unix::fs::PermissionsExt as _;
use std::process::{Command, Stdio};

/// The serial number (hex, as openssl prints it) of the TLS certificate `address` serves
/// for `server_name`.
fn served_serial(address: &str, server_name: &str) -> String {
    let script = format!(
        "echo | openssl s_client -connect {address} -servername {server_name} 2>/dev/null | openssl x509 -noout -serial"
    );
    let out = Command::new("sh").args(["-c", &script]).stdin(Stdio::null()).output().expect("openssl");
    String::from_utf8_lossy(&out.stdout).trim().trim_start_matches("serial=").to_owned()
}

/// Applies and approves a certificate (the approval endorsed through the Certifier's
/// peer) and reads it on the Certifier's peer.
fn issued_through_the_certifier(w: &World, batch: &str) -> String {
    let id = w.apply(batch).value;
    w.approve(&id);
    w.expect(&id, CertificateStatus::Active);
    let on_certifier = NanoTrace::new(w.rita.querying(Org::Certifier));
    wait_visible(&on_certifier, &id);
    let cert = on_certifier.get_certificate(&id).wait().expect("read on the Certifier's peer");
    assert_eq!(cert.status, CertificateStatus::Active, "{id} on the Certifier's peer");
    id
}

pub(crate) fn rotate_tls(w: &World, net: &Network) {
    let (address, name) = (net.var("CERTIFIER_PEER_ADDRESS"), net.var("CERTIFIER_PEER_SERVER_NAME"));
    let before = served_serial(&address, &name);
    let (old, new) = net.rotate_tls("certifier");
    assert_eq!(before.to_uppercase(), old.to_uppercase(), "the peer served the certificate rotate-tls replaced");
    assert_ne!(old, new, "a new certificate");
    assert_eq!(served_serial(&address, &name).to_uppercase(), new.to_uppercase(), "the peer serves the new one");
    let id = issued_through_the_certifier(w, "LOT-E2E-TLS-ROTATED");
    superseded_on_the_crl(net, "certifier", &old, &new);
    eprintln!("      peer0.certifier TLS serial {old} → {new} (the old one on ca-certifier's CRL); {id} endorsed and read through it");
}

/// The replaced TLS certificate `old` is revoked at `org`'s CA (issue 44): the CA's CRL,
/// fetched as its bootstrap registrar, lists it and not the new one.
fn superseded_on_the_crl(net: &Network, org: &str, old: &str, new: &str) {
    let scratch = net.scratch().join(format!("crl-{org}-{}", normal_serial(new)));
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    let wallet = scratch.join("registrar");
    let crl = scratch.join("crl.pem");
    crate::ca_members::enroll_at(net, &org.to_uppercase(), "admin", "adminpw", &wallet);
    let wallet = wallet.to_str().expect("UTF-8 path");
    nanotrace(&["ca", "crl", "--wallet", wallet, "--out", crl.to_str().expect("UTF-8 path")]);
    let revoked = crl_serials(&std::fs::read_to_string(&crl).expect("the CRL"));
    assert!(
        revoked.contains(&normal_serial(old)),
        "the old TLS certificate {old} is not on ca-{org}'s CRL: {revoked:?}"
    );
    assert!(!revoked.contains(&normal_serial(new)), "the new TLS certificate {new} is revoked at ca-{org}");
}

/// A serial number as lowercase hex without separators or leading zeros.
fn normal_serial(serial: &str) -> String {
    serial.replace(':', "").to_lowercase().trim_start_matches('0').to_owned()
}

/// The serial numbers a PEM CRL lists.
fn crl_serials(pem: &str) -> Vec<String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).expect("a PEM CRL");
    let (_, crl) = x509_parser::parse_x509_crl(&pem.contents).expect("a CRL");
    crl.iter_revoked_certificates().map(|r| normal_serial(&r.raw_serial_as_string())).collect()
}

/// The channel's height an orderer reports on its operations endpoint (Prometheus
/// `ledger_blockchain_height`); 0 while it does not answer.
fn ledger_height(ops_address: &str) -> u64 {
    use std::io::{Read as _, Write as _};
    let Ok(mut stream) = std::net::TcpStream::connect(ops_address) else { return 0 };
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    let _ = stream.write_all(format!("GET /metrics HTTP/1.0\r\nHost: {ops_address}\r\n\r\n").as_bytes());
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    text.lines()
        .filter(|l| l.starts_with("ledger_blockchain_height{") && l.contains("channel=\"nanotrace\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|v| v as u64)
        .max()
        .unwrap_or(0)
}

/// An orderer's TLS certificate renewed. On Raft (one orderer): for the same key, and a new
/// key is refused with the way out (a single Raft orderer cannot hand over its leadership
/// for the configuration update). On BFT: the Certifier's orderer gets a new key, named in
/// the consenter mapping by a configuration update signed by the orderer organisations'
/// admins, and orders blocks again after its restart.
pub(crate) fn rotate_orderer_tls(w: &World, net: &Network) {
    let bft = net.var("NANOTRACE_FABRIC_ORDERING") == "bft";
    let (org, address, name) = if bft {
        ("certifier", net.var("CERTIFIER_ORDERER_ADDRESS"), "orderer0.certifier.nanotrace.test".to_owned())
    } else {
        ("orderer", net.var("ORDERER_ADDRESS"), net.var("ORDERER_SERVER_NAME"))
    };
    if !bft {
        let refused = net.rotate_orderer_tls(org, false).expect_err("a new key for the only Raft orderer");
        assert!(refused.contains("--keep-key"), "the refusal names the way out: {refused}");
    }
    let log = net.run_dir.join("logs/orderer-certifier.log");
    let before = served_serial(&address, &name);
    let (old, new) = net.rotate_orderer_tls(org, !bft).unwrap_or_else(|e| panic!("rotate-orderer-tls {org}: {e}"));
    assert_eq!(before.to_uppercase(), old.to_uppercase(), "the orderer served the certificate it replaced");
    assert_ne!(old, new, "a new certificate");
    assert_eq!(served_serial(&address, &name).to_uppercase(), new.to_uppercase(), "the orderer serves the new one");
    superseded_on_the_crl(net, org, &old, &new);
    let id = issued_through_the_certifier(w, "LOT-E2E-ORDERER-TLS-ROTATED");
    // On BFT the rotated orderer is a consenter still: it catches up with the blocks
    // ordered while it restarted, then decides the next ones itself (SmartBFT logs
    // "writing block N" for each block it decides).
    if bft {
        let ops = net.var("CERTIFIER_ORDERER_OPERATIONS_ADDRESS");
        let target = w.height();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while ledger_height(&ops) < target {
            assert!(std::time::Instant::now() < deadline, "the rotated orderer never reached height {target}");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let next = issued_through_the_certifier(w, "LOT-E2E-ORDERER-TLS-ROTATED-2");
        let decided_after = || {
            let text = String::from_utf8_lossy(&std::fs::read(&log).expect("the orderer's log")).into_owned();
            text.lines()
                .filter_map(|l| l.split("writing block ").nth(1))
                .filter_map(|r| r.split(' ').next()?.parse::<u64>().ok())
                .any(|b| b >= target)
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !decided_after() {
            assert!(std::time::Instant::now() < deadline, "{} decided no block from {target} on", log.display());
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        eprintln!("      the rotated orderer caught up to {target} and decided the blocks of {next}");
    }
    eprintln!(
        "      {org}'s orderer TLS serial {old} → {new} ({}; the old one on ca-{org}'s CRL); {id} issued",
        if bft { "a new key, in the consenter mapping" } else { "same key" }
    );
}

pub(crate) fn backup_restore(w: &World, net: &Network) {
    let scratch = net.scratch().to_owned();
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    let (url, root) = (net.var("CERTIFIER_CA_URL"), net.var("CERTIFIER_CA_TLS_ROOT"));
    let wallets = scratch.join("backup-wallets");
    let s = |p: &std::path::Path| p.to_str().expect("UTF-8 path").to_owned();
    let enroll_args = |id: &str, secret: &str, wallet: &str| -> Vec<String> {
        ["ca", "enroll", "--url", &url, "--tls-root", &root, "--id", id, "--secret", secret, "--wallet", wallet]
            .iter()
            .map(|a| a.to_string())
            .collect()
    };
    let run = |args: &[String]| nanotrace(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let registrar = s(&wallets.join("registrar"));
    run(&enroll_args("admin", "adminpw", &registrar));
    let register = |id: &str| -> String {
        let out = nanotrace(&["ca", "register", "--wallet", &registrar, "--id", id]);
        out["secret"].as_str().expect("a secret").to_owned()
    };
    let before_secret = register("bk-before");

    let file = scratch.join("certifier-backup.tgz");
    net.backup("certifier", &file);
    // It holds private keys (the CA's root key among them): its owner's alone.
    let mode = std::fs::metadata(&file).expect("the backup").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the backup's mode is {mode:o}");
    let after_secret = register("bk-after");

    // A backup whose CA is not the Certifier's root on the channel (here the Manufacturer's
    // CA certificate in its place) is refused before anything is removed.
    let forged = scratch.join("forged");
    std::fs::create_dir_all(&forged).expect("forged folder");
    let tar = |args: &[&str]| {
        let status = Command::new("tar").args(args).status().expect("run tar");
        assert!(status.success(), "tar {args:?}");
    };
    tar(&["-xzf", &s(&file), "-C", &s(&forged)]);
    std::fs::copy(net.var("MANUFACTURER_CA_TLS_ROOT"), forged.join("ca-certifier/ca-cert.pem"))
        .expect("replace the CA");
    let forged_file = scratch.join("forged-backup.tgz");
    tar(&["-czf", &s(&forged_file), "-C", &s(&forged), "."]);
    let refused = net.try_restore("certifier", &forged_file).expect_err("a backup of another CA");
    assert!(refused.contains("is not a root of CertifierMSP") && refused.contains("nothing was changed"), "{refused}");
    // Nothing changed: the running CA still knows what was registered after the backup.
    let enrolled = run(&enroll_args("bk-after", &after_secret, &s(&wallets.join("bk-after-early"))));
    assert!(enrolled["subject"].as_str().unwrap_or_default().contains("CN=bk-after"), "{enrolled}");
    let seconds = net.restore("certifier", &file);

    // The CA is the one backed up: it knows bk-before, not bk-after.
    let enrolled = run(&enroll_args("bk-before", &before_secret, &s(&wallets.join("bk-before"))));
    assert!(enrolled["subject"].as_str().unwrap_or_default().contains("CN=bk-before"), "{enrolled}");
    let args = enroll_args("bk-after", &after_secret, &s(&wallets.join("bk-after")));
    let refused = nanotrace_output(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!refused.status.success(), "an identity registered after the backup is unknown to the restored CA");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("Authentication failure") || said.contains("20"), "the CA's refusal: {said}");

    // Every certificate of the earlier steps reads the same on the restored peer, and it
    // endorses new transactions.
    let on_certifier = NanoTrace::new(w.rita.querying(Org::Certifier));
    let expected = w.expected.lock().expect("expected").clone();
    for (id, status) in &expected {
        let cert = on_certifier.get_certificate(id).wait().unwrap_or_else(|e| panic!("{id} on the restored peer: {e}"));
        assert_eq!(cert.status, *status, "{id} on the restored peer");
    }
    let id = issued_through_the_certifier(w, "LOT-E2E-AFTER-RESTORE");
    eprintln!(
        "      Certifier restored in {seconds:.1} s: CA knows bk-before, not bk-after; {} earlier certificates read the same; {id} issued",
        expected.len()
    );
}
