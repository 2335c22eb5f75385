//! A transaction's validation code, as the committing peers recorded it in the block
//! (`protos.TxValidationCode`): read from a commit status and from a block.

use nanotrace_protos::protos::TxValidationCode;

/// A transaction validation code (`protos.TxValidationCode`), kept as the number the
/// peer sent so that codes newer than this client still show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValidationCode(pub i32);

#[allow(missing_docs)]
impl ValidationCode {
    pub const VALID: ValidationCode = ValidationCode(TxValidationCode::Valid as i32);
    pub const ENDORSEMENT_POLICY_FAILURE: ValidationCode =
        ValidationCode(TxValidationCode::EndorsementPolicyFailure as i32);
    pub const MVCC_READ_CONFLICT: ValidationCode = ValidationCode(TxValidationCode::MvccReadConflict as i32);
    pub const PHANTOM_READ_CONFLICT: ValidationCode = ValidationCode(TxValidationCode::PhantomReadConflict as i32);
}

impl ValidationCode {
    /// Fabric's name of the code (`VALID`, `MVCC_READ_CONFLICT`, …), or `UNKNOWN`.
    pub fn name(self) -> &'static str {
        TxValidationCode::try_from(self.0).map(|c| c.as_str_name()).unwrap_or("UNKNOWN")
    }

    /// Whether the transaction is valid (committed with effect).
    pub fn is_valid(self) -> bool {
        self == Self::VALID
    }
}

impl std::fmt::Display for ValidationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
