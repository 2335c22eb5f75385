//! Fabric's composite keys: built, split and ranged exactly as the Go shim does, so a
//! key written by one ledger reads the same on the other.

use crate::stub::{StubError, StubResult};

/// Fabric's composite key namespace marker.
pub const COMPOSITE_KEY_NAMESPACE: char = '\u{0}';
/// The largest code point, used by Fabric to close a partial-composite-key range.
pub const MAX_UNICODE_RUNE: char = '\u{10FFFF}';
/// The start key that replaces an empty `start` of a simple range query (Fabric's
/// `emptyKeySubstitute`): the first key after the composite-key namespace, so composite
/// keys stay out of simple-key scans. Every ledger's range query uses this one.
pub const EMPTY_KEY_SUBSTITUTE: &str = "\u{1}";

/// Builds a composite key exactly as Fabric does: `\0type\0attr1\0attr2\0`.
pub fn create_composite_key(object_type: &str, attributes: &[&str]) -> StubResult<String> {
    validate_composite_part(object_type)?;
    let mut key = String::with_capacity(2 + object_type.len() + attributes.iter().map(|a| a.len() + 1).sum::<usize>());
    key.push(COMPOSITE_KEY_NAMESPACE);
    key.push_str(object_type);
    key.push(COMPOSITE_KEY_NAMESPACE);
    for attribute in attributes {
        validate_composite_part(attribute)?;
        key.push_str(attribute);
        key.push(COMPOSITE_KEY_NAMESPACE);
    }
    Ok(key)
}

/// Splits a composite key into its object type and attributes.
pub fn split_composite_key(key: &str) -> StubResult<(String, Vec<String>)> {
    let rest = key
        .strip_prefix(COMPOSITE_KEY_NAMESPACE)
        .ok_or_else(|| StubError::InvalidKey { key: key.to_owned(), reason: "not a composite key" })?;
    let mut parts: Vec<String> = rest.split(COMPOSITE_KEY_NAMESPACE).map(str::to_owned).collect();
    // The key ends with a separator, so the last part is empty.
    if parts.pop().as_deref() != Some("") || parts.is_empty() {
        return Err(StubError::InvalidKey { key: key.to_owned(), reason: "malformed composite key" });
    }
    let object_type = parts.remove(0);
    Ok((object_type, parts))
}

/// The `[start, end)` range covering every composite key with this prefix.
pub fn partial_composite_range(object_type: &str, attributes: &[&str]) -> StubResult<(String, String)> {
    let start = create_composite_key(object_type, attributes)?;
    let mut end = start.clone();
    end.push(MAX_UNICODE_RUNE);
    Ok((start, end))
}

fn validate_composite_part(part: &str) -> StubResult<()> {
    if part.contains(COMPOSITE_KEY_NAMESPACE) || part.contains(MAX_UNICODE_RUNE) {
        return Err(StubError::InvalidKey {
            key: part.to_owned(),
            reason: "composite key parts may not contain U+0000 or U+10FFFF",
        });
    }
    Ok(())
}

/// Checks a simple key: non-empty and not in the composite namespace.
pub fn validate_simple_key(key: &str) -> StubResult<()> {
    if key.is_empty() {
        return Err(StubError::InvalidKey { key: String::new(), reason: "empty key" });
    }
    if key.starts_with(COMPOSITE_KEY_NAMESPACE) {
        return Err(StubError::InvalidKey { key: key.to_owned(), reason: "simple keys may not start with U+0000" });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_key_round_trips() {
        let key = create_composite_key("cert~status", &["PENDING", "NT-ABC"]).expect("valid key");
        assert_eq!(key, "\u{0}cert~status\u{0}PENDING\u{0}NT-ABC\u{0}");
        let (ty, attrs) = split_composite_key(&key).expect("split");
        assert_eq!(ty, "cert~status");
        assert_eq!(attrs, vec!["PENDING", "NT-ABC"]);
    }

    #[test]
    fn composite_key_rejects_nul_in_attribute() {
        assert!(create_composite_key("t", &["a\u{0}b"]).is_err());
        assert!(split_composite_key("plain").is_err());
        assert!(validate_simple_key("\u{0}x").is_err());
        assert!(validate_simple_key("").is_err());
    }

    #[test]
    fn partial_range_covers_only_prefix() {
        let (start, end) = partial_composite_range("t", &["a"]).expect("range");
        let inside = create_composite_key("t", &["a", "zzz"]).expect("key");
        let outside = create_composite_key("t", &["b"]).expect("key");
        assert!(start <= inside && inside < end);
        assert!(!(start <= outside && outside < end));
    }
}
