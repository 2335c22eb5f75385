//! The one sample application every test uses: `examples/application.json` (the same
//! file `nanotrace init` and the demo apply with), varied only where a test needs it.

use nanotrace_model::Application;

/// The sample application as JSON text.
pub const SAMPLE_APPLICATION_JSON: &str = include_str!("../../examples/application.json");

/// The sample application (a nano-TiO₂ sunscreen), for batch `batch`.
pub fn sample_application(batch: &str) -> Application {
    let mut app: Application =
        serde_json::from_str(SAMPLE_APPLICATION_JSON).expect("examples/application.json is a valid application");
    app.batch = batch.to_owned();
    app
}

/// The sample application as [`crate::Who::OtherApplicant`]'s organisation files it: for
/// batch `batch`, with its own GTIN ([`crate::OTHER_GTIN`]).
pub fn other_application(batch: &str) -> Application {
    let mut app = sample_application(batch);
    app.gtin = Some(crate::OTHER_GTIN.to_owned());
    app
}

/// The sample application renamed, for batch `batch`, valid for `days`, depending on
/// the supplier certificates `depends_on`.
pub fn application(product: &str, batch: &str, days: u32, depends_on: Vec<String>) -> Application {
    let mut app = sample_application(batch);
    app.product_name = product.to_owned();
    app.requested_validity_days = days;
    app.depends_on = depends_on;
    app
}

/// The sample fee schedule as JSON text: `examples/fee-schedule.json`.
pub const SAMPLE_FEE_SCHEDULE_JSON: &str = include_str!("../../examples/fee-schedule.json");

/// The sample fee schedule (an application fee and eight hours of assessment at 19 %
/// VAT: 1,460.00 EUR net, 1,737.40 with VAT), in force from the transaction that sets it.
pub fn sample_fee_schedule() -> nanotrace_model::billing::FeeSchedule {
    serde_json::from_str(SAMPLE_FEE_SCHEDULE_JSON).expect("examples/fee-schedule.json is a valid fee schedule")
}

/// A certification body's billing details as JSON text: `examples/billing-details-body.json`.
pub const SAMPLE_BODY_BILLING_JSON: &str = include_str!("../../examples/billing-details-body.json");
/// A manufacturer's billing details as JSON text: `examples/billing-details-manufacturer.json`.
pub const SAMPLE_MANUFACTURER_BILLING_JSON: &str = include_str!("../../examples/billing-details-manufacturer.json");

/// The sample certification body's billing details: a German GmbH with a VAT identifier
/// and an account (IBAN `DE89 3704 0044 0532 0130 00`), 30 days' payment term.
pub fn sample_body_billing() -> nanotrace_model::billing::BillingDetails {
    serde_json::from_str(SAMPLE_BODY_BILLING_JSON).expect("examples/billing-details-body.json is valid")
}

/// The sample manufacturer's billing details: a German AG with a VAT identifier.
pub fn sample_manufacturer_billing() -> nanotrace_model::billing::BillingDetails {
    serde_json::from_str(SAMPLE_MANUFACTURER_BILLING_JSON).expect("examples/billing-details-manufacturer.json is valid")
}

/// A camt.053.001.08 statement `statement_id` of the account `iban`, with one booked
/// credit in EUR per `(amount, creditor reference)`: what a body's bank delivers.
pub fn camt053_statement(statement_id: &str, iban: &str, credits: &[(&str, &str)]) -> String {
    let mut entries = String::new();
    for (i, (amount, reference)) in credits.iter().enumerate() {
        entries.push_str(&format!(
            r#"<Ntry><NtryRef>{statement_id}-{i}</NtryRef><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-30</Dt></BookgDt><BkTxCd/><NtryDtls><TxDtls><RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>"#
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>2026-11-30T08:00:00</CreDtTm></GrpHdr><Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>{iban}</IBAN></Id></Acct>{entries}</Stmt></BkToCstmrStmt></Document>"#
    )
}
