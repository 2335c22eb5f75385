//! The peer's own ledger queries through the `qscc` system chaincode, as Fabric's peer
//! CLI (`peer channel getinfo`) and fabric-gateway's samples make them: evaluates on
//! chaincode `qscc` whose first argument is the channel. One definition for the
//! follower, the load generator and the test suites.

use nanotrace_protos::common::BlockchainInfo;
use prost::Message;

use crate::contract::Contract;
use crate::error::GatewayError;
use crate::network::Network;

/// The system chaincode's name.
pub const QSCC: &str = "qscc";

/// `GetChainInfo` through `qscc` (a contract for chaincode `qscc` on the channel asked
/// about): the channel's height and the hashes of its last two blocks on the gateway peer.
pub async fn chain_info(qscc: &Contract) -> Result<BlockchainInfo, GatewayError> {
    let bytes = qscc.evaluate("GetChainInfo", &[qscc.channel_name().as_bytes().to_vec()]).await?;
    decode_chain_info(&bytes)
}

/// `GetBlockByNumber` through `qscc`: block `number` of the channel as the gateway peer
/// stores it (a serialized `common.Block`; [`crate::block::block_view`] reads it).
pub async fn block(qscc: &Contract, number: u64) -> Result<Vec<u8>, GatewayError> {
    let args = [qscc.channel_name().as_bytes().to_vec(), number.to_string().into_bytes()];
    qscc.evaluate("GetBlockByNumber", &args).await
}

/// A `GetChainInfo` answer. A channel always has its genesis block, so an answer
/// without a height is not a chain info.
pub fn decode_chain_info(bytes: &[u8]) -> Result<BlockchainInfo, GatewayError> {
    let info = BlockchainInfo::decode(bytes)
        .map_err(|e| GatewayError::Decode(format!("qscc GetChainInfo: not a BlockchainInfo: {e}")))?;
    if info.height == 0 {
        return Err(GatewayError::Decode(format!(
            "qscc GetChainInfo: no height in its answer ({} bytes)",
            bytes.len()
        )));
    }
    Ok(info)
}

impl Network {
    /// [`chain_info`] of this channel on the gateway peer.
    pub async fn chain_info(&self) -> Result<BlockchainInfo, GatewayError> {
        chain_info(&self.contract(QSCC)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_without_a_height_is_refused() {
        let info = BlockchainInfo { height: 7, current_block_hash: vec![1; 32], ..Default::default() };
        assert_eq!(decode_chain_info(&info.encode_to_vec()).expect("decodes").height, 7);
        assert!(matches!(decode_chain_info(&[]), Err(GatewayError::Decode(m)) if m.contains("no height")));
        assert!(
            matches!(decode_chain_info(&[0xff, 0xff]), Err(GatewayError::Decode(m)) if m.contains("not a BlockchainInfo"))
        );
    }
}
