//! The consortium as data: the organisations of a NanoTrace Fabric network — MSP ID,
//! registered name, kind, whether it governs, its peers, its SmartBFT orderer, its named
//! members — read from one YAML file (`network/consortium.yaml` is the sample) and checked
//! as a whole. `scripts/network.sh` reads it through the `nanotrace-topology` binary
//! ([`shell::declarations`]); the sample governance and the tests are checked against it.

pub mod collections;
pub mod config_delta;
pub mod configtx;
pub mod consortium;
pub mod definition_check;
pub mod error;
pub mod layout;
pub mod organization;
pub mod port_bases;
pub mod profiles;
pub mod run_file;
pub mod shell;
pub mod signature_policy;

pub use consortium::Consortium;
pub use error::TopologyError;
pub use layout::{Layout, Ordering, OrgLayout};
pub use organization::{OrderingOrganization, Organization};
