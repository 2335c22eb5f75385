//! The certificate contract: transactions, queries, roles and the certificate state
//! machine. Every function takes one JSON argument (a request from [`crate::model`]) and
//! returns JSON. Nothing here reads a clock, draws randomness or does I/O: time is the
//! transaction timestamp and new IDs come from the transaction ID.

use crate::error::{ContractError, ContractResult};
use crate::identity::{parse_creator, Identity};
use crate::model::*;
use crate::stub::{create_composite_key, split_composite_key, EndorsementPolicy, PolicyRole, Stub, StubError};
use crate::validate::{self, limits, ValidationError};
use crate::{ids, nanomaterial};
use ed25519_dalek::{Signature, VerifyingKey};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// How far (seconds) an approval's `issued_at` may lie from the transaction timestamp.
pub const MAX_CLOCK_SKEW_SECS: i64 = 600;
/// Seconds in a day (validity periods are given in days).
pub const DAY: i64 = 86_400;

const GOVERNANCE_KEY: &str = "governance";
const ORG: &str = "org";
const ROLE: &str = "role";
const ISSUER_KEY: &str = "ikey";
const CERT: &str = "cert";
const BY_STATUS: &str = "cert~status";
const BY_MANUFACTURER: &str = "cert~mfr";
const BY_PRODUCT: &str = "cert~product";
const DEPENDENTS: &str = "cert~dep";
const INDEX_VALUE: &[u8] = &[0];

/// Whether a function changes the ledger (submit) or only reads it (evaluate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    Submit,
    Evaluate,
}

/// Every function of the contract, with its kind.
pub const FUNCTIONS: &[(&str, FunctionKind)] = &[
    ("Bootstrap", FunctionKind::Submit),
    ("RegisterOrganization", FunctionKind::Submit),
    ("GrantRole", FunctionKind::Submit),
    ("RevokeRole", FunctionKind::Submit),
    ("RegisterIssuerKey", FunctionKind::Submit),
    ("RetireIssuerKey", FunctionKind::Submit),
    ("Apply", FunctionKind::Submit),
    ("ApplyBatch", FunctionKind::Submit),
    ("Approve", FunctionKind::Submit),
    ("ApproveBatch", FunctionKind::Submit),
    ("Reject", FunctionKind::Submit),
    ("Suspend", FunctionKind::Submit),
    ("Reinstate", FunctionKind::Submit),
    ("Revoke", FunctionKind::Submit),
    ("Renew", FunctionKind::Submit),
    ("UpdateSds", FunctionKind::Submit),
    ("GetCertificate", FunctionKind::Evaluate),
    ("Verify", FunctionKind::Evaluate),
    ("ListByStatus", FunctionKind::Evaluate),
    ("ListByApplicant", FunctionKind::Evaluate),
    ("ListByProduct", FunctionKind::Evaluate),
    ("History", FunctionKind::Evaluate),
    ("IssuerKeys", FunctionKind::Evaluate),
    ("WhoAmI", FunctionKind::Evaluate),
];

/// The kind of `function`, or `None` if the contract has no such function.
pub fn function_kind(function: &str) -> Option<FunctionKind> {
    FUNCTIONS.iter().find(|(name, _)| *name == function).map(|(_, kind)| *kind)
}

/// Request for `ListByProduct` (the GS1 Digital Link resolver).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListByProductRequest {
    pub gtin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
}

/// What `WhoAmI` answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WhoAmI {
    pub identity: Actor,
    pub node_ou: Option<crate::identity::NodeOu>,
    pub roles: Vec<Role>,
    pub organization: Option<Organization>,
}

/// The NanoTrace certificate contract.
#[derive(Debug, Default, Clone, Copy)]
pub struct CertificateContract;

impl CertificateContract {
    /// Runs `function` with `args` (one JSON request; none for functions whose request
    /// is empty) and returns the JSON response.
    pub fn invoke(&self, stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> ContractResult<Vec<u8>> {
        let total: usize = args.iter().map(Vec::len).sum();
        if total > limits::MAX_ARGUMENT_BYTES {
            return Err(ContractError::BadRequest(format!(
                "arguments are {total} bytes; the limit is {} bytes",
                limits::MAX_ARGUMENT_BYTES
            )));
        }
        let mut tx = Tx::new(stub)?;
        match function {
            "Bootstrap" => respond(tx.bootstrap(parse_arg::<BootstrapRequest>(args, true)?)?),
            "RegisterOrganization" => respond(tx.register_organization(parse_arg(args, false)?)?),
            "GrantRole" => respond(tx.grant_role(parse_arg(args, false)?)?),
            "RevokeRole" => respond(tx.revoke_role(parse_arg(args, false)?)?),
            "RegisterIssuerKey" => respond(tx.register_issuer_key(parse_arg(args, false)?)?),
            "RetireIssuerKey" => respond(tx.retire_issuer_key(parse_arg(args, false)?)?),
            "Apply" => respond(tx.apply(vec![parse_arg(args, false)?], false)?),
            "ApplyBatch" => {
                let req: ApplyBatchRequest = parse_arg(args, false)?;
                respond(tx.apply(req.applications, true)?)
            }
            "Approve" => respond(tx.approve(vec![parse_arg(args, false)?], false)?),
            "ApproveBatch" => {
                let req: ApproveBatchRequest = parse_arg(args, false)?;
                respond(tx.approve(req.approvals, true)?)
            }
            "Reject" => respond(tx.reject(parse_arg(args, false)?)?),
            "Suspend" => respond(tx.suspend(parse_arg(args, false)?)?),
            "Reinstate" => respond(tx.reinstate(parse_arg(args, false)?)?),
            "Revoke" => respond(tx.revoke(parse_arg(args, false)?)?),
            "Renew" => respond(tx.renew(parse_arg(args, false)?)?),
            "UpdateSds" => respond(tx.update_sds(parse_arg(args, false)?)?),
            "GetCertificate" => respond(tx.get_certificate(parse_arg(args, false)?)?),
            "Verify" => respond(tx.verify(parse_arg(args, false)?)?),
            "ListByStatus" => respond(tx.list_by_status(parse_arg(args, false)?)?),
            "ListByApplicant" => respond(tx.list_by_applicant(parse_arg(args, true)?)?),
            "ListByProduct" => respond(tx.list_by_product(parse_arg(args, false)?)?),
            "History" => respond(tx.history(parse_arg(args, false)?)?),
            "IssuerKeys" => respond(tx.issuer_keys(parse_arg::<EmptyRequest>(args, true)?)?),
            "WhoAmI" => respond(tx.who_am_i(parse_arg::<EmptyRequest>(args, true)?)?),
            other => Err(ContractError::BadRequest(format!(
                "unknown function {:?}; known: {}",
                truncate(other, 64),
                FUNCTIONS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

fn respond<T: Serialize>(value: T) -> ContractResult<Vec<u8>> {
    serde_json::to_vec(&value).map_err(|e| ContractError::Corrupt(format!("cannot encode response: {e}")))
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Reads the single JSON argument. With `optional`, no argument means `{}`.
fn parse_arg<T: DeserializeOwned>(args: &[Vec<u8>], optional: bool) -> ContractResult<T> {
    let bytes: &[u8] = match args {
        [] if optional => b"{}",
        [one] => one,
        _ => return Err(ContractError::BadRequest(format!("expected one JSON argument, got {}", args.len()))),
    };
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(ContractError::BadRequest(format!("argument is not valid UTF-8 (at byte {})", e.valid_up_to())));
    }
    serde_json::from_slice(bytes).map_err(|e| ContractError::BadRequest(format!("malformed request: {e}")))
}

/// One transaction's view: the stub and the parsed caller.
struct Tx<'s> {
    stub: &'s mut dyn Stub,
    caller: Identity,
    now: i64,
    tx_id: String,
}

impl<'s> Tx<'s> {
    fn new(stub: &'s mut dyn Stub) -> ContractResult<Self> {
        let caller = parse_creator(stub.creator())?;
        let now = stub.tx_timestamp().seconds;
        let tx_id = stub.tx_id().to_owned();
        Ok(Tx { stub, caller, now, tx_id })
    }

    fn actor(&self) -> Actor {
        self.caller.actor()
    }

    fn change(&self, action: Action, reason: Option<String>) -> Change {
        Change { action, actor: self.actor(), at: self.now, tx_id: self.tx_id.clone(), reason }
    }

    // -- storage helpers ------------------------------------------------------------

    fn read<T: DeserializeOwned>(&mut self, key: &str) -> ContractResult<Option<T>> {
        match self.stub.get_state(key)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| ContractError::Corrupt(format!("record at {key:?}: {e}"))),
        }
    }

    fn write<T: Serialize>(&mut self, key: &str, value: &T) -> ContractResult<()> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| ContractError::Corrupt(format!("cannot encode record {key:?}: {e}")))?;
        Ok(self.stub.put_state(key, &bytes)?)
    }

    fn emit(
        &mut self,
        name: &str,
        ids: Vec<String>,
        status: Option<CertificateStatus>,
        flagged: Vec<String>,
    ) -> ContractResult<()> {
        let event = Event { name: name.to_owned(), certificate_ids: ids, status, flagged, tx_id: self.tx_id.clone() };
        let payload =
            serde_json::to_vec(&event).map_err(|e| ContractError::Corrupt(format!("cannot encode event: {e}")))?;
        Ok(self.stub.set_event(name, &payload)?)
    }

    fn cert_key(id: &str) -> ContractResult<String> {
        Ok(create_composite_key(CERT, &[id])?)
    }

    fn load_cert(&mut self, id: &str) -> ContractResult<Certificate> {
        validate::certificate_id("certificate_id", id)?;
        let key = Self::cert_key(id)?;
        self.read(&key)?.ok_or_else(|| ContractError::NotFound { kind: "certificate", id: id.to_owned() })
    }

    /// Writes a certificate, moving its status index entry from `old_status` if given.
    fn store_cert(&mut self, cert: &Certificate, old_status: Option<CertificateStatus>) -> ContractResult<()> {
        let key = Self::cert_key(&cert.id)?;
        self.write(&key, cert)?;
        if old_status != Some(cert.status) {
            if let Some(old) = old_status {
                let old_key = create_composite_key(BY_STATUS, &[old.as_str(), &cert.id])?;
                self.stub.del_state(&old_key)?;
            }
            let new_key = create_composite_key(BY_STATUS, &[cert.status.as_str(), &cert.id])?;
            self.stub.put_state(&new_key, INDEX_VALUE)?;
        }
        Ok(())
    }

    /// Writes the indexes that never change for a certificate: manufacturer, product,
    /// dependencies.
    fn index_new_cert(&mut self, cert: &Certificate) -> ContractResult<()> {
        let key = create_composite_key(BY_MANUFACTURER, &[&cert.manufacturer_msp, &cert.id])?;
        self.stub.put_state(&key, INDEX_VALUE)?;
        if let Some(gtin) = &cert.application.gtin {
            let key = create_composite_key(BY_PRODUCT, &[gtin, &cert.application.batch, &cert.id])?;
            self.stub.put_state(&key, INDEX_VALUE)?;
        }
        for supplier in &cert.application.depends_on {
            let key = create_composite_key(DEPENDENTS, &[supplier, &cert.id])?;
            self.stub.put_state(&key, INDEX_VALUE)?;
        }
        Ok(())
    }

    /// Every key of a composite-key index with this prefix (all pages).
    fn index_ids(&mut self, object_type: &str, attributes: &[&str]) -> ContractResult<Vec<String>> {
        let mut ids = Vec::new();
        let mut bookmark = String::new();
        loop {
            let page = self.stub.get_state_by_partial_composite_key(
                object_type,
                attributes,
                limits::MAX_PAGE_SIZE,
                &bookmark,
            )?;
            for (key, _) in &page.entries {
                let (_, attrs) = split_composite_key(key)?;
                if let Some(last) = attrs.last() {
                    ids.push(last.clone());
                }
            }
            if page.bookmark.is_empty() {
                return Ok(ids);
            }
            bookmark = page.bookmark;
        }
    }

    fn load_certs(&mut self, ids: &[String]) -> ContractResult<Vec<Certificate>> {
        let keys = ids.iter().map(|id| Self::cert_key(id)).collect::<ContractResult<Vec<_>>>()?;
        let values = self.stub.get_state_multiple(&keys)?;
        let mut certs = Vec::with_capacity(values.len());
        for (id, value) in ids.iter().zip(values) {
            let bytes = value
                .ok_or_else(|| ContractError::Corrupt(format!("index names certificate {id} but it has no record")))?;
            let cert =
                serde_json::from_slice(&bytes).map_err(|e| ContractError::Corrupt(format!("certificate {id}: {e}")))?;
            certs.push(cert);
        }
        Ok(certs)
    }

    /// One page of certificates from a composite-key index.
    fn page_of(
        &mut self,
        object_type: &str,
        attributes: &[&str],
        page_size: u32,
        bookmark: &str,
    ) -> ContractResult<CertificatePage> {
        let size = match page_size {
            0 => limits::DEFAULT_PAGE_SIZE,
            n if n > limits::MAX_PAGE_SIZE => {
                return Err(ValidationError::new(
                    "page_size",
                    format!("must be at most {}, got {n}", limits::MAX_PAGE_SIZE),
                )
                .into())
            }
            n => n,
        };
        if bookmark.len() > limits::MAX_ID * 2 {
            return Err(ValidationError::new("bookmark", "is too long").into());
        }
        let page = match self.stub.get_state_by_partial_composite_key(object_type, attributes, size, bookmark) {
            Err(StubError::InvalidBookmark(_)) => {
                return Err(ValidationError::new(
                    "bookmark",
                    "does not belong to this list; pass the bookmark this query returned",
                )
                .into())
            }
            other => other?,
        };
        let mut ids = Vec::with_capacity(page.entries.len());
        for (key, _) in &page.entries {
            let (_, attrs) = split_composite_key(key)?;
            if let Some(id) = attrs.last() {
                ids.push(id.clone());
            }
        }
        let certificates = self.load_certs(&ids)?;
        Ok(CertificatePage { certificates, bookmark: page.bookmark })
    }

    // -- authorization ----------------------------------------------------------------

    fn governance(&mut self) -> ContractResult<Option<Governance>> {
        self.read(GOVERNANCE_KEY)
    }

    fn has_role(&mut self, role: Role) -> ContractResult<bool> {
        let key = create_composite_key(ROLE, &[&self.caller.msp_id, &self.caller.id, role.as_str()])?;
        Ok(self.stub.get_state(&key)?.is_some())
    }

    fn require_role(&mut self, role: Role, action: &str) -> ContractResult<()> {
        if self.has_role(role)? {
            Ok(())
        } else {
            Err(ContractError::Unauthorized(format!(
                "{action} needs the {} role; {} does not hold it",
                role.as_str(),
                self.caller_name()
            )))
        }
    }

    fn require_any_role(&mut self, roles: &[Role], action: &str) -> ContractResult<()> {
        for role in roles {
            if self.has_role(*role)? {
                return Ok(());
            }
        }
        Err(ContractError::Unauthorized(format!(
            "{action} needs one of the roles {}; {} holds none",
            roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
            self.caller_name()
        )))
    }

    fn caller_name(&self) -> String {
        match &self.caller.common_name {
            Some(cn) => format!("{cn} ({})", self.caller.msp_id),
            None => format!("{} ({})", self.caller.id, self.caller.msp_id),
        }
    }

    fn organization(&mut self, msp_id: &str) -> ContractResult<Option<Organization>> {
        let key = create_composite_key(ORG, &[msp_id])?;
        self.read(&key)
    }

    fn require_manufacturer_member(&mut self, msp_id: &str, action: &str) -> ContractResult<()> {
        if self.caller.msp_id != msp_id {
            return Err(ContractError::Unauthorized(format!(
                "{action} is for members of {msp_id}; {} is not one",
                self.caller_name()
            )));
        }
        match self.organization(msp_id)? {
            Some(org) if org.kind == OrgKind::Manufacturer => Ok(()),
            _ => Err(ContractError::Unauthorized(format!(
                "{action} needs a registered manufacturer organisation; {msp_id} is not one"
            ))),
        }
    }

    /// A certifier acting on an issued certificate must belong to the issuing
    /// organisation. Call after the role and state checks.
    fn require_issuing_org(&mut self, cert: &Certificate, action: &str) -> ContractResult<()> {
        let issuer_org = cert.issuance.as_ref().map(|i| i.issuer_org.as_str()).unwrap_or_default();
        if issuer_org != self.caller.msp_id {
            return Err(ContractError::Unauthorized(format!(
                "{action} on {} is for certifiers of the issuing organisation {issuer_org}; {} is not one",
                cert.id,
                self.caller_name()
            )));
        }
        Ok(())
    }

    /// The caller may decide on this application: a certifier who is neither the
    /// applicant nor a member of the applicant's organisation.
    /// The caller's certifier role is checked by the caller of this function, once per
    /// transaction (not once per item of a batch).
    fn require_independent_certifier(&self, cert: &Certificate, action: &str) -> ContractResult<()> {
        if cert.manufacturer_msp == self.caller.msp_id || cert.applicant.id == self.caller.id {
            return Err(ContractError::Unauthorized(format!(
                "{action}: {} belongs to the applicant's organisation {} and cannot decide on its application {}",
                self.caller_name(),
                cert.manufacturer_msp,
                cert.id
            )));
        }
        Ok(())
    }

    // -- governance -------------------------------------------------------------------

    fn bootstrap(&mut self, _req: BootstrapRequest) -> ContractResult<Governance> {
        if let Some(gov) = self.governance()? {
            return Err(ContractError::Conflict(format!(
                "already bootstrapped by {} at {}",
                gov.bootstrapped_by, gov.bootstrapped_at
            )));
        }
        if !self.caller.is_admin() {
            return Err(ContractError::Unauthorized(format!(
                "Bootstrap needs an admin identity (NodeOU admin) of the governance organisation; {} is not an admin",
                self.caller_name()
            )));
        }
        let gov =
            Governance { msp_id: self.caller.msp_id.clone(), bootstrapped_by: self.actor(), bootstrapped_at: self.now };
        self.write(GOVERNANCE_KEY, &gov)?;
        let grant =
            RoleGrant { identity: self.actor(), role: Role::Admin, granted_by: self.actor(), granted_at: self.now };
        let key = create_composite_key(ROLE, &[&self.caller.msp_id, &self.caller.id, Role::Admin.as_str()])?;
        self.write(&key, &grant)?;
        self.emit(events::BOOTSTRAPPED, vec![], None, vec![])?;
        Ok(gov)
    }

    fn register_organization(&mut self, req: RegisterOrganizationRequest) -> ContractResult<Organization> {
        self.require_role(Role::Admin, "RegisterOrganization")?;
        validate::msp_id("msp_id", &req.msp_id)?;
        validate::text("name", &req.name, limits::MAX_NAME, true)?;
        if self.organization(&req.msp_id)?.is_some() {
            return Err(ContractError::AlreadyExists { kind: "organisation", id: req.msp_id });
        }
        let org = Organization { msp_id: req.msp_id, name: req.name, kind: req.kind, registered_at: self.now };
        let key = create_composite_key(ORG, &[&org.msp_id])?;
        self.write(&key, &org)?;
        self.emit(events::ORGANIZATION_REGISTERED, vec![], None, vec![])?;
        Ok(org)
    }

    fn grant_role(&mut self, req: RoleRequest) -> ContractResult<RoleGrant> {
        self.require_role(Role::Admin, "GrantRole")?;
        validate::actor("identity", &req.identity)?;
        let msp = req.identity.msp_id.as_str();
        match req.role {
            Role::Admin => {
                let gov = self.governance()?.ok_or_else(|| ContractError::Conflict("not bootstrapped".into()))?;
                if gov.msp_id != msp {
                    return Err(ContractError::Conflict(format!(
                        "the admin role is for members of the governance organisation {}, not {msp}",
                        gov.msp_id
                    )));
                }
            }
            Role::Certifier | Role::Auditor => {
                let wanted = if req.role == Role::Certifier { OrgKind::Certifier } else { OrgKind::Regulator };
                match self.organization(msp)? {
                    Some(org) if org.kind == wanted => {}
                    Some(org) => {
                        return Err(ContractError::Conflict(format!(
                            "the {} role is for members of a {:?} organisation; {msp} is registered as {:?}",
                            req.role.as_str(),
                            wanted,
                            org.kind
                        )))
                    }
                    None => return Err(ContractError::NotFound { kind: "organisation", id: msp.to_owned() }),
                }
            }
        }
        let key = create_composite_key(ROLE, &[msp, &req.identity.id, req.role.as_str()])?;
        if self.stub.get_state(&key)?.is_some() {
            return Err(ContractError::AlreadyExists {
                kind: "role grant",
                id: format!("{} for {}", req.role.as_str(), req.identity),
            });
        }
        let grant =
            RoleGrant { identity: req.identity, role: req.role, granted_by: self.actor(), granted_at: self.now };
        self.write(&key, &grant)?;
        self.emit(events::ROLE_GRANTED, vec![], None, vec![])?;
        Ok(grant)
    }

    fn revoke_role(&mut self, req: RoleRequest) -> ContractResult<RoleGrant> {
        self.require_role(Role::Admin, "RevokeRole")?;
        validate::actor("identity", &req.identity)?;
        if req.role == Role::Admin && req.identity == self.actor() {
            return Err(ContractError::Conflict("an admin cannot revoke their own admin role".into()));
        }
        let key = create_composite_key(ROLE, &[&req.identity.msp_id, &req.identity.id, req.role.as_str()])?;
        let grant: RoleGrant = self.read(&key)?.ok_or_else(|| ContractError::NotFound {
            kind: "role grant",
            id: format!("{} for {}", req.role.as_str(), req.identity),
        })?;
        self.stub.del_state(&key)?;
        self.emit(events::ROLE_REVOKED, vec![], None, vec![])?;
        Ok(grant)
    }

    fn register_issuer_key(&mut self, req: RegisterIssuerKeyRequest) -> ContractResult<IssuerKey> {
        self.require_role(Role::Admin, "RegisterIssuerKey")?;
        let bytes = validate::hex_bytes("public_key", &req.public_key, 32)?;
        let mut array = [0u8; 32];
        array.copy_from_slice(&bytes);
        VerifyingKey::from_bytes(&array)
            .map_err(|_| ValidationError::new("public_key", "is not a valid Ed25519 public key"))?;
        validate::actor("holder", &req.holder)?;
        if req.valid_until <= req.valid_from {
            return Err(ValidationError::new("valid_until", "must be after valid_from").into());
        }
        let holder_key = create_composite_key(ROLE, &[&req.holder.msp_id, &req.holder.id, Role::Certifier.as_str()])?;
        if self.stub.get_state(&holder_key)?.is_none() {
            return Err(ContractError::Conflict(format!(
                "issuer keys are for certifiers; {} does not hold the certifier role",
                req.holder
            )));
        }
        let key_id = issuer_key_id(&bytes);
        let key = create_composite_key(ISSUER_KEY, &[&key_id])?;
        if self.stub.get_state(&key)?.is_some() {
            return Err(ContractError::AlreadyExists { kind: "issuer key", id: key_id });
        }
        let record = IssuerKey {
            key_id,
            public_key: req.public_key,
            holder: req.holder,
            valid_from: req.valid_from,
            valid_until: req.valid_until,
            registered_at: self.now,
            retired_at: None,
            retired_reason: None,
        };
        self.write(&key, &record)?;
        self.emit(events::ISSUER_KEY_REGISTERED, vec![], None, vec![])?;
        Ok(record)
    }

    fn retire_issuer_key(&mut self, req: RetireIssuerKeyRequest) -> ContractResult<IssuerKey> {
        self.require_role(Role::Admin, "RetireIssuerKey")?;
        validate::text("reason", &req.reason, limits::MAX_REASON, true)?;
        validate::text("key_id", &req.key_id, limits::MAX_NAME, true)?;
        let key = create_composite_key(ISSUER_KEY, &[&req.key_id])?;
        let mut record: IssuerKey =
            self.read(&key)?.ok_or_else(|| ContractError::NotFound { kind: "issuer key", id: req.key_id.clone() })?;
        if record.retired_at.is_some() {
            return Err(ContractError::Conflict(format!("issuer key {} is already retired", req.key_id)));
        }
        record.retired_at = Some(self.now);
        record.retired_reason = Some(req.reason);
        self.write(&key, &record)?;
        self.emit(events::ISSUER_KEY_RETIRED, vec![], None, vec![])?;
        Ok(record)
    }

    // -- certificate lifecycle ----------------------------------------------------------

    fn apply(&mut self, applications: Vec<Application>, batch: bool) -> ContractResult<IdsResponse> {
        let msp = self.caller.msp_id.clone();
        self.require_manufacturer_member(&msp, if batch { "ApplyBatch" } else { "Apply" })?;
        if applications.is_empty() || applications.len() > limits::MAX_BATCH {
            return Err(ValidationError::new(
                "applications",
                format!("must hold 1 to {} applications, got {}", limits::MAX_BATCH, applications.len()),
            )
            .into());
        }
        let mut ids = Vec::with_capacity(applications.len());
        let mut flagged = Vec::new();
        for (index, application) in applications.into_iter().enumerate() {
            let wrap = |e: ContractError| if batch { e.in_item("applications", index) } else { e };
            validate::application(&application).map_err(|e| wrap(e.into()))?;
            let id = ids::certificate_id(&self.tx_id, index as u32);
            let key = Self::cert_key(&id)?;
            if self.stub.get_state(&key)?.is_some() {
                return Err(wrap(ContractError::AlreadyExists { kind: "certificate", id }));
            }
            // Dependencies must exist; ones already out of force flag the new record at once.
            let mut flags = Vec::new();
            if !application.depends_on.is_empty() {
                let suppliers = application.depends_on.clone();
                for supplier_id in &suppliers {
                    let supplier = self.load_cert(supplier_id).map_err(wrap)?;
                    if matches!(supplier.status, CertificateStatus::Suspended | CertificateStatus::Revoked) {
                        flags.push(DependencyFlag {
                            supplier_certificate: supplier.id.clone(),
                            supplier_status: supplier.status,
                            reason: supplier.status_reason.clone().unwrap_or_default(),
                            since: supplier.status_since,
                        });
                    }
                }
            }
            if !flags.is_empty() {
                flagged.push(id.clone());
            }
            let assessment = nanomaterial::assess(&application.nanomaterial);
            let cert = Certificate {
                id: id.clone(),
                version: 1,
                supersedes: None,
                superseded_by: None,
                status: CertificateStatus::Pending,
                status_reason: None,
                status_since: self.now,
                manufacturer_msp: msp.clone(),
                applicant: self.actor(),
                applied_at: self.now,
                application,
                assessment,
                issuance: None,
                resign_required: false,
                flags,
                last_change: self.change(Action::Applied, None),
            };
            self.store_cert(&cert, None)?;
            self.index_new_cert(&cert)?;
            ids.push(id);
        }
        self.emit(events::CERTIFICATE_APPLIED, ids.clone(), Some(CertificateStatus::Pending), flagged)?;
        Ok(IdsResponse { certificate_ids: ids })
    }

    /// Checks an issuer key and the signature over `canonical`.
    fn check_signature(
        &mut self,
        key_id: &str,
        signature_hex: &str,
        canonical: &CanonicalCertificate,
        at: i64,
    ) -> ContractResult<String> {
        validate::text("issuer_key_id", key_id, limits::MAX_NAME, true)?;
        let key = create_composite_key(ISSUER_KEY, &[key_id])?;
        let record: IssuerKey =
            self.read(&key)?.ok_or_else(|| ContractError::NotFound { kind: "issuer key", id: key_id.to_owned() })?;
        if record.holder != self.actor() {
            return Err(ContractError::Unauthorized(format!(
                "issuer key {key_id} belongs to {}, not to {}",
                record.holder,
                self.caller_name()
            )));
        }
        if let Some(retired) = record.retired_at {
            return Err(ContractError::BadSignature(format!("issuer key {key_id} was retired at {retired}")));
        }
        if !record.usable_at(at) {
            return Err(ContractError::BadSignature(format!(
                "issuer key {key_id} is valid from {} to {}, not at {at}",
                record.valid_from, record.valid_until
            )));
        }
        let public = validate::hex_bytes("public_key", &record.public_key, 32)
            .map_err(|e| ContractError::Corrupt(format!("issuer key {key_id}: {e}")))?;
        let mut pk = [0u8; 32];
        pk.copy_from_slice(&public);
        let verifying = VerifyingKey::from_bytes(&pk)
            .map_err(|_| ContractError::Corrupt(format!("issuer key {key_id} is not a valid Ed25519 key")))?;
        let sig_bytes = validate::hex_bytes("signature", signature_hex, 64)?;
        let mut sig = [0u8; 64];
        sig.copy_from_slice(&sig_bytes);
        let signature = Signature::from_bytes(&sig);
        let digest = canonical.digest_hex();
        verifying.verify_strict(&canonical.signing_input_with(&digest), &signature).map_err(|_| {
            ContractError::BadSignature(format!(
                "the signature does not match the certificate's canonical bytes (digest {digest}) under issuer key {key_id}"
            ))
        })?;
        Ok(digest)
    }

    /// Validates issuance terms against the transaction time and the requested validity.
    fn check_terms(&self, issued_at: i64, valid_until: i64, requested_days: u32) -> ContractResult<()> {
        if issued_at.abs_diff(self.now) > MAX_CLOCK_SKEW_SECS.unsigned_abs() {
            return Err(ValidationError::new(
                "issued_at",
                format!("{issued_at} is more than {MAX_CLOCK_SKEW_SECS} s from the transaction time {}", self.now),
            )
            .into());
        }
        if valid_until <= issued_at {
            return Err(ValidationError::new("valid_until", "must be after issued_at").into());
        }
        let max = issued_at + i64::from(requested_days) * DAY;
        if valid_until > max {
            return Err(ValidationError::new(
                "valid_until",
                format!("{valid_until} exceeds the requested validity of {requested_days} days (until {max})"),
            )
            .into());
        }
        Ok(())
    }

    fn approve(&mut self, approvals: Vec<ApproveRequest>, batch: bool) -> ContractResult<IdsResponse> {
        let action = if batch { "ApproveBatch" } else { "Approve" };
        self.require_role(Role::Certifier, action)?;
        if approvals.is_empty() || approvals.len() > limits::MAX_BATCH {
            return Err(ValidationError::new(
                "approvals",
                format!("must hold 1 to {} approvals, got {}", limits::MAX_BATCH, approvals.len()),
            )
            .into());
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut ids = Vec::with_capacity(approvals.len());
        for (index, req) in approvals.into_iter().enumerate() {
            let wrap = |e: ContractError| if batch { e.in_item("approvals", index) } else { e };
            if !seen.insert(req.certificate_id.clone()) {
                return Err(wrap(
                    ValidationError::new("certificate_id", format!("{} appears twice", req.certificate_id)).into(),
                ));
            }
            self.approve_one(req, action).map_err(wrap).map(|id| ids.push(id))?;
        }
        self.emit(events::CERTIFICATE_ISSUED, ids.clone(), Some(CertificateStatus::Active), vec![])?;
        Ok(IdsResponse { certificate_ids: ids })
    }

    fn approve_one(&mut self, req: ApproveRequest, action: &'static str) -> ContractResult<String> {
        let mut cert = self.load_cert(&req.certificate_id)?;
        if cert.status != CertificateStatus::Pending {
            return Err(ContractError::InvalidTransition {
                id: cert.id,
                status: cert.status,
                action,
                needed: "PENDING",
            });
        }
        self.require_independent_certifier(&cert, action)?;
        self.check_terms(req.issued_at, req.valid_until, cert.application.requested_validity_days)?;
        let terms = IssuanceTerms {
            issuer_org: &self.caller.msp_id,
            issuer_key_id: &req.issuer_key_id,
            issued_at: req.issued_at,
            valid_until: req.valid_until,
        };
        let canonical = CanonicalCertificate::for_certificate(&cert, &terms);
        let digest = self.check_signature(&req.issuer_key_id, &req.signature, &canonical, req.issued_at)?;
        cert.issuance = Some(Issuance {
            issuer_org: self.caller.msp_id.clone(),
            issuer_key_id: req.issuer_key_id,
            approved_by: self.actor(),
            issued_at: req.issued_at,
            valid_until: req.valid_until,
            digest,
            signature: req.signature,
        });
        cert.status = CertificateStatus::Active;
        cert.status_since = self.now;
        cert.status_reason = None;
        cert.last_change = self.change(Action::Approved, None);
        self.store_cert(&cert, Some(CertificateStatus::Pending))?;
        self.protect(&cert)?;
        Ok(cert.id)
    }

    /// Key-level endorsement: from issuance on, changes to the certificate need the
    /// issuing organisation's peer.
    fn protect(&mut self, cert: &Certificate) -> ContractResult<()> {
        if let Some(issuance) = &cert.issuance {
            let policy = EndorsementPolicy { orgs: vec![issuance.issuer_org.clone()], role: PolicyRole::Peer };
            let key = Self::cert_key(&cert.id)?;
            self.stub.set_state_validation_parameter(&key, &policy)?;
        }
        Ok(())
    }

    fn reject(&mut self, req: ReasonRequest) -> ContractResult<Certificate> {
        validate::text("reason", &req.reason, limits::MAX_REASON, true)?;
        let mut cert = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "Reject")?;
        if cert.status != CertificateStatus::Pending {
            return Err(ContractError::InvalidTransition {
                id: cert.id,
                status: cert.status,
                action: "Reject",
                needed: "PENDING",
            });
        }
        self.require_independent_certifier(&cert, "Reject")?;
        cert.status = CertificateStatus::Rejected;
        cert.status_since = self.now;
        cert.status_reason = Some(req.reason.clone());
        cert.last_change = self.change(Action::Rejected, Some(req.reason));
        self.store_cert(&cert, Some(CertificateStatus::Pending))?;
        self.emit(events::CERTIFICATE_REJECTED, vec![cert.id.clone()], Some(cert.status), vec![])?;
        Ok(cert)
    }

    fn suspend(&mut self, req: ReasonRequest) -> ContractResult<Certificate> {
        validate::text("reason", &req.reason, limits::MAX_REASON, true)?;
        let mut cert = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "Suspend")?;
        if cert.status != CertificateStatus::Active {
            return Err(ContractError::InvalidTransition {
                id: cert.id,
                status: cert.status,
                action: "Suspend",
                needed: "ACTIVE",
            });
        }
        self.require_issuing_org(&cert, "Suspend")?;
        cert.status = CertificateStatus::Suspended;
        cert.status_since = self.now;
        cert.status_reason = Some(req.reason.clone());
        cert.last_change = self.change(Action::Suspended, Some(req.reason.clone()));
        self.store_cert(&cert, Some(CertificateStatus::Active))?;
        let flagged = self.flag_dependents(&cert.id, CertificateStatus::Suspended, &req.reason)?;
        self.emit(events::CERTIFICATE_SUSPENDED, vec![cert.id.clone()], Some(cert.status), flagged)?;
        Ok(cert)
    }

    fn reinstate(&mut self, req: ReinstateRequest) -> ContractResult<Certificate> {
        validate::text("reason", &req.reason, limits::MAX_REASON, true)?;
        let mut cert = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "Reinstate")?;
        if cert.status != CertificateStatus::Suspended {
            return Err(ContractError::InvalidTransition {
                id: cert.id,
                status: cert.status,
                action: "Reinstate",
                needed: "SUSPENDED",
            });
        }
        self.require_issuing_org(&cert, "Reinstate")?;
        match (&req.resign, cert.resign_required) {
            (None, true) => {
                return Err(ContractError::BadSignature(format!(
                    "certificate {} changed since it was signed (new SDS revision {}); Reinstate needs a fresh signature (resign)",
                    cert.id, cert.application.sds.revision
                )))
            }
            (Some(resign), _) => {
                let issuance = cert
                    .issuance
                    .clone()
                    .ok_or_else(|| ContractError::Corrupt(format!("suspended certificate {} has no issuance", cert.id)))?;
                let terms = IssuanceTerms {
                    issuer_org: &issuance.issuer_org,
                    issuer_key_id: &resign.issuer_key_id,
                    issued_at: issuance.issued_at,
                    valid_until: issuance.valid_until,
                };
                let canonical = CanonicalCertificate::for_certificate(&cert, &terms);
                let digest = self.check_signature(&resign.issuer_key_id, &resign.signature, &canonical, self.now)?;
                cert.issuance = Some(Issuance {
                    issuer_key_id: resign.issuer_key_id.clone(),
                    approved_by: self.actor(),
                    digest,
                    signature: resign.signature.clone(),
                    ..issuance
                });
                cert.resign_required = false;
            }
            (None, false) => {}
        }
        cert.status = CertificateStatus::Active;
        cert.status_since = self.now;
        cert.status_reason = None;
        cert.last_change = self.change(Action::Reinstated, Some(req.reason));
        self.store_cert(&cert, Some(CertificateStatus::Suspended))?;
        let cleared = self.clear_dependents(&cert.id)?;
        self.emit(events::CERTIFICATE_REINSTATED, vec![cert.id.clone()], Some(cert.status), cleared)?;
        Ok(cert)
    }

    fn revoke(&mut self, req: ReasonRequest) -> ContractResult<Certificate> {
        validate::text("reason", &req.reason, limits::MAX_REASON, true)?;
        let mut cert = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "Revoke")?;
        let old = cert.status;
        if !matches!(old, CertificateStatus::Active | CertificateStatus::Suspended) {
            return Err(ContractError::InvalidTransition {
                id: cert.id,
                status: old,
                action: "Revoke",
                needed: "ACTIVE or SUSPENDED",
            });
        }
        self.require_issuing_org(&cert, "Revoke")?;
        cert.status = CertificateStatus::Revoked;
        cert.status_since = self.now;
        cert.status_reason = Some(req.reason.clone());
        cert.last_change = self.change(Action::Revoked, Some(req.reason.clone()));
        self.store_cert(&cert, Some(old))?;
        let flagged = self.flag_dependents(&cert.id, CertificateStatus::Revoked, &req.reason)?;
        self.emit(events::CERTIFICATE_REVOKED, vec![cert.id.clone()], Some(cert.status), flagged)?;
        Ok(cert)
    }

    fn renew(&mut self, req: RenewRequest) -> ContractResult<IdsResponse> {
        let mut old = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "Renew")?;
        if old.status != CertificateStatus::Active {
            return Err(ContractError::InvalidTransition {
                id: old.id,
                status: old.status,
                action: "Renew",
                needed: "ACTIVE (expired or not)",
            });
        }
        self.require_issuing_org(&old, "Renew")?;
        self.check_terms(req.issued_at, req.valid_until, old.application.requested_validity_days)?;
        let (version, new_id) = old.next_version().ok_or_else(|| ContractError::Conflict("version overflow".into()))?;
        if self.stub.get_state(&Self::cert_key(&new_id)?)?.is_some() {
            return Err(ContractError::AlreadyExists { kind: "certificate", id: new_id });
        }
        let mut new = Certificate {
            id: new_id.clone(),
            version,
            supersedes: Some(old.id.clone()),
            superseded_by: None,
            status: CertificateStatus::Active,
            status_reason: None,
            status_since: self.now,
            manufacturer_msp: old.manufacturer_msp.clone(),
            applicant: old.applicant.clone(),
            applied_at: old.applied_at,
            application: old.application.clone(),
            assessment: old.assessment.clone(),
            issuance: None,
            resign_required: false,
            flags: old.flags.clone(),
            last_change: self.change(Action::Renewed, None),
        };
        let terms = IssuanceTerms {
            issuer_org: &self.caller.msp_id,
            issuer_key_id: &req.issuer_key_id,
            issued_at: req.issued_at,
            valid_until: req.valid_until,
        };
        let canonical = CanonicalCertificate::for_certificate(&new, &terms);
        let digest = self.check_signature(&req.issuer_key_id, &req.signature, &canonical, req.issued_at)?;
        new.issuance = Some(Issuance {
            issuer_org: self.caller.msp_id.clone(),
            issuer_key_id: req.issuer_key_id,
            approved_by: self.actor(),
            issued_at: req.issued_at,
            valid_until: req.valid_until,
            digest,
            signature: req.signature,
        });
        old.status = CertificateStatus::Superseded;
        old.status_since = self.now;
        old.status_reason = Some(format!("renewed as {new_id}"));
        old.superseded_by = Some(new_id.clone());
        old.last_change = self.change(Action::Superseded, Some(format!("renewed as {new_id}")));
        self.store_cert(&old, Some(CertificateStatus::Active))?;
        self.store_cert(&new, None)?;
        self.index_new_cert(&new)?;
        self.protect(&new)?;
        // Products that depended on the old version now depend on the new one.
        for dependent in self.index_ids(DEPENDENTS, &[&old.id])? {
            let key = create_composite_key(DEPENDENTS, &[&new_id, &dependent])?;
            self.stub.put_state(&key, INDEX_VALUE)?;
        }
        let ids = vec![old.id.clone(), new_id];
        self.emit(events::CERTIFICATE_RENEWED, ids.clone(), Some(CertificateStatus::Active), vec![])?;
        Ok(IdsResponse { certificate_ids: ids })
    }

    fn update_sds(&mut self, req: UpdateSdsRequest) -> ContractResult<Certificate> {
        let mut cert = self.load_cert(&req.certificate_id)?;
        self.require_manufacturer_member(&cert.manufacturer_msp.clone(), "UpdateSds")?;
        validate::https_url("sds.url", &req.sds.url)?;
        validate::sha256_hex("sds.sha256", &req.sds.sha256)?;
        if req.sds.revision <= cert.application.sds.revision {
            return Err(ValidationError::new(
                "sds.revision",
                format!("must be greater than the current revision {}", cert.application.sds.revision),
            )
            .into());
        }
        let old = cert.status;
        let reason = format!("SDS revision {} awaits certifier review", req.sds.revision);
        cert.application.sds = req.sds;
        let mut flagged = Vec::new();
        match old {
            CertificateStatus::Pending => {
                cert.last_change = self.change(Action::SdsUpdated, None);
            }
            CertificateStatus::Active | CertificateStatus::Suspended => {
                cert.resign_required = true;
                if old == CertificateStatus::Active {
                    cert.status = CertificateStatus::Suspended;
                    cert.status_since = self.now;
                    cert.status_reason = Some(reason.clone());
                }
                cert.last_change = self.change(Action::SdsUpdated, Some(reason.clone()));
                flagged = self.flag_dependents(&cert.id, CertificateStatus::Suspended, &reason)?;
            }
            _ => {
                return Err(ContractError::InvalidTransition {
                    id: cert.id,
                    status: old,
                    action: "UpdateSds",
                    needed: "PENDING, ACTIVE or SUSPENDED",
                })
            }
        }
        self.store_cert(&cert, Some(old))?;
        self.emit(events::SDS_UPDATED, vec![cert.id.clone()], Some(cert.status), flagged)?;
        Ok(cert)
    }

    /// Marks every certificate that depends on `supplier_id` (and is not final).
    fn flag_dependents(
        &mut self,
        supplier_id: &str,
        status: CertificateStatus,
        reason: &str,
    ) -> ContractResult<Vec<String>> {
        let dependents = self.index_ids(DEPENDENTS, &[supplier_id])?;
        let mut flagged = Vec::new();
        for mut dep in self.load_certs(&dependents)? {
            if dep.status.is_final() {
                continue;
            }
            dep.flags.retain(|f| f.supplier_certificate != supplier_id);
            dep.flags.push(DependencyFlag {
                supplier_certificate: supplier_id.to_owned(),
                supplier_status: status,
                reason: reason.to_owned(),
                since: self.now,
            });
            dep.last_change = self.change(
                Action::DependencyFlagged,
                Some(format!("supplier certificate {supplier_id} is {status}: {reason}")),
            );
            self.store_cert(&dep, Some(dep.status))?;
            flagged.push(dep.id);
        }
        Ok(flagged)
    }

    /// Removes the flags a reinstated supplier certificate had put on its dependents.
    fn clear_dependents(&mut self, supplier_id: &str) -> ContractResult<Vec<String>> {
        let dependents = self.index_ids(DEPENDENTS, &[supplier_id])?;
        let mut cleared = Vec::new();
        for mut dep in self.load_certs(&dependents)? {
            let before = dep.flags.len();
            dep.flags.retain(|f| f.supplier_certificate != supplier_id);
            if dep.flags.len() == before || dep.status.is_final() {
                continue;
            }
            dep.last_change = self.change(
                Action::DependencyCleared,
                Some(format!("supplier certificate {supplier_id} is back in force")),
            );
            self.store_cert(&dep, Some(dep.status))?;
            cleared.push(dep.id);
        }
        Ok(cleared)
    }

    // -- queries ------------------------------------------------------------------------

    fn get_certificate(&mut self, req: CertificateIdRequest) -> ContractResult<Certificate> {
        self.load_cert(&req.certificate_id)
    }

    fn verify(&mut self, req: CertificateIdRequest) -> ContractResult<Verification> {
        validate::certificate_id("certificate_id", &req.certificate_id)?;
        let key = Self::cert_key(&req.certificate_id)?;
        let cert: Option<Certificate> = self.read(&key)?;
        Ok(verdict_for(&req.certificate_id, cert, self.now))
    }

    fn list_by_status(&mut self, req: ListByStatusRequest) -> ContractResult<CertificatePage> {
        self.require_any_role(&[Role::Certifier, Role::Admin, Role::Auditor], "ListByStatus")?;
        self.page_of(BY_STATUS, &[req.status.as_str()], req.page_size, &req.bookmark)
    }

    fn list_by_applicant(&mut self, req: ListByApplicantRequest) -> ContractResult<CertificatePage> {
        let msp = req.msp_id.clone().unwrap_or_else(|| self.caller.msp_id.clone());
        validate::msp_id("msp_id", &msp)?;
        let privileged =
            self.has_role(Role::Certifier)? || self.has_role(Role::Admin)? || self.has_role(Role::Auditor)?;
        if !privileged {
            self.require_manufacturer_member(&msp, "ListByApplicant")?;
        }
        self.page_of(BY_MANUFACTURER, &[&msp], req.page_size, &req.bookmark)
    }

    fn list_by_product(&mut self, req: ListByProductRequest) -> ContractResult<Vec<Certificate>> {
        validate::gtin("gtin", &req.gtin)?;
        let mut attrs: Vec<&str> = vec![&req.gtin];
        if let Some(batch) = &req.batch {
            validate::text("batch", batch, limits::MAX_NAME, true)?;
            attrs.push(batch);
        }
        let ids = self.index_ids(BY_PRODUCT, &attrs)?;
        self.load_certs(&ids)
    }

    fn history(&mut self, req: CertificateIdRequest) -> ContractResult<Vec<HistoryEntry>> {
        validate::certificate_id("certificate_id", &req.certificate_id)?;
        let key = Self::cert_key(&req.certificate_id)?;
        let mods = self.stub.get_history_for_key(&key)?;
        if mods.is_empty() {
            return Err(ContractError::NotFound { kind: "certificate", id: req.certificate_id });
        }
        let mut entries = Vec::with_capacity(mods.len());
        for m in mods {
            if m.is_delete {
                continue;
            }
            let cert: Certificate = serde_json::from_slice(&m.value)
                .map_err(|e| ContractError::Corrupt(format!("history of {}: {e}", req.certificate_id)))?;
            entries.push(HistoryEntry {
                tx_id: m.tx_id,
                timestamp: m.timestamp.seconds,
                action: cert.last_change.action,
                actor: cert.last_change.actor,
                status: cert.status,
                reason: cert.last_change.reason,
            });
        }
        Ok(entries)
    }

    fn issuer_keys(&mut self, _req: EmptyRequest) -> ContractResult<Vec<IssuerKey>> {
        let ids = self.index_ids(ISSUER_KEY, &[])?;
        let mut keys = Vec::with_capacity(ids.len());
        for id in ids {
            let key = create_composite_key(ISSUER_KEY, &[&id])?;
            if let Some(record) = self.read(&key)? {
                keys.push(record);
            }
        }
        Ok(keys)
    }

    fn who_am_i(&mut self, _req: EmptyRequest) -> ContractResult<WhoAmI> {
        let mut roles = Vec::new();
        for role in Role::ALL {
            if self.has_role(role)? {
                roles.push(role);
            }
        }
        let msp = self.caller.msp_id.clone();
        Ok(WhoAmI {
            identity: self.actor(),
            node_ou: self.caller.node_ou,
            roles,
            organization: self.organization(&msp)?,
        })
    }
}

/// The verdict on a certificate record at time `now` (Unix seconds).
pub fn verdict_for(id: &str, cert: Option<Certificate>, now: i64) -> Verification {
    let mut v = Verification {
        certificate_id: id.to_owned(),
        verdict: Verdict::Unknown,
        reason: format!("no certificate {id} is recorded on the ledger"),
        since: None,
        checked_at: now,
        superseded_by: None,
        flags: Vec::new(),
        certificate: None,
    };
    let Some(cert) = cert else { return v };
    let reason = cert.status_reason.clone().unwrap_or_default();
    v.since = Some(cert.status_since);
    v.flags = cert.flags.clone();
    v.superseded_by = cert.superseded_by.clone();
    let (verdict, text) = match cert.status {
        CertificateStatus::Pending => {
            (Verdict::Pending, "application received; no certifier has decided yet".to_owned())
        }
        CertificateStatus::Rejected => (Verdict::Rejected, format!("application rejected: {reason}")),
        CertificateStatus::Revoked => (Verdict::Revoked, format!("revoked: {reason}")),
        CertificateStatus::Suspended => (Verdict::Suspended, format!("suspended: {reason}")),
        CertificateStatus::Superseded => (
            Verdict::Superseded,
            format!("superseded by {}", cert.superseded_by.as_deref().unwrap_or("a newer version")),
        ),
        CertificateStatus::Active => match &cert.issuance {
            Some(i) if now > i.valid_until => {
                v.since = Some(i.valid_until);
                (Verdict::Expired, "the certificate's validity period has ended".to_owned())
            }
            Some(i) => {
                v.since = Some(i.issued_at);
                let mut text = format!("issued by {} and in force", i.issuer_org);
                if !cert.flags.is_empty() {
                    text.push_str(&format!(
                        "; warning: {} supplier certificate(s) it depends on are not in force",
                        cert.flags.len()
                    ));
                }
                (Verdict::Valid, text)
            }
            None => (Verdict::Unknown, "the record is ACTIVE but has no issuance (corrupt)".to_owned()),
        },
    };
    v.verdict = verdict;
    v.reason = text;
    v.certificate = Some(cert);
    v
}
