//! The contract's private data collections as a Fabric chaincode definition takes them
//! (`peer lifecycle chaincode approveformyorg --collections-config FILE`): one billing
//! collection per certification body and manufacturer of the consortium
//! ([`nanotrace_model::billing`]; docs/PRIVATE-DATA.md), the same the embedded ledger
//! defines.
//!
//! Fabric never lets a definition drop a collection, and accepts as members only
//! organisations of the channel. So an organisation that left (`retired`) keeps every
//! collection it had, held from then on by the party that stayed; a pair both of whose
//! parties left is held by the governing organisation. Writes to a collection are
//! endorsed by the peers of its members that run peers (its own endorsement policy, so
//! that the organisations outside it, which hold only hashes, never simulate it); a
//! collection whose members run none falls back to the governing organisation's peer.

use nanotrace_model::billing::{pairs_of, BILLING_MAXIMUM_PEER_COUNT};
use serde_json::{json, Value};

use crate::consortium::Consortium;
use crate::error::TopologyError;
use crate::organization::Organization;

/// The collections configuration of `consortium`'s contract, as Fabric's peer CLI reads
/// it: a JSON array, one object per collection.
pub fn collections_config(consortium: &Consortium) -> Result<Value, TopologyError> {
    let all = pairs_of(consortium.organizations.iter().map(|o| (o.msp_id.as_str(), o.kind)));
    let governing = consortium.governing().filter(|g| !g.retired);
    let mut out = Vec::with_capacity(all.len());
    for pair in all {
        let parties: Vec<&Organization> = [&pair.body, &pair.manufacturer]
            .into_iter()
            .filter_map(|msp| consortium.by_msp_id(msp))
            .filter(|org| !org.retired)
            .collect();
        let members: Vec<&Organization> = match (parties.is_empty(), governing) {
            (false, _) => parties,
            (true, Some(governing)) => vec![governing],
            (true, None) => return Err(TopologyError::Collections(format!(
                "the billing collection of {} and {} has no member left in the channel and no governing organisation to hold it",
                pair.body, pair.manufacturer
            ))),
        };
        let mut endorsers: Vec<&Organization> = members.iter().copied().filter(|o| o.peers > 0).collect();
        if endorsers.is_empty() {
            endorsers.extend(governing.filter(|g| g.peers > 0));
        }
        if endorsers.is_empty() {
            return Err(TopologyError::Collections(format!(
                "no organisation that runs peers can endorse the billing collection of {} and {}",
                pair.body, pair.manufacturer
            )));
        }
        out.push(json!({
            "name": pair.collection(),
            "policy": or_of(&members, "member"),
            "requiredPeerCount": 0,
            "maxPeerCount": BILLING_MAXIMUM_PEER_COUNT,
            "blockToLive": 0,
            "memberOnlyRead": true,
            "memberOnlyWrite": true,
            "endorsementPolicy": { "signaturePolicy": or_of(&endorsers, "peer") },
        }));
    }
    Ok(Value::Array(out))
}

/// `OR('A.role','B.role')`.
fn or_of(orgs: &[&Organization], role: &str) -> String {
    let principals: Vec<String> = orgs.iter().map(|o| format!("'{}.{role}'", o.msp_id)).collect();
    format!("OR({})", principals.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_model::billing::BillingPair;

    fn entry<'a>(config: &'a Value, body: &str, maker: &str) -> &'a Value {
        let name = BillingPair::new(body, maker).collection();
        config
            .as_array()
            .and_then(|all| all.iter().find(|c| c["name"] == name.as_str()))
            .expect("the pair's collection")
    }

    #[test]
    fn the_sample_consortium_has_one_collection_its_two_parties_hold() {
        let consortium = Consortium::sample();
        let config = collections_config(&consortium).unwrap();
        assert_eq!(config.as_array().map(Vec::len), Some(1), "{config}");
        let c = entry(&config, "CertifierMSP", "ManufacturerMSP");
        assert_eq!(c["policy"], "OR('CertifierMSP.member','ManufacturerMSP.member')");
        assert_eq!(c["endorsementPolicy"]["signaturePolicy"], "OR('CertifierMSP.peer','ManufacturerMSP.peer')");
        assert_eq!((c["memberOnlyRead"].clone(), c["memberOnlyWrite"].clone()), (json!(true), json!(true)));
        assert_eq!((c["requiredPeerCount"].clone(), c["blockToLive"].clone()), (json!(0), json!(0)));
        // Every name is one Fabric's lifecycle accepts.
        let name = c["name"].as_str().unwrap();
        assert!(nanotrace_shim_name_ok(name), "{name}");
    }

    fn nanotrace_shim_name_ok(name: &str) -> bool {
        let mut chars = name.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }

    #[test]
    fn a_party_that_left_keeps_its_collections_held_by_the_other() {
        let consortium = Consortium::sample().with_retired("manufacturer").unwrap();
        let config = collections_config(&consortium).unwrap();
        let c = entry(&config, "CertifierMSP", "ManufacturerMSP");
        assert_eq!(c["policy"], "OR('CertifierMSP.member')");
        assert_eq!(c["endorsementPolicy"]["signaturePolicy"], "OR('CertifierMSP.peer')");
        let both = consortium.with_retired("certifier").unwrap();
        let c = entry(&collections_config(&both).unwrap(), "CertifierMSP", "ManufacturerMSP").clone();
        assert_eq!(c["policy"], "OR('RegulatorMSP.member')", "held by the governing organisation");
    }
}
