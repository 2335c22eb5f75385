//! The chaincode as the container Fabric administrators deploy (issue 47): the image
//! `scripts/images.sh` builds FROM scratch, run by podman as a peer's `ccaas` builder
//! expects it: the port published, the TLS files mounted read-only, mutual TLS. A scripted
//! peer connects with a client certificate of the peer's TLS CA and the contract answers;
//! the image is reproducible (the same digest twice), runs as the non-root user with a
//! read-only root filesystem and no capabilities, carries its labels, reports healthy
//! through its own health check, and serves again after `kill -9` and a restart.

use crate::common::*;
use nanotrace_protos::protos::ChaincodeAdditionalParams;
use nanotrace_testkit::containers::{self, podman, podman_works, text, Container};
use nanotrace_testkit::skip;
use std::path::Path;
use std::time::{Duration, Instant};

const IMAGE: &str = concat!("nanotrace-chaincode:", env!("CARGO_PKG_VERSION"));

/// `scripts/images.sh --profile dev chaincode`: the image's manifest digest.
fn build_image(out: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = containers::target_dir_of(Path::new(env!("CARGO_BIN_EXE_nanotrace-chaincode")));
    containers::build_images(&root, &target, out, &["chaincode"]).remove(0).1
}

/// Waits (bounded) until a peer with `pki`'s client certificate gets through the handshake
/// at `addr` and the contract answers WhoAmI (with an IDENTITY error: the scripted
/// proposal's creator is no X.509 identity of a member).
async fn contract_answers(addr: std::net::SocketAddr, pki: &Pki) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let attempt = async {
            let channel = dial(addr, pki, Some(&pki.client)).await?;
            let mut peer = ScriptedPeer::over(channel, World::new()).await.map_err(|e| e.to_string())?;
            peer.handshake(ChaincodeAdditionalParams::default()).await;
            let msgs = peer.run_one(tx("who", &["WhoAmI"])).await;
            Ok::<_, String>(completed(msgs.last().expect("final")).clone())
        };
        match attempt.await {
            Ok(response) => {
                assert_eq!(response.status, 500);
                assert!(response.message.starts_with("IDENTITY: "), "{}", response.message);
                return;
            }
            Err(e) => {
                assert!(Instant::now() < deadline, "the container's chaincode never answered at {addr}: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chaincode_runs_as_its_container_with_mutual_tls() {
    if let Err(why) = podman_works() {
        skip::skip(skip::CONTAINERS, "the chaincode's container image", &why);
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let digest = build_image(&tmp.path().join("first"));
    assert_eq!(build_image(&tmp.path().join("second")), digest, "the same binaries give the same image");
    let archive = tmp.path().join("first/nanotrace-chaincode.oci.tar");
    assert!(archive.is_file(), "no OCI archive at {}", archive.display());

    // The TLS files as an operator mounts them: readable by the service's user.
    let pki = pki();
    let tls = tmp.path().join("tls");
    std::fs::create_dir(&tls).expect("mkdir");
    for (name, pem) in [("tls.crt", &pki.server.0), ("tls.key", &pki.server.1), ("client-ca.crt", &pki.ca_pem)] {
        std::fs::write(tls.join(name), pem).expect("write");
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&tls, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for name in ["tls.crt", "tls.key", "client-ca.crt"] {
        std::fs::set_permissions(tls.join(name), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let name = format!("nanotrace-chaincode-test-{}", std::process::id());
    let publish = format!("127.0.0.1:{port}:9999");
    let mount = format!("{}:/etc/nanotrace/chaincode:ro", tls.display());
    let ccid = format!("CHAINCODE_ID={CCID}");
    let mut args = vec!["run", "--detach", "--name", &name];
    args.extend(containers::RUN_FLAGS);
    args.extend([
        "--read-only",
        "--cap-drop",
        "all",
        "--security-opt",
        "no-new-privileges",
        "--publish",
        &publish,
        "--volume",
        &mount,
        "--env",
        &ccid,
        "--env",
        "CHAINCODE_TLS_KEY=/etc/nanotrace/chaincode/tls.key",
        "--env",
        "CHAINCODE_TLS_CERT=/etc/nanotrace/chaincode/tls.crt",
        "--env",
        "CHAINCODE_CLIENT_CA_CERT=/etc/nanotrace/chaincode/client-ca.crt",
        IMAGE,
    ]);
    let run = podman(&args);
    assert!(run.status.success(), "podman run: {}", text(&run));
    let container = Container::owned(name);
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    contract_answers(addr, &pki).await;

    // A peer without a certificate of the peer's TLS CA is refused.
    let stranger = async {
        let channel = dial(addr, &pki, Some(&pki.stranger)).await?;
        ScriptedPeer::over(channel, World::new()).await.map(|_| ()).map_err(|e| e.to_string())
    };
    assert!(stranger.await.is_err(), "a stranger's certificate was accepted");

    // Its own health check, run in the container as the engine runs it.
    container.wait_healthy(Duration::from_secs(30));

    // The process runs as the service's user, on a read-only root filesystem.
    assert_eq!(container.process_uid(), "10001");
    assert_eq!(container.inspect("{{.HostConfig.ReadonlyRootfs}}"), "true");
    let labels = text(&podman(&["image", "inspect", "--format", "{{json .Labels}}", IMAGE]));
    for label in
        ["org.opencontainers.image.revision", "org.opencontainers.image.source", "org.opencontainers.image.version"]
    {
        assert!(labels.contains(label), "no {label} in {labels}");
    }
    assert!(labels.contains(env!("CARGO_PKG_VERSION")), "{labels}");

    // kill -9, then the engine starts it again: it serves as before.
    container.kill();
    container.start();
    contract_answers(addr, &pki).await;
}
