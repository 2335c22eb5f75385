//! The console's organisation on Fabric: its gateway peer, its MSP folder and its CA,
//! and what the console does there for its members — enrollment, invitations registered
//! at the CA and their withdrawal, reads to sign, the ledger view from the peer's blocks.

use nanotrace_client::ApiError;
use nanotrace_fabric_ca::msp::Member;
use nanotrace_fabric_ca::CaError;
use nanotrace_fabric_gateway::qscc;
use nanotrace_fabric_gateway::{block, Gateway, GatewayError, HashAlgorithm, Identity, SigningIdentity};
use nanotrace_model::Function;

use crate::ledger::error::MemberError;
use crate::ledger::fabric::stages::{FabricStages, UnsignedRead};
use crate::ledger::history::{event_certificates, Endorsed, TxPage, TxQuery, TxRow};
use crate::ledger::member::identity;
use crate::ledger::reads::{ReadCache, Reads};
use crate::ledger::stage::{InFlight, Prepared, ReadKey, ReadToSign, StageError};
use crate::registry::{Invitation, NewMember, Registry};

/// Why the console could not set up its organisation on Fabric.
#[derive(Debug, thiserror::Error)]
pub enum FabricSetupError {
    /// A setting is missing or unusable.
    #[error("{0}")]
    Settings(String),
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The gateway peer could not be reached.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// The CA settings are unusable.
    #[error(transparent)]
    Ca(#[from] nanotrace_fabric_ca::CaError),
}

/// The console's organisation on Fabric: its gateway peer (reached with no identity of
/// the console's own), its MSP folder (who its members are) and its CA (where members
/// are registered, by their admin's browser signature, and enroll).
pub struct FabricOrg {
    /// Browser-signed transactions and reads through the gateway.
    pub stages: FabricStages,
    /// The organisation's MSP ID.
    pub msp_id: String,
    msp_dir: std::path::PathBuf,
    /// The organisation's Fabric CA.
    pub ca: nanotrace_fabric_ca::CaClient,
    /// Reads proposed for members to sign, by transaction ID.
    pending_reads: InFlight<UnsignedRead>,
    /// CA registrations waiting for their admin's signature, by request ID.
    registrations: InFlight<PendingRegistration>,
    /// Withdrawals of cancelled or lapsed invitations' CA registrations waiting for their
    /// admin's signature, by request ID.
    withdrawals: InFlight<PendingWithdrawal>,
}

/// The revocation at the CA of an invitation's registration (cancelled or lapsed
/// unused), built for the admin's browser to sign.
#[derive(Debug, Clone)]
pub struct PendingWithdrawal {
    /// The request the CA receives.
    pub unsigned: nanotrace_fabric_ca::UnsignedRevocation,
    /// The invitation's enrollment name.
    pub name: String,
}

/// A member's registration at the CA, built for the admin's browser to sign.
#[derive(Debug, Clone)]
pub struct PendingRegistration {
    /// The request the CA receives.
    pub unsigned: nanotrace_fabric_ca::UnsignedRegistration,
    /// The invitation it becomes once registered.
    pub invitation: crate::registry::Invitation,
    /// The enrollment link's secret, registered as the identity's CA secret.
    pub secret: String,
}

impl std::fmt::Debug for FabricOrg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FabricOrg").field("msp_id", &self.msp_id).field("ca", &self.ca.url()).finish_non_exhaustive()
    }
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, FabricSetupError> {
    std::fs::read(path).map_err(|source| FabricSetupError::Read { path: path.to_path_buf(), source })
}

/// The PEM files of `dir` (none if it does not exist), sorted by name.
fn pem_files(dir: &std::path::Path) -> Result<Vec<Vec<u8>>, FabricSetupError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(FabricSetupError::Read { path: dir.to_path_buf(), source }),
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    paths.sort();
    paths.iter().map(|p| read(p)).collect()
}

impl FabricOrg {
    /// Connects to the gateway peer of `args` and checks the MSP folder and the CA
    /// settings.
    pub async fn connect(args: &crate::config::FabricArgs) -> Result<Self, FabricSetupError> {
        let missing = |flag: &str| FabricSetupError::Settings(format!("on Fabric the console needs {flag}"));
        let address = args.gateway.clone().ok_or_else(|| missing("--fabric-gateway"))?;
        let msp_id = args.msp_id.clone().ok_or_else(|| missing("--fabric-msp-id"))?;
        let msp_dir = args.msp_dir.clone().ok_or_else(|| missing("--fabric-msp-dir"))?;
        let ca_url = args.ca_url.clone().ok_or_else(|| missing("--fabric-ca-url"))?;
        let ca_root = args.ca_tls_root.as_deref().map(read).transpose()?;
        let ca = nanotrace_fabric_ca::CaClient::new(&ca_url, ca_root.as_deref())?.with_ca_name(&args.ca_name);
        let mut options = nanotrace_fabric_gateway::ConnectOptions::new(address);
        if let Some(path) = &args.tls_ca {
            let mut tls = nanotrace_fabric_gateway::TlsOptions::new(read(path)?);
            if let Some(name) = &args.server_name {
                tls = tls.server_name(name.clone());
            }
            options = options.tls(tls);
        }
        let org = FabricOrg {
            stages: FabricStages::new(
                Gateway::connect(placeholder_identity(&msp_id, &msp_dir)?, options).await?,
                &args.channel,
                &args.chaincode,
            ),
            msp_id,
            msp_dir,
            ca,
            pending_reads: InFlight::default(),
            registrations: InFlight::default(),
            withdrawals: InFlight::default(),
        };
        org.org_msp()?;
        Ok(org)
    }

    /// The organisation's membership as its MSP folder defines it now: the CA and
    /// intermediate certificates, and the serials its CRLs revoke (read at every call,
    /// so a CRL an admin puts in the folder takes effect at the next sign-in).
    pub fn org_msp(&self) -> Result<nanotrace_fabric_ca::msp::OrgMsp, FabricSetupError> {
        let mut cas = pem_files(&self.msp_dir.join("cacerts"))?.concat();
        cas.extend(pem_files(&self.msp_dir.join("intermediatecerts"))?.concat());
        let bad = |e: nanotrace_fabric_ca::msp::MspError| {
            FabricSetupError::Settings(format!("MSP folder {}: {e}", self.msp_dir.display()))
        };
        let mut org = nanotrace_fabric_ca::msp::OrgMsp::new(self.msp_id.clone(), &cas).map_err(bad)?;
        for crl in pem_files(&self.msp_dir.join("crls"))? {
            org.add_crl(&crl).map_err(bad)?;
        }
        Ok(org)
    }
}

/// What an organisation administrator registered from the console may do at the CA:
/// register and remove the organisation's members.
fn registrar_attributes() -> Vec<nanotrace_fabric_ca::Attribute> {
    [
        ("hf.Registrar.Roles", "client,admin"),
        ("hf.Registrar.Attributes", "*"),
        ("hf.Revoker", "true"),
        ("hf.GenCRL", "true"),
    ]
    .into_iter()
    .map(|(name, value)| nanotrace_fabric_ca::Attribute { name: name.into(), value: value.into(), ecert: false })
    .collect()
}

impl FabricOrg {
    /// Issues a member certificate for a PKCS#10 request (DER) at the organisation's CA,
    /// the enrollment link's secret being the one the identity was registered with.
    pub(crate) async fn enroll(&self, invitation: &Invitation, secret: &str, csr_der: &[u8]) -> Result<String, String> {
        let pem = crate::csr::pem(csr_der);
        self.ca.enroll_request(&invitation.name, secret, &pem).await.map(|i| i.certificate_pem).map_err(|e| {
            // The member is not signed in: what went wrong underneath a failed
            // connection (names of hosts included) goes to the log only.
            tracing::warn!(name = %invitation.name, ca = %self.ca.url(), error = %e, "enrollment at the CA failed");
            match e {
                CaError::Unreachable { .. } => "the organisation's CA cannot be reached; try again later".into(),
                e => e.to_string(),
            }
        })
    }

    /// An invitation of `new`: its registration at the organisation's CA by the
    /// registrar `registrar` (the admin of session `session`), built for their browser to
    /// sign; [`FabricOrg::register_signed`] completes it.
    pub(crate) fn invite(
        &self,
        registry: &Registry,
        new: &NewMember<'_>,
        hours: u64,
        now: i64,
        registrar: &Member,
        session: &str,
    ) -> Result<Prepared, MemberError> {
        const STAGE: &str = "the invitation";
        let invitation = new.invitation(hours, now).map_err(|e| MemberError::refused(STAGE, e))?;
        registry
            .check_invitable(&invitation.msp_id, &invitation.name, invitation.created_at)
            .map_err(|e| MemberError::registry(STAGE, e))?;
        let secret = Registry::new_secret();
        let registration = nanotrace_fabric_ca::Registration {
            enrollment_id: invitation.name.clone(),
            identity_type: if invitation.admin { "admin" } else { "client" }.to_owned(),
            secret: secret.clone(),
            max_enrollments: 1,
            affiliation: String::new(),
            attributes: if invitation.admin { registrar_attributes() } else { Vec::new() },
        };
        let unsigned = self
            .ca
            .unsigned_register(registrar.cert_pem.as_bytes(), &registration)
            .map_err(|e| MemberError::refused(STAGE, e))?;
        let request_id = Registry::new_secret();
        let to_sign = unsigned.to_sign().to_vec();
        self.registrations.insert(
            &request_id,
            session,
            PendingRegistration { unsigned, invitation, secret },
            String::new(),
        );
        Ok(Prepared { request_id, to_sign })
    }

    /// Sends the registration `request_id` of session `session`, with the admin's
    /// signature, to the CA and records its invitation; returns the invitation and the
    /// secret of its enrollment link.
    pub(crate) async fn register_signed(
        &self,
        registry: &Registry,
        session: &str,
        request_id: &str,
        signature: &[u8],
    ) -> Result<(Invitation, String), MemberError> {
        let pending = self.registrations.take(session, request_id, |_| true)?;
        let PendingRegistration { unsigned, invitation, secret } = pending.stage;
        self.ca.register_signed(unsigned, signature).await.map_err(|e| MemberError::ca("registration at the CA", e))?;
        registry
            .invite_with_secret(invitation.clone(), &secret)
            .map_err(|e| MemberError::conflict("the invitation", e))?;
        Ok((invitation, secret))
    }

    /// The revocation at the CA of the registration of `invitation` (cancelled or lapsed
    /// unused), built for the browser of `registrar` (session `session`) to sign.
    pub(crate) fn prepare_withdrawal(
        &self,
        registrar: &Member,
        session: &str,
        invitation: &Invitation,
    ) -> Result<Prepared, MemberError> {
        let revocation = nanotrace_fabric_ca::Revocation::Identity {
            enrollment_id: invitation.name.clone(),
            reason: "cessationofoperation".to_owned(),
        };
        let unsigned = self
            .ca
            .unsigned_revoke(registrar.cert_pem.as_bytes(), &revocation, false)
            .map_err(|e| MemberError::refused("the withdrawal", e))?;
        let request_id = Registry::new_secret();
        let to_sign = unsigned.to_sign().to_vec();
        let pending = PendingWithdrawal { unsigned, name: invitation.name.clone() };
        self.withdrawals.insert(&request_id, session, pending, String::new());
        Ok(Prepared { request_id, to_sign })
    }

    /// Sends the withdrawal `request_id` of session `session`, with the admin's
    /// signature, to the CA (the invitation's identity can no longer enroll there,
    /// whoever holds its secret) and records it; returns the invitation.
    pub(crate) async fn withdraw_signed(
        &self,
        registry: &Registry,
        session: &str,
        request_id: &str,
        signature: &[u8],
        now: i64,
    ) -> Result<Invitation, MemberError> {
        const STAGE: &str = "the withdrawal";
        let pending = self.withdrawals.take(session, request_id, |_| true)?;
        let PendingWithdrawal { unsigned, name } = pending.stage;
        // Still to withdraw (not enrolled or withdrawn since stage 1), before the CA is asked.
        registry.to_withdraw(&name, &self.msp_id, now).map_err(|e| MemberError::conflict(STAGE, e))?;
        self.ca.revoke_signed(unsigned, signature).await.map_err(|e| MemberError::ca("revocation at the CA", e))?;
        registry.withdrawn(&name, &self.msp_id, now).map_err(|e| MemberError::conflict(STAGE, e))
    }

    /// The reads `misses` (at most `limit`) as proposals for `member` of session
    /// `session` to sign, each waiting for its signature.
    pub(crate) fn reads_to_sign(
        &self,
        session: &str,
        member: &Member,
        misses: &[ReadKey],
        limit: usize,
    ) -> Result<Vec<ReadToSign>, StageError> {
        let identity = identity(member)?;
        let mut out = Vec::new();
        for (chaincode, function, args) in misses.iter().take(limit) {
            let unsigned = if chaincode.is_empty() {
                let parsed = Function::from_name(function)
                    .ok_or_else(|| ApiError::Request(format!("{function} is no contract function")))?;
                self.stages.propose_read(&identity, parsed, args)
            } else {
                self.stages.propose_ledger_read(&identity, function, args)
            }?;
            out.push(ReadToSign {
                tx_id: unsigned.tx_id().to_owned(),
                to_sign: unsigned.to_sign().to_vec(),
                function: function.clone(),
            });
            let tx_id = unsigned.tx_id().to_owned();
            self.pending_reads.insert(&tx_id, session, unsigned, String::new());
        }
        Ok(out)
    }

    /// Evaluates the reads of session `session` its member signed (transaction ID and
    /// DER signature), as the member, at the gateway peer; keeps the answers (refusals
    /// included: the page shows them) in `cache`. Every signature is matched to its read
    /// before any is evaluated.
    pub(crate) async fn answer_reads(
        &self,
        cache: &ReadCache,
        session: &str,
        signatures: Vec<(String, Vec<u8>)>,
    ) -> Result<usize, StageError> {
        let mut signed = Vec::new();
        for (tx_id, signature) in signatures {
            let pending = self.pending_reads.take(session, &tx_id, |_| true)?;
            signed.push(pending.stage.signed(signature));
        }
        for read in &signed {
            let answer = self.stages.evaluate(read).await.map_err(|e| match e {
                StageError::Api(api) => api,
                other => ApiError::Request(other.to_string()),
            });
            cache.put(session, read.key(), answer);
        }
        Ok(signed.len())
    }

    /// The ledger view: the channel's blocks from the peer's `qscc`, each a read the
    /// auditor's browser signed (so the peer's own `Readers` policy decides), newest
    /// first; every endorsement's signature checked against the certificate it names,
    /// every block's data hash and its link to the block before recomputed.
    pub(crate) async fn transactions(&self, reads: &Reads<'_>, q: &TxQuery) -> Result<TxPage, String> {
        let channel = self.stages.channel().as_bytes().to_vec();
        let bytes =
            reads.ledger_query("GetChainInfo", std::slice::from_ref(&channel)).await.map_err(|e| e.to_string())?;
        let info = qscc::decode_chain_info(&bytes).map_err(|e| e.to_string())?;
        let last = info.height.saturating_sub(1);
        let top = q.before.unwrap_or(last).min(last);
        let depth = if q.searching() { FABRIC_SEARCH_DEPTH } else { FABRIC_PAGE };
        let bottom = top.saturating_sub(depth - 1);
        let mut blocks = Vec::new();
        let mut error = None;
        for number in bottom..=top {
            let args = [channel.clone(), number.to_string().into_bytes()];
            match reads.ledger_query("GetBlockByNumber", &args).await {
                Ok(bytes) => match block::block_view(&bytes) {
                    Ok(view) => blocks.push(view),
                    Err(e) => error = Some(e.to_string()),
                },
                Err(e) => error = Some(e.to_string()),
            }
        }
        if let Some(e) = error {
            return Err(e);
        }
        let mut rows = Vec::new();
        for (i, b) in blocks.iter().enumerate() {
            let link = i.checked_sub(1).and_then(|j| blocks.get(j)).map(|prev| prev.header_hash == b.previous_hash);
            let chain = match link {
                Some(linked) => Some(linked && b.data_hash_ok),
                None if !b.data_hash_ok => Some(false),
                None => None,
            };
            for tx in &b.transactions {
                let certificates = tx.event.as_ref().map(|(_, p)| event_certificates(p)).unwrap_or_default();
                if q.matches(&tx.tx_id, &certificates) {
                    rows.push(TxRow {
                        block: b.number,
                        timestamp: tx.timestamp,
                        tx_id: tx.tx_id.clone(),
                        kind: tx.kind.to_string(),
                        creator_msp: tx.creator_msp.clone(),
                        endorsements: Some(
                            tx.endorsements
                                .iter()
                                .map(|e| Endorsed { msp_id: e.msp_id.clone(), signature_ok: e.signature_ok })
                                .collect(),
                        ),
                        function: tx.function.clone(),
                        validation: Some((tx.validation.is_valid(), tx.validation.name().to_owned())),
                        certificates,
                        chain,
                    });
                }
            }
        }
        rows.reverse();
        Ok(TxPage {
            about: format!(
                "Channel {}, height {}, read from your organisation's peer with reads you signed. Newest first; each endorsement's signature is checked against the certificate it names, each block's data hash and its link to the block before are recomputed.",
                self.stages.channel(),
                info.height
            ),
            chain_word: "linked",
            rows,
            searched: q.searching().then_some((bottom, top)),
            older_than: (bottom > 0).then_some(bottom),
        })
    }
}

/// How many blocks a page of the ledger view shows on Fabric, and how far back a search
/// looks there: each block is a read the auditor's browser signs.
const FABRIC_PAGE: u64 = 10;
const FABRIC_SEARCH_DEPTH: u64 = 60;

/// The identity the console's own connection names: the organisation's CA certificate
/// with no key. Every request the console sends carries a member's identity and
/// signature instead ([`Gateway::with_identity`]); this one signs nothing.
fn placeholder_identity(msp_id: &str, msp_dir: &std::path::Path) -> Result<SigningIdentity, FabricSetupError> {
    let ca = pem_files(&msp_dir.join("cacerts"))?
        .into_iter()
        .next()
        .ok_or_else(|| FabricSetupError::Settings(format!("MSP folder {}: no cacerts/", msp_dir.display())))?;
    let identity = Identity::new(msp_id.to_owned(), ca).map_err(|e| FabricSetupError::Settings(e.to_string()))?;
    Ok(SigningIdentity::offline(identity, HashAlgorithm::Sha256))
}
