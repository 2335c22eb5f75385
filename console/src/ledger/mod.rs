//! The ledger behind the console — one front for both kinds: the web layer asks it for
//! what a page or an answer needs and never learns which ledger is behind it.
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
//!
//! Behind it: `embedded` (a data directory's every organisation) and [`fabric`] (one
//! organisation's peer, MSP folder and CA); what both share: [`stage`] (the signing
//! stages' types), [`reads`] (reads as the member), [`history`] (the ledger view),
//! [`member`], [`error`].

mod embedded;
pub mod error;
pub mod fabric;
pub mod history;
pub mod member;
pub mod reads;
pub mod stage;

pub use embedded::invite_member;
pub use error::MemberError;
pub use member::identity;

use nanotrace_client::{ApiError, NanoTrace};
use nanotrace_embedded::datadir::DataDir;
use nanotrace_fabric_ca::msp::{Member, OrgMsp};
use nanotrace_model::Function;

use crate::ledger::embedded::Embedded;
use crate::ledger::fabric::{FabricOrg, SignedRead, UnsignedRead};
use crate::ledger::history::{TxPage, TxQuery};
use crate::ledger::reads::{FabricReads, ReadCache, Reads};
use crate::ledger::stage::{Call, Committed, Prepared, ReadKey, ReadToSign, StageError, ToSign};
use crate::registry::{Invitation, NewMember, Registry};

/// The ledger the console serves: an embedded one (every organisation of its data
/// directory) or one organisation's gateway peer on Fabric.
pub struct ConsoleLedger {
    backend: Backend,
    /// The answers of reads members' browsers signed (Fabric; unused embedded).
    pub reads: ReadCache,
}

enum Backend {
    Embedded(Box<Embedded>),
    Fabric(Box<FabricOrg>),
}

impl std::fmt::Debug for ConsoleLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backend {
            Backend::Embedded(e) => {
                f.debug_struct("ConsoleLedger").field("data_dir", &e.data.path).finish_non_exhaustive()
            }
            Backend::Fabric(org) => f.debug_struct("ConsoleLedger").field("fabric", org).finish_non_exhaustive(),
        }
    }
}

/// Why the membership of an organisation could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    /// The embedded data directory's.
    #[error(transparent)]
    Embedded(#[from] nanotrace_embedded::devmsp::MspError),
    /// The Fabric organisation's MSP folder.
    #[error(transparent)]
    Fabric(#[from] crate::ledger::fabric::FabricSetupError),
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

/// What an invitation needs next.
#[derive(Debug)]
pub enum Invited {
    /// It is recorded: its enrollment link carries this one-time secret.
    Recorded {
        /// The link's secret.
        secret: String,
    },
    /// Its registration at the organisation's CA waits for the admin's signature
    /// ([`ConsoleLedger::register_signed`]).
    ToRegister(Prepared),
}

/// A member of the data directory (embedded; Fabric's members are the CA's).
#[derive(Debug, Clone)]
pub struct DirectoryMember {
    /// The local name (the certificate's CN).
    pub name: String,
    /// The organisation.
    pub msp_id: String,
    /// The contract's identity (`x509::subject::issuer`).
    pub actor_id: String,
    /// The certificate's key as role grants name it.
    pub key: String,
}

impl ConsoleLedger {
    /// The embedded ledger of `data`.
    pub fn embedded(data: DataDir) -> Self {
        ConsoleLedger { backend: Backend::Embedded(Box::new(Embedded::new(data))), reads: ReadCache::default() }
    }

    /// One organisation on Fabric.
    pub fn fabric(org: FabricOrg) -> Self {
        ConsoleLedger { backend: Backend::Fabric(Box::new(org)), reads: ReadCache::default() }
    }

    /// The membership of organisation `msp_id`.
    pub fn org_msp(&self, msp_id: &str) -> Result<OrgMsp, MembershipError> {
        match &self.backend {
            Backend::Embedded(e) => Ok(e.data.msp.org_msp(msp_id)?),
            Backend::Fabric(org) if org.msp_id == msp_id => Ok(org.org_msp()?),
            Backend::Fabric(org) => {
                Err(MembershipError::OtherOrganization { served: org.msp_id.clone(), asked: msp_id.to_owned() })
            }
        }
    }

    /// The MSP IDs of the organisations with a CA here.
    pub fn organizations(&self) -> Vec<String> {
        match &self.backend {
            Backend::Embedded(e) => e.organizations(),
            Backend::Fabric(org) => vec![org.msp_id.clone()],
        }
    }

    /// The members of the data directory (none on Fabric, where members are the CA's
    /// and the console knows those it enrolled).
    pub fn directory_members(&self) -> Vec<DirectoryMember> {
        let Backend::Embedded(e) = &self.backend else { return Vec::new() };
        e.identities()
            .into_iter()
            .filter_map(|identity| {
                let parsed = nanotrace_chaincode::identity::parse_creator(&identity.creator()).ok()?;
                Some(DirectoryMember {
                    actor_id: parsed.actor().id,
                    key: parsed.key,
                    name: identity.name,
                    msp_id: identity.msp_id,
                })
            })
            .collect()
    }

    /// Reads as `member` of session `session` (its standing signed reads, e.g. the
    /// sign-in's `WhoAmI`, in `standing`), from answers at most `max_age` old on Fabric.
    pub fn reads<'a>(
        &'a self,
        session: &str,
        member: &Member,
        standing: &'a [SignedRead],
        max_age: std::time::Duration,
    ) -> Reads<'a> {
        match &self.backend {
            Backend::Embedded(e) => Reads::Embedded(e.transport(member)),
            Backend::Fabric(org) => Reads::Fabric(FabricReads {
                stages: &org.stages,
                cache: &self.reads,
                session: session.to_owned(),
                standing,
                max_age,
                misses: std::sync::Mutex::new(Vec::new()),
            }),
        }
    }

    /// The typed API over [`ConsoleLedger::reads`].
    pub fn reader<'a>(
        &'a self,
        session: &str,
        member: &Member,
        standing: &'a [SignedRead],
        max_age: std::time::Duration,
    ) -> NanoTrace<Reads<'a>> {
        NanoTrace::new(self.reads(session, member, standing, max_age))
    }

    /// The read a session's member signs at sign-in and the console evaluates at every
    /// request of the session (`WhoAmI`: the peer, not the console, says who they are);
    /// none where the console runs the contract itself.
    pub fn standing_read(&self, member: &Member) -> Result<Option<UnsignedRead>, StageError> {
        let Backend::Fabric(org) = &self.backend else { return Ok(None) };
        org.stages.propose_read(&identity(member)?, Function::WhoAmI, &standing_args()).map(Some)
    }

    /// [`ConsoleLedger::standing_read`] again from its [`UnsignedRead::proposed`] bytes,
    /// which the member's sign-in challenge carried back sealed; none where the console
    /// runs the contract itself.
    pub fn standing_read_again(
        &self,
        member: &Member,
        proposed: Option<&[u8]>,
    ) -> Result<Option<UnsignedRead>, StageError> {
        let Backend::Fabric(org) = &self.backend else { return Ok(None) };
        let proposed = proposed.ok_or_else(|| {
            StageError::Api(ApiError::Request("the sign-in challenge carries no read to sign".to_owned()))
        })?;
        org.stages.read_again(&identity(member)?, Function::WhoAmI, &standing_args(), proposed).map(Some)
    }

    /// The reads a page missed (see [`reads`]) as proposals for `member` of session
    /// `session` to sign, at most `limit`.
    pub fn reads_to_sign(
        &self,
        session: &str,
        member: &Member,
        misses: &[ReadKey],
        limit: usize,
    ) -> Result<Vec<ReadToSign>, StageError> {
        match &self.backend {
            Backend::Embedded(_) => {
                Err(StageError::Api(ApiError::Request("a read missed on the embedded ledger".to_owned())))
            }
            Backend::Fabric(org) => org.reads_to_sign(session, member, misses, limit),
        }
    }

    /// Evaluates the reads the member of session `session` signed (transaction ID and
    /// DER signature) and keeps their answers for the session's next pages; `None` where
    /// there are no reads to sign.
    pub async fn answer_reads(
        &self,
        session: &str,
        signatures: Vec<(String, Vec<u8>)>,
    ) -> Option<Result<usize, StageError>> {
        match &self.backend {
            Backend::Embedded(_) => None,
            Backend::Fabric(org) => Some(org.answer_reads(&self.reads, session, signatures).await),
        }
    }

    /// Stage 1: an unsigned proposal of `call` (its transient data in the proposal's
    /// transient map, on either ledger) by `member` for the session `owner`; `done` is
    /// where the page goes once it has committed; `nonce` fixes its transaction ID
    /// ([`ConsoleLedger::transaction_id`]), else a fresh one. Returns the transaction ID
    /// and the bytes to sign.
    pub fn propose(
        &self,
        owner: &str,
        member: &Member,
        call: &Call,
        done: String,
        nonce: Option<&[u8]>,
    ) -> Result<(String, Vec<u8>), ApiError> {
        match &self.backend {
            Backend::Embedded(e) => e.propose(owner, member, call, done, nonce),
            Backend::Fabric(org) => Ok(org.stages.propose(owner, &identity(member)?, call, done, nonce)),
        }
    }

    /// The ID of `member`'s transaction whose proposal has `nonce`: SHA-256(nonce ‖
    /// creator) on both ledgers, so a credential can name its issuing transaction before
    /// the member signs the proposal.
    pub fn transaction_id(member: &Member, nonce: &[u8]) -> Result<String, ApiError> {
        Ok(nanotrace_fabric_gateway::identity::transaction_id(nonce, &crate::ledger::member::creator(member)?))
    }

    /// Stage 2: the proposal's signature (DER); returns what to sign next.
    pub async fn endorse(&self, owner: &str, tx_id: &str, signature: &[u8], now: i64) -> Result<ToSign, StageError> {
        match &self.backend {
            Backend::Embedded(e) => e.endorse(owner, tx_id, signature, now),
            Backend::Fabric(org) => org.stages.endorse(owner, tx_id, signature.to_vec()).await,
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
            Backend::Embedded(e) => e.commit(owner, tx_id, signature)?,
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
            Backend::Embedded(e) => e.enroll(invitation, csr_der).await,
            Backend::Fabric(org) => org.enroll(invitation, secret, csr_der).await,
        }
    }

    /// Invites `new`, by the organisation admin `registrar` of session `session`, for
    /// `hours` from `now`: recorded at once where the console's data directory issues
    /// certificates; on Fabric first registered at the organisation's CA by the admin's
    /// own signature ([`Invited::ToRegister`]).
    pub fn invite(
        &self,
        registry: &Registry,
        new: &NewMember<'_>,
        hours: u64,
        now: i64,
        registrar: &Member,
        session: &str,
    ) -> Result<Invited, MemberError> {
        match &self.backend {
            Backend::Embedded(e) => invite_member(registry, &e.data.msp, hours, now, new.clone())
                .map(|secret| Invited::Recorded { secret })
                .map_err(|message| MemberError::Refused { stage: "the invitation", message }),
            Backend::Fabric(org) => org.invite(registry, new, hours, now, registrar, session).map(Invited::ToRegister),
        }
    }

    /// Completes the registration `request_id` of session `session` with the admin's
    /// signature (DER); returns the invitation recorded and its link's secret.
    pub async fn register_signed(
        &self,
        registry: &Registry,
        session: &str,
        request_id: &str,
        signature: &[u8],
    ) -> Result<(Invitation, String), MemberError> {
        match &self.backend {
            Backend::Embedded(_) => Err(MemberError::NotHere),
            Backend::Fabric(org) => org.register_signed(registry, session, request_id, signature).await,
        }
    }

    /// Whether an invitation is also a registration at the organisation's CA, so that
    /// one cancelled or lapsed unused is to be withdrawn there by an admin.
    pub fn invitations_registered_at_ca(&self) -> bool {
        matches!(self.backend, Backend::Fabric(_))
    }

    /// The withdrawal at the CA of the registration of `invitation` (cancelled or lapsed
    /// unused), built for the admin `registrar` of session `session` to sign; `None`
    /// where invitations are not registered at a CA.
    pub fn withdrawal(
        &self,
        registrar: &Member,
        session: &str,
        invitation: &Invitation,
    ) -> Result<Option<Prepared>, MemberError> {
        match &self.backend {
            Backend::Embedded(_) => Ok(None),
            Backend::Fabric(org) => org.prepare_withdrawal(registrar, session, invitation).map(Some),
        }
    }

    /// Sends the withdrawal `request_id` of session `session` with the admin's
    /// signature (DER) and records it; returns the invitation.
    pub async fn withdraw_signed(
        &self,
        registry: &Registry,
        session: &str,
        request_id: &str,
        signature: &[u8],
        now: i64,
    ) -> Result<Invitation, MemberError> {
        match &self.backend {
            Backend::Embedded(_) => Err(MemberError::NotHere),
            Backend::Fabric(org) => org.withdraw_signed(registry, session, request_id, signature, now).await,
        }
    }

    /// Removes the enrolled member `name` of `msp_id`: their certificate revoked (a new
    /// CRL, which the ledger reads before every signed transaction). Returns their
    /// invitation. On Fabric this is done with the organisation's CA and the channel's
    /// CRL, outside the console.
    pub fn remove_member(
        &self,
        registry: &Registry,
        name: &str,
        msp_id: &str,
        now: i64,
    ) -> Result<Invitation, MemberError> {
        match &self.backend {
            Backend::Embedded(e) => e.remove_member(registry, name, msp_id, now),
            Backend::Fabric(_) => Err(MemberError::Elsewhere {
                stage: "removal",
                message: "on Fabric a member is removed at the organisation's CA and in the channel's CRL: `scripts/network.sh remove ORG NAME` (docs/OPERATIONS.md); the console cannot do it yet",
            }),
        }
    }

    /// A page of the ledger view, read through `reads` (on Fabric, reads the auditor's
    /// browser signs).
    pub async fn transactions(&self, reads: &Reads<'_>, q: &TxQuery) -> Result<TxPage, String> {
        match &self.backend {
            Backend::Embedded(e) => e.transactions(q),
            Backend::Fabric(org) => org.transactions(reads, q).await,
        }
    }
}

/// The standing read's arguments exactly as the typed API sends them, so its `WhoAmI`
/// finds it.
fn standing_args() -> [Vec<u8>; 1] {
    [serde_json::to_vec(&nanotrace_model::EmptyRequest {}).unwrap_or_default()]
}
