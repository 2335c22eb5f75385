//! The console over an embedded ledger: every organisation of a data directory, its
//! certificates issued by the directory's CA, the signing stages checked as
//! [`nanotrace_embedded::signed`] checks them, and the ledger view read from the log.

use std::sync::Arc;

use nanotrace_client::ApiError;
use nanotrace_embedded::datadir::DataDir;
use nanotrace_embedded::devmsp::{names_look_alike, DevIdentity, DevMsp, NodeType};
use nanotrace_embedded::signed::{self, Endorsement};
use nanotrace_embedded::transport::EmbeddedTransport;
use nanotrace_fabric_ca::msp::Member;
use nanotrace_fabric_gateway::unsigned_proposal;
use nanotrace_ledger::LogEntry;

use crate::ledger::error::MemberError;
use crate::ledger::history::{event_certificates, TxPage, TxQuery, TxRow};
use crate::ledger::member::creator;
use crate::ledger::stage::{Call, Committed, InFlight, StageError, ToSign};
use crate::registry::{Invitation, NewMember, Registry, RegistryError};

/// How many blocks a page shows, and how far back a search looks.
const PAGE: u64 = 50;
const SEARCH_DEPTH: u64 = 20_000;

enum Stage {
    Proposed { proposal: Vec<u8> },
    Endorsed(Box<Endorsement>),
}

/// An embedded ledger and the transactions in flight on it.
pub(crate) struct Embedded {
    pub(crate) data: DataDir,
    in_flight: InFlight<Stage>,
}

impl Embedded {
    pub(crate) fn new(data: DataDir) -> Self {
        Embedded { data, in_flight: InFlight::default() }
    }

    /// Reads as `member`: the contract run directly with the member's certificate.
    pub(crate) fn transport(&self, member: &Member) -> EmbeddedTransport {
        let creator =
            nanotrace_shim::Creator { msp_id: member.msp_id.clone(), id_bytes: member.cert_pem.clone().into_bytes() };
        EmbeddedTransport::new(Arc::clone(&self.data.ledger), creator)
    }

    pub(crate) fn propose(
        &self,
        owner: &str,
        member: &Member,
        call: &Call,
        done: String,
        nonce: Option<&[u8]>,
    ) -> Result<(String, Vec<u8>), ApiError> {
        let name = call.function.name();
        let (tx_id, proposal) =
            unsigned_proposal(&creator(member)?, "nanotrace", "nanotrace", name, &call.args, &call.transient, nonce);
        self.in_flight.insert(&tx_id, owner, Stage::Proposed { proposal: proposal.clone() }, done);
        Ok((tx_id, proposal))
    }

    pub(crate) fn endorse(&self, owner: &str, tx_id: &str, signature: &[u8], now: i64) -> Result<ToSign, StageError> {
        let pending = self.in_flight.take(owner, tx_id, |s| matches!(s, Stage::Proposed { .. }))?;
        let Stage::Proposed { proposal } = &pending.stage else {
            return Err(StageError::Unknown(tx_id.to_owned()));
        };
        let endorsement = signed::endorse(&self.data.ledger, &self.data.msp, proposal, signature, now)?;
        let payload = endorsement.payload.clone();
        self.in_flight.insert(tx_id, owner, Stage::Endorsed(Box::new(endorsement)), pending.done);
        Ok(ToSign { transaction: payload, status: None })
    }

    pub(crate) fn commit(&self, owner: &str, tx_id: &str, signature: &[u8]) -> Result<Committed, StageError> {
        let pending = self.in_flight.take(owner, tx_id, |s| matches!(s, Stage::Endorsed(_)))?;
        let Stage::Endorsed(endorsement) = &pending.stage else {
            return Err(StageError::Unknown(tx_id.to_owned()));
        };
        let (result, receipt) = signed::commit(&self.data.ledger, endorsement, signature)?;
        Ok(Committed { tx_id: receipt.tx_id, block: receipt.block, result, done: pending.done })
    }

    /// Issues a member certificate for a PKCS#10 request (DER) by the data directory's
    /// CA. A re-enrollment (the demo's links) is a new key for a member of the
    /// directory: its previous key, a file of the directory, hands its roles on.
    pub(crate) async fn enroll(&self, invitation: &Invitation, csr_der: &[u8]) -> Result<String, String> {
        let node = if invitation.admin { NodeType::Admin } else { NodeType::Client };
        let msp = &self.data.msp;
        if !invitation.reenrollment {
            return msp
                .issue_for_request(&invitation.name, &invitation.msp_id, node, csr_der)
                .map_err(|e| e.to_string());
        }
        let cert =
            msp.reissue_for_request(&invitation.name, &invitation.msp_id, node, csr_der).map_err(|e| e.to_string())?;
        let creator =
            nanotrace_shim::Creator { msp_id: invitation.msp_id.clone(), id_bytes: cert.clone().into_bytes() };
        let key = nanotrace_chaincode::identity::parse_creator(&creator).map_err(|e| e.to_string())?.key;
        let previous = self.data.client(&invitation.name).map_err(|e| e.to_string())?;
        match previous.approve_role_key(&key).await {
            Ok(_) => {}
            // A member without roles has nothing to hand on.
            Err(e) if e.contract_code() == Some(nanotrace_model::ErrorCode::Unauthorized) => {}
            Err(e) => return Err(format!("handing {}'s roles to the new key: {e}", invitation.name)),
        }
        Ok(cert)
    }

    /// The organisations of the data directory.
    pub(crate) fn organizations(&self) -> Vec<String> {
        self.data.msp.organizations().unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot list the data directory's organisations");
            Vec::new()
        })
    }

    /// The identities of the data directory (made by `init`, `demo`, `identity`).
    pub(crate) fn identities(&self) -> Vec<DevIdentity> {
        self.data.msp.list().unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot list the data directory's identities");
            Vec::new()
        })
    }

    /// Records the enrolled member `name` removed, their certificate revoked by the directory's CA (a
    /// new CRL, which the ledger reads before every signed transaction).
    pub(crate) fn remove_member(
        &self,
        registry: &Registry,
        name: &str,
        msp_id: &str,
        now: i64,
    ) -> Result<Invitation, MemberError> {
        let removed = registry.remove_member(name, msp_id, now).map_err(|e| MemberError::registry("removal", e))?;
        let serial = removed.serial.clone().unwrap_or_default();
        self.data
            .msp
            .revoke(msp_id, &serial, now)
            .map_err(|e| MemberError::Local { stage: "revocation", message: e.to_string() })?;
        Ok(removed)
    }

    /// The ledger view: entries of the log, checked against their hashes.
    pub(crate) fn transactions(&self, q: &TxQuery) -> Result<TxPage, String> {
        let ledger = &self.data.ledger;
        let height = ledger.height().map_err(|e| e.to_string())?;
        let top = q.before.unwrap_or(height).min(height);
        let bottom = if q.searching() { top.saturating_sub(SEARCH_DEPTH) + 1 } else { top.saturating_sub(PAGE) + 1 };
        // From the block before the page, for the first entry's link.
        let from = bottom.saturating_sub(1).max(1);
        let entries = ledger.log_entries(from, (top + 1 - from) as usize).map_err(|e| e.to_string())?;
        let mut rows = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            if entry.block < bottom {
                continue;
            }
            let certificates = touched(entry);
            if q.matches(&entry.tx_id, &certificates) {
                let previous = i.checked_sub(1).and_then(|j| entries.get(j));
                rows.push(TxRow {
                    block: entry.block,
                    timestamp: entry.timestamp.seconds,
                    tx_id: entry.tx_id.clone(),
                    kind: String::new(),
                    creator_msp: entry.creator_msp.clone(),
                    endorsements: None,
                    function: entry.function.clone(),
                    validation: None,
                    certificates,
                    chain: Some(chained(entry, previous)),
                });
            }
        }
        rows.reverse();
        Ok(TxPage {
            about: format!(
                "Height {height}. Every transaction of the channel, newest first; the chain column recomputes each entry's hash and its link to the block before."
            ),
            chain_word: "intact",
            rows,
            searched: None,
            older_than: (!q.searching() && bottom > 1).then_some(bottom),
        })
    }
}

/// Records an invitation of a data directory's organisation and returns its one-time
/// secret (the console's API and its `invite` command both use this). Refused for an
/// organisation the directory has no CA for, and for a name the directory already has
/// in that organisation unless it is a re-enrollment.
pub fn invite_member(
    registry: &Registry,
    msp: &DevMsp,
    hours: u64,
    now: i64,
    new: NewMember<'_>,
) -> Result<String, String> {
    msp.org_msp(new.msp_id).map_err(|e| e.public_message())?;
    if !new.reenrollment {
        let name = new.name.trim();
        let identities = msp.list().map_err(|e| e.public_message())?;
        let existing = identities.iter().filter(|i| i.msp_id == new.msp_id);
        if let Some(existing) = existing.filter(|i| names_look_alike(&i.name, name)).min_by_key(|i| i.name != name) {
            return Err(match existing.name == name {
                true => format!(
                    "{} is already a member of {} (an identity of the data directory): choose another name",
                    existing.name, existing.msp_id
                ),
                false => RegistryError::LookAlike {
                    name: name.to_owned(),
                    existing: existing.name.clone(),
                    msp_id: existing.msp_id.clone(),
                }
                .to_string(),
            });
        }
    }
    let invitation = new.invitation(hours, now).map_err(|e| e.to_string())?;
    registry.invite(invitation).map_err(|e| e.to_string())
}

/// The certificates an entry's event names.
fn touched(entry: &LogEntry) -> Vec<String> {
    entry.event.as_ref().map(|(_, payload)| event_certificates(payload)).unwrap_or_default()
}

/// Whether `entry` hashes to its stored hash and links to `previous` (the entry of the
/// block before, when at hand).
fn chained(entry: &LogEntry, previous: Option<&LogEntry>) -> bool {
    let own = entry.compute_hash().is_ok_and(|h| h == entry.hash);
    let link = match previous {
        Some(prev) => prev.hash == entry.prev_hash,
        None => entry.block > 1 || entry.prev_hash == nanotrace_ledger::GENESIS_PREV_HASH,
    };
    own && link
}
