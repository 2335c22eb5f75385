//! Shared test support for the NanoTrace workspace (not published): the test world on
//! the in-memory ledger and on the embedded RocksDB ledger (`disk`), data directories with
//! the sample network for tests that run a service beside them (`datadir`), the one sample application, the contract's function table as
//! a list, the conformance tests every ledger backend must pass, and fakes of what the
//! clients talk to (a Fabric Gateway peer, `fake_gateway`; a hostile Fabric CA,
//! `hostile_ca`).
//!
//! ```
//! use nanotrace_testkit::{sample_application, World, Who};
//!
//! let mut world = World::governed();
//! let id = world.apply("LOT-1");
//! assert_eq!(world.cert(&id).application.batch, "LOT-1");
//! let _ = (sample_application("LOT-2"), Who::Certifier);
//! ```
#![allow(missing_docs, clippy::unwrap_used)]

pub mod answers;
pub mod bins;
#[cfg(feature = "browser")]
pub mod browser;
pub mod compose;
pub mod conformance;
pub mod containers;
pub mod datadir;
pub mod disk;
pub mod einvoice_validator;
pub mod fabric;
pub mod fabric_ca;
pub mod fake_gateway;
pub mod hostile_ca;
pub mod openapi;
pub mod process;
pub mod sample;
pub mod schemas;
pub mod skip;
pub mod smtp;
pub mod tmpfs;
pub mod vc;
pub mod webhook;
pub mod world;

pub use disk::{DiskError, DiskWorld};
pub use sample::{
    application, camt053_statement, other_application, sample_application, sample_body_billing, sample_fee_schedule,
    sample_manufacturer_billing, SAMPLE_APPLICATION_JSON, SAMPLE_BODY_BILLING_JSON, SAMPLE_FEE_SCHEDULE_JSON,
    SAMPLE_MANUFACTURER_BILLING_JSON,
};
pub use world::*;

use nanotrace_model::{Function, FunctionKind};

/// Every function of the contract with its kind, as an array (for table-driven tests).
pub const FUNCTIONS: [(&str, FunctionKind); Function::ALL.len()] = {
    let mut out = [("", FunctionKind::Submit); Function::ALL.len()];
    let mut i = 0;
    while i < Function::ALL.len() {
        out[i] = (Function::ALL[i].name(), Function::ALL[i].kind());
        i += 1;
    }
    out
};
