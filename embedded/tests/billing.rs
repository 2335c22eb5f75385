//! Paid certification through the typed client on the embedded RocksDB ledger: the
//! requests travel as transient data (the client's `submit_transient`), the fees and the
//! quote are read back by the two parties, and neither the state, the write sets nor the
//! log carry a figure of them; `ledger check` finds the private data whole.

use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{self, DataDir, ADMIN, APPLICANT, CERTIFIER};
use nanotrace_ledger::column_families::{CF_LOG, CF_STATE, CF_WRITESETS};
use nanotrace_model::sample::{CERTIFIER_MSP, MANUFACTURER_MSP};

#[test]
fn fees_and_a_quote_travel_privately_and_stay_off_the_chain() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::open(&tmp.path().join("data")).expect("data dir");
    dir.init_sample_network(datadir::now()).expect("sample network");
    let certifier = dir.client(CERTIFIER).expect("certifier");
    let applicant = dir.client(APPLICANT).expect("applicant");
    let schedule: nanotrace_model::billing::FeeSchedule =
        serde_json::from_str(include_str!("../../examples/fee-schedule.json")).expect("the sample fee schedule");
    certifier.set_fee_schedule(MANUFACTURER_MSP, schedule.clone()).wait().expect("SetFeeSchedule");
    let seen = applicant.fee_schedules(CERTIFIER_MSP, MANUFACTURER_MSP).wait().expect("FeeSchedules");
    assert_eq!(seen.versions.len(), 1);
    assert_eq!(seen.versions[0].schedule.fees, schedule.fees);

    let app = datadir::sample_application().expect("sample application");
    let id = applicant.apply(&app).wait().expect("Apply").value;
    let quote = certifier.issue_quote(&id).wait().expect("IssueQuote").value;
    assert_eq!(quote.totals.payable_amount.to_string(), "1737.40");
    let accepted = applicant.accept_quote(&id, CERTIFIER_MSP).wait().expect("AcceptQuote").value;
    assert!(accepted.accepted.is_some());
    assert_eq!(certifier.get_quote(&id, CERTIFIER_MSP).wait().expect("GetQuote"), accepted);
    // The regulator's admin is neither party.
    let admin = dir.client(ADMIN).expect("admin");
    let refused = admin.get_quote(&id, CERTIFIER_MSP).wait().expect_err("not a party");
    assert!(refused.to_string().contains("billing.party"), "{refused}");

    for cf in [CF_STATE, CF_WRITESETS, CF_LOG] {
        for (_, value) in dir.ledger.raw_entries(cf).expect("entries") {
            let text = String::from_utf8_lossy(&value);
            for figure in ["1737.40", "1460.00", "500.00", "120.00", "Assessment"] {
                assert!(!text.contains(figure), "{figure:?} is in {cf}");
            }
        }
    }
    let report = dir.ledger.check().expect("check");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        report.private_values_checked, 6,
        "the schedules, the quote, its payment-required mark, and the three writes' answers"
    );
}
