//! The stable codes that start every error message of the contract (`UNAUTHORIZED: …`),
//! one list for the contract that writes them and the clients that read them back.

crate::wire_enum! {
    /// A contract error's stable code.
    ErrorCode {
        /// The request could not be read (function, argument count, JSON, size).
        BadRequest => "BAD_REQUEST",
        /// A field of the request is invalid.
        Validation => "VALIDATION",
        /// The caller's identity or role does not allow this (with a reason token).
        Unauthorized => "UNAUTHORIZED",
        /// A record the request names does not exist.
        NotFound => "NOT_FOUND",
        /// The record the request would create exists already.
        AlreadyExists => "ALREADY_EXISTS",
        /// The certificate's state does not allow the transition.
        InvalidTransition => "INVALID_TRANSITION",
        /// A state of the system forbids the request.
        Conflict => "CONFLICT",
        /// A certifier's signature or issuer key does not check out.
        BadSignature => "BAD_SIGNATURE",
        /// The caller's certificate or MSP ID cannot be read.
        Identity => "IDENTITY",
        /// The ledger underneath failed.
        Ledger => "LEDGER",
        /// The writes do not satisfy a key's endorsement policy (invalidated at commit).
        EndorsementPolicyFailure => "ENDORSEMENT_POLICY_FAILURE",
        /// A stored record could not be decoded.
        Corrupt => "CORRUPT",
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn every_code_is_listed_once_and_parsed_back() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
            assert!(code.as_str().chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{code}");
        }
        let mut texts: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), ErrorCode::ALL.len());
        assert_eq!(ErrorCode::parse("UNKNOWN"), None);
    }
}
