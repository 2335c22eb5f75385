//! W3C Bitstring Status Lists: each issued certificate's position in the revocation and
//! suspension lists, and what its bit says.
//!
//! The contract gives a certificate its position when it is first issued (approval, or a
//! renewal's new version). A position is a `u32`: the list it is in ([`list_of`]) and its
//! index there ([`index_in_list`]), `list · 2^20 + index`; lists of each purpose are
//! numbered from 0, and the status entries of a credential name its list and index
//! ([`entries`]). An issuing transaction reserves the positions it needs as ranges under
//! one key each: a batch of `n` approvals takes one aligned range of
//! `n.next_power_of_two()` positions when that wastes at most an eighth, otherwise one
//! range per set bit of `n` (none wasted); its certificates take the positions in order.
//! Where a range lies is drawn from the transaction's ID ([`range_candidate`]), so ranges
//! are scattered over the list, and every peer derives the same ones. A range's key is
//! the path of its start's bits ([`range_path`]): the ranges inside it share its path as a
//! prefix (one partial composite-key query finds them) and the ranges around it are its
//! path's prefixes (one read each), so two concurrent batches conflict only when their
//! ranges meet. Positions reserved one by one by contract versions before the ranges
//! (`status~<position>`) stay reserved. The position is kept in the certificate
//! ([`Certificate::status_index`]).
//!
//! Ranges are drawn in the lowest list not yet counted full. A transaction that finds no
//! free range in [`ATTEMPTS_PER_LIST`] candidates counts its list full: it writes the
//! list's full mark (one key per list, [`full_mark`]) and draws in the next. Every
//! transaction reads the marks to find the open list, so there is no counter that every
//! batch writes: a mark is written once, and only transactions in flight at that moment
//! conflict on it.

use crate::records::{Certificate, CertificateStatus};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Positions in each list: 2^20 (the specification's minimum is 131,072), room for
/// about 800,000 certificates in batches before drawing a free range takes more than
/// [`ATTEMPTS_PER_LIST`] tries and the next list is opened.
pub const LIST_SIZE: u32 = 1 << 20;

/// How many lists of each purpose there can be: every `u32` position is in one.
pub const MAX_LISTS: u32 = 1 << (32 - LIST_BITS);

/// How many candidates the contract tries in a list before it counts the list full and
/// draws in the next.
pub const ATTEMPTS_PER_LIST: u32 = 16;

/// The list `position` is in.
pub fn list_of(position: u32) -> u32 {
    position >> LIST_BITS
}

/// `position`'s index in its list ([`list_of`]): the bit of that list that is its.
pub fn index_in_list(position: u32) -> u32 {
    position & (LIST_SIZE - 1)
}

/// The key attributes of list `list`'s full mark (under the contract's full-mark object
/// type): its number.
pub fn full_mark(list: u32) -> String {
    list.to_string()
}

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

    /// Whether the bit of a position `cert` retired
    /// ([`Certificate::retired_status_indexes`]) is set in this list: revoked for good, so
    /// that an earlier revision's credential never verifies as in force again.
    pub fn is_set_for_retired(self) -> bool {
        self == StatusPurpose::Revocation
    }

    /// Every position of `cert` in the lists, with whether this list's bit is set at each:
    /// its position now, then the positions it retired.
    pub fn bits(self, cert: &Certificate) -> impl Iterator<Item = (u32, bool)> + '_ {
        let now = cert.status_index.map(|position| (position, self.is_set(cert)));
        now.into_iter().chain(cert.retired_status_indexes.iter().map(move |&p| (p, self.is_set_for_retired())))
    }
}

/// The message an issuer key signs to bind a certificate to its position in the status
/// lists: `nanotrace/status-position/v1\n<certificate ID>\n<position>`. It is signed with
/// the credential (`AttachCredential`, [`crate::CredentialProof::position_signature`]) and
/// printed in the offline token (layout 2, [`crate::token`]), so a browser with no network
/// can read the certificate's bits in the status lists it saved and know they are this
/// certificate's, not another's a forger pointed it to.
pub fn position_signing_input(certificate_id: &str, position: u32) -> Vec<u8> {
    format!("nanotrace/status-position/v1\n{certificate_id}\n{position}").into_bytes()
}

/// Hex of `key`'s signature of [`position_signing_input`].
pub fn sign_position(key: &ed25519_dalek::SigningKey, certificate_id: &str, position: u32) -> String {
    use ed25519_dalek::Signer;
    hex::encode(key.sign(&position_signing_input(certificate_id, position)).to_bytes())
}

/// Whether `signature_hex` is `public_key`'s signature of [`position_signing_input`] of
/// `certificate_id` and `position` (strict Ed25519; a malformed key or signature is not).
pub fn verify_position(public_key: &[u8; 32], certificate_id: &str, position: u32, signature_hex: &str) -> bool {
    let Some(signature) = hex::decode(signature_hex).ok().and_then(|s| <[u8; 64]>::try_from(s).ok()) else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public_key) else { return false };
    key.verify_strict(
        &position_signing_input(certificate_id, position),
        &ed25519_dalek::Signature::from_bytes(&signature),
    )
    .is_ok()
}

/// The token at the start of the `CONFLICT` refusal of an issuing transaction whose
/// credential names another status-list position than the one the transaction gives the
/// certificate (`CONFLICT: [status.position_taken] …`, in a batch `CONFLICT:
/// [status.position_taken] approvals[i]: …`): another transaction reserved that range
/// since the client asked `StatusPositions`. Nothing was written; sign again under a new
/// transaction ID.
pub const POSITION_TAKEN: &str = "status.position_taken";

/// Whether `message`, a `CONFLICT` refusal's text (after `CONFLICT: `, or whole), is the
/// [`POSITION_TAKEN`] refusal.
pub fn is_position_taken(message: &str) -> bool {
    let message = message.strip_prefix("CONFLICT: ").unwrap_or(message);
    message.strip_prefix('[').and_then(|rest| rest.strip_prefix(POSITION_TAKEN)).is_some_and(|r| r.starts_with(']'))
}

/// `LIST_SIZE` is `2^LIST_BITS`.
pub const LIST_BITS: u32 = 20;

/// The largest range a transaction reserves: `2^MAX_RANGE_BITS` positions (a batch holds
/// at most 1,000 certificates).
pub const MAX_RANGE_BITS: u32 = 10;

/// The sizes (as powers of two) of the ranges that give `count` positions: one range of
/// `count.next_power_of_two()` when that wastes at most an eighth of it, otherwise one per
/// set bit of `count`, largest first. Empty for 0; `count` above `2^MAX_RANGE_BITS` is
/// split into ranges of at most that size.
pub fn range_sizes(count: u32) -> Vec<u32> {
    let max = 1u32 << MAX_RANGE_BITS;
    let mut sizes = Vec::new();
    let mut rest = count;
    while rest > max {
        sizes.push(MAX_RANGE_BITS);
        rest -= max;
    }
    if rest == 0 {
        return sizes;
    }
    let whole = rest.next_power_of_two();
    if u64::from(whole) * 8 <= u64::from(rest) * 9 {
        sizes.push(whole.trailing_zeros());
    } else {
        sizes.extend((0..=MAX_RANGE_BITS).rev().filter(|bit| rest & (1 << bit) != 0));
    }
    sizes
}

/// The `attempt`-th candidate start of a range of `2^size_bits` positions reserved by
/// transaction `tx_id` (its `index`-th range) in list `list`: aligned to its size, anywhere
/// in the list. (List 0's candidates are those of contract versions before the other
/// lists: the list is not in their hash.)
pub fn range_candidate(tx_id: &str, index: usize, size_bits: u32, list: u32, attempt: u32) -> u32 {
    let mut text = format!("nanotrace/status-range\n{tx_id}\n{index}\n{size_bits}\n{attempt}");
    if list != 0 {
        text.push_str(&format!("\n{list}"));
    }
    let digest = Sha256::digest(text);
    let bits = size_bits.min(LIST_BITS);
    let slots = LIST_SIZE >> bits;
    (list << LIST_BITS) | ((u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % slots) << bits)
}

/// The key attributes of the range of `2^size_bits` positions starting at `start`: for a
/// range in list 0, the bits of `start` above the range's own, most significant first,
/// each `"0"` or `"1"`; in list `n` above 0, `"list<n>"` and then those bits. A range
/// inside another has the other's path as a prefix.
pub fn range_path(start: u32, size_bits: u32) -> Vec<String> {
    let list = list_of(start);
    let head = (list != 0).then(|| format!("list{list}"));
    let bits = (size_bits..LIST_BITS).rev().map(|bit| if start & (1 << bit) != 0 { "1" } else { "0" }.to_owned());
    head.into_iter().chain(bits).collect()
}

/// The URL of status list `list` of `purpose` under `base` (a verifier's public URL).
pub fn list_url(base: &str, purpose: StatusPurpose, list: u32) -> String {
    format!("{}/api/v1/status/{}/{list}", base.trim_end_matches('/'), purpose.as_str())
}

/// The status entries of a credential whose certificate sits at `position`: one per
/// purpose, each naming its list under `base` and its index there.
pub fn entries(base: &str, position: u32) -> serde_json::Value {
    let (list, index) = (list_of(position), index_in_list(position));
    let entries: Vec<serde_json::Value> = StatusPurpose::ALL
        .into_iter()
        .map(|purpose| {
            let url = list_url(base, purpose, list);
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

    /// A range's candidate start as the module documents it, computed here on its own: the
    /// first 4 bytes (big-endian) of SHA-256("nanotrace/status-range⏎tx⏎index⏎size⏎attempt"),
    /// with "⏎list" after it above list 0, modulo the number of aligned slots, times the
    /// range's size, plus the list's first position.
    fn documented_candidate(tx_id: &str, index: usize, size_bits: u32, list: u32, attempt: u32) -> u32 {
        let mut parts =
            vec!["nanotrace/status-range".to_owned(), tx_id.to_owned(), index.to_string(), size_bits.to_string()];
        parts.push(attempt.to_string());
        if list > 0 {
            parts.push(list.to_string());
        }
        let digest = Sha256::digest(parts.join("\n").as_bytes());
        let first = u64::from(u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]));
        let size = 1u64 << size_bits;
        (u64::from(list) * u64::from(LIST_SIZE) + first % (u64::from(LIST_SIZE) / size) * size) as u32
    }

    #[test]
    fn ranges_are_aligned_spread_and_named_by_their_path() {
        for list in [0, 1, 7, MAX_LISTS - 1] {
            for bits in [0, 4, 10, 20] {
                for (tx, index) in [("tx1", 0), ("tx1", 1), ("tx2", 0), ("a~b", 999)] {
                    let a: Vec<u32> = (0..8).map(|n| range_candidate(tx, index, bits, list, n)).collect();
                    assert!(a.iter().all(|p| list_of(*p) == list && p % (1 << bits) == 0), "{a:?}");
                    let expected: Vec<u32> = (0..8).map(|n| documented_candidate(tx, index, bits, list, n)).collect();
                    assert_eq!(a, expected, "every peer derives the same candidates ({tx}, {index}, {bits}, {list})");
                    // Each attempt draws anew (two may meet by chance; the whole list has one).
                    let unique: std::collections::HashSet<u32> = a.iter().copied().collect();
                    assert!(if bits == LIST_BITS { unique.len() == 1 } else { unique.len() >= 6 }, "{a:?}");
                }
            }
        }
        // The derivation is part of the ledger's format: every contract version draws the
        // same ranges (this value computed apart, with Python's hashlib).
        assert_eq!(range_candidate("tx1", 0, 4, 0, 0), 233_840);
        assert_ne!(range_candidate("tx1", 0, 4, 0, 0), range_candidate("tx2", 0, 4, 0, 0));
        assert_ne!(range_candidate("tx1", 0, 4, 0, 0), range_candidate("tx1", 1, 4, 0, 0));
        assert_ne!(index_in_list(range_candidate("tx1", 0, 4, 1, 0)), 233_840, "each list draws its own");
        assert_eq!(range_path(0b1011 << 16, 16), vec!["1", "0", "1", "1"]);
        assert_eq!(range_path(5, 0).len(), 20);
        assert!(range_path(0, 20).is_empty(), "the whole list");
        assert_eq!(range_path((3 << LIST_BITS) | (0b1011 << 16), 16), vec!["list3", "1", "0", "1", "1"]);
        assert_eq!(range_path(3 << LIST_BITS, 20), vec!["list3"]);
        // A range inside another has the other's path as a prefix, in every list.
        for list in [0, 2] {
            let base = list << LIST_BITS;
            let (outer, inner) = (range_path(base + (3 << 10), 10), range_path(base + (3 << 10) + 48, 4));
            assert_eq!(&inner[..outer.len()], outer.as_slice());
        }
        assert_ne!(range_path(1 << LIST_BITS, 10)[0], range_path(0, 10)[0], "lists do not share keys");
    }

    #[test]
    fn the_position_taken_refusal_is_told_by_its_token() {
        assert!(is_position_taken("CONFLICT: [status.position_taken] certificate NT-X is given …"));
        assert!(is_position_taken("[status.position_taken] approvals[3]: certificate NT-X …"));
        assert!(!is_position_taken("CONFLICT: approvals[3]: [status.position_taken] …"), "the token comes first");
        assert!(!is_position_taken("CONFLICT: [status.position_taken.other] …"));
        assert!(!is_position_taken("CONFLICT: no free range of 4 status-list positions"));
    }

    #[test]
    fn a_position_is_a_list_and_an_index() {
        assert_eq!((list_of(42), index_in_list(42)), (0, 42));
        assert_eq!((list_of(LIST_SIZE), index_in_list(LIST_SIZE)), (1, 0));
        assert_eq!((list_of(u32::MAX), index_in_list(u32::MAX)), (MAX_LISTS - 1, LIST_SIZE - 1));
        assert_eq!(full_mark(3), "3");
    }

    #[test]
    fn a_count_takes_one_range_or_one_per_bit() {
        assert!(range_sizes(0).is_empty());
        assert_eq!(range_sizes(1), vec![0]);
        assert_eq!(range_sizes(1000), vec![10], "1,024 wastes 24 of 1,000: at most an eighth");
        assert_eq!(range_sizes(600), vec![9, 6, 4, 3], "1,024 would waste 424: 512 + 64 + 16 + 8");
        assert_eq!(range_sizes(16), vec![4]);
        assert_eq!(range_sizes(3), vec![1, 0]);
        assert_eq!(range_sizes(2049), vec![10, 10, 0]);
        for n in 1..=3000u32 {
            let sizes = range_sizes(n);
            let total: u32 = sizes.iter().map(|b| 1u32 << b).sum();
            assert!(total >= n && u64::from(total - n) * 8 <= u64::from(total), "{n}: {sizes:?}");
            assert!(sizes.iter().all(|b| *b <= MAX_RANGE_BITS));
        }
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
        let e = entries("https://v.example", 2 * LIST_SIZE + 42);
        assert_eq!(e[0]["statusListIndex"], "42");
        assert_eq!(e[0]["statusListCredential"], "https://v.example/api/v1/status/revocation/2");
        assert_eq!(e[1]["id"], "https://v.example/api/v1/status/suspension/2#42");
        assert_eq!(StatusPurpose::parse("revocation"), Some(StatusPurpose::Revocation));
        assert_eq!(StatusPurpose::parse("refresh"), None);
    }
}
