//! A partner's backend in Node.js (`examples/partner-node`: Fabric's official
//! `@hyperledger/fabric-gateway` 1.11.0 from npm, pinned by its package-lock) on the real
//! network, connected as the run folder's connection profiles say:
//!
//! - it submits an `Apply` as dave; our client reads the certificate it names and finds
//!   the Node client's transaction and application;
//! - our client applies and approves; the Node client evaluates `GetCertificate`,
//!   `Verify` and `History` as rita and gets the bytes our client gets;
//! - it submits an `Approve` as dave (a manufacturer): the contract refuses it, and the
//!   example reports the stable code and reason token an integrator handles
//!   (`UNAUTHORIZED`, `role.certifier`); the certificate is unchanged.
//!
//! Without Node.js 20.9+ and npm the step prints a loud SKIPPED line and passes.

use crate::client::{client, id_arg, profile};
use crate::network::Network;
use crate::process::{self, Output};
use crate::steps::{application, now, World};
use nanotrace_client::{Transport, Wait};
use nanotrace_model::ids::certificate_id;
use nanotrace_model::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Copies the example into the scratch folder and installs its locked packages; `None`
/// (after a loud SKIPPED line) without Node.js.
fn install(net: &Network) -> Option<PathBuf> {
    if !nanotrace_testkit::skip::node_or_skip("Node.js Gateway client (partner example) on Fabric") {
        return None;
    }
    let dir = net.scratch().join("partner-node");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let example = net.root.join("examples/partner-node");
    for file in ["package.json", "package-lock.json", "partner.mjs"] {
        std::fs::copy(example.join(file), dir.join(file)).unwrap_or_else(|e| panic!("copy {file}: {e}"));
    }
    let mut cmd = Command::new("npm");
    // `npm ci` installs exactly the lock file's versions, checking their integrity hashes.
    cmd.args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(&dir)
        .env_remove(crate::network::MARKER_VAR);
    let out = process::run_bounded(cmd, Duration::from_secs(600), net.scratch());
    assert!(out.success(), "npm ci of examples/partner-node failed:\n{}", out.all());
    eprintln!(
        "      installed the Node.js partner example (@hyperledger/fabric-gateway 1.11.0) in {:.1?}",
        out.elapsed
    );
    Some(dir)
}

/// One run of the example as profile `who`; its exit code and its JSON output.
fn node(dir: &Path, net: &Network, who: &str, mode: &str, function: Function, arg: &str) -> (i32, serde_json::Value) {
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("partner.mjs"))
        .arg("--profile")
        .arg(profile(net, who))
        .args([mode, function.name(), arg])
        .current_dir(dir)
        .env_remove(crate::network::MARKER_VAR);
    let out: Output = process::run_bounded(cmd, Duration::from_secs(180), net.scratch());
    let code = out.status.code().unwrap_or(-1);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("the Node client's output ({e}), exit {code}:\n{}", out.all()));
    (code, json)
}

/// A successful run's result bytes.
fn ok_bytes(run: (i32, serde_json::Value), what: &str) -> (Vec<u8>, serde_json::Value) {
    let (code, json) = run;
    assert_eq!(code, 0, "{what}: {json}");
    let bytes = hex::decode(json["result_hex"].as_str().expect("result_hex")).expect("hex");
    (bytes, json)
}

fn id_json(id: &str) -> String {
    String::from_utf8(id_arg(id).remove(0)).expect("UTF-8 JSON")
}

/// The step.
pub(crate) fn node_client_interop(w: &World, net: &Network) {
    let Some(dir) = install(net) else { return };

    // (1) The Node client applies as dave; our client reads it back.
    let file = net.scratch().join("node-application.json");
    std::fs::write(&file, serde_json::to_vec(&application("LOT-E2E-NODE-TO-RUST")).expect("json")).expect("write");
    let t = Instant::now();
    let (bytes, submitted) = ok_bytes(
        node(&dir, net, "manufacturer-dave", "submit", Function::Apply, &format!("@{}", file.display())),
        "Apply as dave",
    );
    let took = t.elapsed();
    let tx_id = submitted["tx_id"].as_str().expect("tx_id").to_owned();
    let ids: IdsResponse = serde_json::from_slice(&bytes).expect("Apply's result");
    let id = ids.certificate_ids.first().expect("one ID").clone();
    assert_eq!(id, certificate_id(&tx_id, 0), "certificate ID = f(the Node client's transaction ID)");
    assert_eq!(submitted["result"]["certificate_ids"][0], id.as_str(), "the parsed result");
    w.expect(&id, CertificateStatus::Pending);
    let ours = client(net, "manufacturer-dave");
    let cert = ours.get_certificate(&id).wait().expect("GetCertificate through our client");
    assert_eq!((cert.status, cert.last_change.tx_id.as_str()), (CertificateStatus::Pending, tx_id.as_str()));
    assert_eq!(cert.application, application("LOT-E2E-NODE-TO-RUST"), "the application the Node client sent");
    eprintln!("      the Node client applied {id} in tx {tx_id} (block {}, {took:.1?})", submitted["block"]);

    // (2) A manufacturer cannot approve: the stable code and reason token, nothing changed.
    let approval = ApproveRequest {
        certificate_id: id.clone(),
        issuer_key_id: w.signer.key_id.clone(),
        issued_at: now(),
        valid_until: now() + 365 * 86_400,
        signature: "00".repeat(64),
        credential: None,
    };
    let approval = serde_json::to_string(&approval).expect("JSON");
    let (code, refused) = node(&dir, net, "manufacturer-dave", "submit", Function::Approve, &approval);
    assert_eq!(code, 2, "a refusal exits 2: {refused}");
    assert_eq!(refused["error"]["code"], "UNAUTHORIZED", "{refused}");
    assert_eq!(refused["error"]["reason"], "role.certifier", "{refused}");
    let after = ours.get_certificate(&id).wait().expect("GetCertificate");
    assert_eq!((after.status, after.last_change.tx_id.as_str()), (CertificateStatus::Pending, tx_id.as_str()));

    // (3) Our client applies and approves; the Node client reads the same bytes.
    let dave = client(net, "manufacturer-dave");
    let alice = client(net, "certifier-alice");
    let id = dave.apply(&application("LOT-E2E-RUST-TO-NODE")).wait().expect("Apply through our client").value;
    w.expect(&id, CertificateStatus::Pending);
    crate::steps::wait_visible(&alice, &id);
    alice.approve(&id, &w.signer, &w.certifier_msp, now(), None).wait().expect("Approve through our client");
    w.expect(&id, CertificateStatus::Active);
    let rita = client(net, "regulator-rita");
    crate::steps::wait_status(&rita, &id, CertificateStatus::Active);
    for function in [Function::GetCertificate, Function::Verify, Function::History] {
        let mine =
            rita.transport().evaluate(function.name(), &id_arg(&id)).wait().expect("evaluate through our client");
        let (theirs, _) =
            ok_bytes(node(&dir, net, "regulator-rita", "evaluate", function, &id_json(&id)), function.name());
        if function == Function::Verify {
            // A verdict carries the time it was checked: the same verdict, not the same bytes.
            let (a, b): (Verification, Verification) =
                (serde_json::from_slice(&theirs).expect("Verification"), serde_json::from_slice(&mine).expect("ours"));
            assert_eq!((a.certificate_id, a.verdict), (b.certificate_id, b.verdict));
        } else {
            assert_eq!(theirs, mine, "{}: the Node client reads what our client reads", function.name());
        }
    }
    eprintln!("      the Node client (as rita) reads {id} as our client does: GetCertificate, Verify, History");
}
