//! A channel of the network the gateway peer belongs to.

use std::sync::Arc;

use crate::connection::Connection;
use crate::contract::Contract;
use crate::error::GatewayError;
use crate::events::{ChaincodeEventStream, ChaincodeEventsRequest, EventsOptions};

/// A channel: gives contracts and chaincode event streams.
#[derive(Clone)]
pub struct Network {
    inner: Arc<Connection>,
    channel: String,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network").field("channel", &self.channel).finish_non_exhaustive()
    }
}

impl Network {
    pub(crate) fn new(inner: Arc<Connection>, channel: String) -> Self {
        Network { inner, channel }
    }

    /// The channel name.
    pub fn name(&self) -> &str {
        &self.channel
    }

    /// A chaincode on this channel.
    pub fn contract(&self, chaincode: impl Into<String>) -> Contract {
        Contract::new(self.inner.clone(), self.channel.clone(), chaincode.into(), None)
    }

    /// A named contract within a chaincode (function names become `contract:function`).
    pub fn contract_with_name(&self, chaincode: impl Into<String>, contract: impl Into<String>) -> Contract {
        Contract::new(self.inner.clone(), self.channel.clone(), chaincode.into(), Some(contract.into()))
    }

    /// Builds a chaincode events request, to sign offline or open with
    /// [`ChaincodeEventsRequest::events`].
    pub fn new_chaincode_events_request(&self, chaincode: &str, options: &EventsOptions) -> ChaincodeEventsRequest {
        ChaincodeEventsRequest::new(self.inner.clone(), &self.channel, chaincode, options)
    }

    /// Opens a stream of a chaincode's events, from the next commit, a block, or a
    /// checkpoint (`options`). Stream errors are returned by the stream.
    pub async fn chaincode_events(
        &self,
        chaincode: &str,
        options: &EventsOptions,
    ) -> Result<ChaincodeEventStream, GatewayError> {
        self.new_chaincode_events_request(chaincode, options).events().await
    }
}
