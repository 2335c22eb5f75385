//! Which organisations share a billing collection: the private data collection in which
//! a certification body and a manufacturer keep their fees, quotes, invoices and
//! payments, with only hashes on the channel (docs/PRIVATE-DATA.md says why one
//! collection per pair).
//!
//! Every certification body has one with every manufacturer, retired ones included: a
//! collection is never taken out of a chaincode definition (Fabric refuses it), and what
//! was billed must stay provable after either party leaves. A regulator is one of its
//! organisations only where the consortium decides so ([`BillingPair::members`]).

use sha2::{Digest, Sha256};

use crate::records::{OrgKind, Organization};

/// The start of every billing collection's name.
pub const BILLING_COLLECTION_PREFIX: &str = "billing-";

/// Peers an endorsing peer hands a billing value to at most, besides itself: enough for
/// a body's and a manufacturer's peer and a regulator's (the collections' `maximum_peer_count`
/// on both ledgers).
pub const BILLING_MAXIMUM_PEER_COUNT: u32 = 3;

/// Hex digits of the pair's hash in a billing collection's name (160 bits).
const NAME_HASH_HEX: usize = 40;

/// A certification body and a manufacturer, whose billing collection this is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BillingPair {
    /// The certification body's MSP ID.
    pub body: String,
    /// The manufacturer's MSP ID.
    pub manufacturer: String,
}

impl BillingPair {
    /// The pair of `body` and `manufacturer`.
    pub fn new(body: &str, manufacturer: &str) -> Self {
        Self { body: body.to_owned(), manufacturer: manufacturer.to_owned() }
    }

    /// The collection's name: [`BILLING_COLLECTION_PREFIX`] and the first 40 hex digits
    /// of SHA-256(body ‖ 0x00 ‖ manufacturer). MSP IDs may hold `.` and `_`, which a
    /// collection name may not (Fabric's lifecycle rule), and two of them can be longer
    /// than a name should be; the hash is fixed-length and tells the pairs apart. The
    /// collection's definition lists its organisations by name.
    pub fn collection(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.body.as_bytes());
        hasher.update([0]);
        hasher.update(self.manufacturer.as_bytes());
        let digest = hex::encode(hasher.finalize());
        format!("{BILLING_COLLECTION_PREFIX}{}", &digest[..NAME_HASH_HEX])
    }

    /// The collection's organisations: the two parties, and `regulators` where the
    /// consortium has them hold billing records too.
    pub fn members<'a>(&'a self, regulators: &'a [String]) -> impl Iterator<Item = &'a str> {
        [self.body.as_str(), self.manufacturer.as_str()].into_iter().chain(regulators.iter().map(String::as_str))
    }
}

/// Every billing pair of `organizations`: each certification body with each
/// manufacturer, in MSP ID order.
pub fn billing_pairs(organizations: &[Organization]) -> Vec<BillingPair> {
    pairs_of(organizations.iter().map(|o| (o.msp_id.as_str(), o.kind)))
}

/// [`billing_pairs`] of organisations given by MSP ID and kind (a consortium file's, the
/// contract's records'): one definition of who shares a collection, for both.
pub fn pairs_of<'a>(organizations: impl IntoIterator<Item = (&'a str, OrgKind)>) -> Vec<BillingPair> {
    let organizations: Vec<(&str, OrgKind)> = organizations.into_iter().collect();
    let of = |kind: OrgKind| {
        let mut ids: Vec<&str> = organizations.iter().filter(|o| o.1 == kind).map(|o| o.0).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let (bodies, manufacturers) = (of(OrgKind::Certifier), of(OrgKind::Manufacturer));
    bodies.iter().flat_map(|body| manufacturers.iter().map(move |maker| BillingPair::new(body, maker))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(msp_id: &str, kind: OrgKind) -> Organization {
        Organization::registered(msp_id.into(), msp_id.into(), kind, 0, false)
    }

    #[test]
    fn each_body_has_one_collection_with_each_manufacturer() {
        let orgs = [
            org("MakerB.example", OrgKind::Manufacturer),
            org("BodyMSP", OrgKind::Certifier),
            org("RegulatorMSP", OrgKind::Regulator),
            org("MakerA_MSP", OrgKind::Manufacturer),
            org("Body2MSP", OrgKind::Certifier),
        ];
        let pairs = billing_pairs(&orgs);
        let named: Vec<(&str, &str)> = pairs.iter().map(|p| (p.body.as_str(), p.manufacturer.as_str())).collect();
        assert_eq!(
            named,
            [
                ("Body2MSP", "MakerA_MSP"),
                ("Body2MSP", "MakerB.example"),
                ("BodyMSP", "MakerA_MSP"),
                ("BodyMSP", "MakerB.example")
            ]
        );
        let names: std::collections::BTreeSet<String> = pairs.iter().map(BillingPair::collection).collect();
        assert_eq!(names.len(), 4, "one name per pair");
        for name in &names {
            assert_eq!(name.len(), BILLING_COLLECTION_PREFIX.len() + NAME_HASH_HEX);
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{name}");
        }
        // The order of the two parties matters: a body is never a manufacturer's
        // manufacturer.
        assert_ne!(BillingPair::new("A", "B").collection(), BillingPair::new("B", "A").collection());
        assert_ne!(BillingPair::new("A", "BC").collection(), BillingPair::new("AB", "C").collection());
        let regulators = vec!["RegulatorMSP".to_owned()];
        let members: Vec<&str> = pairs[0].members(&regulators).collect();
        assert_eq!(members, ["Body2MSP", "MakerA_MSP", "RegulatorMSP"]);
    }
}
