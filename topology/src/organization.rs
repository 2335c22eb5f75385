//! An organisation of the consortium, and the ordering service's own.

use nanotrace_model::OrgKind;
use serde::{Deserialize, Serialize};

/// A member organisation of the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Its short name: lowercase letters, digits and `-`, starting with a letter. It names
    /// its folders, host names (`peer0.<name>.<domain>`), connection profiles
    /// (`<name>-<user>`) and network namespace.
    pub name: String,
    /// Its MSP ID on the channel and in the contract.
    pub msp_id: String,
    /// Its name as registered in the contract (`RegisterOrganization`).
    pub registered_name: String,
    /// What it is to the contract.
    pub kind: OrgKind,
    /// Its GS1 Company Prefixes (a manufacturer's: the GTINs it may apply for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub company_prefixes: Vec<String>,
    /// Whether it governs the consortium: its admin bootstraps the contract and
    /// registers the others (exactly one organisation, a regulator).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub governs: bool,
    /// How many peers it runs when the network is made: 1, or 0 for a member of the
    /// channel whose members use another organisation's gateway peer (a second peer is
    /// added to a running network with `scripts/network.sh add-peer`).
    #[serde(default = "one")]
    pub peers: u32,
    /// Whether it runs one of the channel's orderers when ordering is SmartBFT.
    #[serde(default)]
    pub orderer: bool,
    /// Without peers: the organisation whose gateway peer its members use (default: the
    /// governing organisation's, the one party every member already trusts with the
    /// consortium's governance, and never a party to a certificate's decision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// It left the channel (`network.sh remove-org`): it keeps its place in the file, so
    /// that every other organisation keeps its ports, but is no member any more.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
    /// Its named members (beside `Admin`, `User1` and the Ed25519 `User2` every
    /// organisation has), each an ECDSA client identity from its CA.
    #[serde(default)]
    pub users: Vec<String>,
}

fn one() -> u32 {
    1
}

impl Organization {
    /// Its first named member (the sample network's dave, alice and rita).
    pub fn first_user(&self) -> Option<&str> {
        self.users.first().map(String::as_str)
    }
}

/// The ordering service's own organisation (the Raft orderer, and one of the SmartBFT
/// orderers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderingOrganization {
    /// Its short name, as [`Organization::name`].
    pub name: String,
    /// Its MSP ID.
    pub msp_id: String,
}
