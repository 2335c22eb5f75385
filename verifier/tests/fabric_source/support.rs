//! What the steps share: the verifier binary under test, the network's connection
//! profiles and clients, the chaincode server, the HTTP agent, the clock and the limits.

use nanotrace_client::GatewayTransport;
use nanotrace_client::NanoTrace;
use nanotrace_client::Wait;
use nanotrace_testkit::fabric::network::Network;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The verifier binary under test, copied once (see [`bin`]).
static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// The verifier binary: `NANOTRACE_VERIFIER_BIN`, or the one Cargo built for this test,
/// copied into `scratch` when first asked for, so that another build writing the shared
/// target folder cannot swap it in the middle of the test; one that lacks `--source
/// fabric` is refused at once.
pub fn bin(scratch: &Path) -> PathBuf {
    BIN.get_or_init(|| {
        let built = std::env::var_os("NANOTRACE_VERIFIER_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_nanotrace-verifier")));
        let copy = scratch.join("nanotrace-verifier");
        std::fs::copy(&built, &copy).unwrap_or_else(|e| panic!("copy {}: {e}", built.display()));
        let help = Command::new(&copy).arg("--help").output().expect("nanotrace-verifier --help");
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("--profile"),
            "{} has no --profile: another build replaced it; rebuild (cargo build --workspace) or set \
             NANOTRACE_VERIFIER_BIN",
            built.display()
        );
        copy
    })
    .clone()
}

/// The peer the verifiers under test follow.
pub const REGULATOR_PEER: &str = "peer0.regulator.nanotrace.test";
/// The staleness limit the verifiers under test run with.
pub const MAX_STALENESS: u64 = 4;

/// The time now, Unix seconds.
pub use nanotrace_model::clock::unix_now as now;

/// A client of the contract through a Fabric Gateway.
pub type Client = NanoTrace<GatewayTransport>;

/// The connection profile `network.sh up` wrote for `<org>-<user>`.
pub fn profile(net: &Network, name: &str) -> PathBuf {
    let path = net.run_dir.join(format!("profiles/{name}.yaml"));
    assert!(path.is_file(), "no connection profile {}", path.display());
    path
}

/// A client connected as `<org>-<user>`.
pub fn client(net: &Network, name: &str) -> Client {
    NanoTrace::new(
        GatewayTransport::from_profile(profile(net, name)).wait().unwrap_or_else(|e| panic!("connect as {name}: {e}")),
    )
}

/// The chaincode server binary next to this test executable (or `NANOTRACE_CHAINCODE_BIN`).
pub fn chaincode_server() -> PathBuf {
    nanotrace_testkit::bins::named_or_workspace_bin("NANOTRACE_CHAINCODE_BIN", "nanotrace-chaincode")
}

/// The HTTP agent of the tests: statuses as answers, 15 s per request.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(15)))
        .build()
        .into()
}
