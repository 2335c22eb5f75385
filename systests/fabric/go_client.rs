//! Interop with Fabric's own Go Gateway client (`github.com/hyperledger/fabric-gateway`
//! v1.7.0, the program in `fabric-gateway/tests/go-gateway`, its `fabric` mode) on the real
//! network, connected as the run folder's connection profiles say (identity, TLS CA,
//! server name, channel, chaincode), as our client is:
//!
//! - the Go client submits an `Apply` as dave; our client reads the certificate back
//!   (`GetCertificate`, `Verify`, `History`) and finds the Go client's transaction;
//! - our client applies (dave) and approves (alice's issuer signature); the Go client
//!   evaluates `GetCertificate` and `History` as rita (ECDSA) and as the Manufacturer's
//!   Ed25519 user and gets the same bytes our client gets.
//!
//! Without `go` on the PATH the step prints a loud SKIPPED line and passes.

use crate::client::{client, id_arg, profile};
use crate::network::Network;
use crate::process::{self, Output};
use crate::steps::{application, now, World};
use nanotrace_client::Transport;
use nanotrace_client::Wait;
use nanotrace_model::ids::certificate_id;
use nanotrace_model::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Builds the Go program into the scratch folder; `None` (after a loud SKIPPED line)
/// when `go` is not on the PATH.
fn build(net: &Network) -> Option<PathBuf> {
    if !nanotrace_testkit::skip::go_or_skip("Go Gateway client interop on Fabric") {
        return None;
    }
    std::fs::create_dir_all(net.scratch()).expect("scratch folder");
    let bin = net.scratch().join("go-gateway");
    let mut cmd = Command::new("go");
    // go.mod and go.sum pin every module; the module proxy serves what the cache lacks.
    cmd.args(["build", "-mod=readonly", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(net.root.join("fabric-gateway/tests/go-gateway"))
        .env_remove(crate::network::MARKER_VAR);
    let out = process::run_bounded(cmd, Duration::from_secs(600), net.scratch());
    assert!(out.success(), "go build of fabric-gateway/tests/go-gateway failed:\n{}", out.all());
    eprintln!("      built Fabric's Go Gateway client (fabric-gateway v1.7.0) in {:.1?}", out.elapsed);
    Some(bin)
}

/// One call of the Go client as profile `who`: `mode` is `submit` or `evaluate`.
fn go(bin: &Path, net: &Network, who: &str, mode: &str, function: Function, args: &[String]) -> serde_json::Value {
    let mut cmd = Command::new(bin);
    cmd.args(["fabric", "-profile"])
        .arg(profile(net, who))
        .args([mode, function.name()])
        .args(args)
        .env_remove(crate::network::MARKER_VAR);
    let out: Output = process::run_bounded(cmd, Duration::from_secs(120), net.scratch());
    assert!(out.success(), "Go client {mode} {} as {who}:\n{}", function.name(), out.all());
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("Go client output ({e}): {}", out.stdout_text()))
}

fn result_bytes(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v["result_hex"].as_str().expect("result_hex")).expect("hex result")
}

fn id_json(id: &str) -> String {
    String::from_utf8(id_arg(id).remove(0)).expect("UTF-8 JSON")
}

/// The step: the Go client applies and our client reads; our client applies and
/// approves and the Go client reads the same bytes.
pub(crate) fn go_client_interop(w: &World, net: &Network) {
    let Some(bin) = build(net) else { return };

    // (1) Fabric's Go client applies as dave; our client reads it back.
    let file = net.scratch().join("go-application.json");
    std::fs::write(&file, serde_json::to_vec(&application("LOT-E2E-GO-TO-RUST")).expect("json"))
        .expect("write application");
    let t = Instant::now();
    let submitted = go(&bin, net, "manufacturer-dave", "submit", Function::Apply, &[format!("@{}", file.display())]);
    let go_submit = t.elapsed();
    let tx_id = submitted["tx_id"].as_str().expect("tx_id").to_owned();
    let ids: IdsResponse = serde_json::from_slice(&result_bytes(&submitted)).expect("Apply's result");
    assert_eq!(ids.certificate_ids.len(), 1, "{ids:?}");
    let id = ids.certificate_ids[0].clone();
    assert_eq!(id, certificate_id(&tx_id, 0), "certificate ID = f(the Go client's transaction ID)");
    w.expect(&id, CertificateStatus::Pending);
    let ours = client(net, "manufacturer-dave");
    let cert = ours.get_certificate(&id).wait().expect("GetCertificate through our client");
    assert_eq!((cert.id.as_str(), cert.status), (id.as_str(), CertificateStatus::Pending));
    assert_eq!(cert.last_change.tx_id, tx_id, "the transaction the Go client committed");
    assert_eq!(cert.application, application("LOT-E2E-GO-TO-RUST"), "the application the Go client sent");
    assert_eq!(ours.verify(&id).wait().expect("Verify through our client").verdict, Verdict::Pending);
    let history = ours.history(&id).wait().expect("History through our client");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].tx_id, tx_id);
    eprintln!(
        "      the Go client applied {id} in tx {tx_id} (block {}, {go_submit:.1?}); our client reads it PENDING",
        submitted["block"]
    );

    // (2) Our client applies and approves; the Go client reads the same bytes.
    let dave = client(net, "manufacturer-dave");
    let alice = client(net, "certifier-alice");
    let applied = dave.apply(&application("LOT-E2E-RUST-TO-GO")).wait().expect("Apply through our client");
    let id = applied.value;
    w.expect(&id, CertificateStatus::Pending);
    // Through the Certifier's gateway, which may commit the application's block a moment
    // after the Manufacturer's acknowledged it (seen with BFT ordering on hosts).
    crate::steps::wait_visible(&alice, &id);
    let approved =
        alice.approve(&id, &w.signer, &w.certifier_msp, now(), None).wait().expect("Approve through our client");
    w.expect(&id, CertificateStatus::Active);
    let rita = client(net, "regulator-rita");
    // The Regulator's and the Manufacturer's peers (the readers' gateways) may commit the
    // approval's block a moment after the Certifier's acknowledged it: read once they have.
    crate::steps::wait_status(&rita, &id, CertificateStatus::Active);
    crate::steps::wait_status(&dave, &id, CertificateStatus::Active);
    for function in [Function::GetCertificate, Function::History] {
        let mine =
            rita.transport().evaluate(function.name(), &id_arg(&id)).wait().expect("evaluate through our client");
        for who in ["regulator-rita", "manufacturer-user2"] {
            let theirs = result_bytes(&go(&bin, net, who, "evaluate", function, &[id_json(&id)]));
            assert_eq!(theirs, mine, "{} as {who}: the Go client reads what our client reads", function.name());
        }
        eprintln!(
            "      {}: the Go client (as rita, and as the Ed25519 user2) reads the same {} bytes",
            function.name(),
            mine.len()
        );
    }
    let theirs = result_bytes(&go(&bin, net, "regulator-rita", "evaluate", Function::GetCertificate, &[id_json(&id)]));
    let cert: Certificate = serde_json::from_slice(&theirs).expect("the Go client's payload is a certificate");
    assert_eq!(cert.status, CertificateStatus::Active);
    assert_eq!(cert.last_change.tx_id, approved.tx_id, "the approval our client committed");
    let issuance = cert.issuance.expect("issued");
    assert_eq!((issuance.approved_by, issuance.issuer_key_id), (w.alice_actor.clone(), w.signer.key_id.clone()));
    eprintln!("      our client applied and approved {id} (txs {}, {})", applied.tx_id, approved.tx_id);
}
