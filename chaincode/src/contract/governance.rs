//! Governance: bootstrap, organisations, roles and the issuer trust list.

use super::*;

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
                reason::BOOTSTRAP_ADMIN,
                format!(
                    "Bootstrap needs an admin identity (NodeOU admin) of the governance organisation; {} is not an admin",
                    self.caller_name()
                ),
            ));
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

    pub(super) fn register_organization(&mut self, req: RegisterOrganizationRequest) -> ContractResult<Organization> {
        self.require_role(Role::Admin, "RegisterOrganization")?;
        validate::msp_id("msp_id", &req.msp_id)?;
        validate::text("name", &req.name, limits::MAX_NAME, true)?;
        if self.organization(&req.msp_id)?.is_some() {
            return Err(ContractError::AlreadyExists { kind: "organisation", id: req.msp_id });
        }
        let org = Organization {
            msp_id: req.msp_id,
            name: req.name,
            kind: req.kind,
            registered_at: self.now,
            status_bases: Vec::new(),
        };
        let key = create_composite_key(ORG, &[&org.msp_id])?;
        self.write(&key, &org)?;
        self.emit(events::ORGANIZATION_REGISTERED, vec![], None, vec![])?;
        Ok(org)
    }

    pub(super) fn grant_role(&mut self, req: RoleRequest) -> ContractResult<RoleGrant> {
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

    pub(super) fn revoke_role(&mut self, req: RoleRequest) -> ContractResult<RoleGrant> {
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

    pub(super) fn retire_issuer_key(&mut self, req: RetireIssuerKeyRequest) -> ContractResult<IssuerKey> {
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
}
