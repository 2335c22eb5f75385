//! Governance: bootstrap, organisations, roles and the issuer trust list.

use super::*;
use nanotrace_model::billing::{BillingDetails, MAX_PAYMENT_DAYS};

impl Tx<'_> {
    pub(super) fn bootstrap(&mut self, _req: BootstrapRequest) -> ContractResult<Governance> {
        if let Some(gov) = self.governance()? {
            return Err(ContractError::Conflict(format!(
                "already bootstrapped by {} at {}",
                gov.bootstrapped_by, gov.bootstrapped_at
            )));
        }
        if !self.caller.is_admin() {
            return Err(ContractError::unauthorized(
                Reason::BootstrapAdmin,
                format!(
                    "Bootstrap needs an admin identity (NodeOU admin) of the governance organisation; {} is not an admin",
                    self.caller_name()
                ),
            ));
        }
        // No other organisation is registered yet: the governing organisation's peer alone
        // guards governance until one that runs peers is (see `quorum`).
        let policy = EndorsementPolicy::peer_of(self.caller.msp_id.clone());
        let gov = Governance {
            msp_id: self.caller.msp_id.clone(),
            bootstrapped_by: self.actor(),
            bootstrapped_at: self.now,
            protected_by: Some(policy.to_string()),
        };
        self.write(GOVERNANCE_KEY, &gov)?;
        self.stub.set_state_validation_parameter(GOVERNANCE_KEY, &policy)?;
        let grant = RoleGrant {
            identity: self.actor(),
            role: Role::Admin,
            granted_by: self.actor(),
            granted_at: self.now,
            key: Some(self.caller.key.clone()),
            key_source: Some(RoleKeySource::Granted),
        };
        let key = role_key(&self.caller.msp_id, &self.caller.id, Role::Admin)?;
        self.write(&key, &grant)?;
        self.stub.set_state_validation_parameter(&key, &policy)?;
        self.emit(events::BOOTSTRAPPED, vec![], None, vec![])?;
        Ok(gov)
    }

    pub(super) fn register_organization(&mut self, req: RegisterOrganizationRequest) -> ContractResult<Organization> {
        self.require_role(Role::Admin, "RegisterOrganization")?;
        validate::msp_id("msp_id", &req.msp_id)?;
        validate::text("name", &req.name, limits::MAX_NAME, true)?;
        if let Some(details) = &req.billing {
            check_billing_details(details, req.kind)?;
        }
        if self.organization(&req.msp_id)?.is_some() {
            return Err(ContractError::AlreadyExists { kind: "organisation", id: req.msp_id });
        }
        let mut org = Organization::registered(req.msp_id, req.name, req.kind, self.now, req.without_peers);
        org.billing = req.billing;
        let key = create_composite_key(ORG, &[&org.msp_id])?;
        self.write(&key, &org)?;
        self.guard_governance(&[key], Some(&org), &[])?;
        self.emit(events::ORGANIZATION_REGISTERED, vec![], None, vec![])?;
        Ok(org)
    }

    /// Retires a member organisation: every role its members hold ends, every issuer key
    /// they hold is retired (it still vouches for what it signed before), and its members
    /// may no longer apply or declare. Its certificates stay as they are: VALID until
    /// they expire unless revoked, the verifier showing the issuer's accreditation as
    /// withdrawn on this date. The governing organisation cannot be retired.
    pub(super) fn retire_organization(&mut self, req: RetireOrganizationRequest) -> ContractResult<Organization> {
        self.require_role(Role::Admin, "RetireOrganization")?;
        validate::msp_id("msp_id", &req.msp_id)?;
        validate::text("reason", &req.reason, limits::MAX_REASON, true)?;
        let mut org = self
            .organization(&req.msp_id)?
            .ok_or_else(|| ContractError::NotFound { kind: "organisation", id: req.msp_id.clone() })?;
        if let Some(retired) = &org.retired {
            return Err(ContractError::Conflict(format!("{} was retired already at {}", org.msp_id, retired.at)));
        }
        let gov = self.governance()?.ok_or_else(|| ContractError::Conflict("not bootstrapped".into()))?;
        if gov.msp_id == org.msp_id {
            return Err(ContractError::Conflict(format!(
                "{} governs the consortium: it cannot be retired",
                org.msp_id
            )));
        }
        let mut deleted = Vec::new();
        for (key, _) in self.composite_entries(ROLE, &[&org.msp_id])? {
            self.stub.del_state(&key)?;
            deleted.push(key);
        }
        let mut written = Vec::new();
        let why = format!("organisation retired: {}", req.reason);
        for (key, value) in self.composite_entries(ISSUER_KEY, &[])? {
            let mut record: IssuerKey = serde_json::from_slice(&value)
                .map_err(|e| ContractError::Corrupt(format!("issuer key record {key}: {e}")))?;
            if record.holder.msp_id == org.msp_id && record.retired_at.is_none() {
                record.retired_at = Some(self.now);
                record.retired_reason = Some(why.clone());
                self.write(&key, &record)?;
                written.push(key);
            }
        }
        org.retired = Some(OrgRetirement { at: self.now, by: self.actor(), reason: req.reason });
        let key = create_composite_key(ORG, &[&org.msp_id])?;
        self.write(&key, &org)?;
        written.push(key);
        self.guard_governance(&written, Some(&org), &deleted)?;
        self.emit(events::ORGANIZATION_RETIRED, vec![], None, vec![])?;
        Ok(org)
    }

    pub(super) fn grant_role(&mut self, req: RoleRequest) -> ContractResult<RoleGrant> {
        self.require_role(Role::Admin, "GrantRole")?;
        validate::actor("identity", &req.identity)?;
        let holder_key =
            match &req.key {
                Some(k) => {
                    validate::public_key_id("key", k)?;
                    k.clone()
                }
                None => return Err(ValidationError::new(
                    "key",
                    "is required: the grantee's key (the SHA-256 of its certificate's public key, as WhoAmI tells it)",
                )
                .into()),
            };
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
            Role::Certifier | Role::Auditor | Role::Finance => {
                let wanted = if req.role == Role::Auditor { OrgKind::Regulator } else { OrgKind::Certifier };
                match self.organization(msp)? {
                    Some(org) if org.retired.is_some() => {
                        return Err(ContractError::Conflict(format!(
                            "{msp} was retired: its members hold no roles any more"
                        )))
                    }
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
        let key = role_key(msp, &req.identity.id, req.role)?;
        // A grant to the same identity under another key (or under none: written before
        // keys) is moved to this key: the member lost the key, and the admin vouches for
        // the new one. The grant's history keeps both.
        if let Some(existing) = self.read::<RoleGrant>(&key)? {
            if existing.key.as_deref() == Some(holder_key.as_str()) {
                return Err(ContractError::AlreadyExists {
                    kind: "role grant",
                    id: format!("{} for {} with key {holder_key}", req.role.as_str(), req.identity),
                });
            }
        }
        let grant = RoleGrant {
            identity: req.identity,
            role: req.role,
            granted_by: self.actor(),
            granted_at: self.now,
            key: Some(holder_key),
            key_source: Some(RoleKeySource::Granted),
        };
        self.write(&key, &grant)?;
        self.guard_governance(&[key], None, &[])?;
        self.emit(events::ROLE_GRANTED, vec![], None, vec![])?;
        Ok(grant)
    }

    pub(super) fn revoke_role(&mut self, req: RoleRequest) -> ContractResult<RoleGrant> {
        self.require_role(Role::Admin, "RevokeRole")?;
        validate::actor("identity", &req.identity)?;
        if let Some(k) = &req.key {
            validate::public_key_id("key", k)?;
        }
        if req.role == Role::Admin && req.identity == self.actor() {
            return Err(ContractError::Conflict("an admin cannot revoke their own admin role".into()));
        }
        let key = role_key(&req.identity.msp_id, &req.identity.id, req.role)?;
        let grant: RoleGrant = self.read(&key)?.ok_or_else(|| ContractError::NotFound {
            kind: "role grant",
            id: format!("{} for {}", req.role.as_str(), req.identity),
        })?;
        // A key, when named, says which holder the admin means to remove.
        if let (Some(named), Some(held_by)) = (&req.key, &grant.key) {
            if named != held_by {
                return Err(ContractError::Conflict(format!(
                    "the {} role of {} is held by key {held_by}, not {named}",
                    req.role.as_str(),
                    req.identity
                )));
            }
        }
        self.stub.del_state(&key)?;
        self.guard_governance(&[], None, &[key])?;
        self.emit(events::ROLE_REVOKED, vec![], None, vec![])?;
        Ok(grant)
    }

    /// Moves every role the caller holds with its key to `req.key`, another key of the
    /// same identity (a re-enrolled certificate): the holder's own consent, signed with
    /// the key that holds them. Roles the identity holds under yet another key stay.
    pub(super) fn approve_role_key(&mut self, req: ApproveRoleKeyRequest) -> ContractResult<Vec<RoleGrant>> {
        validate::public_key_id("key", &req.key)?;
        if req.key == self.caller.key {
            return Err(ValidationError::new(
                "key",
                "is the key of the certificate signing this transaction: name the new key",
            )
            .into());
        }
        let mut moved = Vec::new();
        let mut written = Vec::new();
        for role in Role::ALL {
            if self.role_holding(role)? != Holding::Held {
                continue;
            }
            let key = role_key(&self.caller.msp_id, &self.caller.id, role)?;
            let Some(mut grant) = self.read::<RoleGrant>(&key)? else { continue };
            grant.key = Some(req.key.clone());
            grant.key_source = Some(RoleKeySource::ApprovedByPreviousKey {
                previous_key: self.caller.key.clone(),
                tx_id: self.tx_id.clone(),
            });
            self.write(&key, &grant)?;
            written.push(key);
            moved.push(grant);
        }
        if moved.is_empty() {
            return Err(ContractError::unauthorized(
                Reason::RoleAny,
                format!(
                    "ApproveRoleKey hands on roles held by the caller's key; {} holds none with it",
                    self.caller_name()
                ),
            ));
        }
        self.guard_governance(&written, None, &[])?;
        self.emit(events::ROLE_KEY_APPROVED, vec![], None, vec![])?;
        Ok(moved)
    }

    pub(super) fn register_issuer_key(&mut self, req: RegisterIssuerKeyRequest) -> ContractResult<IssuerKey> {
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
        let holder_key = role_key(&req.holder.msp_id, &req.holder.id, Role::Certifier)?;
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
        self.guard_governance(&[key], None, &[])?;
        self.emit(events::ISSUER_KEY_REGISTERED, vec![], None, vec![])?;
        Ok(record)
    }

    pub(super) fn retire_issuer_key(&mut self, req: RetireIssuerKeyRequest) -> ContractResult<IssuerKey> {
        self.require_role(Role::Admin, "RetireIssuerKey")?;
        validate::multiline_text("reason", &req.reason, limits::MAX_REASON, true)?;
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
        self.guard_governance(&[key], None, &[])?;
        self.emit(events::ISSUER_KEY_RETIRED, vec![], None, vec![])?;
        Ok(record)
    }
}

impl Tx<'_> {
    /// `SetBillingDetails`: an admin sets a registered organisation's billing details,
    /// replacing any before.
    pub(super) fn set_billing_details(&mut self, req: SetBillingDetailsRequest) -> ContractResult<Organization> {
        self.require_role(Role::Admin, "SetBillingDetails")?;
        validate::msp_id("msp_id", &req.msp_id)?;
        let mut org = self
            .organization(&req.msp_id)?
            .ok_or_else(|| ContractError::NotFound { kind: "organisation", id: req.msp_id.clone() })?;
        check_billing_details(&req.details, org.kind)?;
        if org.retired.is_some() {
            return Err(ContractError::Conflict(format!("{} was retired: it bills and is billed no more", org.msp_id)));
        }
        org.billing = Some(req.details);
        let key = create_composite_key(ORG, &[&org.msp_id])?;
        self.write(&key, &org)?;
        self.guard_governance(&[key], None, &[])?;
        self.emit(events::BILLING_DETAILS_SET, vec![], None, vec![])?;
        Ok(org)
    }
}

/// Checks billing details as an invoice would, and that only a certification body states
/// an account and a payment term (it is the one paid).
fn check_billing_details(details: &BillingDetails, kind: OrgKind) -> ContractResult<()> {
    details
        .validate()
        .map_err(|e| ValidationError::new("details", format!("not valid on an EN 16931 invoice: {e}")))?;
    if kind != OrgKind::Certifier && (details.account.is_some() || details.payment_days.is_some()) {
        return Err(ValidationError::new(
            "details.account",
            format!("only a certification body is paid, so only it states an account and a payment term; this organisation is registered as {kind:?}"),
        )
        .into());
    }
    if let Some(days) = details.payment_days {
        if days == 0 || days > MAX_PAYMENT_DAYS {
            return Err(ValidationError::new(
                "details.payment_days",
                format!("{days} days: a payment term is 1 to {MAX_PAYMENT_DAYS} days"),
            )
            .into());
        }
    }
    Ok(())
}
