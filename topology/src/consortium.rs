//! The consortium: its domain, channel, ordering organisation and member organisations,
//! read from one YAML file and checked as a whole.

use std::collections::HashSet;
use std::path::Path;

use nanotrace_model::OrgKind;
use serde::{Deserialize, Serialize};

use crate::error::TopologyError;
use crate::organization::{OrderingOrganization, Organization};

/// The sample consortium's file (`network/consortium.yaml`), built in.
pub const SAMPLE_YAML: &str = include_str!("../../network/consortium.yaml");

/// Names an organisation, a user or the domain's labels may not take: the scripts'
/// own identities of every organisation.
const RESERVED_USERS: [&str; 3] = ["admin", "user1", "user2"];

/// The organisations of one NanoTrace Fabric network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consortium {
    /// The DNS domain under which every organisation's hosts are named
    /// (`peer0.<org>.<domain>`).
    pub domain: String,
    /// The channel's name.
    pub channel: String,
    /// The ordering service's organisation.
    pub ordering: OrderingOrganization,
    /// The member organisations, in the order of their port indexes (from 1).
    pub organizations: Vec<Organization>,
}

impl Consortium {
    /// The sample consortium (three organisations: a manufacturer, a certification body
    /// and the governing regulator).
    pub fn sample() -> Consortium {
        // The built-in file is checked by this crate's tests.
        Consortium::parse(SAMPLE_YAML, "network/consortium.yaml")
            .unwrap_or_else(|e| unreachable!("the built-in sample consortium is valid: {e}"))
    }

    /// Reads and checks the consortium file at `path`.
    pub fn load(path: &Path) -> Result<Consortium, TopologyError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| TopologyError::Read { path: path.to_path_buf(), source })?;
        Consortium::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a consortium from `text`; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Consortium, TopologyError> {
        let consortium: Consortium =
            yaml_serde::from_str(text).map_err(|source| TopologyError::Parse { origin: origin.to_owned(), source })?;
        consortium.check(origin)?;
        Ok(consortium)
    }

    /// The consortium with `entry` (one organisation, as in the file's `organizations`)
    /// joined at the end, so that every other organisation keeps its ports; checked as a
    /// whole (a name or MSP ID taken, a second governing organisation … are refused).
    pub fn with_member(&self, entry: &str, origin: &str) -> Result<Consortium, TopologyError> {
        let org: Organization =
            yaml_serde::from_str(entry).map_err(|source| TopologyError::Parse { origin: origin.to_owned(), source })?;
        let mut grown = self.clone();
        grown.organizations.push(org);
        grown.check(origin)?;
        Ok(grown)
    }

    /// The consortium as YAML (the format it was read from).
    pub fn to_yaml(&self) -> Result<String, yaml_serde::Error> {
        yaml_serde::to_string(self)
    }

    /// The organisation named `name`.
    pub fn organization(&self, name: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.name == name)
    }

    /// The organisation whose MSP ID is `msp_id`.
    pub fn by_msp_id(&self, msp_id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.msp_id == msp_id)
    }

    /// The governing organisation (a checked consortium has exactly one).
    pub fn governing(&self) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.governs)
    }

    /// The members of the channel: every organisation of the file but those retired.
    pub fn members(&self) -> impl Iterator<Item = &Organization> {
        self.organizations.iter().filter(|o| !o.retired)
    }

    /// The members that run peers.
    pub fn peer_organizations(&self) -> impl Iterator<Item = &Organization> {
        self.members().filter(|o| o.peers > 0)
    }

    /// The consortium with member `name` retired (it keeps its place in the file);
    /// refused for the governing organisation, one retired already, one that is the
    /// gateway of a member without peers, or a name the file does not have.
    pub fn with_retired(&self, name: &str) -> Result<Consortium, TopologyError> {
        let invalid =
            |message: String| TopologyError::Invalid { origin: "retire".into(), field: name.to_owned(), message };
        let mut shrunk = self.clone();
        let org = shrunk
            .organizations
            .iter_mut()
            .find(|o| o.name == name)
            .ok_or_else(|| invalid("is no organisation of this consortium".into()))?;
        if org.retired {
            return Err(invalid("was retired already".into()));
        }
        if org.governs {
            return Err(invalid("governs the consortium: it cannot leave".into()));
        }
        org.retired = true;
        shrunk.check("retire")?;
        Ok(shrunk)
    }

    /// The organisation whose peer is `org`'s gateway: its own when it runs peers, else
    /// the one its entry names, else the governing organisation.
    pub fn gateway_of<'a>(&'a self, org: &'a Organization) -> Option<&'a Organization> {
        if org.peers > 0 {
            return Some(org);
        }
        match &org.gateway {
            Some(name) => self.organization(name),
            None => self.governing(),
        }
        .filter(|o| o.peers > 0)
    }

    /// The organisations of a kind.
    pub fn of_kind(&self, kind: OrgKind) -> impl Iterator<Item = &Organization> {
        self.organizations.iter().filter(move |o| o.kind == kind)
    }

    /// The chaincode endorsement policy a deployment gets by default: the governing
    /// organisation's peer and one other organisation's, `AND('<governing>.peer',
    /// OutOf(1, <every other organisation that runs peers>))`. It guards every key without
    /// a key-level policy of its own, that is every *new* key: an application, a status
    /// list, and a new governance record (a role grant, an issuer key, an organisation) —
    /// which no coalition without the governing organisation can therefore write, and
    /// which the contract then puts under the qualified majority. Two endorsements per
    /// transaction however many organisations join. Without a governing organisation
    /// that runs peers, any two organisations (docs/CONSORTIUM.md has the threat model).
    pub fn default_endorsement_policy(&self) -> String {
        let Some(governing) = self.governing().filter(|g| g.peers > 0 && !g.retired) else {
            return self.out_of_peer_organizations(2);
        };
        let others: Vec<String> = self
            .peer_organizations()
            .filter(|o| o.msp_id != governing.msp_id)
            .map(|o| format!("'{}.peer'", o.msp_id))
            .collect();
        if others.is_empty() {
            return format!("AND('{}.peer')", governing.msp_id);
        }
        format!("AND('{}.peer',OutOf(1,{}))", governing.msp_id, others.join(","))
    }

    /// The policy that approves a chaincode definition (the channel's
    /// `LifecycleEndorsement`): a majority of the organisations that run peers.
    pub fn lifecycle_policy(&self) -> String {
        let n = self.peer_organizations().count();
        self.out_of_peer_organizations(n / 2 + 1)
    }

    fn out_of_peer_organizations(&self, k: usize) -> String {
        let peers: Vec<String> = self.peer_organizations().map(|o| format!("'{}.peer'", o.msp_id)).collect();
        format!("OutOf({},{})", k.min(peers.len()), peers.join(","))
    }

    fn check(&self, origin: &str) -> Result<(), TopologyError> {
        let invalid =
            |field: String, message: String| TopologyError::Invalid { origin: origin.to_owned(), field, message };
        for label in self.domain.split('.') {
            if !is_label(label) {
                return Err(invalid(
                    "domain".into(),
                    format!("{:?} is not a DNS name of lowercase labels", self.domain),
                ));
            }
        }
        if !is_channel_name(&self.channel) {
            return Err(invalid(
                "channel".into(),
                format!("{:?}: Fabric's channel names are lowercase letters, digits, '.' and '-', starting with a letter, under 250 characters", self.channel),
            ));
        }
        if !is_org_name(&self.ordering.name) {
            return Err(invalid("ordering.name".into(), org_name_rule(&self.ordering.name)));
        }
        nanotrace_model::validate::msp_id("ordering.msp_id", &self.ordering.msp_id)
            .map_err(|e| invalid("ordering.msp_id".into(), e.to_string()))?;
        if self.organizations.is_empty() {
            return Err(invalid("organizations".into(), "a consortium has at least one organisation".into()));
        }
        let mut names: HashSet<&str> = HashSet::from([self.ordering.name.as_str()]);
        let mut msp_ids: HashSet<&str> = HashSet::from([self.ordering.msp_id.as_str()]);
        for (i, org) in self.organizations.iter().enumerate() {
            let field = |f: &str| format!("organizations[{i}].{f}");
            if !is_org_name(&org.name) {
                return Err(invalid(field("name"), org_name_rule(&org.name)));
            }
            if !names.insert(&org.name) {
                return Err(invalid(field("name"), format!("{:?} is taken by another organisation", org.name)));
            }
            nanotrace_model::validate::msp_id(&field("msp_id"), &org.msp_id)
                .map_err(|e| invalid(field("msp_id"), e.to_string()))?;
            if !msp_ids.insert(&org.msp_id) {
                return Err(invalid(field("msp_id"), format!("{:?} is taken by another organisation", org.msp_id)));
            }
            nanotrace_model::validate::text(&field("registered_name"), &org.registered_name, 200, true)
                .map_err(|e| invalid(field("registered_name"), e.to_string()))?;
            if org.kind == OrgKind::Manufacturer {
                nanotrace_model::prefix::validate_set(&field("company_prefixes"), &org.company_prefixes)
                    .map_err(|e| invalid(field("company_prefixes"), e.to_string()))?;
            } else if !org.company_prefixes.is_empty() {
                return Err(invalid(
                    field("company_prefixes"),
                    "only a manufacturer holds GS1 Company Prefixes".into(),
                ));
            }
            if org.governs && org.kind != OrgKind::Regulator {
                return Err(invalid(field("governs"), "the governing organisation is a regulator".into()));
            }
            if org.peers > 1 {
                return Err(invalid(
                    field("peers"),
                    format!("{}: an organisation starts with at most one peer (add a second with `scripts/network.sh add-peer`)", org.peers),
                ));
            }
            match (&org.gateway, org.peers) {
                (Some(_), 1..) => {
                    return Err(invalid(field("gateway"), "an organisation with peers is its own gateway".into()))
                }
                (Some(g), 0) if !org.retired && !self.members().any(|o| &o.name == g && o.peers > 0) => {
                    return Err(invalid(field("gateway"), format!("{g:?} is no member of this file that runs peers")))
                }
                (None, 0) if !org.retired && self.governing().is_some_and(|g| g.retired || g.peers == 0) => {
                    return Err(invalid(
                        field("gateway"),
                        "the governing organisation runs no peer: name the gateway of this one".into(),
                    ))
                }
                _ => {}
            }
            let mut users = HashSet::new();
            for (j, user) in org.users.iter().enumerate() {
                let user_field = field(&format!("users[{j}]"));
                if !is_user_name(user) {
                    return Err(invalid(
                        user_field,
                        format!(
                            "{user:?}: lowercase letters, digits, '.', '_' and '-', starting with a letter, at most 32"
                        ),
                    ));
                }
                if RESERVED_USERS.contains(&user.as_str()) {
                    return Err(invalid(user_field, format!("{user:?} is one of every organisation's own identities")));
                }
                if !users.insert(user) {
                    return Err(invalid(user_field, format!("{user:?} is named twice")));
                }
            }
        }
        let governing = self.organizations.iter().filter(|o| o.governs).count();
        if governing != 1 {
            return Err(invalid(
                "organizations".into(),
                format!("exactly one organisation governs (`governs: true`, a regulator); {governing} do"),
            ));
        }
        Ok(())
    }
}

fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_org_name(s: &str) -> bool {
    is_label(s) && s.len() <= 20 && s.starts_with(|c: char| c.is_ascii_lowercase())
}

fn org_name_rule(name: &str) -> String {
    format!("{name:?}: 1-20 lowercase letters, digits and '-', starting with a letter (it names hosts and folders)")
}

fn is_user_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
}

fn is_channel_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() < 250
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retired_member_keeps_its_place_but_leaves_the_channel_and_its_policies() {
        let c = Consortium::sample();
        let shrunk = c.with_retired("certifier").expect("retired");
        assert_eq!(shrunk.organizations.len(), 3, "it keeps its place (the others their ports)");
        let members: Vec<&str> = shrunk.members().map(|o| o.name.as_str()).collect();
        assert_eq!(members, ["manufacturer", "regulator"]);
        assert!(!shrunk.default_endorsement_policy().contains("CertifierMSP"));
        let again = Consortium::parse(&shrunk.to_yaml().expect("yaml"), "round trip").expect("parses");
        assert_eq!(again, shrunk);
        let e = shrunk.with_retired("certifier").expect_err("twice").to_string();
        assert!(e.contains("retired already"), "{e}");
        let e = c.with_retired("regulator").expect_err("the governor").to_string();
        assert!(e.contains("governs the consortium"), "{e}");
        let e = c.with_retired("nobody").expect_err("unknown").to_string();
        assert!(e.contains("no organisation of this consortium"), "{e}");
        // A member without peers whose gateway leaves would be stranded: refused.
        let entry = "name: smallco\nmsp_id: SmallCoMSP\nregistered_name: Small Co\nkind: manufacturer\n\
                     company_prefixes: [\"4012345\"]\npeers: 0\ngateway: certifier\nusers: [sam]\n";
        let grown = c.with_member(entry, "smallco.yaml").expect("joins");
        let e = grown.with_retired("certifier").expect_err("a gateway").to_string();
        assert!(e.contains("gateway") && e.contains("no member of this file that runs peers"), "{e}");
    }

    #[test]
    fn a_member_joins_at_the_end_and_a_taken_name_or_a_second_governor_is_refused() {
        let c = Consortium::sample();
        let entry = "name: smallco\nmsp_id: SmallCoMSP\nregistered_name: Small Co\nkind: manufacturer\n\
                     company_prefixes: [\"4012345\"]\npeers: 0\nusers: [sam]\n";
        let grown = c.with_member(entry, "smallco.yaml").expect("joins");
        assert_eq!(grown.organizations.len(), 4);
        assert_eq!(grown.organizations[..3], c.organizations[..], "the others keep their places");
        assert_eq!(grown.organizations[3].peers, 0);
        let again = Consortium::parse(&grown.to_yaml().expect("yaml"), "round trip").expect("parses");
        assert_eq!(again, grown, "the run's copy reads back the same");
        let taken = entry.replace("SmallCoMSP", "CertifierMSP");
        let e = c.with_member(&taken, "x.yaml").expect_err("taken").to_string();
        assert!(e.contains("organizations[3].msp_id") && e.contains("taken"), "{e}");
        let governor = "name: reg2\nmsp_id: Reg2MSP\nregistered_name: R2\nkind: regulator\ngoverns: true\n";
        let e = c.with_member(governor, "x.yaml").expect_err("two governors").to_string();
        assert!(e.contains("exactly one organisation governs"), "{e}");
        let e = c.with_member("name: [", "bad.yaml").expect_err("not YAML").to_string();
        assert!(e.contains("bad.yaml"), "{e}");
    }

    #[test]
    fn the_sample_file_is_the_sample_network_of_the_model() {
        let c = Consortium::sample();
        assert_eq!(c.organizations.len(), nanotrace_model::sample::ORGANIZATIONS.len());
        for sample in nanotrace_model::sample::ORGANIZATIONS {
            let org = c.by_msp_id(sample.msp_id).unwrap_or_else(|| panic!("{} in the file", sample.msp_id));
            assert_eq!(org.registered_name, sample.name);
            assert_eq!(org.kind, sample.kind);
            assert_eq!(org.company_prefixes, sample.company_prefixes);
            assert_eq!(org.peers, 1);
        }
        assert_eq!(c.governing().map(|o| o.msp_id.as_str()), Some(nanotrace_model::sample::REGULATOR_MSP));
        assert_eq!(
            c.default_endorsement_policy(),
            "AND('RegulatorMSP.peer',OutOf(1,'ManufacturerMSP.peer','CertifierMSP.peer'))"
        );
        assert_eq!(c.lifecycle_policy(), "OutOf(2,'ManufacturerMSP.peer','CertifierMSP.peer','RegulatorMSP.peer')");
        let mut grown = c.clone();
        for (i, kind) in [OrgKind::Regulator, OrgKind::Regulator, OrgKind::Certifier].into_iter().enumerate() {
            let mut org = c.organizations[2].clone();
            (org.name, org.msp_id, org.kind, org.governs) = (format!("more{i}"), format!("More{i}MSP"), kind, false);
            grown.organizations.push(org);
        }
        let mut peerless = c.organizations[0].clone();
        (peerless.name, peerless.msp_id, peerless.peers) = ("small".into(), "SmallMSP".into(), 0);
        peerless.company_prefixes = vec!["4012345".into()];
        grown.organizations.push(peerless);
        assert!(
            grown.default_endorsement_policy().starts_with("AND('RegulatorMSP.peer',OutOf(1,"),
            "the governing organisation and one other of six, not a majority"
        );
        assert!(!grown.default_endorsement_policy().contains("SmallMSP"));
        assert!(grown.lifecycle_policy().starts_with("OutOf(4,"), "a majority of the six that run peers");
        assert!(!grown.lifecycle_policy().contains("SmallMSP"), "an organisation without peers endorses nothing");
    }

    #[test]
    fn a_consortium_no_network_can_be_made_of_is_refused_naming_the_field() {
        // (what the error says, the sample's text, what it becomes): the first match changed.
        let cases = [
            ("unknown field `peer`", "    peers: 1", "    peer: 1"),
            (
                "organizations[1].msp_id: \"ManufacturerMSP\" is taken",
                "msp_id: CertifierMSP",
                "msp_id: ManufacturerMSP",
            ),
            ("organizations[2].name: \"orderer\" is taken", "  - name: regulator", "  - name: orderer"),
            (
                "organizations[0].name: \"Manufacturer\": 1-20 lowercase",
                "  - name: manufacturer",
                "  - name: Manufacturer",
            ),
            ("exactly one organisation governs", "    governs: true\n", ""),
            (
                "organizations[1].governs: the governing organisation is a regulator",
                "    kind: certifier\n",
                "    kind: certifier\n    governs: true\n",
            ),
            (
                "organizations[1].company_prefixes: only a manufacturer",
                "    kind: certifier\n",
                "    kind: certifier\n    company_prefixes: [\"4006382\"]\n",
            ),
            (
                "organizations[2].users[0]: \"admin\" is one of every organisation's own",
                "users: [rita]",
                "users: [admin]",
            ),
            ("organizations[0].peers: 2: an organisation starts with at most one peer", "    peers: 1", "    peers: 2"),
            ("channel: \"Nano Trace\"", "channel: nanotrace", "channel: Nano Trace"),
        ];
        for (expected, from, to) in cases {
            assert!(SAMPLE_YAML.contains(from), "{from:?} is in the sample");
            let text = SAMPLE_YAML.replacen(from, to, 1);
            let message = Consortium::parse(&text, "c.yaml").expect_err("refused").to_string();
            assert!(message.starts_with("c.yaml: ") && message.contains(expected), "{expected:?} in {message:?}");
        }
    }

    #[test]
    fn a_file_is_read_from_disk_and_a_missing_one_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("consortium.yaml");
        std::fs::write(&path, SAMPLE_YAML).expect("write");
        assert_eq!(Consortium::load(&path).expect("load"), Consortium::sample());
        let missing = Consortium::load(&dir.path().join("none.yaml")).expect_err("missing").to_string();
        assert!(missing.starts_with("cannot read ") && missing.contains("none.yaml"), "{missing}");
    }
}
