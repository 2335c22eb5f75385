//! The JSON API the page script calls: sign-in by signature, enrollment, and the
//! stages of a transaction signed in the browser (see [`crate::ledger`]). Signatures
//! arrive as WebCrypto makes them (base64 of r ‖ s) and are turned into Fabric's form
//! (DER, low S) here; bytes to sign leave as base64.
//!
//! One file per noun: [`signin`], [`enrollment`], [`transactions`], [`members`],
//! [`keys`]; their handlers are re-exported here for the router.

pub mod enrollment;
pub mod keys;
pub mod members;
pub mod signin;
pub mod transactions;

pub use enrollment::*;
pub use keys::*;
pub use members::*;
pub use signin::*;
pub use transactions::*;

use crate::actions;
use crate::web::failure::Failure;
use axum::http::StatusCode;

fn form_failure(e: actions::FormError) -> Failure {
    Failure::new(StatusCode::BAD_REQUEST, "the form", e.to_string())
}
