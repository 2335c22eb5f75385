//! The member's counterparties and what each pair's billing collection answers the
//! member: the fee schedules and the invoices. Every read is made as the member, so the
//! contract decides what they see (`billing.party`); a refusal is kept and shown, never
//! replaced by anyone else's data.

use nanotrace_client::{ApiError, NanoTrace, Transport};
use nanotrace_model::billing::{BillingPair, FeeSchedules, InvoiceRecord};
use nanotrace_model::{OrgKind, Organization};

/// The organisation on the other side of one of the member's billing pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counterparty {
    /// The pair (body, manufacturer).
    pub pair: BillingPair,
    /// The counterparty's MSP ID.
    pub msp_id: String,
    /// Its registered name.
    pub name: String,
    /// Whether it has left the consortium (its billing stays readable).
    pub retired: bool,
}

/// The counterparties of a member of `own_msp` (of kind `own_kind`) among
/// `organizations`: every certification body for a manufacturer, every manufacturer for
/// a certification body, retired ones included (what was billed stays readable), in MSP
/// ID order. None for any other kind of organisation.
pub fn counterparties(own_msp: &str, own_kind: Option<OrgKind>, organizations: &[Organization]) -> Vec<Counterparty> {
    let other_kind = match own_kind {
        Some(OrgKind::Manufacturer) => OrgKind::Certifier,
        Some(OrgKind::Certifier) => OrgKind::Manufacturer,
        _ => return Vec::new(),
    };
    let mut out: Vec<Counterparty> = organizations
        .iter()
        .filter(|o| o.kind == other_kind && o.msp_id != own_msp)
        .map(|o| {
            let pair = match other_kind {
                OrgKind::Certifier => BillingPair::new(&o.msp_id, own_msp),
                _ => BillingPair::new(own_msp, &o.msp_id),
            };
            Counterparty { pair, msp_id: o.msp_id.clone(), name: o.name.clone(), retired: o.retired.is_some() }
        })
        .collect();
    out.sort_by(|a, b| a.msp_id.cmp(&b.msp_id));
    out
}

/// What one pair's billing collection answered the member.
#[derive(Debug)]
pub struct PairBilling {
    /// The counterparty.
    pub counterparty: Counterparty,
    /// Every version of the body's fee schedule for the manufacturer, or why not.
    pub schedules: Result<FeeSchedules, ApiError>,
    /// The invoices and credit notes, in issue order, or why not.
    pub invoices: Result<Vec<InvoiceRecord>, ApiError>,
}

/// Reads `counterparty`'s pair as the member behind `reader`: two reads.
pub async fn read_pair<T: Transport>(reader: &NanoTrace<T>, counterparty: Counterparty) -> PairBilling {
    let pair = &counterparty.pair;
    let schedules = reader.fee_schedules(&pair.body, &pair.manufacturer).await;
    let invoices = reader.invoices(&pair.body, &pair.manufacturer).await;
    PairBilling { counterparty, schedules, invoices }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(msp_id: &str, kind: OrgKind) -> Organization {
        Organization::registered(msp_id.into(), format!("{msp_id} Ltd"), kind, 0, false)
    }

    #[test]
    fn a_manufacturer_bills_with_the_bodies_and_a_body_with_the_manufacturers() {
        let orgs = [
            org("RegulatorMSP", OrgKind::Regulator),
            org("MakerB", OrgKind::Manufacturer),
            org("BodyMSP", OrgKind::Certifier),
            org("MakerA", OrgKind::Manufacturer),
        ];
        let of_maker = counterparties("MakerA", Some(OrgKind::Manufacturer), &orgs);
        assert_eq!(of_maker.len(), 1);
        assert_eq!(of_maker[0].pair, BillingPair::new("BodyMSP", "MakerA"));
        assert_eq!(of_maker[0].name, "BodyMSP Ltd");
        let of_body = counterparties("BodyMSP", Some(OrgKind::Certifier), &orgs);
        let makers: Vec<&str> = of_body.iter().map(|c| c.msp_id.as_str()).collect();
        assert_eq!(makers, ["MakerA", "MakerB"]);
        assert_eq!(of_body[1].pair, BillingPair::new("BodyMSP", "MakerB"));
        assert!(counterparties("RegulatorMSP", Some(OrgKind::Regulator), &orgs).is_empty());
        assert!(counterparties("Unknown", None, &orgs).is_empty());
    }
}
