//! The `nanotrace-chaincode` binary: configured by the CHAINCODE_* environment, serves
//! the certificate contract, exits cleanly on SIGTERM.

use crate::common::*;
use nanotrace_protos::protos::ChaincodeAdditionalParams;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_certificate_contract_and_stops_on_sigterm() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_nanotrace-chaincode"))
        .env("CHAINCODE_ID", CCID)
        .env("CHAINCODE_SERVER_ADDRESS", addr.to_string())
        .env("CHAINCODE_TLS_DISABLED", "true")
        .env("CHAINCODE_LOG_FORMAT", "json")
        .env("CHAINCODE_SHUTDOWN_GRACE_SECS", "30")
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let mut up = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the binary did not listen on {addr}");

    let mut peer = ScriptedPeer::connect(addr, World::new()).await;
    peer.handshake(ChaincodeAdditionalParams::default()).await;
    // The certificate contract answers: the probe's placeholder certificate is no X.509
    // identity, which the contract reports as an IDENTITY error.
    let msgs = peer.run_one(tx("who", &["WhoAmI"])).await;
    let response = completed(msgs.last().expect("final"));
    assert_eq!(response.status, 500);
    assert!(response.message.starts_with("IDENTITY: "), "{}", response.message);

    // SIGTERM with the peer's stream still open (as a real peer keeps it) and no
    // transaction in flight: the binary exits successfully at once, without waiting out
    // its grace period for a stream that a peer never closes.
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        // Regression (a real Fabric 3.1.5 peer): waiting for the stream to end took the
        // whole grace period, and network.sh's down then sent SIGKILL.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the binary did not stop within 5 s of SIGTERM (grace 30 s): it waits for the open stream"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
    drop(peer);
}

#[test]
fn refuses_tls_without_key_and_certificate() {
    let out = Command::new(env!("CARGO_BIN_EXE_nanotrace-chaincode"))
        .env("CHAINCODE_ID", CCID)
        .env("CHAINCODE_SERVER_ADDRESS", "127.0.0.1:0")
        .env_remove("CHAINCODE_TLS_DISABLED")
        .env_remove("CHAINCODE_TLS_KEY")
        .env_remove("CHAINCODE_TLS_CERT")
        .output()
        .expect("run the binary");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CHAINCODE_TLS_KEY"));
}
