//! Our Gateway client as any identity: a connection profile's gateway and TLS settings
//! with the profile's own identity or a hostile one, the typed API over it, the
//! channel's block height (`qscc GetChainInfo`) and the validation codes of a block
//! (`qscc GetBlockByNumber`), read with a minimal protobuf reader.

use nanotrace_peer_client::gateway::transport::to_api_error;
use nanotrace_peer_client::gateway::{
    ConnectionProfile, Contract, Gateway, GatewayError, GatewayTransport, SigningIdentity,
};
use nanotrace_peer_client::{ApiError, NanoTrace, Transport};
use std::future::Future;
use std::path::Path;
use std::sync::Arc;

/// A connection to one gateway peer as one identity (the transport owns the runtime
/// every call blocks on).
pub(crate) struct Client {
    transport: Arc<GatewayTransport>,
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
        let transport = GatewayTransport::connect(identity.clone(), options.clone(), &p.channel, crate::CHAINCODE)
            .unwrap_or_else(|e| panic!("{}: {e}", p.name));
        let gateway = transport
            .runtime()
            .block_on(Gateway::connect(identity, options))
            .unwrap_or_else(|e| panic!("{}: {e}", p.name));
        Client { transport: Arc::new(transport), gateway, name: p.name }
    }

    /// Runs a future of this client to completion.
    pub(crate) fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.transport.runtime().block_on(f)
    }

    /// The NanoTrace contract on `channel`.
    pub(crate) fn contract(&self, channel: &str) -> Contract {
        self.gateway.network(channel).contract(crate::CHAINCODE)
    }

    /// The typed API on `channel`.
    pub(crate) fn api(&self, channel: &str) -> NanoTrace<On> {
        NanoTrace::new(On { transport: Arc::clone(&self.transport), contract: self.contract(channel) })
    }

    /// `qscc GetChainInfo` on this client's gateway peer.
    pub(crate) fn try_height(&self, channel: &str) -> Result<u64, GatewayError> {
        let qscc = self.gateway.network(channel).contract("qscc");
        let info = self.block_on(qscc.evaluate("GetChainInfo", &[channel.as_bytes().to_vec()]))?;
        // common.BlockchainInfo { uint64 height = 1; … }. A channel always has its genesis
        // block, so a missing or zero height is a parse failure: fail rather than let
        // "nothing was written" compare zeros with zeros.
        match pb::varint(&info, 1) {
            Some(height) if height > 0 => Ok(height),
            other => panic!("GetChainInfo on {channel}: no height in its answer ({other:?}; {} bytes)", info.len()),
        }
    }

    pub(crate) fn height(&self, channel: &str) -> u64 {
        self.try_height(channel).unwrap_or_else(|e| panic!("qscc GetChainInfo {channel} as {}: {e}", self.name))
    }

    /// The transaction IDs and validation codes of block `number` (`qscc GetBlockByNumber`).
    pub(crate) fn block_txs(&self, channel: &str, number: u64) -> Vec<(String, u8)> {
        let qscc = self.gateway.network(channel).contract("qscc");
        let args = [channel.as_bytes().to_vec(), number.to_string().into_bytes()];
        let block = self.block_on(qscc.evaluate("GetBlockByNumber", &args)).expect("qscc GetBlockByNumber");
        // common.Block { header = 1; data = 2 (BlockData { repeated bytes data = 1 });
        // metadata = 3 (BlockMetadata { repeated bytes metadata = 1 }) }; the validation
        // codes are metadata[TRANSACTIONS_FILTER = 2], one byte per transaction.
        let data = pb::all(pb::bytes(&block, 2).unwrap_or_default(), 1);
        let metadata = pb::all(pb::bytes(&block, 3).unwrap_or_default(), 1);
        let filter = metadata.get(2).copied().unwrap_or_default();
        assert_eq!(filter.len(), data.len(), "block {number}: one validation code per transaction");
        data.iter()
            .zip(filter)
            .map(|(envelope, code)| {
                // Envelope.payload = 1 → Payload.header = 1 → Header.channel_header = 1
                // → ChannelHeader.tx_id = 5.
                let tx_id = pb::bytes(envelope, 1)
                    .and_then(|p| pb::bytes(p, 1))
                    .and_then(|h| pb::bytes(h, 1))
                    .and_then(|c| pb::bytes(c, 5))
                    .unwrap_or_default();
                (String::from_utf8_lossy(tx_id).into_owned(), *code)
            })
            .collect()
    }
}

/// The typed API's transport over a [`Contract`], blocking on the client's runtime.
pub(crate) struct On {
    transport: Arc<GatewayTransport>,
    contract: Contract,
}

impl Transport for On {
    fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<(Vec<u8>, String), ApiError> {
        self.transport
            .runtime()
            .block_on(self.contract.submit(function, args))
            .map(|s| (s.result, s.transaction_id))
            .map_err(to_api_error)
    }

    fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        self.transport.runtime().block_on(self.contract.evaluate(function, args)).map_err(to_api_error)
    }
}

/// Just enough protobuf to read a few fields: varints and length-delimited fields.
mod pb {
    enum Value<'a> {
        Varint(u64),
        Bytes(&'a [u8]),
    }

    fn read_varint(b: &[u8], at: &mut usize) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *b.get(*at)?;
            *at += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn fields(b: &[u8]) -> Vec<(u64, Value<'_>)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < b.len() {
            let Some(key) = read_varint(b, &mut at) else { break };
            let value = match key & 7 {
                0 => match read_varint(b, &mut at) {
                    Some(v) => Value::Varint(v),
                    None => break,
                },
                2 => {
                    let Some(len) = read_varint(b, &mut at).and_then(|l| usize::try_from(l).ok()) else { break };
                    let Some(slice) = b.get(at..at + len) else { break };
                    at += len;
                    Value::Bytes(slice)
                }
                1 => {
                    at += 8;
                    continue;
                }
                5 => {
                    at += 4;
                    continue;
                }
                _ => break,
            };
            out.push((key >> 3, value));
        }
        out
    }

    /// Every length-delimited field `n`.
    pub(super) fn all(b: &[u8], n: u64) -> Vec<&[u8]> {
        fields(b)
            .into_iter()
            .filter_map(|(f, v)| match v {
                Value::Bytes(s) if f == n => Some(s),
                _ => None,
            })
            .collect()
    }

    /// The first length-delimited field `n`.
    pub(super) fn bytes(b: &[u8], n: u64) -> Option<&[u8]> {
        all(b, n).into_iter().next()
    }

    /// The first varint field `n`.
    pub(super) fn varint(b: &[u8], n: u64) -> Option<u64> {
        fields(b).into_iter().find_map(|(f, v)| match v {
            Value::Varint(x) if f == n => Some(x),
            _ => None,
        })
    }
}
