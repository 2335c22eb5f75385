//! Setting up the sample network ([`nanotrace_model::sample`]) on a ledger through the
//! typed API, as its governing admin: `Bootstrap`, the three organisations, the
//! manufacturer's GS1 Company Prefix, the certifier (and an auditor) role, the
//! certifier's issuer key, the certification body's status base (the verifier its
//! credentials' status entries name). `nanotrace init`/`demo`, the
//! Fabric suites' governance and the load benchmark run these same steps.

use crate::error::ApiError;
use crate::nanotrace::{is_unknown_function, NanoTrace};
use crate::signer::IssuerSigner;
use crate::transport::Transport;
use nanotrace_model::sample::{self, ISSUER_KEY_BACKDATED, ISSUER_KEY_VALIDITY};
use nanotrace_model::{Function, OrgKind, RegisterIssuerKeyRequest, Role, RoleHolder};

/// The MSP IDs the sample organisations have on this ledger (the sample network's own by
/// default; a Fabric network may name them otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MspIds {
    /// The regulator's (the governing organisation).
    pub regulator: String,
    /// The certification body's.
    pub certifier: String,
    /// The manufacturer's.
    pub manufacturer: String,
}

impl Default for MspIds {
    fn default() -> Self {
        MspIds {
            regulator: sample::REGULATOR_MSP.to_owned(),
            certifier: sample::CERTIFIER_MSP.to_owned(),
            manufacturer: sample::MANUFACTURER_MSP.to_owned(),
        }
    }
}

impl MspIds {
    /// The MSP ID of the sample organisation of `kind`.
    pub fn of(&self, kind: OrgKind) -> &str {
        match kind {
            OrgKind::Regulator => &self.regulator,
            OrgKind::Certifier => &self.certifier,
            OrgKind::Manufacturer => &self.manufacturer,
        }
    }
}

/// Who gets which role, and the key that signs the certifier's approvals.
#[derive(Debug)]
pub struct Members<'a> {
    /// The certifier (`WhoAmI().holder()`): the certifier role and the issuer key.
    pub certifier: &'a RoleHolder,
    /// An auditor, if any.
    pub auditor: Option<&'a RoleHolder>,
    /// The certifier's issuer key, put on the trust list.
    pub issuer: &'a IssuerSigner,
    /// The verifier URL the certification body's credentials name for their status lists
    /// (`SetStatusBases`), if any: without one it signs no credential.
    pub status_base: Option<&'a str>,
}

/// A set-up step that failed.
#[derive(Debug, thiserror::Error)]
#[error("setting up the sample network: {step} failed: {source}")]
pub struct SetUpError {
    /// The step (`Bootstrap`, `RegisterOrganization CertifierMSP`, …).
    pub step: String,
    /// Why.
    #[source]
    pub source: ApiError,
}

fn step(name: impl Into<String>) -> impl FnOnce(ApiError) -> SetUpError {
    let step = name.into();
    move |source| SetUpError { step, source }
}

/// Runs the set-up steps as `admin` (an admin of the regulator's organisation, on a
/// ledger without governance) at time `now` (Unix seconds).
pub async fn set_up<T: Transport>(
    admin: &NanoTrace<T>,
    msp: &MspIds,
    members: &Members<'_>,
    now: i64,
) -> Result<(), SetUpError> {
    let governance = admin.bootstrap().await.map_err(step("Bootstrap"))?;
    if governance.value.msp_id != msp.regulator {
        return Err(SetUpError {
            step: "Bootstrap".into(),
            source: ApiError::Request(format!(
                "the governing organisation is {}, not the regulator {}",
                governance.value.msp_id, msp.regulator
            )),
        });
    }
    for org in sample::ORGANIZATIONS {
        let msp_id = msp.of(org.kind);
        admin
            .register_organization(msp_id, org.name, org.kind)
            .await
            .map_err(step(format!("RegisterOrganization {msp_id}")))?;
        if !org.company_prefixes.is_empty() {
            let prefixes = org.company_prefixes.iter().map(|p| p.to_string()).collect();
            match admin.set_company_prefixes(msp_id, prefixes).await {
                Ok(_) => {}
                // A contract from before GS1 Company Prefixes (issue 44) binds no GTIN to
                // anyone: nothing to set until it is upgraded (docs/OPERATIONS.md).
                Err(e) if is_unknown_function(&e, Function::SetCompanyPrefixes) => {}
                Err(e) => return Err(step(format!("SetCompanyPrefixes {msp_id}"))(e)),
            }
        }
    }
    admin.grant_role(members.certifier.clone(), Role::Certifier).await.map_err(step("GrantRole certifier"))?;
    if let Some(auditor) = members.auditor {
        admin.grant_role(auditor.clone(), Role::Auditor).await.map_err(step("GrantRole auditor"))?;
    }
    admin
        .register_issuer_key(&RegisterIssuerKeyRequest {
            public_key: members.issuer.public_key_hex(),
            holder: members.certifier.identity.clone(),
            valid_from: now - ISSUER_KEY_BACKDATED,
            valid_until: now + ISSUER_KEY_VALIDITY,
        })
        .await
        .map_err(step("RegisterIssuerKey"))?;
    if let Some(base) = members.status_base {
        match admin.set_status_bases(&msp.certifier, &[base.to_owned()]).await {
            Ok(_) => {}
            // A contract deployed before status bases (the Fabric suite's migration starts
            // with one) has none to set: its upgrade sets them.
            Err(e) if crate::nanotrace::is_unknown_function(&e, Function::SetStatusBases) => {}
            Err(e) => return Err(step(format!("SetStatusBases {}", msp.certifier))(e)),
        }
    }
    Ok(())
}
