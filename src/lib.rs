//! The `nanotrace` command line's library: human-readable rendering, batch submission
//! from JSON-lines files and the narrated demo. The binary (`src/main.rs`, with its
//! clap types in `src/cli.rs` and one file per command group in `src/commands/`) is a
//! thin layer over this library, the typed client ([`nanotrace_client`]) and the
//! embedded data directory ([`nanotrace_embedded::datadir`]).
//!
//! ```
//! use nanotrace::render;
//! use nanotrace_model::{verdict_for, Verdict};
//!
//! // A certificate the ledger has never seen: what `nanotrace verify` prints for it.
//! let v = verdict_for("NT-AAAAAAAAAAAA", None, &[], 0);
//! assert_eq!(v.verdict, Verdict::Unknown);
//! assert!(render::verdict_line(&v).starts_with("✘ UNKNOWN — "));
//! assert_eq!(render::when(0), "1970-01-01T00:00:00Z");
//! ```
//!
//! - [`render`]: certificates, verdicts, histories, pages and QR codes as text.
//! - [`batch`]: `nanotrace batch apply|approve`, chunked with a one-by-one fallback.
//! - [`demo`]: `nanotrace demo`, the whole lifecycle on a fresh embedded ledger.
//! - [`issued`]: the credential of every certificate an approval issues.
//! - [`wallet`]: a Fabric CA enrollment in a folder (`nanotrace ca`).

pub mod batch;
pub mod demo;
pub mod issued;
pub mod render;
pub mod wallet;
