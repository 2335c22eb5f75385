//! The codes of the JSON API's errors (`{"error": code, "message": …}`): one list, which
//! `verifier/openapi.yaml`'s `Error` schema names exactly (a test compares them).

nanotrace_model::wire_enum! {
    /// An API error's stable code.
    ErrorCode {
        /// The certificate ID is malformed.
        InvalidId => "invalid_id",
        /// No such API route.
        NotFound => "not_found",
        /// The ledger has no certificate with this ID.
        Unknown => "unknown",
        /// The verifier cannot vouch for the ledger's data now (its copy is too old or unreadable).
        Unverifiable => "unverifiable",
        /// The record says it is in force, but no certifier's signature vouches for it.
        Untrusted => "untrusted",
        /// The request cannot be read (JSON, CSV, shape).
        BadRequest => "bad_request",
        /// The request body or the list is larger than the verifier accepts.
        TooLarge => "too_large",
        /// The client's rate is spent (a list weighs more than one request).
        RateLimited => "rate_limited",
        /// The verifier is reading as many request bodies as its memory budget allows
        /// (`--max-body-bytes-in-flight`): retry after `Retry-After`.
        Busy => "busy",
        /// The answer took longer than `--timeout-secs` (reading the body included).
        Timeout => "timeout",
        /// The certifier recorded no Verifiable Credential for the certificate.
        NoCredential => "no_credential",
        /// The recorded credential is of an older version of the certificate.
        Outdated => "outdated",
        /// The recorded credential names no status list entry.
        NoStatus => "no_status",
        /// The recorded credential's status list is not one this verifier publishes.
        UnknownStatusBase => "unknown_status_base",
        /// A status list that does not exist or cannot be answered now.
        StatusList => "status_list",
        /// An offline token that is not authentic (altered, forged, or signed by a key
        /// the trust list does not hold).
        InvalidToken => "invalid_token",
        /// The verifier failed to encode its answer.
        Internal => "internal",
    }
}

impl AsRef<str> for ErrorCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn every_code_is_listed_once_in_snake_case() {
        let mut texts: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        for text in &texts {
            assert!(text.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{text}");
            assert_eq!(ErrorCode::parse(text).map(ErrorCode::as_str), Some(*text));
        }
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), ErrorCode::ALL.len());
    }
}
