//! Our Gateway client as any identity: a connection profile's gateway and TLS settings
//! with the profile's own identity or a hostile one, the typed API over it, the
//! channel's block height (`qscc GetChainInfo`) and the validation codes of a block
//! (`qscc GetBlockByNumber`), decoded with our protos.

use nanotrace_client::{GatewayTransport, NanoTrace, Wait};
use nanotrace_fabric_gateway::{ConnectionProfile, Contract, Gateway, GatewayError, SigningIdentity};
use nanotrace_protos::common::{Block, ChannelHeader, Envelope, Payload};
use nanotrace_protos::prost::Message;
use std::future::Future;
use std::path::Path;

/// A connection to one gateway peer as one identity (its calls block on the client's
/// process-wide runtime, [`Wait`]).
pub(crate) struct Client {
    pub(crate) gateway: Gateway,
    /// The profile's name, for messages.
    pub(crate) name: String,
}

impl Client {
    /// Connects as the profile says, with `identity` instead of the profile's own when given.
    pub(crate) fn connect(profile: &Path, identity: Option<SigningIdentity>) -> Client {
        let p = ConnectionProfile::load(profile).unwrap_or_else(|e| panic!("{}: {e}", profile.display()));
        let identity = match identity {
            Some(i) => i,
            None => p.signing_identity().unwrap_or_else(|e| panic!("identity of {}: {e}", p.name)),
        };
        let options = p.connect_options().expect("connect options");
        let gateway = Gateway::connect(identity, options).wait().unwrap_or_else(|e| panic!("{}: {e}", p.name));
        Client { gateway, name: p.name }
    }

    /// Runs a future of this client to completion.
    pub(crate) fn block_on<F: Future>(&self, f: F) -> F::Output {
        f.wait()
    }

    /// The NanoTrace contract on `channel`.
    pub(crate) fn contract(&self, channel: &str) -> Contract {
        self.gateway.network(channel).contract(crate::CHAINCODE)
    }

    /// The typed API on `channel`.
    pub(crate) fn api(&self, channel: &str) -> NanoTrace<GatewayTransport> {
        NanoTrace::new(GatewayTransport::new(self.contract(channel)))
    }

    /// `qscc GetChainInfo` on this client's gateway peer.
    pub(crate) fn try_height(&self, channel: &str) -> Result<u64, GatewayError> {
        // A missing or zero height is refused by the decoder (a channel always has its
        // genesis block), so "nothing was written" never compares zeros with zeros.
        Ok(self.block_on(self.gateway.network(channel).chain_info())?.height)
    }

    pub(crate) fn height(&self, channel: &str) -> u64 {
        self.try_height(channel).unwrap_or_else(|e| panic!("qscc GetChainInfo {channel} as {}: {e}", self.name))
    }

    /// The transaction IDs and validation codes of block `number` (`qscc GetBlockByNumber`).
    pub(crate) fn block_txs(&self, channel: &str, number: u64) -> Vec<(String, u8)> {
        let qscc = self.gateway.network(channel).contract("qscc");
        let args = [channel.as_bytes().to_vec(), number.to_string().into_bytes()];
        let block = self.block_on(qscc.evaluate("GetBlockByNumber", &args)).expect("qscc GetBlockByNumber");
        let block = Block::decode(block.as_slice()).expect("a common.Block");
        let data = block.data.map(|d| d.data).unwrap_or_default();
        // The validation codes are metadata[TRANSACTIONS_FILTER = 2], one byte per transaction.
        let metadata = block.metadata.map(|m| m.metadata).unwrap_or_default();
        let filter = metadata.get(2).cloned().unwrap_or_default();
        assert_eq!(filter.len(), data.len(), "block {number}: one validation code per transaction");
        data.iter()
            .zip(filter)
            .map(|(envelope, code)| {
                let tx_id = Envelope::decode(envelope.as_slice())
                    .ok()
                    .and_then(|e| Payload::decode(e.payload.as_slice()).ok())
                    .and_then(|p| p.header)
                    .and_then(|h| ChannelHeader::decode(h.channel_header.as_slice()).ok())
                    .map(|c| c.tx_id)
                    .unwrap_or_default();
                (tx_id, code)
            })
            .collect()
    }
}
