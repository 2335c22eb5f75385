//! Key-level endorsement policies: [`EndorsementPolicy`] ↔ a `SignaturePolicyEnvelope`,
//! stored in the key's metadata under `VALIDATION_PARAMETER`.
//!
//! The encoding is the one Fabric's policy parser (`common/policydsl`) gives the policy's
//! notation ([`EndorsementPolicy`]'s `Display`): one `MSPRole` principal per `SignedBy`,
//! numbered as the parser numbers them, and the rule tree of `NOutOf`. A
//! policy of the `statebased` form (fabric-chaincode-go `pkg/statebased`: MSP IDs sorted
//! and de-duplicated, "N out of N") is therefore the same bytes whether this runtime or a
//! Go chaincode set it, and a qualified majority (`AND('R.peer', OutOf(2, …))`) is the
//! envelope Fabric's policy parser builds from that notation.

use nanotrace_protos::common::{
    msp_principal::Classification, msp_role::MspRoleType, signature_policy, MspPrincipal, MspRole, SignaturePolicy,
    SignaturePolicyEnvelope,
};
use nanotrace_protos::prost::Message;
use nanotrace_shim::{EndorsementPolicy, PolicyRole, Principal};
use thiserror::Error;

/// The state-metadata key of key-level endorsement policies (`MetaDataKeys` in Fabric).
pub const VALIDATION_PARAMETER: &str = "VALIDATION_PARAMETER";

/// Deepest rule nesting a stored policy may have (Fabric's own policies nest two or three
/// levels; a bound keeps a hostile envelope from exhausting the stack).
const MAX_DEPTH: usize = 16;

/// Why stored policy bytes are not a policy this runtime can represent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// The bytes are not a `SignaturePolicyEnvelope`.
    #[error("validation parameter is not a SignaturePolicyEnvelope: {0}")]
    Decode(String),
    /// A valid envelope, but not rules over member or peer roles of organisations.
    #[error("unsupported validation parameter: {0}")]
    Unsupported(String),
}

fn msp_role(role: PolicyRole) -> MspRoleType {
    match role {
        PolicyRole::Member => MspRoleType::Member,
        PolicyRole::Peer => MspRoleType::Peer,
    }
}

fn signed_by(principal: &Principal, principals: &mut Vec<Principal>) -> SignaturePolicy {
    principals.push(principal.clone());
    SignaturePolicy { r#type: Some(signature_policy::Type::SignedBy(principals.len() as i32 - 1)) }
}

/// The rule of `policy`, numbering principals as Fabric's policy parser
/// (`common/policydsl`) does: a rule's nested rules first, then its own principals, in
/// order, and a principal named twice listed twice.
fn rule_of(policy: &EndorsementPolicy, principals: &mut Vec<Principal>) -> SignaturePolicy {
    match policy {
        EndorsementPolicy::SignedBy(principal) => signed_by(principal, principals),
        EndorsementPolicy::OutOf { n, rules } => {
            let mut built: Vec<Option<SignaturePolicy>> = rules
                .iter()
                .map(|r| matches!(r, EndorsementPolicy::OutOf { .. }).then(|| rule_of(r, principals)))
                .collect();
            for (slot, rule) in built.iter_mut().zip(rules) {
                if let EndorsementPolicy::SignedBy(principal) = rule {
                    *slot = Some(signed_by(principal, principals));
                }
            }
            let rules = built.into_iter().flatten().collect();
            SignaturePolicy {
                r#type: Some(signature_policy::Type::NOutOf(signature_policy::NOutOf { n: *n as i32, rules })),
            }
        }
    }
}

/// The `SignaturePolicyEnvelope` of `policy`.
pub fn to_envelope(policy: &EndorsementPolicy) -> SignaturePolicyEnvelope {
    let mut principals = Vec::new();
    let rule = rule_of(policy, &mut principals);
    let identities = principals
        .iter()
        .map(|p| MspPrincipal {
            principal_classification: Classification::Role as i32,
            principal: MspRole { msp_identifier: p.msp_id.clone(), role: msp_role(p.role) as i32 }.encode_to_vec(),
        })
        .collect();
    SignaturePolicyEnvelope { version: 0, rule: Some(rule), identities }
}

/// The metadata value of `policy`.
pub fn encode(policy: &EndorsementPolicy) -> Vec<u8> {
    to_envelope(policy).encode_to_vec()
}

fn principal_of(principal: &MspPrincipal) -> Result<Principal, PolicyError> {
    if principal.principal_classification != Classification::Role as i32 {
        return Err(PolicyError::Unsupported("a principal is not an MSP role".into()));
    }
    let msp_role = MspRole::decode(principal.principal.as_slice()).map_err(|e| PolicyError::Decode(e.to_string()))?;
    let role = match MspRoleType::try_from(msp_role.role) {
        Ok(MspRoleType::Member) => PolicyRole::Member,
        Ok(MspRoleType::Peer) => PolicyRole::Peer,
        _ => return Err(PolicyError::Unsupported(format!("MSP role {}", msp_role.role))),
    };
    Ok(Principal { msp_id: msp_role.msp_identifier, role })
}

fn policy_of(rule: &SignaturePolicy, principals: &[Principal], depth: usize) -> Result<EndorsementPolicy, PolicyError> {
    if depth > MAX_DEPTH {
        return Err(PolicyError::Unsupported(format!("rules nested deeper than {MAX_DEPTH}")));
    }
    match &rule.r#type {
        Some(signature_policy::Type::SignedBy(i)) => usize::try_from(*i)
            .ok()
            .and_then(|i| principals.get(i))
            .map(|p| EndorsementPolicy::SignedBy(p.clone()))
            .ok_or_else(|| PolicyError::Unsupported(format!("SignedBy({i}) names no principal"))),
        Some(signature_policy::Type::NOutOf(n_out_of)) => {
            let rules =
                n_out_of.rules.iter().map(|r| policy_of(r, principals, depth + 1)).collect::<Result<Vec<_>, _>>()?;
            let n =
                u32::try_from(n_out_of.n).map_err(|_| PolicyError::Unsupported(format!("OutOf({}, …)", n_out_of.n)))?;
            Ok(EndorsementPolicy::OutOf { n, rules })
        }
        None => Err(PolicyError::Unsupported("a rule of no type".into())),
    }
}

/// Reads a stored validation parameter back: any rule tree over ROLE principals of the
/// member or peer role whose thresholds can be met.
pub fn decode(bytes: &[u8]) -> Result<EndorsementPolicy, PolicyError> {
    let envelope = SignaturePolicyEnvelope::decode(bytes).map_err(|e| PolicyError::Decode(e.to_string()))?;
    let principals = envelope.identities.iter().map(principal_of).collect::<Result<Vec<_>, _>>()?;
    let rule = envelope.rule.as_ref().ok_or_else(|| PolicyError::Unsupported("no rule".into()))?;
    let policy = policy_of(rule, &principals, 0)?;
    policy.validate().map_err(|e| PolicyError::Unsupported(e.to_string()))?;
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn round_trips_sorted_and_deduplicated() {
        let policy = EndorsementPolicy::all_of(["RegulatorMSP", "CertifierMSP", "RegulatorMSP"], PolicyRole::Peer);
        let back = decode(&encode(&policy)).expect("decodes");
        assert_eq!(back.as_all_of(), Some((vec!["CertifierMSP", "RegulatorMSP"], PolicyRole::Peer)));
    }

    #[test]
    fn one_peer_of_certifier_matches_fabric_bytes() {
        // The golden SignaturePolicyEnvelope of nanotrace-protos' Go-generated golden file.
        let policy = EndorsementPolicy::peer_of("CertifierMSP");
        let golden = include_str!("../../../protos/tests/golden/golden.txt")
            .lines()
            .find_map(|l| l.strip_prefix("signature_policy_envelope "))
            .expect("golden entry");
        assert_eq!(hex(&encode(&policy)), golden);
    }

    /// The bytes Fabric v3.1.5's `policydsl.FromString` gives each notation (a throwaway Go
    /// program over a Fabric checkout printed them; nothing of it is kept). The policy
    /// this runtime encodes is the one its `Display` names, byte for byte.
    #[test]
    fn encodes_as_fabrics_policy_parser() {
        let peer = |m: &str| EndorsementPolicy::SignedBy(Principal::peer(m));
        let governance = EndorsementPolicy::out_of(
            2,
            vec![
                peer("RegulatorMSP"),
                EndorsementPolicy::out_of(
                    2,
                    ["CertifierMSP", "Manufacturer1MSP", "Manufacturer2MSP", "Certifier2MSP"].map(peer).to_vec(),
                ),
            ],
        );
        let mixed = EndorsementPolicy::out_of(
            1,
            vec![EndorsementPolicy::SignedBy(Principal { msp_id: "A".into(), role: PolicyRole::Member }), peer("B")],
        );
        for (policy, notation, golden) in [
            (
                governance,
                "AND('RegulatorMSP.peer', OutOf(2, 'CertifierMSP.peer', 'Manufacturer1MSP.peer', 'Manufacturer2MSP.peer', 'Certifier2MSP.peer'))",
                "121e121c080212020804121412120802120208001202080112020802120208031a1212100a0c4365727469666965724d535010031a1612140a104d616e756661637475726572314d535010031a1612140a104d616e756661637475726572324d535010031a1312110a0d436572746966696572324d535010031a1212100a0c526567756c61746f724d53501003",
            ),
            (mixed, "OR('A.member', 'B.peer')", "120c120a080112020800120208011a0512030a01411a0712050a01421003"),
        ] {
            assert_eq!(policy.to_string(), notation);
            assert_eq!(hex(&encode(&policy)), golden, "{notation}");
            assert_eq!(decode(&encode(&policy)).expect("decodes"), policy);
        }
    }

    #[test]
    fn rejects_policies_it_cannot_enforce() {
        let mut envelope = to_envelope(&EndorsementPolicy::all_of(["A", "B"], PolicyRole::Member));
        if let Some(signature_policy::Type::NOutOf(n)) = envelope.rule.as_mut().and_then(|r| r.r#type.as_mut()) {
            n.n = 3;
        }
        assert!(matches!(decode(&envelope.encode_to_vec()), Err(PolicyError::Unsupported(_))));
        if let Some(signature_policy::Type::NOutOf(n)) = envelope.rule.as_mut().and_then(|r| r.r#type.as_mut()) {
            n.n = 1;
            n.rules[1] = SignaturePolicy { r#type: Some(signature_policy::Type::SignedBy(7)) };
        }
        assert!(matches!(decode(&envelope.encode_to_vec()), Err(PolicyError::Unsupported(_))));
        assert!(matches!(decode(&[0xff, 0xff]), Err(PolicyError::Decode(_))));
    }
}
