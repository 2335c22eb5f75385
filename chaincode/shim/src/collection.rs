//! Private data collections: data that only some organisations hold, with only its
//! hashes on the shared ledger.
//!
//! Modelled on Fabric's static collection configuration (`StaticCollectionConfig` in a
//! chaincode definition) and on the rules its peer applies when a contract reads or
//! writes a collection (`core/chaincode/handler.go`): a collection must be defined; when
//! it is `member_only_read`, only members of its organisations may read its values
//! ("tx creator does not have read access permission"), when `member_only_write` only
//! they may write them; anyone may read the hash of a value
//! ([`Stub::get_private_data_hash`](crate::Stub::get_private_data_hash)), which is what
//! the other organisations' peers hold.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The longest collection name NanoTrace accepts (Fabric's lifecycle sets no bound).
pub const MAX_COLLECTION_NAME: usize = 128;

/// The start of the name of an organisation's implicit collection, which Fabric defines
/// for every organisation of the channel without any chaincode definition listing it.
pub const IMPLICIT_COLLECTION_PREFIX: &str = "_implicit_org_";

/// The name of `msp_id`'s implicit collection.
pub fn implicit_collection(msp_id: &str) -> String {
    format!("{IMPLICIT_COLLECTION_PREFIX}{msp_id}")
}

/// Why a collection definition cannot be used; nothing is defined.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CollectionError {
    /// The name is not Fabric's `^[A-Za-z0-9-]+([A-Za-z0-9_-]+)*$` (lifecycle's rule), or
    /// is longer than [`MAX_COLLECTION_NAME`].
    #[error(
        "invalid collection name {0:?}: letters, digits and '-' first, then also '_', at most {MAX_COLLECTION_NAME} \
         characters"
    )]
    InvalidName(String),
    /// A collection with no member organisation would hold nothing anywhere.
    #[error("collection {0:?} names no member organisation")]
    NoMembers(String),
    /// Two definitions of one name.
    #[error("collection {0:?} is defined twice")]
    Duplicate(String),
}

/// One private data collection of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionConfig {
    /// The collection's name, as the contract calls it.
    pub name: String,
    /// The MSP IDs of the organisations whose peers hold its values (Fabric's
    /// `member_orgs_policy`, an OR of their members).
    pub member_orgs: BTreeSet<String>,
    /// Only members of `member_orgs` may read its values (the hashes stay public).
    pub member_only_read: bool,
    /// Only members of `member_orgs` may write it.
    pub member_only_write: bool,
    /// Peers an endorsing peer must hand the values to before it endorses (Fabric's
    /// `required_peer_count`; 0 when an organisation may have a single peer).
    #[serde(default)]
    pub required_peer_count: u32,
    /// Peers an endorsing peer hands the values to at most (`maximum_peer_count`).
    #[serde(default = "default_maximum_peer_count")]
    pub maximum_peer_count: u32,
    /// Blocks after which values are purged, hashes kept (`block_to_live`; 0 = never).
    #[serde(default)]
    pub block_to_live: u64,
}

fn default_maximum_peer_count() -> u32 {
    1
}

impl CollectionConfig {
    /// A collection held by `members`, readable and writable by their members only.
    pub fn members_only<I, S>(name: &str, members: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            name: name.to_owned(),
            member_orgs: members.into_iter().map(Into::into).collect(),
            member_only_read: true,
            member_only_write: true,
            required_peer_count: 0,
            maximum_peer_count: default_maximum_peer_count(),
            block_to_live: 0,
        }
    }

    /// `msp_id`'s implicit collection as Fabric defines it
    /// (`GenerateImplicitCollectionForOrg`): held by that organisation's peers, but neither
    /// member-only read nor member-only write — a contract that keeps an organisation's
    /// secrets there checks the caller's organisation itself.
    pub fn implicit_for(msp_id: &str) -> Self {
        Self {
            name: implicit_collection(msp_id),
            member_orgs: [msp_id.to_owned()].into(),
            member_only_read: false,
            member_only_write: false,
            required_peer_count: 0,
            maximum_peer_count: 0,
            block_to_live: 0,
        }
    }

    /// Whether `msp_id` is one of the collection's organisations.
    pub fn is_member(&self, msp_id: &str) -> bool {
        self.member_orgs.contains(msp_id)
    }

    /// Whether a creator of `msp_id` may read the collection's values.
    pub fn may_read(&self, msp_id: &str) -> bool {
        !self.member_only_read || self.is_member(msp_id)
    }

    /// Whether a creator of `msp_id` may write the collection.
    pub fn may_write(&self, msp_id: &str) -> bool {
        !self.member_only_write || self.is_member(msp_id)
    }

    /// Checks the definition as Fabric's lifecycle does for the rules NanoTrace uses.
    pub fn validate(&self) -> Result<(), CollectionError> {
        validate_collection_name(&self.name)?;
        if self.member_orgs.is_empty() {
            return Err(CollectionError::NoMembers(self.name.clone()));
        }
        Ok(())
    }
}

/// Checks a collection name against Fabric lifecycle's rule (and
/// [`MAX_COLLECTION_NAME`]), or as an implicit collection's name
/// ([`IMPLICIT_COLLECTION_PREFIX`] and an MSP ID).
pub fn validate_collection_name(name: &str) -> Result<(), CollectionError> {
    if let Some(msp_id) = name.strip_prefix(IMPLICIT_COLLECTION_PREFIX) {
        let msp_ok = msp_id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if msp_id.is_empty() || !msp_ok || name.len() > MAX_COLLECTION_NAME + IMPLICIT_COLLECTION_PREFIX.len() {
            return Err(CollectionError::InvalidName(name.to_owned()));
        }
        return Ok(());
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !first_ok || !rest_ok || name.len() > MAX_COLLECTION_NAME {
        return Err(CollectionError::InvalidName(name.to_owned()));
    }
    Ok(())
}

/// A contract's collections by name: what a ledger holds as part of the chaincode
/// definition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<CollectionConfig>", into = "Vec<CollectionConfig>")]
pub struct Collections(BTreeMap<String, CollectionConfig>);

impl Collections {
    /// No collections.
    pub fn new() -> Self {
        Self::default()
    }

    /// The collections `configs`, each checked; a duplicate name is refused.
    pub fn from_configs(configs: impl IntoIterator<Item = CollectionConfig>) -> Result<Self, CollectionError> {
        let mut map = BTreeMap::new();
        for config in configs {
            config.validate()?;
            if map.contains_key(&config.name) {
                return Err(CollectionError::Duplicate(config.name));
            }
            map.insert(config.name.clone(), config);
        }
        Ok(Self(map))
    }

    /// The collection called `name`.
    pub fn get(&self, name: &str) -> Option<&CollectionConfig> {
        self.0.get(name)
    }

    /// Every collection, by name.
    pub fn iter(&self) -> impl Iterator<Item = &CollectionConfig> {
        self.0.values()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<CollectionConfig>> for Collections {
    type Error = CollectionError;

    fn try_from(configs: Vec<CollectionConfig>) -> Result<Self, Self::Error> {
        Self::from_configs(configs)
    }
}

impl From<Collections> for Vec<CollectionConfig> {
    fn from(collections: Collections) -> Self {
        collections.0.into_values().collect()
    }
}

/// Whether a collection refused a read or a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionAccess {
    /// Reading a value.
    Read,
    /// Writing or deleting a value.
    Write,
}

impl std::fmt::Display for CollectionAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CollectionAccess::Read => "read",
            CollectionAccess::Write => "write",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_fabric_lifecycle_rule() {
        for good in ["fees", "fees-BodyMSP-MakerMSP", "a_b", "-x", "9", "Fees_2026-x"] {
            assert_eq!(validate_collection_name(good), Ok(()), "{good}");
        }
        assert_eq!(validate_collection_name(&implicit_collection("Maker.example_MSP")), Ok(()));
        let long = "a".repeat(MAX_COLLECTION_NAME + 1);
        for bad in ["", "_x", "a b", "a/b", "fées", "a.b", long.as_str(), "_implicit_org_", "_implicit_org_a b"] {
            assert!(validate_collection_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn membership_decides_reads_and_writes_only_where_the_flags_say() {
        let mut c = CollectionConfig::members_only("fees", ["BodyMSP", "MakerMSP"]);
        assert!(c.may_read("BodyMSP") && c.may_write("MakerMSP"));
        assert!(!c.may_read("OtherMSP") && !c.may_write("OtherMSP"));
        c.member_only_read = false;
        assert!(c.may_read("OtherMSP") && !c.may_write("OtherMSP"));
        c.member_only_write = false;
        assert!(c.may_write("OtherMSP"));
        let implicit = CollectionConfig::implicit_for("MakerMSP");
        assert_eq!(implicit.name, "_implicit_org_MakerMSP");
        assert!(implicit.is_member("MakerMSP") && !implicit.is_member("OtherMSP"));
        assert!(implicit.may_read("OtherMSP") && implicit.may_write("OtherMSP"), "as Fabric defines it");
        assert_eq!(implicit.validate(), Ok(()));
    }

    #[test]
    fn definitions_are_checked_and_round_trip_as_a_list() {
        let a = CollectionConfig::members_only("a", ["X"]);
        let b = CollectionConfig::members_only("b", ["X", "Y"]);
        let set = Collections::from_configs([b.clone(), a.clone()]).expect("valid");
        let json = serde_json::to_string(&set).expect("encode");
        assert!(json.starts_with("[{\"name\":\"a\""), "{json}");
        assert_eq!(serde_json::from_str::<Collections>(&json).expect("decode"), set);
        assert_eq!(Collections::from_configs([a.clone(), a.clone()]), Err(CollectionError::Duplicate("a".into())));
        let none = CollectionConfig { member_orgs: BTreeSet::new(), ..a };
        assert_eq!(Collections::from_configs([none]), Err(CollectionError::NoMembers("a".into())));
        let dup = format!("[{json_a},{json_a}]", json_a = serde_json::to_string(&b).expect("encode"));
        assert!(serde_json::from_str::<Collections>(&dup).is_err(), "a duplicate decoded");
    }
}
