//! Key-level endorsement policies: [`EndorsementPolicy`] ↔ a `SignaturePolicyEnvelope`,
//! stored in the key's metadata under `VALIDATION_PARAMETER`.
//!
//! The encoding is the one of Fabric's `statebased` package (fabric-chaincode-go
//! `pkg/statebased`): MSP IDs sorted and de-duplicated, one `MSPRole` principal each, and
//! a rule "N out of N" of `SignedBy(i)`, so that a policy set by this runtime and one
//! set by a Go chaincode are the same bytes.

use nanotrace_protos::common::{
    msp_principal::Classification, msp_role::MspRoleType, signature_policy, MspPrincipal, MspRole, SignaturePolicy,
    SignaturePolicyEnvelope,
};
use nanotrace_protos::prost::Message;
use nanotrace_shim::{EndorsementPolicy, PolicyRole};
use thiserror::Error;

/// The state-metadata key of key-level endorsement policies (`MetaDataKeys` in Fabric).
pub const VALIDATION_PARAMETER: &str = "VALIDATION_PARAMETER";

/// Why stored policy bytes are not a policy this runtime can represent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// The bytes are not a `SignaturePolicyEnvelope`.
    #[error("validation parameter is not a SignaturePolicyEnvelope: {0}")]
    Decode(String),
    /// A valid envelope, but not "one signature from a role of each org".
    #[error("unsupported validation parameter: {0}")]
    Unsupported(String),
}

fn msp_role(role: PolicyRole) -> MspRoleType {
    match role {
        PolicyRole::Member => MspRoleType::Member,
        PolicyRole::Peer => MspRoleType::Peer,
    }
}

/// The `SignaturePolicyEnvelope` of `policy`.
pub fn to_envelope(policy: &EndorsementPolicy) -> SignaturePolicyEnvelope {
    let mut orgs: Vec<&str> = policy.orgs.iter().map(String::as_str).collect();
    orgs.sort_unstable();
    orgs.dedup();
    let role = msp_role(policy.role) as i32;
    let identities = orgs
        .iter()
        .map(|org| MspPrincipal {
            principal_classification: Classification::Role as i32,
            principal: MspRole { msp_identifier: (*org).to_owned(), role }.encode_to_vec(),
        })
        .collect();
    let rules =
        (0..orgs.len()).map(|i| SignaturePolicy { r#type: Some(signature_policy::Type::SignedBy(i as i32)) }).collect();
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(SignaturePolicy {
            r#type: Some(signature_policy::Type::NOutOf(signature_policy::NOutOf { n: orgs.len() as i32, rules })),
        }),
        identities,
    }
}

/// The metadata value of `policy`.
pub fn encode(policy: &EndorsementPolicy) -> Vec<u8> {
    to_envelope(policy).encode_to_vec()
}

/// Reads a stored validation parameter back. Only the statebased form is accepted:
/// ROLE principals of a single role (member or peer), all required.
pub fn decode(bytes: &[u8]) -> Result<EndorsementPolicy, PolicyError> {
    let envelope = SignaturePolicyEnvelope::decode(bytes).map_err(|e| PolicyError::Decode(e.to_string()))?;
    let mut orgs = Vec::with_capacity(envelope.identities.len());
    let mut role = None;
    for principal in &envelope.identities {
        if principal.principal_classification != Classification::Role as i32 {
            return Err(PolicyError::Unsupported("a principal is not an MSP role".into()));
        }
        let msp_role =
            MspRole::decode(principal.principal.as_slice()).map_err(|e| PolicyError::Decode(e.to_string()))?;
        let this = match MspRoleType::try_from(msp_role.role) {
            Ok(MspRoleType::Member) => PolicyRole::Member,
            Ok(MspRoleType::Peer) => PolicyRole::Peer,
            _ => return Err(PolicyError::Unsupported(format!("MSP role {}", msp_role.role))),
        };
        if role.is_some_and(|r| r != this) {
            return Err(PolicyError::Unsupported("principals of different roles".into()));
        }
        role = Some(this);
        orgs.push(msp_role.msp_identifier);
    }
    let all_required = match envelope.rule.as_ref().and_then(|r| r.r#type.as_ref()) {
        Some(signature_policy::Type::NOutOf(n_out_of)) => {
            n_out_of.n as usize == orgs.len()
                && n_out_of.rules.len() == orgs.len()
                && n_out_of.rules.iter().enumerate().all(
                    |(i, rule)| matches!(rule.r#type, Some(signature_policy::Type::SignedBy(j)) if j as usize == i),
                )
        }
        _ => false,
    };
    if !all_required {
        return Err(PolicyError::Unsupported("the rule is not one signature from each listed org".into()));
    }
    Ok(EndorsementPolicy { orgs, role: role.unwrap_or(PolicyRole::Member) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_sorted_and_deduplicated() {
        let policy = EndorsementPolicy {
            orgs: vec!["RegulatorMSP".into(), "CertifierMSP".into(), "RegulatorMSP".into()],
            role: PolicyRole::Peer,
        };
        let back = decode(&encode(&policy)).expect("decodes");
        assert_eq!(back.orgs, vec!["CertifierMSP".to_owned(), "RegulatorMSP".to_owned()]);
        assert_eq!(back.role, PolicyRole::Peer);
    }

    #[test]
    fn one_peer_of_certifier_matches_fabric_bytes() {
        // The golden SignaturePolicyEnvelope of nanotrace-protos' Go-generated golden file.
        let policy = EndorsementPolicy { orgs: vec!["CertifierMSP".into()], role: PolicyRole::Peer };
        let golden = include_str!("../../../protos/tests/golden/golden.txt")
            .lines()
            .find_map(|l| l.strip_prefix("signature_policy_envelope "))
            .expect("golden entry");
        let hex: String = encode(&policy).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, golden);
    }

    #[test]
    fn rejects_other_policies() {
        let mut envelope =
            to_envelope(&EndorsementPolicy { orgs: vec!["A".into(), "B".into()], role: PolicyRole::Member });
        if let Some(signature_policy::Type::NOutOf(n)) = envelope.rule.as_mut().and_then(|r| r.r#type.as_mut()) {
            n.n = 1;
        }
        assert!(matches!(decode(&envelope.encode_to_vec()), Err(PolicyError::Unsupported(_))));
        assert!(matches!(decode(&[0xff, 0xff]), Err(PolicyError::Decode(_))));
    }
}
