//! Test harness: a scripted Fabric peer (the gRPC client of `protos.Chaincode/Connect`,
//! as a CCaaS peer is), an in-memory world state it answers from, the probe contract in
//! Rust, and the same probe on Fabric's Go shim (tests/go-probe).
// Shared by several test crates: each uses part of it, and its items are `pub` for them.
#![allow(dead_code, unreachable_pub)]

use nanotrace_ccaas::{Chaincode, ChaincodeError, ChaincodeServer};
use nanotrace_protos::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use nanotrace_protos::msp::SerializedIdentity;
use nanotrace_protos::prost::Message;
use nanotrace_protos::prost_types::Timestamp;
use nanotrace_protos::protos::chaincode_client::ChaincodeClient;
use nanotrace_protos::protos::{
    chaincode_message::Type as MsgType, ChaincodeAdditionalParams, ChaincodeEvent, ChaincodeId, ChaincodeInput,
    ChaincodeInvocationSpec, ChaincodeMessage, ChaincodeProposalPayload, ChaincodeSpec, DelState, GetHistoryForKey,
    GetState, GetStateByRange, GetStateMetadata, GetStateMultiple, GetStateMultipleResult, Proposal, PutState,
    PutStateMetadata, QueryMetadata, QueryResponse, QueryResponseMetadata, QueryResultBytes, QueryStateClose,
    QueryStateNext, Response, SignedProposal, StateMetadata, StateMetadataResult, WriteBatchState,
};
use nanotrace_protos::queryresult::{KeyModification, Kv};
use nanotrace_shim::{create_composite_key, EndorsementPolicy, PolicyRole, Stub, StubError};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Streaming;

mod probe;
pub use probe::*;
mod servers;
pub use servers::*;
mod peer;
pub use peer::*;
mod describe;
pub use describe::*;
mod pki;
pub use pki::*;

pub const CCID: &str = "probe_1.0:4e616e6f5472616365";
pub const CHANNEL: &str = "nanotrace";
pub const TS: Timestamp = Timestamp { seconds: 1_767_225_600, nanos: 500 };
const STEP: Duration = Duration::from_secs(20);
