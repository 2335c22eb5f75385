//! The sample network, defined once: the three organisations that `nanotrace init` and
//! `nanotrace demo` create, that the Fabric network's governance registers, and that the
//! test worlds, the verifier's tests and the benchmarks use — their MSP IDs, names,
//! kinds and GS1 Company Prefixes, and the validity of the certifier's issuer key. The steps that set it up on a
//! ledger are `nanotrace-sample`'s (`nanotrace_sample::set_up`).

use crate::records::{OrgKind, DAY};

/// The Regulator's MSP ID: the governance organisation of the sample network.
pub const REGULATOR_MSP: &str = "RegulatorMSP";
/// The certification body's MSP ID.
pub const CERTIFIER_MSP: &str = "CertifierMSP";
/// The manufacturer's MSP ID.
pub const MANUFACTURER_MSP: &str = "ManufacturerMSP";

/// An organisation of the sample network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleOrganization {
    /// Its MSP ID on the embedded ledger and the sample Fabric network.
    pub msp_id: &'static str,
    /// Its name, as registered.
    pub name: &'static str,
    /// What it is.
    pub kind: OrgKind,
    /// Its GS1 Company Prefixes (a manufacturer's: the GTINs it may apply for).
    pub company_prefixes: &'static [&'static str],
}

/// The governing regulator.
pub const REGULATOR: SampleOrganization = SampleOrganization {
    msp_id: REGULATOR_MSP,
    name: "National Nanomaterials Regulator",
    kind: OrgKind::Regulator,
    company_prefixes: &[],
};
/// The certification body.
pub const CERTIFIER: SampleOrganization = SampleOrganization {
    msp_id: CERTIFIER_MSP,
    name: "NanoCert Certification Body",
    kind: OrgKind::Certifier,
    company_prefixes: &[],
};
/// The manufacturer, holding the GS1 Company Prefix of the sample application's GTIN
/// (`examples/application.json`, 4006381333931).
pub const MANUFACTURER: SampleOrganization = SampleOrganization {
    msp_id: MANUFACTURER_MSP,
    name: "Acme Nanomaterials GmbH",
    kind: OrgKind::Manufacturer,
    company_prefixes: &[MANUFACTURER_COMPANY_PREFIX],
};

/// The sample manufacturer's GS1 Company Prefix.
pub const MANUFACTURER_COMPANY_PREFIX: &str = "4006381";

/// The organisations in the order they are registered.
pub const ORGANIZATIONS: [SampleOrganization; 3] = [REGULATOR, CERTIFIER, MANUFACTURER];

/// The status base the sample certification body gets when no other is named: the
/// verifier's default address, which the CLI's `--verify-url` and the console's
/// `--verifier-url` default to.
pub const STATUS_BASE: &str = "http://127.0.0.1:8080";

/// The certifier's issuer key is valid from this long before the set-up…
pub const ISSUER_KEY_BACKDATED: i64 = DAY;
/// …until this long after it.
pub const ISSUER_KEY_VALIDITY: i64 = 5 * 365 * DAY;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate;

    #[test]
    fn one_organization_of_each_kind_with_valid_ids() {
        for kind in [OrgKind::Regulator, OrgKind::Certifier, OrgKind::Manufacturer] {
            assert_eq!(ORGANIZATIONS.iter().filter(|o| o.kind == kind).count(), 1, "{kind:?}");
        }
        for org in ORGANIZATIONS {
            assert!(org.msp_id.len() <= validate::limits::MAX_MSP_ID && !org.name.is_empty());
            assert_eq!(org.company_prefixes.is_empty(), org.kind != OrgKind::Manufacturer, "{}", org.msp_id);
        }
        // The sample application's GTIN is the sample manufacturer's.
        let app: crate::Application =
            serde_json::from_str(include_str!("../../examples/application.json")).expect("the sample application");
        let gtin = app.gtin.expect("a GTIN");
        assert!(MANUFACTURER.company_prefixes.iter().any(|p| crate::prefix::covers(p, &gtin)), "{gtin}");
        let prefixes: Vec<String> = MANUFACTURER.company_prefixes.iter().map(|p| p.to_string()).collect();
        assert!(crate::prefix::validate_set("prefixes", &prefixes).is_ok());
    }
}
