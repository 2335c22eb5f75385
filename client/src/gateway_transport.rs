//! [`GatewayTransport`]: the [`Transport`] of the typed NanoTrace API over a Fabric
//! Gateway (the `nanotrace-fabric-gateway` client), async like it, with failures mapped
//! onto [`ApiError`]'s stages.

use std::path::Path;

use nanotrace_fabric_gateway::{
    ConnectOptions, ConnectionProfile, Contract, Gateway, GatewayError, RpcFailure, SigningIdentity, SubmitOptions,
    Submitted,
};

use crate::error::ApiError;
use crate::transport::{PreparedTx, Transient, Transport};

/// A [`Transport`] over a Fabric Gateway: a [`Contract`] and the options of its submits.
/// It owns no runtime: its calls run on the caller's (tokio) runtime.
#[derive(Debug, Clone)]
pub struct GatewayTransport {
    contract: Contract,
    options: SubmitOptions,
}

impl GatewayTransport {
    /// Connects to a gateway peer and uses `chaincode` on `channel`.
    pub async fn connect(
        identity: SigningIdentity,
        options: ConnectOptions,
        channel: &str,
        chaincode: &str,
    ) -> Result<Self, GatewayError> {
        let gateway = Gateway::connect(identity, options).await?;
        Ok(Self::new(gateway.network(channel).contract(chaincode)))
    }

    /// Connects as a connection profile says (gateway, TLS, identity, channel, chaincode).
    pub async fn from_profile(path: impl AsRef<Path>) -> Result<Self, GatewayError> {
        let profile = ConnectionProfile::load(path)?;
        Self::connect(profile.signing_identity()?, profile.connect_options()?, &profile.channel, &profile.chaincode)
            .await
    }

    /// The transport over a contract of a gateway already connected.
    pub fn new(contract: Contract) -> Self {
        GatewayTransport { contract, options: SubmitOptions::default() }
    }

    /// Resubmit transactions invalidated because what they read changed (an MVCC or a
    /// phantom read conflict) up to `retries` times, each as a new transaction.
    pub fn with_mvcc_retries(mut self, retries: u32) -> Self {
        self.options.mvcc_retries = retries;
        self
    }

    /// Up to `retries` more tries while a submit's fate is unknown, never a second
    /// transaction ([`SubmitOptions::fate_retries`]).
    pub fn with_fate_retries(mut self, retries: u32) -> Self {
        self.options.fate_retries = retries;
        self
    }

    /// The contract, for the Gateway client's own calls (events, offline signing).
    pub fn contract(&self) -> &Contract {
        &self.contract
    }
}

impl Transport for GatewayTransport {
    async fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        self.contract.submit_with(function, args, &self.options).await.map_err(to_api_error)
    }

    async fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        self.contract.evaluate(function, args).await.map_err(to_api_error)
    }

    fn prepare(&self) -> Option<PreparedTx> {
        let nonce = nanotrace_fabric_gateway::proposal::new_nonce();
        let tx_id = self.contract.transaction_id_for(&nonce);
        Some(PreparedTx { nonce, tx_id })
    }

    async fn submit_prepared(&self, tx: &PreparedTx, function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        let options = SubmitOptions { nonce: Some(tx.nonce.clone()), ..self.options.clone() };
        self.contract.submit_with(function, args, &options).await.map_err(to_api_error)
    }

    async fn submit_transient(
        &self,
        function: &str,
        args: &[Vec<u8>],
        transient: &Transient,
    ) -> Result<Submitted, ApiError> {
        let options = SubmitOptions { transient: transient.clone(), ..self.options.clone() };
        self.contract.submit_with(function, args, &options).await.map_err(to_api_error)
    }

    async fn evaluate_transient(
        &self,
        function: &str,
        args: &[Vec<u8>],
        transient: &Transient,
    ) -> Result<Vec<u8>, ApiError> {
        let mut proposal = self.contract.new_proposal(function).arguments(args.iter().cloned());
        for (key, value) in transient {
            proposal = proposal.transient(key.clone(), value.clone());
        }
        proposal.build().evaluate().await.map_err(to_api_error)
    }
}

/// Maps a gateway failure onto the typed API's stages: a chaincode refusal (`CODE: …`)
/// is [`ApiError::Contract`]; a peer refusing the caller's identity is
/// [`ApiError::Identity`], whatever the stage; the rest keep their stage and transaction
/// ID. Every error made from a failed call keeps its gRPC status and the peers' details
/// ([`ApiError::grpc_code`], [`ApiError::details`]); the text is the Gateway error's.
pub fn to_api_error(e: GatewayError) -> ApiError {
    let grpc = e.rpc_failure().cloned().map(Box::new);
    if let Some(message) = e.chaincode_message() {
        let mut refusal = ApiError::from_contract_message(&message, e.tx_id().map(str::to_owned));
        if let ApiError::Contract { grpc: slot, .. } = &mut refusal {
            *slot = grpc;
        }
        return refusal;
    }
    let text = e.to_string();
    if e.rpc_failure().is_some_and(RpcFailure::identity_refused) {
        return ApiError::Identity { tx_id: e.tx_id().map(str::to_owned), message: text, grpc };
    }
    match e {
        GatewayError::Endorse { tx_id, .. } => ApiError::Endorse { tx_id: Some(tx_id), message: text, grpc },
        GatewayError::Submit { tx_id, .. } => ApiError::Submit { tx_id, message: text, grpc },
        GatewayError::CommitStatus { tx_id, .. } => ApiError::CommitStatus { tx_id, message: text, grpc },
        GatewayError::Commit { tx_id, code, .. } => {
            ApiError::Commit { tx_id: Some(tx_id), code: code.name().to_owned(), message: text }
        }
        GatewayError::Evaluate { .. } | GatewayError::Events { .. } => ApiError::Evaluate { message: text, grpc },
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
    use nanotrace_fabric_gateway::{ErrorDetail, ValidationCode};

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

    fn peer_detail(message: &str) -> ErrorDetail {
        ErrorDetail { address: "127.0.0.1:53060".into(), msp_id: "ManufacturerMSP".into(), message: message.into() }
    }

    /// A failed call of `code` with two peers' messages.
    fn failure(code: tonic::Code, message: &str) -> RpcFailure {
        RpcFailure {
            code,
            message: message.into(),
            details: vec![
                peer_detail(message),
                ErrorDetail { address: "127.0.0.1:54060".into(), ..peer_detail("down") },
            ],
        }
    }

    #[test]
    fn the_grpc_code_and_details_survive_the_mapping_of_every_stage() {
        let tx = || "tx7".to_owned();
        let cases = [
            GatewayError::Endorse { tx_id: tx(), failure: failure(tonic::Code::Aborted, "peer unavailable") },
            GatewayError::Submit { tx_id: tx(), failure: failure(tonic::Code::Unavailable, "orderer down") },
            GatewayError::CommitStatus { tx_id: tx(), failure: failure(tonic::Code::DeadlineExceeded, "deadline") },
            GatewayError::Evaluate { tx_id: tx(), failure: failure(tonic::Code::Unknown, "ledger closed") },
            GatewayError::Events { failure: failure(tonic::Code::Unavailable, "stream broke") },
            GatewayError::Endorse {
                tx_id: tx(),
                failure: failure(tonic::Code::Aborted, "chaincode response 500, UNAUTHORIZED: only certifiers approve"),
            },
            GatewayError::Evaluate {
                tx_id: tx(),
                failure: failure(tonic::Code::PermissionDenied, "access denied: channel [c] creator org [M]"),
            },
        ];
        for gateway_error in cases {
            let wrapped = gateway_error.rpc_failure().cloned().unwrap();
            let text = gateway_error.to_string();
            let e = to_api_error(gateway_error);
            assert_eq!(e.grpc_code(), Some(wrapped.code), "{e:?}");
            assert_eq!(e.details(), wrapped.details.as_slice(), "{e:?}");
            assert_eq!(e.details()[1].address, "127.0.0.1:54060");
            assert_eq!(e.grpc_status(), Some(&wrapped));
            if !e.is_refusal() {
                assert!(e.to_string().ends_with(&text), "the Gateway error's text is kept: {e}");
            }
        }
    }

    #[test]
    fn a_contract_refusal_keeps_its_text_and_the_endorsement_it_came_from() {
        let e = to_api_error(endorse_failure("chaincode response 500, UNAUTHORIZED: Approve needs the certifier role"));
        assert!(matches!(&e, ApiError::Contract { tx_id: Some(t), .. } if t == "tx9"), "{e:?}");
        assert_eq!(e.to_string(), "UNAUTHORIZED: Approve needs the certifier role");
        assert_eq!(e.grpc_code(), Some(tonic::Code::Aborted));
        assert_eq!(e.details().len(), 1);
        assert_eq!(e.details()[0].msp_id, "ManufacturerMSP");
    }

    #[test]
    fn errors_that_wrap_no_call_have_no_grpc_status() {
        let commit =
            GatewayError::Commit { tx_id: "tx8".into(), code: ValidationCode::MVCC_READ_CONFLICT, block_number: 12 };
        let connect = GatewayError::Connect { endpoint: "127.0.0.1:1".into(), message: "refused".into() };
        for e in [to_api_error(commit), to_api_error(connect)] {
            assert_eq!(e.grpc_code(), None, "{e:?}");
            assert!(e.details().is_empty());
            assert!(e.grpc_status().is_none());
        }
    }
}
