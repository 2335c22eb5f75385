//! The chaincode servers under test: ours (in process) and the Go probe built against Fabric's own shim.

use super::*;

// Servers under test.
// ---------------------------------------------------------------------------------------

/// A chaincode server under test; the Go one is killed on drop.
pub struct Target {
    pub name: &'static str,
    pub addr: SocketAddr,
    child: Option<Child>,
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the Rust runtime serving `chaincode` on a loopback port.
pub async fn rust_server(chaincode: impl Chaincode) -> Target {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = ChaincodeServer::new(CCID, chaincode);
    tokio::spawn(server.serve(listener, std::future::pending()));
    Target { name: "rust", addr, child: None }
}

/// The Go probe binary, built once per test process; `None` (after a loud SKIPPED line)
/// when Go is not installed.
pub fn go_probe_binary() -> Option<PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        if !nanotrace_testkit::skip::go_or_skip("the CCaaS runtime against Fabric's Go shim") {
            return None;
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go-probe");
        let out = std::env::temp_dir().join(format!("nanotrace-go-probe-{}", std::process::id()));
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg(".")
            .current_dir(&dir)
            .env("GOFLAGS", "-mod=readonly")
            .status()
            .expect("run go build");
        assert!(status.success(), "go build of tests/go-probe failed");
        Some(out)
    })
    .clone()
}

/// Starts the Go probe (Fabric's Go shim) on a loopback port, or `None` without Go.
pub async fn go_server() -> Option<Target> {
    let bin = go_probe_binary()?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let child = Command::new(bin)
        .env("CHAINCODE_ID", CCID)
        .env("CHAINCODE_SERVER_ADDRESS", addr.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the Go probe");
    let target = Target { name: "go", addr, child: Some(child) };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Some(target);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the Go probe did not start listening on {addr}");
}
