//! The consortium as bash declarations, for `scripts/network.sh` to `eval`: the lists
//! and maps its functions loop over, so that no organisation is named in a script. This
//! module reads the layout ([`crate::layout`]); the layout knows nothing of it.

use std::fmt::Write as _;

use crate::consortium::Consortium;
use crate::layout::{Layout, OrgLayout};

/// `'text'` with every `'` closed, escaped and reopened: one bash word, whatever the
/// text (the consortium's values are checked to need none; this holds regardless).
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The declarations: `DOMAIN`, `CONSORTIUM_CHANNEL`, `ORDERER_ORG`, `ORDERER_MSP_ID`,
/// `ORGS` (the member organisations in port-index order), `PEER_ORGS`, `ORG_MSP`,
/// `ORG_KIND`, `ORG_NAMED_USER` (each one's first named member), `ORG_USERS` (all, space
/// separated), `ORG_INDEX` (the port index, from 1), `ORG_ORDERER` (1 when it runs a
/// SmartBFT orderer), `GOVERNING_ORG`, `DEFAULT_POLICY`.
pub fn declarations(c: &Consortium) -> String {
    let mut out = String::new();
    // The members: a retired organisation keeps its port index (ORG_INDEX) but is no
    // member any more.
    let orgs: Vec<String> = c.members().map(|o| quote(&o.name)).collect();
    let peer_orgs: Vec<String> = c.peer_organizations().map(|o| quote(&o.name)).collect();
    let map = |f: &dyn Fn(usize, &crate::Organization) -> String| -> String {
        c.organizations
            .iter()
            .enumerate()
            .map(|(i, o)| format!("[{}]={}", quote(&o.name), quote(&f(i, o))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // Writing to a String cannot fail.
    let _ = writeln!(out, "DOMAIN={}", quote(&c.domain));
    let _ = writeln!(out, "CONSORTIUM_CHANNEL={}", quote(&c.channel));
    let _ = writeln!(out, "ORDERER_ORG={}", quote(&c.ordering.name));
    let _ = writeln!(out, "ORDERER_MSP_ID={}", quote(&c.ordering.msp_id));
    let _ = writeln!(out, "ORGS=({})", orgs.join(" "));
    let _ = writeln!(out, "PEER_ORGS=({})", peer_orgs.join(" "));
    let _ = writeln!(out, "declare -gA ORG_MSP=({})", map(&|_, o| o.msp_id.clone()));
    let _ = writeln!(out, "declare -gA ORG_KIND=({})", map(&|_, o| kind(o.kind).to_owned()));
    let _ =
        writeln!(out, "declare -gA ORG_NAMED_USER=({})", map(&|_, o| o.first_user().unwrap_or_default().to_owned()));
    let _ = writeln!(out, "declare -gA ORG_USERS=({})", map(&|_, o| o.users.join(" ")));
    let _ = writeln!(out, "declare -gA ORG_INDEX=({})", map(&|i, _| (i + 1).to_string()));
    let _ = writeln!(out, "declare -gA ORG_ORDERER=({})", map(&|_, o| u8::from(o.orderer).to_string()));
    let _ = writeln!(out, "GOVERNING_ORG={}", quote(c.governing().map(|o| o.name.as_str()).unwrap_or_default()));
    let _ = writeln!(out, "DEFAULT_POLICY={}", quote(&c.default_endorsement_policy()));
    out
}

/// The layout's declarations: `SUBNET` (with hosts), `HOST_IP`, `NS_PREFIX` and `BRIDGE`
/// (the hosts' network namespaces and bridge), and by organisation
/// (the ordering organisation's name included where it has the node) `ORG_IP`,
/// `PEER_PORT`, `PEER_CC_PORT`, `PEER_OPS_PORT`, `PEER1_PORT`, `PEER1_CC_PORT`,
/// `PEER1_OPS_PORT`, `CA_PORT`, `CA_OPS_PORT`, `ORDERER_NODE_PORT`,
/// `ORDERER_NODE_ADMIN_PORT`, `ORDERER_NODE_OPS_PORT`.
pub fn layout_declarations(layout: &Layout) -> String {
    let all: Vec<&OrgLayout> = std::iter::once(&layout.ordering_organization).chain(&layout.organizations).collect();
    let map = |name: &str, value: &dyn Fn(&OrgLayout) -> Option<String>| -> String {
        let pairs: Vec<String> =
            all.iter().filter_map(|o| value(o).map(|v| format!("[{}]={}", quote(&o.name), quote(&v)))).collect();
        format!("declare -gA {name}=({})\n", pairs.join(" "))
    };
    let mut out = String::new();
    out.push_str(&format!("SUBNET={}\nHOST_IP={}\n", quote(&layout.subnet()), quote(&layout.host_ip)));
    out.push_str(&format!("NS_PREFIX={}\nBRIDGE={}\n", quote(&layout.namespace_prefix()), quote(&layout.bridge())));
    out.push_str(&map("ORG_IP", &|o| Some(o.ip.clone())));
    out.push_str(&map("PEER_PORT", &|o| o.peer.map(|p| p.listen.to_string())));
    out.push_str(&map("PEER_CC_PORT", &|o| o.peer.map(|p| p.chaincode.to_string())));
    out.push_str(&map("PEER_OPS_PORT", &|o| o.peer.map(|p| p.operations.to_string())));
    out.push_str(&map("PEER1_PORT", &|o| o.second_peer.map(|p| p.listen.to_string())));
    out.push_str(&map("PEER1_CC_PORT", &|o| o.second_peer.map(|p| p.chaincode.to_string())));
    out.push_str(&map("PEER1_OPS_PORT", &|o| o.second_peer.map(|p| p.operations.to_string())));
    out.push_str(&map("CA_PORT", &|o| Some(o.ca.listen.to_string())));
    out.push_str(&map("CA_OPS_PORT", &|o| Some(o.ca.operations.to_string())));
    out.push_str(&map("ORDERER_NODE_PORT", &|o| o.orderer.map(|p| p.listen.to_string())));
    out.push_str(&map("ORDERER_NODE_ADMIN_PORT", &|o| o.orderer.map(|p| p.admin.to_string())));
    out.push_str(&map("ORDERER_NODE_OPS_PORT", &|o| o.orderer.map(|p| p.operations.to_string())));
    out
}

fn kind(kind: nanotrace_model::OrgKind) -> &'static str {
    match kind {
        nanotrace_model::OrgKind::Manufacturer => "manufacturer",
        nanotrace_model::OrgKind::Certifier => "certifier",
        nanotrace_model::OrgKind::Regulator => "regulator",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_is_one_bash_word_whatever_the_text() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn the_sample_declares_its_three_organisations_in_port_order_with_the_governing_policy() {
        let text = declarations(&Consortium::sample());
        for line in [
            "DOMAIN='nanotrace.test'",
            "ORGS=('manufacturer' 'certifier' 'regulator')",
            "declare -gA ORG_MSP=(['manufacturer']='ManufacturerMSP' ['certifier']='CertifierMSP' ['regulator']='RegulatorMSP')",
            "declare -gA ORG_NAMED_USER=(['manufacturer']='dave' ['certifier']='alice' ['regulator']='rita')",
            "declare -gA ORG_INDEX=(['manufacturer']='1' ['certifier']='2' ['regulator']='3')",
            "GOVERNING_ORG='regulator'",
            "DEFAULT_POLICY='AND('\\''RegulatorMSP.peer'\\'',OutOf(1,'\\''ManufacturerMSP.peer'\\'','\\''CertifierMSP.peer'\\''))'",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
    }

    #[test]
    fn the_layout_is_declared_by_organisation_with_the_ordering_organisation_where_it_has_the_node() {
        let layout = Layout::new(&Consortium::sample(), 17050, false, crate::Ordering::Bft).expect("layout");
        let text = layout_declarations(&layout);
        for line in [
            "HOST_IP='127.0.0.1'",
            "declare -gA PEER_PORT=(['manufacturer']='17060' ['certifier']='17070' ['regulator']='17080')",
            "declare -gA PEER1_OPS_PORT=(['manufacturer']='17462' ['certifier']='17472' ['regulator']='17482')",
            "declare -gA CA_PORT=(['orderer']='17054' ['manufacturer']='17064' ['certifier']='17074' ['regulator']='17084')",
            "declare -gA ORDERER_NODE_PORT=(['orderer']='17050' ['manufacturer']='17066' ['certifier']='17076' ['regulator']='17086')",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
    }
}
