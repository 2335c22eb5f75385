//! A contract call's response as the typed client gives it: a billing write's receipt
//! followed to the answer it kept privately (as `nanotrace_client::NanoTrace::submit`
//! does), any other function's response decoded as it is.

use nanotrace_model::billing::{PrivateAnswer, PrivateReceipt};
use nanotrace_model::Function;
use serde::de::DeserializeOwned;

/// `function`'s response `out` as `Resp`; for a billing write, the answer `read` gets
/// with its receipt. Panics (a test's failure) when it is not one.
pub fn response<Resp: DeserializeOwned>(
    function: &str,
    out: &[u8],
    read: impl FnOnce(&PrivateReceipt) -> PrivateAnswer,
) -> Resp {
    match Function::from_name(function) {
        Some(f) if f.has_private_request() => {
            let receipt: PrivateReceipt = serde_json::from_slice(out).expect("a billing write answers a receipt");
            read(&receipt).into_response(f, &receipt.tx_id).expect("the answer kept is the function's")
        }
        _ => serde_json::from_slice(out).expect("decode response"),
    }
}
