//! The NanoTrace data model: one definition of every record, request, response and
//! event, the canonical bytes a certifier signs, the verdict rule and the offline token.
//! The contract, the client, the CLI and the verifier all use these types; nothing here
//! runs the contract or touches a ledger.
//!
//! Times are Unix seconds (UTC) taken from transaction timestamps.
//!
//! ```
//! use nanotrace_model::{verdict_for, Function, FunctionKind, Verdict};
//!
//! // The function table knows each function's wire name and kind.
//! assert_eq!(Function::Approve.name(), "Approve");
//! assert_eq!(Function::Verify.kind(), FunctionKind::Evaluate);
//!
//! // A certificate the ledger has never seen is UNKNOWN, never VALID.
//! let v = verdict_for("NT-AAAAAAAAAAAA", None, &[], 1_700_000_000);
//! assert_eq!(v.verdict, Verdict::Unknown);
//! ```
//!
//! - [`records`]: what the contract stores (organisations, roles, keys, certificates).
//! - [`requests`] / [`responses`]: the JSON argument and answer of each function.
//! - [`sample`]: the sample network's organisations, defined once.
//! - [`events`]: the chaincode event of each transaction.
//! - [`canonical`]: the canonical certificate and the message an issuer signature covers.
//! - [`credential`]: an issued certificate as a W3C Verifiable Credential with an
//!   `eddsa-jcs-2022` Data Integrity proof by the issuer's key.
//! - [`function`]: the contract's function table.
//! - [`verdict`]: what a record means to whoever scans it.
//! - [`authenticity`]: whether an issued record is what its certifier signed.
//! - [`token`]: the compact offline token of a QR code.
//! - [`status`]: each certificate's position in the W3C Bitstring Status Lists.
//! - [`ids`]: deterministic certificate IDs.
//! - [`validate`]: field-by-field validation shared by the contract and its clients.
//! - [`prefix`]: GS1 Company Prefixes, which tie a GTIN to its manufacturer.
//! - [`clock`]: the wall clock of the services and tools (never of the contract).
//! - [`error_code`]: the stable codes of the contract's errors.
//! - [`billing`]: paid certification — fee schedules and quotes, kept in the billing
//!   collection a body shares with a manufacturer (private data).

pub mod authenticity;
pub mod billing;
pub mod canonical;
pub mod clock;
pub mod consignment;
pub mod credential;
pub mod digital_link;
pub mod error_body;
pub mod error_code;
pub mod events;
pub mod function;
pub mod ids;
pub mod jcs_writer;
pub mod link;
pub mod member_request;
pub mod prefix;
pub mod records;
pub mod requests;
pub mod responses;
pub mod reviewed;
pub mod sample;
pub mod signature;
pub mod status;
pub mod token;
pub mod validate;
pub mod verdict;
pub mod wire_enum;

pub use authenticity::{check_issuance, Forgery, MAX_CLOCK_SKEW_SECS};
pub use canonical::*;
pub use error_code::ErrorCode;
pub use events::{Event, EventKind};
pub use function::{unknown_function_message, Function, FunctionKind, PRIVATE_REQUESTS};
pub use ids::{CERTIFICATE_ID_LEN, CERTIFICATE_ID_PREFIX};
pub use records::*;
pub use requests::*;
pub use responses::*;
pub use reviewed::{published_sds, PublishedSds};
pub use verdict::{preferred_for_lot, verdict_for, verdict_with};

/// The words of the contract's `History` refusal (a `CONFLICT`) on a peer that joined the
/// channel from a ledger snapshot taken after the certificate's last change: Fabric keeps
/// no history from before a snapshot. Followers recognise the refusal by them.
pub const HISTORY_BEFORE_SNAPSHOT: &str =
    "this peer holds none of its history: it joined the channel from a ledger snapshot";
