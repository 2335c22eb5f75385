//! Sets up the sample consortium ([`nanotrace_model::sample`]) on a ledger through the
//! typed client API ([`nanotrace_client::NanoTrace`]), as its governing admin:
//! `Bootstrap`, the three organisations, the manufacturer's GS1 Company Prefix, the
//! certifier (and an auditor) role, the certifier's issuer key, the certification body's
//! status base (the verifier its credentials' status entries name). `nanotrace
//! init`/`demo`, the Fabric suites' governance and the load benchmark run these same
//! steps ([`set_up`]), over whichever transport.

use nanotrace_client::nanotrace::is_unknown_function;
use nanotrace_client::{ApiError, IssuerSigner, NanoTrace, Transport};
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
            Err(e) if is_unknown_function(&e, Function::SetStatusBases) => {}
            Err(e) => return Err(step(format!("SetStatusBases {}", msp.certifier))(e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_client::{Submitted, Wait};
    use nanotrace_model::{Actor, Governance};

    /// A ledger on which `Bootstrap` makes `governing` the governance organisation and
    /// every other call fails underneath the contract.
    struct Ledger {
        governing: &'static str,
    }

    impl Transport for Ledger {
        async fn submit(&self, function: &str, _args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
            if function != "Bootstrap" {
                return Err(ApiError::Endorse { tx_id: None, message: format!("{function}: disk full"), grpc: None });
            }
            let actor = Actor { msp_id: self.governing.into(), id: "x509::CN=admin::CN=ca".into() };
            let governance = Governance {
                msp_id: self.governing.into(),
                bootstrapped_by: actor,
                bootstrapped_at: 1,
                protected_by: None,
            };
            let value = serde_json::to_vec(&governance).map_err(|e| ApiError::Request(e.to_string()))?;
            Ok(Submitted { value, tx_id: "tx1".into(), block_number: 1 })
        }

        async fn evaluate(&self, function: &str, _args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
            Err(ApiError::Evaluate { message: format!("{function} is not used"), grpc: None })
        }
    }

    fn set_up_on(ledger: Ledger) -> SetUpError {
        let holder =
            RoleHolder { identity: Actor { msp_id: "CertifierMSP".into(), id: "alice".into() }, key: "k".into() };
        let issuer = IssuerSigner::new(ed25519_dalek::SigningKey::from_bytes(&[7; 32]));
        let members = Members { certifier: &holder, auditor: None, issuer: &issuer, status_base: None };
        let admin = NanoTrace::new(ledger);
        let result = set_up(&admin, &MspIds::default(), &members, 1_700_000_000).wait();
        result.expect_err("the ledger fails")
    }

    #[test]
    fn a_failed_step_is_named_with_its_cause() {
        let e = set_up_on(Ledger { governing: sample::REGULATOR_MSP });
        assert_eq!(e.step, format!("RegisterOrganization {}", sample::ORGANIZATIONS[0].msp_id));
        assert!(e.source.is_ledger_failure(), "{e:?}");
        assert_eq!(e.to_string(), format!("setting up the sample network: {} failed: {}", e.step, e.source));
    }

    #[test]
    fn another_governing_organisation_than_the_regulator_is_refused() {
        let e = set_up_on(Ledger { governing: "ManufacturerMSP" });
        assert_eq!(e.step, "Bootstrap");
        assert!(e.to_string().contains("the governing organisation is ManufacturerMSP, not the regulator"), "{e}");
    }

    #[test]
    fn the_default_msp_ids_are_the_sample_networks() {
        let msp = MspIds::default();
        assert_eq!(msp.of(OrgKind::Regulator), sample::REGULATOR_MSP);
        assert_eq!(msp.of(OrgKind::Certifier), sample::CERTIFIER_MSP);
        assert_eq!(msp.of(OrgKind::Manufacturer), sample::MANUFACTURER_MSP);
    }
}
