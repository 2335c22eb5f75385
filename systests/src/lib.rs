//! What the Fabric system suites share (`systests/fabric`, `fabric_chaos`,
//! `fabric_hostile`): the repository they run scripts of, and the workspace's binaries
//! they run (built by `cargo build --workspace`).

use std::path::PathBuf;

/// The repository's root (the suites run `scripts/network.sh` from it).
pub fn repo_root() -> PathBuf {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    crate_dir.parent().map(PathBuf::from).unwrap_or(crate_dir)
}

/// The `nanotrace` CLI: `NANOTRACE_BIN`, or the workspace's build.
pub fn nanotrace_cli() -> PathBuf {
    nanotrace_testkit::bins::named_or_workspace_bin("NANOTRACE_BIN", "nanotrace")
}

/// The chaincode server: `NANOTRACE_CHAINCODE_BIN`, or the workspace's build.
pub fn chaincode_server() -> PathBuf {
    nanotrace_testkit::bins::named_or_workspace_bin("NANOTRACE_CHAINCODE_BIN", "nanotrace-chaincode")
}
