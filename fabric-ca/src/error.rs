//! Why a call to the CA failed.

use thiserror::Error;

/// One of the CA's messages: its numeric code and text (Fabric CA's `ErrorCode`s, e.g.
/// 20 for an authentication failure).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct CaMessage {
    /// The CA's code.
    pub code: i64,
    /// The CA's text.
    pub message: String,
}

/// Why a call to the CA failed.
#[derive(Debug, Error)]
pub enum CaError {
    /// The CA's URL or TLS settings are unusable.
    #[error("CA client settings: {0}")]
    Settings(String),
    /// The CA could not be reached, or the connection failed. The text names no URL
    /// (it may be shown to people who must not learn the CA's internal address).
    #[error("cannot reach the CA for {what}: {message}")]
    Unreachable {
        /// What was asked.
        what: String,
        /// What failed, with its causes.
        message: String,
    },
    /// The CA answered with a redirect, which is never followed (the text does not name
    /// where it pointed).
    #[error("the CA answered {what} with a redirect (HTTP {status}), which is not followed")]
    Redirected {
        /// What was asked.
        what: String,
        /// The HTTP status (3xx).
        status: u16,
    },
    /// The CA's answer is larger than the client reads; the rest was not read.
    #[error("the CA's answer to {what} is larger than {limit} bytes; refused")]
    TooLarge {
        /// What was asked.
        what: String,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The certificate the CA issued is not the one requested (another key or another
    /// name); it is not used.
    #[error("the certificate the CA issued for {what} is refused: {reason}")]
    WrongCertificate {
        /// What was asked.
        what: String,
        /// How it differs from the request.
        reason: String,
    },
    /// The CA refused the request: its HTTP status and its own codes and messages.
    #[error("the CA refused {what} (HTTP {status}): {}", describe(messages))]
    Refused {
        /// What was asked (`enroll erin`, `register erin`, …).
        what: String,
        /// The HTTP status.
        status: u16,
        /// The CA's errors.
        messages: Vec<CaMessage>,
    },
    /// The CA's answer could not be read.
    #[error("the CA's answer to {what} cannot be read: {message}")]
    BadAnswer {
        /// What was asked.
        what: String,
        /// What is wrong with the answer.
        message: String,
    },
    /// A key, CSR, certificate or signature could not be made or read here.
    #[error("{0}")]
    Crypto(String),
}

impl CaError {
    /// The CA's first error code, when the CA refused.
    pub fn ca_code(&self) -> Option<i64> {
        match self {
            CaError::Refused { messages, .. } => messages.first().map(|m| m.code),
            _ => None,
        }
    }
}

fn describe(messages: &[CaMessage]) -> String {
    if messages.is_empty() {
        return "no reason given".to_owned();
    }
    messages.iter().map(|m| format!("[code {}] {}", m.code, m.message)).collect::<Vec<_>>().join("; ")
}
