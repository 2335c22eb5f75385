//! Whether a committed chaincode definition's endorsement policy still fits the
//! consortium: after an organisation joins or leaves, the definitions committed before
//! keep the policy they were approved with until the organisations approve a new
//! sequence (`scripts/network.sh deploy`). `scripts/network.sh status` reports each
//! chaincode's definition as current or stale with this check.
//!
//! The definition is read as `peer lifecycle chaincode querycommitted -O json` prints
//! it: its `validation_parameter` is a serialized `ApplicationPolicy`, either a signature
//! policy (whose principals name MSPs) or a reference to a channel policy (which follows
//! the channel's members by itself).

use crate::Consortium;
use nanotrace_protos::common::{application_policy, ApplicationPolicy, MspPrincipal, MspRole};
use prost::Message;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;

/// The endorsement policy of a committed definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommittedPolicy {
    /// A signature policy naming these MSPs.
    Signature(BTreeSet<String>),
    /// A reference to a channel policy (e.g. `/Channel/Application/Endorsement`).
    ChannelPolicy(String),
}

/// How a committed definition's policy compares with the consortium now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    /// It names exactly the member organisations that run peers (or follows a channel
    /// policy).
    Current,
    /// It names organisations that are no members running peers, or misses some that are.
    Stale {
        /// Named, but no member running peers (an organisation that left or was retired).
        not_members: Vec<String>,
        /// Members running peers it does not name (an organisation that joined).
        missing: Vec<String>,
    },
}

/// The definition cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DefinitionError {
    /// No `validation_parameter`, or not base64.
    #[error("the committed definition has no readable validation_parameter: {0}")]
    Parameter(String),
    /// The bytes are not an `ApplicationPolicy`.
    #[error("the validation parameter is not an ApplicationPolicy: {0}")]
    Policy(String),
}

/// The policy of a definition as `querycommitted -O json` prints it.
pub fn committed_policy(definition: &Value) -> Result<CommittedPolicy, DefinitionError> {
    let text = definition
        .get("validation_parameter")
        .and_then(Value::as_str)
        .ok_or_else(|| DefinitionError::Parameter("missing".into()))?;
    let bytes = data_encoding::BASE64.decode(text.as_bytes()).map_err(|e| DefinitionError::Parameter(e.to_string()))?;
    let policy = ApplicationPolicy::decode(bytes.as_slice()).map_err(|e| DefinitionError::Policy(e.to_string()))?;
    match policy.r#type {
        Some(application_policy::Type::ChannelConfigPolicyReference(reference)) => {
            Ok(CommittedPolicy::ChannelPolicy(reference))
        }
        Some(application_policy::Type::SignaturePolicy(envelope)) => {
            let msps = envelope.identities.iter().map(msp_of).collect::<Result<BTreeSet<String>, DefinitionError>>()?;
            Ok(CommittedPolicy::Signature(msps))
        }
        None => Err(DefinitionError::Policy("neither a signature policy nor a channel policy".into())),
    }
}

/// The MSP a principal names (a role: member, admin, peer, … of an MSP).
fn msp_of(principal: &MspPrincipal) -> Result<String, DefinitionError> {
    let role = MspRole::decode(principal.principal.as_slice())
        .map_err(|e| DefinitionError::Policy(format!("a principal that is no MSP role: {e}")))?;
    Ok(role.msp_identifier)
}

/// How `policy` fits `consortium` now.
pub fn fit(policy: &CommittedPolicy, consortium: &Consortium) -> Fit {
    let CommittedPolicy::Signature(named) = policy else { return Fit::Current };
    let members: BTreeSet<String> = consortium.peer_organizations().map(|o| o.msp_id.clone()).collect();
    let not_members: Vec<String> = named.difference(&members).cloned().collect();
    let missing: Vec<String> = members.difference(named).cloned().collect();
    if not_members.is_empty() && missing.is_empty() {
        Fit::Current
    } else {
        Fit::Stale { not_members, missing }
    }
}

impl fmt::Display for Fit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fit::Current => f.write_str("current: its endorsement policy names the members that run peers"),
            Fit::Stale { not_members, missing } => {
                f.write_str("stale: its endorsement policy")?;
                if !not_members.is_empty() {
                    write!(f, " names {} (no member running peers now)", not_members.join(", "))?;
                }
                if !not_members.is_empty() && !missing.is_empty() {
                    f.write_str(" and")?;
                }
                if !missing.is_empty() {
                    write!(f, " does not count {}", missing.join(", "))?;
                }
                f.write_str("; approve a new sequence on each organisation's host: scripts/network.sh deploy")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_protos::common::{signature_policy, SignaturePolicy, SignaturePolicyEnvelope};

    fn signature_definition(msps: &[&str]) -> Value {
        let identities = msps
            .iter()
            .map(|msp| MspPrincipal {
                principal_classification: 0,
                principal: MspRole { msp_identifier: (*msp).to_owned(), role: 3 }.encode_to_vec(),
            })
            .collect();
        let rule = SignaturePolicy { r#type: Some(signature_policy::Type::SignedBy(0)) };
        let policy = ApplicationPolicy {
            r#type: Some(application_policy::Type::SignaturePolicy(SignaturePolicyEnvelope {
                version: 0,
                rule: Some(rule),
                identities,
            })),
        };
        serde_json::json!({"sequence": 2, "validation_parameter": data_encoding::BASE64.encode(&policy.encode_to_vec())})
    }

    #[test]
    fn a_policy_naming_a_retired_body_is_stale_and_a_current_one_is_not() {
        let sample = Consortium::sample();
        let all: Vec<&str> = sample.peer_organizations().map(|o| o.msp_id.as_str()).collect();
        let current = committed_policy(&signature_definition(&all)).expect("readable");
        assert_eq!(fit(&current, &sample), Fit::Current);

        let shrunk = sample.with_retired("certifier").expect("retires");
        let stale = fit(&current, &shrunk);
        assert_eq!(stale, Fit::Stale { not_members: vec!["CertifierMSP".into()], missing: vec![] });
        assert!(stale.to_string().starts_with("stale: its endorsement policy names CertifierMSP"), "{stale}");

        let fewer = committed_policy(&signature_definition(&["RegulatorMSP"])).expect("readable");
        match fit(&fewer, &sample) {
            Fit::Stale { not_members, missing } => {
                assert!(not_members.is_empty());
                assert_eq!(missing, ["CertifierMSP", "ManufacturerMSP"]);
            }
            Fit::Current => panic!("misses two members"),
        }
    }

    #[test]
    fn a_channel_policy_follows_the_members_and_garbage_is_refused() {
        let policy = ApplicationPolicy {
            r#type: Some(application_policy::Type::ChannelConfigPolicyReference(
                "/Channel/Application/Endorsement".into(),
            )),
        };
        let definition =
            serde_json::json!({"validation_parameter": data_encoding::BASE64.encode(&policy.encode_to_vec())});
        let read = committed_policy(&definition).expect("readable");
        assert_eq!(read, CommittedPolicy::ChannelPolicy("/Channel/Application/Endorsement".into()));
        assert_eq!(fit(&read, &Consortium::sample()), Fit::Current);
        assert!(committed_policy(&serde_json::json!({})).is_err());
        assert!(committed_policy(&serde_json::json!({"validation_parameter": "%%"})).is_err());
        assert!(committed_policy(&serde_json::json!({"validation_parameter": "AAAA"})).is_err());
    }
}
