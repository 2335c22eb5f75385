//! A signed-in member as Fabric names them in what they sign.

use nanotrace_client::ApiError;
use nanotrace_fabric_ca::msp::Member;
use nanotrace_fabric_gateway::Identity;

/// The member's identity as Fabric names it.
pub fn identity(member: &Member) -> Result<Identity, ApiError> {
    Identity::new(member.msp_id.clone(), member.cert_pem.clone().into_bytes())
        .map_err(|e| ApiError::Request(e.to_string()))
}

/// The marshalled `msp.SerializedIdentity` of a member.
pub(crate) fn creator(member: &Member) -> Result<Vec<u8>, ApiError> {
    identity(member).map(|i| i.creator())
}
