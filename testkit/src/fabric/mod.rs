//! A native Fabric network for the test suites that need one (the end-to-end suite, the
//! chaos and hostile-identity suites, the verifier on Fabric): finding the Fabric
//! binaries (`network::Fabric`), bringing `scripts/network.sh` up and down around a test
//! (`network::Network`, torn down on drop), the CPU time of its processes (`cpu`), single nodes to kill and restart (`node`),
//! bounded child processes (`process`), the governance every suite starts from
//! (`governance`), and the public verifier following a peer (`verifier`).

pub mod cpu;
pub mod governance;
pub mod network;
pub mod node;
pub mod org_view;
pub mod process;
pub mod verifier;
