//! The ledger behind the console and the stages of a browser-signed transaction.
//!
//! A transaction goes through three requests, each answered before the next is made:
//! [`ConsoleLedger::propose`] builds an unsigned Fabric proposal for the signed-in
//! member (the browser signs its bytes); [`ConsoleLedger::endorse`] checks that
//! signature and simulates the transaction, and answers with the transaction to sign;
//! [`ConsoleLedger::commit`] checks the second signature and commits. A transaction in
//! flight belongs to the session that proposed it and is consumed by the stage that
//! moves it on: a stage replayed, out of order, or from another session is refused and
//! writes nothing. On the embedded ledger the checks are those of
//! [`nanotrace_embedded::signed`]; the same bytes go to a Fabric Gateway unchanged.

use std::sync::{Arc, Mutex};

use nanotrace_client::{ApiError, NanoTrace};
use nanotrace_embedded::datadir::DataDir;
use nanotrace_embedded::devmsp::NodeType;
use nanotrace_embedded::signed::{self, Endorsement};
use nanotrace_embedded::transport::EmbeddedTransport;
use nanotrace_fabric_ca::msp::{Member, OrgMsp};
use nanotrace_fabric_ca::CaError;
use nanotrace_fabric_gateway::{unsigned_proposal, Identity};
use nanotrace_model::Function;

use crate::fabric::FabricOrg;
use crate::reads::{FabricReads, ReadCache, Reads};
use crate::registry::Invitation;
use crate::stage::{Committed, InFlight, StageError, ToSign};

enum Stage {
    Proposed { proposal: Vec<u8> },
    Endorsed(Box<Endorsement>),
}

/// The ledger the console serves: an embedded one (every organisation of its data
/// directory) or one organisation's gateway peer on Fabric.
pub struct ConsoleLedger {
    backend: Backend,
    /// The answers of reads members' browsers signed (Fabric; unused embedded).
    pub reads: ReadCache,
}

enum Backend {
    Embedded { data: DataDir, in_flight: InFlight<Stage> },
    Fabric(Box<FabricOrg>),
}

impl std::fmt::Debug for ConsoleLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backend {
            Backend::Embedded { data, .. } => {
                f.debug_struct("ConsoleLedger").field("data_dir", &data.path).finish_non_exhaustive()
            }
            Backend::Fabric(org) => f.debug_struct("ConsoleLedger").field("fabric", org).finish_non_exhaustive(),
        }
    }
}

/// The member's identity as Fabric names it.
pub fn identity(member: &Member) -> Result<Identity, ApiError> {
    Identity::new(member.msp_id.clone(), member.cert_pem.clone().into_bytes())
        .map_err(|e| ApiError::Request(e.to_string()))
}

/// The marshalled `msp.SerializedIdentity` of a member.
fn creator(member: &Member) -> Result<Vec<u8>, ApiError> {
    identity(member).map(|i| i.creator())
}

/// Why the membership of an organisation could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    /// The embedded data directory's.
    #[error(transparent)]
    Embedded(#[from] nanotrace_embedded::devmsp::MspError),
    /// The Fabric organisation's MSP folder.
    #[error(transparent)]
    Fabric(#[from] crate::fabric::FabricSetupError),
    /// Not the organisation this console serves.
    #[error("this console serves {served} only, not {asked}")]
    OtherOrganization {
        /// The organisation served.
        served: String,
        /// The organisation asked for.
        asked: String,
    },
}

impl MembershipError {
    /// What a member (or anyone before sign-in) is told: never a path of this machine
    /// (the details go to the console's log).
    pub fn public_message(&self) -> String {
        match self {
            MembershipError::Embedded(e) => e.public_message(),
            MembershipError::Fabric(e) => {
                tracing::error!(error = %e, "cannot read the organisation's MSP folder");
                "this console cannot read its organisation's membership now; its log says why".to_owned()
            }
            MembershipError::OtherOrganization { .. } => self.to_string(),
        }
    }
}

impl ConsoleLedger {
    /// The embedded ledger of `data`.
    pub fn embedded(data: DataDir) -> Self {
        ConsoleLedger {
            backend: Backend::Embedded { data, in_flight: InFlight::default() },
            reads: ReadCache::default(),
        }
    }

    /// One organisation on Fabric.
    pub fn fabric(org: FabricOrg) -> Self {
        ConsoleLedger { backend: Backend::Fabric(Box::new(org)), reads: ReadCache::default() }
    }

    /// The data directory (embedded only).
    pub fn data(&self) -> Option<&DataDir> {
        match &self.backend {
            Backend::Embedded { data, .. } => Some(data),
            Backend::Fabric(_) => None,
        }
    }

    /// The organisation on Fabric (Fabric only).
    pub fn fabric_org(&self) -> Option<&FabricOrg> {
        match &self.backend {
            Backend::Embedded { .. } => None,
            Backend::Fabric(org) => Some(org),
        }
    }

    /// The membership of organisation `msp_id`.
    pub fn org_msp(&self, msp_id: &str) -> Result<OrgMsp, MembershipError> {
        match &self.backend {
            Backend::Embedded { data, .. } => Ok(data.msp.org_msp(msp_id)?),
            Backend::Fabric(org) if org.msp_id == msp_id => Ok(org.org_msp()?),
            Backend::Fabric(org) => {
                Err(MembershipError::OtherOrganization { served: org.msp_id.clone(), asked: msp_id.to_owned() })
            }
        }
    }

    /// Reads as `member` of session `session` (its standing signed reads, e.g. the
    /// sign-in's `WhoAmI`, in `standing`), from answers at most `max_age` old on Fabric.
    pub fn reads<'a>(
        &'a self,
        session: &str,
        member: &Member,
        standing: &'a [crate::fabric::SignedRead],
        max_age: std::time::Duration,
    ) -> Reads<'a> {
        match &self.backend {
            Backend::Embedded { data, .. } => {
                let creator = nanotrace_shim::Creator {
                    msp_id: member.msp_id.clone(),
                    id_bytes: member.cert_pem.clone().into_bytes(),
                };
                Reads::Embedded(EmbeddedTransport::new(Arc::clone(&data.ledger), creator))
            }
            Backend::Fabric(org) => Reads::Fabric(FabricReads {
                stages: &org.stages,
                cache: &self.reads,
                session: session.to_owned(),
                standing,
                max_age,
                misses: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The typed API over [`ConsoleLedger::reads`].
    pub fn reader<'a>(
        &'a self,
        session: &str,
        member: &Member,
        standing: &'a [crate::fabric::SignedRead],
        max_age: std::time::Duration,
    ) -> NanoTrace<Reads<'a>> {
        NanoTrace::new(self.reads(session, member, standing, max_age))
    }

    /// Stage 1: an unsigned proposal of `function(args)` by `member` for the session
    /// `owner`; `done` is where the page goes once it has committed. Returns the
    /// transaction ID and the bytes to sign.
    pub fn propose(
        &self,
        owner: &str,
        member: &Member,
        function: Function,
        args: &[Vec<u8>],
        done: String,
    ) -> Result<(String, Vec<u8>), ApiError> {
        match &self.backend {
            Backend::Embedded { in_flight, .. } => {
                let (tx_id, proposal) =
                    unsigned_proposal(&creator(member)?, "nanotrace", "nanotrace", function.name(), args);
                in_flight.insert(&tx_id, owner, Stage::Proposed { proposal: proposal.clone() }, done);
                Ok((tx_id, proposal))
            }
            Backend::Fabric(org) => Ok(org.stages.propose(owner, &identity(member)?, function, args, done)),
        }
    }

    /// Stage 2: the proposal's signature (DER); returns what to sign next.
    pub async fn endorse(&self, owner: &str, tx_id: &str, signature: &[u8], now: i64) -> Result<ToSign, StageError> {
        match &self.backend {
            Backend::Embedded { data, in_flight } => {
                let pending = in_flight.take(owner, tx_id, |s| matches!(s, Stage::Proposed { .. }))?;
                let Stage::Proposed { proposal } = &pending.stage else {
                    return Err(StageError::Unknown(tx_id.to_owned()));
                };
                let endorsement = signed::endorse(&data.ledger, &data.msp, proposal, signature, now)?;
                let payload = endorsement.payload.clone();
                in_flight.insert(tx_id, owner, Stage::Endorsed(Box::new(endorsement)), pending.done);
                Ok(ToSign { transaction: payload, status: None })
            }
            Backend::Fabric(org) => {
                let signed = org.stages.endorse(owner, tx_id, signature.to_vec()).await?;
                Ok(signed)
            }
        }
    }

    /// Stage 3: the transaction's signature (DER) and, on Fabric, the commit-status
    /// request's; commits. The session's read answers are dropped: its next page reads
    /// the ledger with this transaction in it.
    pub async fn commit(
        &self,
        owner: &str,
        tx_id: &str,
        signature: &[u8],
        status_signature: Option<&[u8]>,
    ) -> Result<Committed, StageError> {
        let committed = match &self.backend {
            Backend::Embedded { data, in_flight } => {
                let pending = in_flight.take(owner, tx_id, |s| matches!(s, Stage::Endorsed(_)))?;
                let Stage::Endorsed(endorsement) = &pending.stage else {
                    return Err(StageError::Unknown(tx_id.to_owned()));
                };
                let (result, receipt) = signed::commit(&data.ledger, endorsement, signature)?;
                Committed { tx_id: receipt.tx_id, block: receipt.block, result, done: pending.done }
            }
            Backend::Fabric(org) => {
                let status = status_signature.ok_or_else(|| {
                    StageError::Api(ApiError::Request("the commit-status request was not signed".into()))
                })?;
                org.stages.commit(owner, tx_id, signature.to_vec(), status.to_vec()).await?
            }
        };
        self.reads.clear(owner);
        Ok(committed)
    }

    /// Issues a member certificate for a PKCS#10 request (DER): on the embedded ledger
    /// by the data directory's CA; on Fabric by the organisation's CA, the enrollment
    /// link's secret being the one the identity was registered with.
    pub async fn enroll(&self, invitation: &Invitation, secret: &str, csr_der: &[u8]) -> Result<String, String> {
        match &self.backend {
            Backend::Embedded { data, .. } => {
                let node = if invitation.admin { NodeType::Admin } else { NodeType::Client };
                if !invitation.reenrollment {
                    return data
                        .msp
                        .issue_for_request(&invitation.name, &invitation.msp_id, node, csr_der)
                        .map_err(|e| e.to_string());
                }
                // A new key for a member of the data directory (the demo's links): its
                // previous key, a file of the directory, hands its roles on.
                let cert = data
                    .msp
                    .reissue_for_request(&invitation.name, &invitation.msp_id, node, csr_der)
                    .map_err(|e| e.to_string())?;
                let creator =
                    nanotrace_shim::Creator { msp_id: invitation.msp_id.clone(), id_bytes: cert.clone().into_bytes() };
                let key = nanotrace_chaincode::identity::parse_creator(&creator).map_err(|e| e.to_string())?.key;
                let previous = data.client(&invitation.name).map_err(|e| e.to_string())?;
                match previous.approve_role_key(&key).await {
                    Ok(_) => {}
                    // A member without roles has nothing to hand on.
                    Err(e) if e.contract_code() == Some(nanotrace_model::ErrorCode::Unauthorized) => {}
                    Err(e) => return Err(format!("handing {}'s roles to the new key: {e}", invitation.name)),
                }
                Ok(cert)
            }
            Backend::Fabric(org) => {
                let pem = crate::csr::pem(csr_der);
                org.ca.enroll_request(&invitation.name, secret, &pem).await.map(|i| i.certificate_pem).map_err(|e| {
                    // The member is not signed in: what went wrong underneath a failed
                    // connection (names of hosts included) goes to the log only.
                    tracing::warn!(name = %invitation.name, ca = %org.ca.url(), error = %e, "enrollment at the CA failed");
                    match e {
                        CaError::Unreachable { .. } => "the organisation's CA cannot be reached; try again later".into(),
                        e => e.to_string(),
                    }
                })
            }
        }
    }

    /// The MSP IDs of the organisations with a CA here.
    pub fn organizations(&self) -> Vec<String> {
        match &self.backend {
            Backend::Embedded { data, .. } => data.msp.organizations().unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot list the data directory's organisations");
                Vec::new()
            }),
            Backend::Fabric(org) => vec![org.msp_id.clone()],
        }
    }
}
