//! [`GatewayTransport`]: the blocking [`Transport`] of the typed NanoTrace API over a
//! Fabric Gateway, with failures mapped onto [`ApiError`]'s stages.

use std::path::Path;

use super::contract::{Contract, SubmitOptions};
use super::error::{GatewayError, RpcFailure};
use super::profile::ConnectionProfile;
use super::{ConnectOptions, Gateway, SigningIdentity};
use crate::error::ApiError;
use crate::transport::Transport;

/// A [`Transport`] over a Fabric Gateway. It owns a tokio runtime and blocks on it, so
/// do not call it from inside another tokio runtime's async context (use
/// [`Contract`] there).
pub struct GatewayTransport {
    runtime: tokio::runtime::Runtime,
    contract: Contract,
    options: SubmitOptions,
}

impl std::fmt::Debug for GatewayTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayTransport").field("contract", &self.contract).finish_non_exhaustive()
    }
}

impl GatewayTransport {
    /// Connects to a gateway peer and uses `chaincode` on `channel`.
    pub fn connect(
        identity: SigningIdentity,
        options: ConnectOptions,
        channel: &str,
        chaincode: &str,
    ) -> Result<Self, GatewayError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| GatewayError::Connect { endpoint: "(runtime)".into(), message: e.to_string() })?;
        let gateway = runtime.block_on(Gateway::connect(identity, options))?;
        let contract = gateway.network(channel).contract(chaincode);
        Ok(GatewayTransport { runtime, contract, options: SubmitOptions::default() })
    }

    /// Connects as a connection profile says (gateway, TLS, identity, channel, chaincode).
    pub fn from_profile(path: impl AsRef<Path>) -> Result<Self, GatewayError> {
        let profile = ConnectionProfile::load(path)?;
        Self::connect(profile.signing_identity()?, profile.connect_options()?, &profile.channel, &profile.chaincode)
    }

    /// Resubmit transactions invalidated by an MVCC read conflict up to `retries` times.
    pub fn with_mvcc_retries(mut self, retries: u32) -> Self {
        self.options.mvcc_retries = retries;
        self
    }

    /// The contract, for async use.
    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    /// The runtime the transport blocks on.
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }
}

impl Transport for GatewayTransport {
    fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<(Vec<u8>, String), ApiError> {
        self.runtime
            .block_on(self.contract.submit_with(function, args, &self.options))
            .map(|s| (s.result, s.transaction_id))
            .map_err(to_api_error)
    }

    fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        self.runtime.block_on(self.contract.evaluate(function, args)).map_err(to_api_error)
    }
}

/// Maps a gateway failure onto the typed API's stages: a chaincode refusal (`CODE: …`)
/// is [`ApiError::Contract`]; a peer refusing the caller's identity is
/// [`ApiError::Identity`], whatever the stage; the rest keep their stage and transaction
/// ID.
pub fn to_api_error(e: GatewayError) -> ApiError {
    if let Some(message) = e.chaincode_message() {
        return ApiError::from_contract_message(&message, e.tx_id().map(str::to_owned));
    }
    let text = e.to_string();
    if e.rpc_failure().is_some_and(RpcFailure::identity_refused) {
        return ApiError::Identity { tx_id: e.tx_id().map(str::to_owned), message: text };
    }
    match e {
        GatewayError::Endorse { tx_id, .. } => ApiError::Endorse { tx_id: Some(tx_id), message: text },
        GatewayError::Submit { tx_id, .. } => ApiError::Submit { tx_id, message: text },
        GatewayError::CommitStatus { tx_id, .. } => ApiError::CommitStatus { tx_id, message: text },
        GatewayError::Commit { tx_id, code, .. } => {
            ApiError::Commit { tx_id: Some(tx_id), code: code.name().to_owned(), message: text }
        }
        GatewayError::Evaluate { .. } | GatewayError::Events { .. } => ApiError::Evaluate { message: text },
        GatewayError::Decode(message) => ApiError::Decode { function: "gateway".into(), message },
        GatewayError::Connect { .. }
        | GatewayError::Identity(_)
        | GatewayError::Sign(_)
        | GatewayError::Request(_)
        | GatewayError::Checkpoint { .. } => ApiError::Request(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::error::ErrorDetail;

    fn endorse_failure(detail: &str) -> GatewayError {
        GatewayError::Endorse {
            tx_id: "tx9".into(),
            failure: RpcFailure {
                code: tonic::Code::Aborted,
                message: "failed to endorse transaction, see attached details for more info".into(),
                details: vec![ErrorDetail {
                    address: "127.0.0.1:53060".into(),
                    msp_id: "ManufacturerMSP".into(),
                    message: detail.into(),
                }],
            },
        }
    }

    #[test]
    fn a_refused_identity_is_final_not_a_ledger_failure() {
        let e = to_api_error(endorse_failure(
            "error validating proposal: access denied: channel [nanotrace] creator org unknown, creator is malformed",
        ));
        assert!(matches!(&e, ApiError::Identity { tx_id: Some(t), .. } if t == "tx9"), "{e:?}");
        assert!(e.is_identity_refused());
        assert!(!e.is_ledger_failure());
        assert!(!e.is_refusal());
        assert!(e.to_string().contains("the peer refused the client identity"), "{e}");

        let e = to_api_error(endorse_failure("error validating proposal: proposal client identity expired"));
        assert!(e.is_identity_refused(), "{e:?}");

        let evaluate = GatewayError::Evaluate {
            tx_id: "tx10".into(),
            failure: RpcFailure::local(
                tonic::Code::PermissionDenied,
                "access denied: channel [nanotrace] creator org [ManufacturerMSP]",
            ),
        };
        assert!(to_api_error(evaluate).is_identity_refused());
    }

    #[test]
    fn other_failures_keep_their_stage() {
        let e = to_api_error(endorse_failure("chaincode response 500, UNAUTHORIZED: Approve needs the certifier role"));
        assert_eq!(e.code(), Some("UNAUTHORIZED"));
        let e = to_api_error(endorse_failure("peer unavailable"));
        assert!(matches!(&e, ApiError::Endorse { tx_id: Some(t), .. } if t == "tx9"), "{e:?}");
        assert!(e.is_ledger_failure());
        assert!(!e.is_identity_refused());
    }
}
