//! Authorization: who may call what. Roles are ledger records granted by admins to an
//! identity *and its key*: a certificate acts with a role only when its public key is the
//! one the grant names ([`RoleGrant::key`]), so a second certificate an organisation's CA
//! issues under a role holder's name inherits nothing. The caller's organisation and
//! NodeOU come from its X.509 certificate.

use super::*;

/// Whether, and how, the caller's identity holds a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Holding {
    /// Granted to its identity and held by its key.
    Held,
    /// Granted to its identity but held by another key.
    OtherKey,
    /// Not granted to its identity.
    None,
}

/// The key of `role`'s grant to the identity `id` of `msp_id`.
pub(super) fn role_key(msp_id: &str, id: &str, role: Role) -> ContractResult<String> {
    Ok(create_composite_key(ROLE, &[msp_id, id, role.as_str()])?)
}

impl Tx<'_> {
    pub(super) fn governance(&mut self) -> ContractResult<Option<Governance>> {
        self.read(GOVERNANCE_KEY)
    }

    /// Whether the caller holds `role`: a grant to its identity held by its key. A grant
    /// written before roles were bound to keys is bound here to the caller's key (its
    /// first use; [`RoleKeySource::FirstUse`]), which a submitted transaction commits.
    pub(super) fn has_role(&mut self, role: Role) -> ContractResult<bool> {
        Ok(self.role_holding(role)? == Holding::Held)
    }

    /// Whether the caller's identity holds `role`, and with which key.
    pub(super) fn role_holding(&mut self, role: Role) -> ContractResult<Holding> {
        let key = role_key(&self.caller.msp_id, &self.caller.id, role)?;
        let Some(mut grant) = self.read::<RoleGrant>(&key)? else { return Ok(Holding::None) };
        match &grant.key {
            Some(held_by) if *held_by == self.caller.key => Ok(Holding::Held),
            Some(_) => Ok(Holding::OtherKey),
            None => {
                grant.key = Some(self.caller.key.clone());
                grant.key_source = Some(RoleKeySource::FirstUse { tx_id: self.tx_id.clone() });
                self.write(&key, &grant)?;
                Ok(Holding::Held)
            }
        }
    }

    pub(super) fn require_role(&mut self, role: Role, action: &str) -> ContractResult<()> {
        let holding = self.role_holding(role)?;
        if holding == Holding::Held {
            return Ok(());
        }
        if holding == Holding::OtherKey {
            return Err(self.other_key_refusal(action, &[role]));
        }
        let token = match role {
            Role::Admin => Reason::RoleAdmin,
            Role::Certifier => Reason::RoleCertifier,
            Role::Finance => Reason::RoleFinance,
            // No function needs the auditor role alone; reads open to auditors
            // take one of several roles.
            Role::Auditor => Reason::RoleAny,
        };
        Err(ContractError::unauthorized(
            token,
            format!("{action} needs the {} role; {} does not hold it", role.as_str(), self.caller_name()),
        ))
    }

    /// The refusal of a caller whose identity holds `roles` under another key.
    fn other_key_refusal(&self, action: &str, roles: &[Role]) -> ContractError {
        ContractError::unauthorized(
            Reason::RoleKey,
            format!(
                "{action}: {} holds the {} role with another key, not this certificate's key {}; \
                 the key holding it must approve this one (ApproveRoleKey), or an admin grants the role to it",
                self.caller_name(),
                roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join("/"),
                self.caller.key
            ),
        )
    }

    pub(super) fn require_any_role(&mut self, roles: &[Role], action: &str) -> ContractResult<()> {
        let mut other_key = Vec::new();
        for role in roles {
            match self.role_holding(*role)? {
                Holding::Held => return Ok(()),
                Holding::OtherKey => other_key.push(*role),
                Holding::None => {}
            }
        }
        if !other_key.is_empty() {
            return Err(self.other_key_refusal(action, &other_key));
        }
        Err(ContractError::unauthorized(
            Reason::RoleAny,
            format!(
                "{action} needs one of the roles {}; {} holds none",
                roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
                self.caller_name()
            ),
        ))
    }

    pub(super) fn caller_name(&self) -> String {
        match &self.caller.common_name {
            Some(cn) => format!("{cn} ({})", self.caller.msp_id),
            None => format!("{} ({})", self.caller.id, self.caller.msp_id),
        }
    }

    pub(super) fn organization(&mut self, msp_id: &str) -> ContractResult<Option<Organization>> {
        let key = create_composite_key(ORG, &[msp_id])?;
        self.read(&key)
    }

    /// The key-level policy that protects a record `msp_id` owns (an issued certificate,
    /// an SDS declaration, a client reference): its own peer. An organisation registered
    /// without peers has none that could endorse: its records stay under the chaincode
    /// policy (any two organisations that run peers), so no single organisation, its
    /// gateway's included, can change them alone.
    pub(super) fn own_peer_policy(&mut self, msp_id: &str) -> ContractResult<Option<EndorsementPolicy>> {
        Ok(match self.organization(msp_id)? {
            Some(org) if org.without_peers => None,
            _ => Some(EndorsementPolicy::peer_of(msp_id)),
        })
    }

    /// The caller's organisation has not been retired (`RetireOrganization`): a retired
    /// manufacturer applies and declares nothing more.
    pub(super) fn require_not_retired(&mut self, action: &str) -> ContractResult<()> {
        let msp_id = self.caller.msp_id.clone();
        match self.organization(&msp_id)?.and_then(|org| org.retired) {
            Some(retired) => Err(ContractError::unauthorized(
                Reason::OrganizationRetired,
                format!(
                    "{action}: {msp_id} was retired at {} ({}); its members may no longer act",
                    retired.at, retired.reason
                ),
            )),
            None => Ok(()),
        }
    }

    pub(super) fn require_manufacturer_member(&mut self, msp_id: &str, action: &str) -> ContractResult<()> {
        if self.caller.msp_id != msp_id {
            return Err(ContractError::unauthorized(
                Reason::ManufacturerMember,
                format!("{action} is for members of {msp_id}; {} is not one", self.caller_name()),
            ));
        }
        match self.organization(msp_id)? {
            Some(org) if org.kind == OrgKind::Manufacturer => Ok(()),
            _ => Err(ContractError::unauthorized(
                Reason::ManufacturerRegistered,
                format!("{action} needs a registered manufacturer organisation; {msp_id} is not one"),
            )),
        }
    }

    /// A certifier acting on an issued certificate must belong to the issuing
    /// organisation. Call after the role and state checks.
    pub(super) fn require_issuing_org(&mut self, cert: &Certificate, action: &str) -> ContractResult<()> {
        let issuer_org = cert.issuance.as_ref().map(|i| i.issuer_org.as_str()).unwrap_or_default();
        if issuer_org != self.caller.msp_id {
            return Err(ContractError::unauthorized(
                Reason::OrgIssuer,
                format!(
                    "{action} on {} is for certifiers of the issuing organisation {issuer_org}; {} is not one",
                    cert.id,
                    self.caller_name()
                ),
            ));
        }
        Ok(())
    }

    /// The caller may decide on this application: a certifier who is neither the
    /// applicant nor a member of the applicant's organisation.
    /// The caller's certifier role is checked by the caller of this function, once per
    /// transaction (not once per item of a batch).
    pub(super) fn require_independent_certifier(&self, cert: &Certificate, action: &str) -> ContractResult<()> {
        if cert.manufacturer_msp == self.caller.msp_id || cert.applicant.id == self.caller.id {
            return Err(ContractError::unauthorized(
                Reason::ApplicantIndependence,
                format!(
                    "{action}: {} belongs to the applicant's organisation {} and cannot decide on its application {}",
                    self.caller_name(),
                    cert.manufacturer_msp,
                    cert.id
                ),
            ));
        }
        Ok(())
    }
}
