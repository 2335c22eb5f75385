//! A certification body's fee schedule for a manufacturer: the fees it charges, in one
//! currency, each version in force from its date, and whether a decision waits for
//! payment.

use nanotrace_einvoice::{Currency, InvoiceLine, Totals};
use serde::{Deserialize, Serialize};

use crate::records::Actor;

/// Fees, as the body sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FeeSchedule {
    /// The currency of every fee.
    pub currency: Currency,
    /// The fees, each an invoice line: its `id` the fee's code (`APPLICATION`,
    /// `ASSESSMENT` …), its quantity and unit price what one application is charged.
    /// At least one; no code twice.
    pub fees: Vec<InvoiceLine>,
    /// Whether the body decides on an application only once its quote is paid: shown to
    /// the manufacturer before it applies.
    pub payment_before_decision: bool,
    /// From when it is in force, Unix seconds; absent: from the transaction that sets it.
    /// Never before that transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<i64>,
}

impl FeeSchedule {
    /// The totals one application is charged, the fees checked as invoice lines.
    pub fn totals(&self) -> Result<Totals, nanotrace_einvoice::Error> {
        Totals::of_lines(&self.fees)
    }
}

/// One version of a fee schedule as stored: in force from `effective_from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FeeScheduleVersion {
    /// The fees.
    pub schedule: FeeSchedule,
    /// In force from, Unix seconds (the schedule's own date, or when it was set).
    pub effective_from: i64,
    /// Who set it.
    pub set_by: Actor,
    /// When, Unix seconds.
    pub set_at: i64,
    /// The transaction that set it.
    pub tx_id: String,
}

/// Every version of a body's schedule for one manufacturer, by `effective_from`
/// ascending; a version set for a date that already has one replaces it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FeeSchedules {
    /// The versions, oldest first.
    pub versions: Vec<FeeScheduleVersion>,
}

impl FeeSchedules {
    /// The version in force at `at`: the last one in force from `at` or before.
    pub fn in_force_at(&self, at: i64) -> Option<&FeeScheduleVersion> {
        self.versions.iter().rev().find(|v| v.effective_from <= at)
    }

    /// Adds `version`, replacing one of the same date.
    pub fn set(&mut self, version: FeeScheduleVersion) {
        self.versions.retain(|v| v.effective_from != version.effective_from);
        let at = self.versions.partition_point(|v| v.effective_from < version.effective_from);
        self.versions.insert(at, version);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn version(effective_from: i64, price: i64) -> FeeScheduleVersion {
        let fee = InvoiceLine {
            id: "APPLICATION".into(),
            name: "Application fee".into(),
            description: None,
            quantity: Decimal::ONE,
            unit_code: "C62".into(),
            unit_price: Decimal::from(price),
            vat: nanotrace_einvoice::VatCategory::Standard { rate: Decimal::from(19) },
        };
        FeeScheduleVersion {
            schedule: FeeSchedule {
                currency: Currency::eur(),
                fees: vec![fee],
                payment_before_decision: false,
                effective_from: Some(effective_from),
            },
            effective_from,
            set_by: Actor { msp_id: "BodyMSP".into(), id: "x509::CN=fin".into() },
            set_at: 0,
            tx_id: format!("tx{effective_from}"),
        }
    }

    #[test]
    fn the_version_in_force_is_the_last_one_from_that_date_or_before() {
        let mut schedules = FeeSchedules::default();
        schedules.set(version(200, 2));
        schedules.set(version(100, 1));
        schedules.set(version(300, 3));
        assert_eq!(schedules.in_force_at(99), None);
        assert_eq!(schedules.in_force_at(100).map(|v| v.effective_from), Some(100));
        assert_eq!(schedules.in_force_at(250).map(|v| v.effective_from), Some(200));
        assert_eq!(schedules.in_force_at(i64::MAX).map(|v| v.effective_from), Some(300));
        schedules.set(version(200, 5));
        assert_eq!(schedules.versions.len(), 3, "the same date is replaced");
        let totals = schedules.in_force_at(200).map(|v| v.schedule.totals().unwrap()).unwrap();
        assert_eq!(totals.payable_amount, Decimal::new(595, 2), "5.00 + 19 %");
    }
}
