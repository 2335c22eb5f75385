//! (l) A new version of the chaincode: `network.sh deploy nanotrace --label nanotrace_v2`
//! packages it anew, every organisation approves sequence + 1, it is committed, and the
//! chaincode server restarts with the new package ID — the procedure docs/OPERATIONS.md
//! gives an organisation's admin. Every certificate the earlier steps made reads the same
//! afterwards on every peer, and the new version issues, suspends and revokes.

use crate::peer::{Org, CHAINCODE};
use crate::steps::World;
use nanotrace_client::{NanoTrace, Wait};
use nanotrace_model::{Certificate, CertificateStatus, Verdict};
use nanotrace_testkit::fabric::network::Network;
use std::path::Path;

pub(crate) fn upgrade(w: &World, net: &Network, server: &Path, port: u16, sequence: u32) {
    let ccdir = net.chaincode_dir(CHAINCODE);
    let old_package = std::fs::read_to_string(ccdir.join("package_id")).expect("the deployed package");
    let rita = NanoTrace::new(w.rita.clone());
    let ids: Vec<String> = w.expected.lock().expect("expected").keys().cloned().collect();
    let before: Vec<Certificate> = ids
        .iter()
        .map(|id| rita.get_certificate(id).wait().unwrap_or_else(|e| panic!("{id} before the upgrade: {e}")))
        .collect();

    let (seconds, log) = net.deploy_labelled(CHAINCODE, port, server, "nanotrace_v2");
    assert!(
        log.contains(&format!("'{CHAINCODE}' sequence {sequence} committed")),
        "sequence {sequence} committed on every peer: {log}"
    );
    let new_package = std::fs::read_to_string(ccdir.join("package_id")).expect("the new package");
    assert_ne!(old_package.trim(), new_package.trim(), "a new package");
    let env = std::fs::read_to_string(ccdir.join("env")).expect("the server's environment");
    assert!(env.contains(new_package.trim()), "the server runs as the new package: {env}");
    eprintln!("      upgraded to {} (sequence {sequence}) in {seconds:.1} s", new_package.trim());

    // The stored data, as every peer reads it through the new version.
    for org in [Org::Manufacturer, Org::Certifier, Org::Regulator] {
        let reader = NanoTrace::new(w.rita.querying(org));
        for old in &before {
            let now = reader.get_certificate(&old.id).wait().unwrap_or_else(|e| panic!("{} on {org:?}: {e}", old.id));
            assert_eq!(&now, old, "{} reads differently after the upgrade on {org:?}'s peer", old.id);
        }
    }
    // And the new version writes: a new certificate through its whole life, and an old
    // one (issued by the previous version) revoked.
    let applied = w.apply("LOT-E2E-AFTER-UPGRADE");
    w.approve(&applied.value);
    let alice = NanoTrace::new(w.alice.clone());
    alice.suspend(&applied.value, "audit after the upgrade").wait().expect("Suspend");
    alice.revoke(&applied.value, "failed the audit").wait().expect("Revoke");
    w.expect(&applied.value, CertificateStatus::Revoked);
    assert_eq!(rita.verify(&applied.value).wait().expect("Verify").verdict, Verdict::Revoked);
    let old = before.iter().find(|c| c.status == CertificateStatus::Active).expect("an issued certificate from before");
    alice.revoke(&old.id, "revoked by the new version").wait().expect("Revoke an old certificate");
    w.expect(&old.id, CertificateStatus::Revoked);
}
