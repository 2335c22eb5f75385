//! What the cache keeps where: its column families, the keys of `meta`, and how the keys
//! of the transaction log and the product index are built.

/// Certificate ID → its record and audit trail (JSON).
pub(super) const CF_CERTS: &str = "certs";
/// Not written: audit trails are stored with their records in `certs`. Still opened, as
/// every cache so far has it.
pub(super) const CF_HISTORY: &str = "history";
/// GTIN, lot and certificate ID ([`product_key`]) → nothing: the product index.
pub(super) const CF_PRODUCTS: &str = "products";
/// Position ([`txlog_key`]) → the transaction seen there (JSON).
pub(super) const CF_TXLOG: &str = "txlog";
/// The single values below.
pub(super) const CF_META: &str = "meta";
/// Certificate ID → the record version whose issuance signature was checked, and found
/// to vouch for it, when the record was written, with the trust list it was checked
/// against ([`super::signed::Mark`]): the check a lookup would otherwise make.
pub(super) const CF_SIGNED: &str = "signed";
/// Certificate ID → where its answers rendered when its record was written lie
/// ([`super::answers`]): the digest of what they were rendered under, then their segment,
/// offset, length and CRC ([`super::answer_log`]). (An older verifier stored the answers
/// themselves here: those values are stale under the digest in force, and rendered again.)
pub(super) const CF_ANSWERS: &str = "answers";
/// Every column family, as opened (a cache made before `signed` or `answers` gets it on
/// opening).
pub(super) const ALL_CFS: [&str; 7] = [CF_CERTS, CF_HISTORY, CF_PRODUCTS, CF_TXLOG, CF_META, CF_SIGNED, CF_ANSWERS];
/// `meta`: the checkpoint.
pub(super) const CHECKPOINT_KEY: &[u8] = b"checkpoint";
/// `meta`: the issuer trust list.
pub(super) const ISSUERS_KEY: &[u8] = b"issuers";
/// `meta`: the registered organisations.
pub(super) const ORGANIZATIONS_KEY: &[u8] = b"organizations";
/// `meta`: the digest ([`super::answers`]) under which every certificate's answers were
/// last found rendered; absent while some may be missing.
pub(super) const ANSWERS_COMPLETE_KEY: &[u8] = b"answers-complete";
/// `meta`: the on-disk format version.
pub(super) const FORMAT_KEY: &[u8] = b"format";
/// `meta`: what the cache was built from.
pub(super) const BINDING_KEY: &[u8] = b"binding";

/// The transaction log's key: block, then index, big-endian (so keys sort in ledger order).
pub(super) fn txlog_key(block: u64, tx_index: u32) -> [u8; 12] {
    let mut key = [0u8; 12];
    key[..8].copy_from_slice(&block.to_be_bytes());
    key[8..].copy_from_slice(&tx_index.to_be_bytes());
    key
}

/// The product index's key: GTIN, lot and certificate ID, the first two each ended by a
/// NUL byte (so one product's certificates share a prefix).
pub(super) fn product_key(gtin: &str, lot: &str, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(gtin.len() + lot.len() + id.len() + 2);
    key.extend_from_slice(gtin.as_bytes());
    key.push(0);
    key.extend_from_slice(lot.as_bytes());
    key.push(0);
    key.extend_from_slice(id.as_bytes());
    key
}
