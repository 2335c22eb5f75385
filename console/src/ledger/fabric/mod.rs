//! The console on Fabric: one organisation's gateway peer, MSP folder and CA
//! ([`org`]), and the browser-signed transactions and reads through the gateway
//! ([`stages`]).

pub mod org;
pub mod stages;

pub use org::{FabricOrg, FabricSetupError, PendingRegistration, PendingWithdrawal};
pub use stages::{FabricStages, SignedRead, UnsignedRead};
