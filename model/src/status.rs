//! W3C Bitstring Status Lists: each issued certificate's position in the revocation and
//! suspension lists, and what its bit says.
//!
//! The contract gives a certificate its position when it is first issued (approval, or a
//! renewal's new version): the first free one of [`candidate`]s drawn from the issuing
//! transaction's ID, so positions are scattered over the list (a list reveals nothing about
//! issuance order) and every peer and every verifier derives the same ones. The
//! position is kept in the record ([`Certificate::status_index`]) and reserved under its
//! own key, so no two certificates share one.

use crate::records::{Certificate, CertificateStatus};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Positions in each list: 2^20 (the specification's minimum is 131,072), room for
/// about half a million certificates before drawing a free position takes more than a
/// few tries; a second list is the way on from there.
pub const LIST_SIZE: u32 = 1 << 20;

/// The list every position is in so far.
pub const LIST: u32 = 0;

/// How many candidates the contract tries before it refuses (the list is then full).
pub const MAX_ATTEMPTS: u32 = 64;

/// What a list's bits mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusPurpose {
    /// Set for good: the certificate was revoked, or replaced by a renewal.
    Revocation,
    /// Set while the certificate is suspended.
    Suspension,
}

impl StatusPurpose {
    /// Both purposes.
    pub const ALL: [StatusPurpose; 2] = [StatusPurpose::Revocation, StatusPurpose::Suspension];

    /// The purpose's name in a status entry and in the list's URL.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusPurpose::Revocation => "revocation",
            StatusPurpose::Suspension => "suspension",
        }
    }

    /// The purpose named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// Whether `cert`'s bit is set in this list. A renewed certificate counts as revoked:
    /// its credential must not verify as in force once a newer version replaced it (the
    /// verifier says SUPERSEDED).
    pub fn is_set(self, cert: &Certificate) -> bool {
        match self {
            StatusPurpose::Revocation => {
                matches!(cert.status, CertificateStatus::Revoked | CertificateStatus::Superseded)
            }
            StatusPurpose::Suspension => cert.status == CertificateStatus::Suspended,
        }
    }
}

/// The `attempt`-th candidate position of certificate `id` first issued in transaction
/// `tx_id`.
pub fn candidate(tx_id: &str, id: &str, attempt: u32) -> u32 {
    let digest = Sha256::digest(format!("nanotrace/status-position\n{tx_id}\n{id}\n{attempt}"));
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % LIST_SIZE
}

/// The URL of status list `list` of `purpose` under `base` (a verifier's public URL).
pub fn list_url(base: &str, purpose: StatusPurpose, list: u32) -> String {
    format!("{}/api/v1/status/{}/{list}", base.trim_end_matches('/'), purpose.as_str())
}

/// The status entries of a credential whose certificate sits at `index`: one per
/// purpose, each naming its list under `base`.
pub fn entries(base: &str, index: u32) -> serde_json::Value {
    let entries: Vec<serde_json::Value> = StatusPurpose::ALL
        .into_iter()
        .map(|purpose| {
            let url = list_url(base, purpose, LIST);
            serde_json::json!({
                "id": format!("{url}#{index}"),
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose.as_str(),
                "statusListIndex": index.to_string(),
                "statusListCredential": url,
            })
        })
        .collect();
    serde_json::Value::Array(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_spread_and_differ_by_attempt() {
        let a: Vec<u32> = (0..4).map(|n| candidate("tx1", "NT-ABCDEFGH2345", n)).collect();
        assert!(a.iter().all(|p| *p < LIST_SIZE));
        assert_eq!(a, (0..4).map(|n| candidate("tx1", "NT-ABCDEFGH2345", n)).collect::<Vec<_>>(), "deterministic");
        let mut unique = a.clone();
        unique.dedup();
        assert_eq!(unique.len(), 4);
        assert_ne!(candidate("tx1", "NT-ABCDEFGH2345", 0), candidate("tx2", "NT-ABCDEFGH2345", 0));
    }

    #[test]
    fn urls_and_entries() {
        assert_eq!(
            list_url("https://v.example/", StatusPurpose::Suspension, 0),
            "https://v.example/api/v1/status/suspension/0"
        );
        let e = entries("https://v.example", 42);
        assert_eq!(e[0]["statusPurpose"], "revocation");
        assert_eq!(e[1]["statusListIndex"], "42");
        assert_eq!(e[1]["id"], "https://v.example/api/v1/status/suspension/0#42");
        assert_eq!(StatusPurpose::parse("revocation"), Some(StatusPurpose::Revocation));
        assert_eq!(StatusPurpose::parse("refresh"), None);
    }
}
