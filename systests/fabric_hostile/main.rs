//! Hostile Fabric identities on a real Hyperledger Fabric 3.1 network (issue 15), through
//! our Rust Gateway client. Each is refused with a clear error and writes nothing (the
//! block height of all three peers and the keys it would have written are unchanged;
//! where a request reaches the orderer, its transaction is invalid):
//!
//! 1. a client certificate from an unknown CA (a throwaway CA that copies the real CA's
//!    name, the leaf copies dave's name: only the signatures differ);
//! 2. an expired certificate signed by the organisation's real CA;
//! 3. a certifier whose role was revoked through governance (the contract's
//!    `UNAUTHORIZED: [role.certifier]`);
//! 4. a replayed signed proposal (same transaction ID, same signed bytes: refused at
//!    endorsement) and a replayed signed envelope (ordered, invalidated `DUPLICATE_TXID`);
//! 5. an Ed25519 identity on a second channel with channel capability V2_0 (made with
//!    `scripts/network.sh channel nanotrace-v2 --profile NanoTraceChannelV2`, the
//!    chaincode defined there with `deploy … --channel nanotrace-v2`).
//!
//! Then: every private key of the run is mode 0600 and none appears in any log. Last,
//! case 6, a Fabric 3.1.5 defect shown: a committed transaction's envelope replayed in one block
//! with a second transaction writing the key whose key-level policy the first set halts
//! every peer's validation of that block (network/README.md, "A Fabric defect").
//!
//! The network is the suite's own (run folder `.run/fabric-hostile`, ports from 25050;
//! `NANOTRACE_FABRIC_HOSTILE_RUN_DIR`, `NANOTRACE_FABRIC_HOSTILE_PORT_BASE`), torn down
//! when the test ends, when it panics (the guard's `Drop`) and, should the test process
//! be killed, by a watchdog process. Without Fabric binaries (`FABRIC_BIN_DIR`) it prints
//! `FABRIC SUITE SKIPPED: …` and passes.
//!
//! ```sh
//! cargo test --workspace --test fabric_hostile -- --nocapture
//! ```

mod cases;
mod certs;
mod client;

use nanotrace_testkit::fabric::{governance, network, process};
use network::{Fabric, Network, MARKER_VAR};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The chaincode the suite deploys.
pub(crate) const CHAINCODE: &str = "nanotrace";
/// The second channel, with channel capability V2_0.
pub(crate) const V2_CHANNEL: &str = "nanotrace-v2";

/// `scripts/network.sh ARGS…` on the suite's network (the variables `Network` sets).
fn network_sh(net: &Network, args: &[&str]) {
    let mut cmd = Command::new("bash");
    cmd.arg(net.root.join("scripts/network.sh"))
        .args(args)
        .current_dir(&net.root)
        .env("FABRIC_BIN_DIR", &net.fabric.bin_dir)
        .env("FABRIC_CFG_DIR", &net.fabric.cfg_dir)
        .env("NANOTRACE_FABRIC_RUN_DIR", &net.run_dir)
        .env("NANOTRACE_FABRIC_PORT_BASE", net.port_base.to_string())
        .env_remove(MARKER_VAR);
    let out = process::run_bounded(cmd, Duration::from_secs(180), net.scratch());
    assert!(out.success(), "network.sh {} failed:\n{}", args.join(" "), out.all());
    eprint!("{}", out.stderr);
}

fn step(results: &mut Vec<(String, Result<f64, String>)>, name: &str, f: impl FnOnce()) {
    eprintln!("[hostile] case: {name}");
    let t = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(f)).map(|()| t.elapsed().as_secs_f64()).map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    });
    match &outcome {
        Ok(s) => eprintln!("[hostile] ok   {name} ({s:.1} s)"),
        Err(m) => eprintln!("[hostile] FAIL {name}: {m}"),
    }
    results.push((name.to_owned(), outcome));
}

#[test]
fn hostile_identities_are_refused_and_write_nothing() {
    let Some(fabric) = Fabric::find_or_skip("hostile identities on Fabric (systests/fabric_hostile)") else {
        return;
    };
    let root = nanotrace_systests::repo_root();
    let server = nanotrace_systests::chaincode_server();
    let run_dir = std::env::var_os("NANOTRACE_FABRIC_HOSTILE_RUN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".run/fabric-hostile"));
    let port_base: u16 = std::env::var("NANOTRACE_FABRIC_HOSTILE_PORT_BASE")
        .ok()
        .map(|v| v.parse().expect("NANOTRACE_FABRIC_HOSTILE_PORT_BASE is a port"))
        .unwrap_or(25050);
    let start = Instant::now();
    // The guard exists before anything starts: whatever fails from here on, Drop tears down.
    let mut net = Network::new(fabric, &root, run_dir.clone(), port_base);
    net.up();
    let cc_port = net.layout().service_port(0);
    net.deploy(CHAINCODE, cc_port, &server);
    // The second channel, V2_0, with the same chaincode server defined on it.
    network_sh(&net, &["channel", V2_CHANNEL, "--profile", "NanoTraceChannelV2"]);
    let address = format!("127.0.0.1:{cc_port}");
    network_sh(&net, &["deploy", CHAINCODE, "--address", &address, "--channel", V2_CHANNEL]);
    eprintln!("[hostile] network up, nanotrace deployed on two channels in {:.1?}", start.elapsed());

    let world = cases::setup(&net);
    let mut results = Vec::new();
    step(&mut results, "1. a client certificate from an unknown CA", || cases::unknown_ca(&world, &net));
    step(&mut results, "2. an expired certificate signed by the org's CA", || cases::expired(&world, &net));
    step(&mut results, "3. a certifier whose role was revoked approves", || cases::revoked_certifier(&world));
    step(&mut results, "4. a replayed signed proposal and envelope", || cases::replay(&world));
    step(&mut results, "5. an Ed25519 identity on a V2_0 channel", || cases::ed25519_without_v3(&world, &net));
    step(&mut results, "private keys 0600, never in a log", || cases::keys_private_and_unlogged(&world));
    // Last: it halts the channel for good.
    step(&mut results, "6. Fabric 3.1.5's defect: a replayed envelope halts every peer's validation", || {
        cases::duplicate_halts_validation(&world)
    });
    drop(world);

    let failures: Vec<String> =
        results.iter().filter_map(|(n, r)| r.as_ref().err().map(|e| format!("{n}: {e}"))).collect();
    if failures.is_empty() {
        net.down(false);
        assert!(net.leftovers().is_empty(), "processes of the run left after down: {:?}", net.leftovers());
        assert!(!run_dir.exists(), "down removes the run folder");
    }
    eprintln!(
        "[hostile] {} passed, {} failed, {:.1} s in all",
        results.len() - failures.len(),
        failures.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "hostile identity failures:\n{}", failures.join("\n"));
}
