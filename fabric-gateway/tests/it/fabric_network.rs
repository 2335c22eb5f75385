//! The Gateway client against a real Fabric 3.1 network (`scripts/network.sh`, its own
//! run folder and port base), with the Go asset chaincode (`bench/go-asset`, run with
//! `ASSET_EVENTS=1` so that CreateAsset emits an event): submit
//! and evaluate as an ECDSA and an Ed25519 identity, chaincode events read, broken off and
//! resumed from a file checkpoint with none lost or repeated, a chaincode refusal with the
//! peers' messages, concurrent transfers of one asset (an MVCC read conflict, and the
//! retry option), a tampered signature, wrong chaincode and channel names.
//!
//! Runs only when Fabric's binaries (`FABRIC_BIN_DIR`, default
//! `~/.local/share/fabric/bin`) and `go` are present; otherwise it prints a loud
//! SKIPPED line. The network is testkit's (`nanotrace_testkit::fabric::network`): torn down in
//! `Drop`, also when an assertion panics, and by its watchdog if this process dies.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nanotrace_fabric_gateway::{
    Checkpointer, ConnectionProfile, Contract, EventsOptions, FileCheckpointer, Gateway, GatewayError, SubmitOptions,
};
use nanotrace_testkit::fabric::network::{Fabric, Network};

const PORT_BASE: u16 = 21050;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// The connection profile `network.sh up` wrote for `name`.
fn profile(net: &Network, name: &str) -> ConnectionProfile {
    ConnectionProfile::load(net.run_dir.join(format!("profiles/{name}.yaml"))).unwrap()
}

fn first_channel(net: &Network) -> String {
    profile(net, "manufacturer-dave").channel
}

async fn connect(profile: &ConnectionProfile) -> Contract {
    let gw = Gateway::connect(profile.signing_identity().unwrap(), profile.connect_options().unwrap()).await.unwrap();
    gw.network(profile.channel.clone()).contract("asset")
}

async fn read_eventually(contract: &Contract, id: &str) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        match contract.evaluate("ReadAsset", &[id.as_bytes().to_vec()]).await {
            Ok(bytes) => return String::from_utf8(bytes).unwrap(),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("ReadAsset {id}: {last}");
}

#[test]
fn submit_and_evaluate_on_a_real_fabric_network() {
    let Some(fabric) = Fabric::find_or_skip("the Fabric Gateway client on a real Fabric network") else { return };
    if Command::new("go").arg("version").output().is_err() {
        let what = "the Fabric Gateway client on a real Fabric network (its asset chaincode is Go)";
        nanotrace_testkit::skip::skip(nanotrace_testkit::skip::GO, what, "`go` is not on the PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // testkit's harness: a watchdog takes the network down if this process dies, and a
    // failure prints the nodes' logs.
    let mut net = Network::new(fabric, &repo(), dir.path().join("fabric"), PORT_BASE);
    net.up();
    let bin = net.scratch().join("go-asset");
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(repo().join("bench/go-asset"))
        .output()
        .unwrap();
    assert!(out.status.success(), "go build: {}", String::from_utf8_lossy(&out.stderr));
    let address = format!("127.0.0.1:{}", net.layout().service_port(0));
    net.deploy_with(&["asset", "--address", &address, "--server", "env", "ASSET_EVENTS=1", bin.to_str().unwrap()]);

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let ecdsa = connect(&profile(&net, "manufacturer-dave")).await;
        let ed25519 = connect(&profile(&net, "manufacturer-user2")).await;
        assert_eq!(profile(&net, "manufacturer-user2").identity.key_algorithm, "ed25519");
        let id = format!("rust-{}", std::process::id());
        let args = |id: &str| -> Vec<Vec<u8>> {
            [id, "blue", "5", "dave", "300"].iter().map(|s| s.as_bytes().to_vec()).collect()
        };

        let t = Instant::now();
        let committed = ecdsa.submit("CreateAsset", &args(&id)).await.unwrap();
        eprintln!("ECDSA submit committed in block {} after {:?}", committed.block_number, t.elapsed());
        let json = read_eventually(&ecdsa, &id).await;
        assert!(json.contains(&format!("\"ID\":\"{id}\"")), "{json}");

        let id2 = format!("{id}-ed");
        let committed = ed25519.submit("CreateAsset", &args(&id2)).await.unwrap();
        eprintln!("Ed25519 submit committed in block {}", committed.block_number);
        assert!(read_eventually(&ed25519, &id2).await.contains(&id2));
        assert!(read_eventually(&ed25519, &id).await.contains(&id));

        // the chaincode refuses: an endorsement error with the peers' messages
        let e = ecdsa.submit("CreateAsset", &args(&id)).await.unwrap_err();
        assert!(matches!(e, GatewayError::Endorse { .. }), "{e:?}");
        assert!(e.details().iter().any(|d| d.message.contains("already exists")), "{e:?}");
        eprintln!("refusal: {e}");

        // two concurrent transfers of one asset: one is invalidated by an MVCC read
        // conflict (rounds until both land in one block); with the retry option both commit
        let mut conflicts = 0;
        for round in 0..6 {
            let to_alice = [id.as_bytes().to_vec(), format!("alice{round}").into_bytes()];
            let to_bob = [id.as_bytes().to_vec(), format!("bob{round}").into_bytes()];
            let (a, b) =
                tokio::join!(ecdsa.submit("TransferAsset", &to_alice), ed25519.submit("TransferAsset", &to_bob));
            for r in [&a, &b] {
                if let Err(e) = r {
                    assert!(e.is_mvcc_read_conflict(), "{e:?}");
                    eprintln!("conflict: {e}");
                    conflicts += 1;
                }
            }
            assert!(a.is_ok() || b.is_ok(), "one of two conflicting transfers commits");
            if conflicts > 0 {
                break;
            }
        }
        assert!(conflicts > 0, "no MVCC conflict in 6 rounds of concurrent transfers");
        let retry = SubmitOptions { mvcc_retries: 5, ..Default::default() };
        let to_carol = [id.as_bytes().to_vec(), b"carol".to_vec()];
        let to_dan = [id.as_bytes().to_vec(), b"dan".to_vec()];
        let (a, b) = tokio::join!(
            ecdsa.submit_with("TransferAsset", &to_carol, &retry),
            ed25519.submit_with("TransferAsset", &to_dan, &retry),
        );
        a.unwrap();
        b.unwrap();

        // chaincode events: three creations (two of them concurrent, often in one block),
        // read from the first one's block, broken off after two, resumed from the file
        let tag = format!("ev-{}", std::process::id());
        let first = ecdsa.submit("CreateAsset", &args(&format!("{tag}-1"))).await.unwrap();
        let (a2, a3) = (args(&format!("{tag}-2")), args(&format!("{tag}-3")));
        let (r2, r3) = tokio::join!(ecdsa.submit("CreateAsset", &a2), ed25519.submit("CreateAsset", &a3));
        eprintln!(
            "events in blocks {}, {}, {}",
            first.block_number,
            r2.unwrap().block_number,
            r3.unwrap().block_number
        );
        let network = Gateway::connect(
            profile(&net, "regulator-rita").signing_identity().unwrap(),
            profile(&net, "regulator-rita").connect_options().unwrap(),
        )
        .await
        .unwrap()
        .network(first_channel(&net));
        let cp_path = net.scratch().join("events.checkpoint");
        let mut cp = FileCheckpointer::open(&cp_path).unwrap();
        let mut stream =
            network.chaincode_events("asset", &EventsOptions::new().start_block(first.block_number)).await.unwrap();
        let mut seen = Vec::new();
        while seen.len() < 2 {
            let ev = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.unwrap().unwrap().unwrap();
            assert_eq!(ev.event_name, "AssetCreated");
            cp.checkpoint_event(&ev).unwrap();
            seen.push(String::from_utf8(ev.payload).unwrap());
        }
        drop(stream);
        let cp = FileCheckpointer::open(&cp_path).unwrap();
        let mut stream = network.chaincode_events("asset", &EventsOptions::new().checkpoint(&cp)).await.unwrap();
        let ev = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.unwrap().unwrap().unwrap();
        seen.push(String::from_utf8(ev.payload).unwrap());
        assert_eq!(seen[0], format!("{tag}-1"), "commit order");
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(sorted, [format!("{tag}-1"), format!("{tag}-2"), format!("{tag}-3")], "none lost, none repeated");
        // nothing more arrives
        assert!(tokio::time::timeout(Duration::from_millis(500), stream.next()).await.is_err());

        // a tampered ECDSA signature is refused by the peer
        let proposal = ecdsa.new_proposal("ReadAsset").argument(id.clone()).build().sign().unwrap();
        let mut signature = proposal.signature().to_vec();
        let last = signature.len() - 1;
        signature[last] ^= 1;
        let e = proposal.with_signature(signature).evaluate().await.unwrap_err();
        eprintln!("tampered: {e}");
        assert!(matches!(e, GatewayError::Evaluate { .. }) && e.to_string().contains("access denied"), "{e:?}");

        // wrong chaincode, wrong channel: clear errors, no hang
        let profile = profile(&net, "manufacturer-dave");
        let gw =
            Gateway::connect(profile.signing_identity().unwrap(), profile.connect_options().unwrap()).await.unwrap();
        let e = gw.network(profile.channel.clone()).contract("nosuchcc").evaluate("ReadAsset", &[]).await.unwrap_err();
        eprintln!("wrong chaincode: {e}");
        assert!(e.to_string().contains("nosuchcc"), "{e}");
        let e = gw.network("nosuchchannel").contract("asset").evaluate("ReadAsset", &[]).await.unwrap_err();
        eprintln!("wrong channel: {e}");
        assert!(e.to_string().contains("nosuchchannel"), "{e}");
    });
    drop(rt);
    // `down` fails if a process of this run folder survives
    net.down(false);
}
