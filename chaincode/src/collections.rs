//! The contract's private data collections, as a chaincode definition declares them: one
//! billing collection per certification body and manufacturer
//! ([`nanotrace_model::billing`]), held by the two (and by the regulators the consortium
//! names), read and written by their members only.
//!
//! The embedded ledger takes them with `Ledger::set_collections`; on Fabric they are the
//! chaincode definition's collection configuration.

use nanotrace_model::billing::{billing_pairs, BILLING_MAXIMUM_PEER_COUNT};
use nanotrace_model::records::Organization;
use nanotrace_shim::{CollectionConfig, CollectionError, Collections};

/// The collections of `organizations` on the embedded ledger: the billing collections
/// ([`billing_collections`]) and every organisation's implicit collection, which a
/// Fabric channel defines by itself.
pub fn ledger_collections(
    organizations: &[Organization],
    regulators: &[String],
) -> Result<Collections, CollectionError> {
    let billing = billing_collections(organizations, regulators)?;
    let implicit = organizations.iter().map(|org| CollectionConfig::implicit_for(&org.msp_id));
    Collections::from_configs(billing.iter().cloned().chain(implicit))
}

/// The billing collections of `organizations`; `regulators` (MSP IDs) hold them too.
/// None is required to reach another peer before endorsing (`required_peer_count` 0): a
/// manufacturer may run no peer, a body a single one. Nothing is purged
/// (`block_to_live` 0): invoices are kept for as long as the law asks.
pub fn billing_collections(
    organizations: &[Organization],
    regulators: &[String],
) -> Result<Collections, CollectionError> {
    Collections::from_configs(billing_pairs(organizations).iter().map(|pair| {
        let mut config = CollectionConfig::members_only(&pair.collection(), pair.members(regulators));
        config.maximum_peer_count = BILLING_MAXIMUM_PEER_COUNT;
        config
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_model::billing::BillingPair;
    use nanotrace_model::records::OrgKind;

    fn org(msp_id: &str, kind: OrgKind) -> Organization {
        Organization::registered(msp_id.into(), msp_id.into(), kind, 0, false)
    }

    #[test]
    fn one_members_only_collection_per_pair() {
        let orgs = [
            org("BodyMSP", OrgKind::Certifier),
            org("MakerMSP", OrgKind::Manufacturer),
            org("OtherMakerMSP", OrgKind::Manufacturer),
            org("RegulatorMSP", OrgKind::Regulator),
        ];
        let collections = billing_collections(&orgs, &[]).unwrap();
        assert_eq!(collections.iter().count(), 2);
        let fees = collections.get(&BillingPair::new("BodyMSP", "MakerMSP").collection()).unwrap();
        assert!(fees.member_only_read && fees.member_only_write);
        assert!(fees.is_member("BodyMSP") && fees.is_member("MakerMSP"));
        assert!(!fees.is_member("OtherMakerMSP") && !fees.is_member("RegulatorMSP"));
        assert_eq!((fees.required_peer_count, fees.block_to_live), (0, 0));
        let with_regulator = billing_collections(&orgs, &["RegulatorMSP".to_owned()]).unwrap();
        assert!(with_regulator.iter().all(|c| c.is_member("RegulatorMSP")));
        let on_the_ledger = ledger_collections(&orgs, &[]).unwrap();
        assert_eq!(on_the_ledger.iter().count(), 2 + orgs.len(), "and one implicit collection each");
        assert!(on_the_ledger.get("_implicit_org_OtherMakerMSP").is_some());
    }
}
