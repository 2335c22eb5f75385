//! GS1 Company Prefixes: a GTIN belongs to the manufacturer that holds its prefix, as in
//! GS1's own system. The governance admin records each manufacturer's prefixes in its
//! organisation record (`SetCompanyPrefixes`; no prefix, nor an overlapping one, is held by
//! two organisations), and `Apply`/`ApplyBatch` refuse an application whose GTIN is under
//! none of the applicant organisation's prefixes — an organisation with none yet applies
//! for no GTIN (`UNAUTHORIZED [gtin.company_prefix]`, nothing written). An application
//! without a GTIN names no product a GS1 link could reach and is not checked.
//!
//! Records written before prefixes existed stay as they are: certificates and pending
//! applications whose GTIN no prefix covers keep their status, verify, renew and link as
//! before, and `Approve` does not check them again; taking a prefix away refuses new
//! applications only. `Renew` keeps the old version's GTIN.

use super::*;
use nanotrace_model::prefix;

impl Tx<'_> {
    pub(super) fn set_company_prefixes(&mut self, req: SetCompanyPrefixesRequest) -> ContractResult<Organization> {
        self.require_role(Role::Admin, "SetCompanyPrefixes")?;
        validate::msp_id("msp_id", &req.msp_id)?;
        let prefixes = prefix::validate_set("prefixes", &req.prefixes)?;
        let mut org = self
            .organization(&req.msp_id)?
            .ok_or_else(|| ContractError::NotFound { kind: "organisation", id: req.msp_id.clone() })?;
        if org.kind != OrgKind::Manufacturer {
            return Err(ContractError::Conflict(format!(
                "GS1 Company Prefixes are for manufacturer organisations; {} is registered as {:?}",
                org.msp_id, org.kind
            )));
        }
        for other in self.index_ids(ORG, &[])? {
            if other == org.msp_id {
                continue;
            }
            let Some(holder) = self.organization(&other)? else { continue };
            for held in &holder.company_prefixes {
                if let Some(i) = req.prefixes.iter().position(|p| prefix::overlap(p, held)) {
                    return Err(ContractError::Conflict(format!(
                        "prefixes[{i}] {} overlaps the GS1 Company Prefix {held} of {other}: a GTIN belongs to one \
                         organisation",
                        req.prefixes[i]
                    )));
                }
            }
        }
        org.company_prefixes = prefixes;
        let key = create_composite_key(ORG, &[&org.msp_id])?;
        self.write(&key, &org)?;
        self.guard_governance(&[key], None, &[])?;
        self.emit(events::COMPANY_PREFIXES_SET, vec![], None, vec![])?;
        Ok(org)
    }

    /// The key of organisation `msp_id`'s record, which holds its prefixes (`Apply` reads
    /// it ahead with the keys of the certificates it creates).
    pub(super) fn organization_key(msp_id: &str) -> ContractResult<String> {
        Ok(create_composite_key(ORG, &[msp_id])?)
    }

    /// The GS1 Company Prefixes of organisation `msp_id` (none without a record).
    pub(super) fn company_prefixes(&mut self, msp_id: &str) -> ContractResult<Vec<String>> {
        Ok(self.organization(msp_id)?.map(|org| org.company_prefixes).unwrap_or_default())
    }

    /// An application of `msp_id`, which holds `prefixes`, may name `gtin` (a valid GTIN).
    pub(super) fn require_own_gtin(&self, msp_id: &str, prefixes: &[String], gtin: &str) -> ContractResult<()> {
        if prefixes.iter().any(|p| prefix::covers(p, gtin)) {
            return Ok(());
        }
        let held = if prefixes.is_empty() {
            format!("{msp_id} holds no GS1 Company Prefix yet")
        } else {
            format!("{msp_id} holds {}", prefixes.join(", "))
        };
        Err(ContractError::unauthorized(
            Reason::GtinPrefix,
            format!(
                "gtin {gtin} is under none of the applicant organisation's GS1 Company Prefixes ({held}): an \
                 organisation applies only for its own GTINs, and the governance admin registers its prefixes with \
                 SetCompanyPrefixes"
            ),
        ))
    }
}
