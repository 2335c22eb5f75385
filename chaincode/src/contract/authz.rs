//! Authorization: who may call what. Roles are ledger records granted by admins; the
//! caller's organisation and NodeOU come from its X.509 certificate.

use super::*;

impl Tx<'_> {
    pub(super) fn governance(&mut self) -> ContractResult<Option<Governance>> {
        self.read(GOVERNANCE_KEY)
    }

    pub(super) fn has_role(&mut self, role: Role) -> ContractResult<bool> {
        let key = create_composite_key(ROLE, &[&self.caller.msp_id, &self.caller.id, role.as_str()])?;
        Ok(self.stub.get_state(&key)?.is_some())
    }

    pub(super) fn require_role(&mut self, role: Role, action: &str) -> ContractResult<()> {
        if self.has_role(role)? {
            Ok(())
        } else {
            let token = match role {
                Role::Admin => reason::ROLE_ADMIN,
                Role::Certifier => reason::ROLE_CERTIFIER,
                // No function needs the auditor role alone; reads open to auditors
                // take one of several roles.
                Role::Auditor => reason::ROLE_ANY,
            };
            Err(ContractError::unauthorized(
                token,
                format!("{action} needs the {} role; {} does not hold it", role.as_str(), self.caller_name()),
            ))
        }
    }

    pub(super) fn require_any_role(&mut self, roles: &[Role], action: &str) -> ContractResult<()> {
        for role in roles {
            if self.has_role(*role)? {
                return Ok(());
            }
        }
        Err(ContractError::unauthorized(
            reason::ROLE_ANY,
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

    pub(super) fn require_manufacturer_member(&mut self, msp_id: &str, action: &str) -> ContractResult<()> {
        if self.caller.msp_id != msp_id {
            return Err(ContractError::unauthorized(
                reason::MANUFACTURER_MEMBER,
                format!("{action} is for members of {msp_id}; {} is not one", self.caller_name()),
            ));
        }
        match self.organization(msp_id)? {
            Some(org) if org.kind == OrgKind::Manufacturer => Ok(()),
            _ => Err(ContractError::unauthorized(
                reason::MANUFACTURER_REGISTERED,
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
                reason::ORG_ISSUER,
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
                reason::APPLICANT_INDEPENDENCE,
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
