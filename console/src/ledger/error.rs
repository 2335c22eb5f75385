//! Why an operation on an organisation's members failed, on either ledger, with the
//! step it failed at (the page shows it).

use crate::ledger::stage::StageError;
use crate::registry::RegistryError;

/// Why an invitation, a registration at the CA, a withdrawal or a removal failed.
#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    /// This ledger has no such step (a CA registration on the embedded ledger, whose
    /// data directory issues certificates itself): answered as an unknown route.
    #[error("not found")]
    NotHere,
    /// The request is refused as it stands.
    #[error("{message}")]
    Refused {
        /// The step.
        stage: &'static str,
        /// Why.
        message: String,
    },
    /// The records changed since the request was prepared, or it was made twice.
    #[error("{message}")]
    Conflict {
        /// The step.
        stage: &'static str,
        /// Why.
        message: String,
    },
    /// On this ledger it is done outside the console (the message says where).
    #[error("{message}")]
    Elsewhere {
        /// The step.
        stage: &'static str,
        /// Where it is done.
        message: &'static str,
    },
    /// The organisation's CA refused or could not be reached.
    #[error("{message}")]
    Ca {
        /// The step.
        stage: &'static str,
        /// Why.
        message: String,
    },
    /// This console's own records or files failed.
    #[error("{message}")]
    Local {
        /// The step.
        stage: &'static str,
        /// Why.
        message: String,
    },
    /// A signing stage was refused.
    #[error(transparent)]
    Stage(#[from] StageError),
}

impl MemberError {
    /// A refusal at `stage` by the console's records.
    pub(crate) fn refused(stage: &'static str, e: impl std::fmt::Display) -> Self {
        MemberError::Refused { stage, message: e.to_string() }
    }

    /// A conflict at `stage`.
    pub(crate) fn conflict(stage: &'static str, e: impl std::fmt::Display) -> Self {
        MemberError::Conflict { stage, message: e.to_string() }
    }

    /// The CA's failure at `stage`.
    pub(crate) fn ca(stage: &'static str, e: impl std::fmt::Display) -> Self {
        MemberError::Ca { stage, message: e.to_string() }
    }

    /// A registry's refusal at `stage`: its I/O failures are this console's own.
    pub(crate) fn registry(stage: &'static str, e: RegistryError) -> Self {
        match e {
            RegistryError::Io { .. } | RegistryError::Corrupt { .. } => {
                MemberError::Local { stage, message: e.to_string() }
            }
            e => MemberError::refused(stage, e),
        }
    }
}
