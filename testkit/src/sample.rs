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
