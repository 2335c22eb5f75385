//! (q) Private data on Fabric (issue 75): the certification body's fees for the
//! manufacturer and its quote for an application live in their billing collection, a
//! collection of the chaincode definition (`network.sh deploy --collections`). The
//! requests travel as transient data, the two organisations' peers endorse and read
//! them, and the Regulator's peer — in the channel, not in the collection — holds only
//! their hashes: a read through it finds no value, and its members are refused.
//!
//! Then the rest of paid certification: the body's finance invoices the accepted quote
//! (an EN 16931 invoice the official validators pass, UBL and Factur-X PDF), the
//! application cannot be approved before a camt.053 statement pays it in full, and is
//! once it has — an approval endorsed by the chaincode policy's peers, the Regulator's
//! among them, which compare hashes and read no value — and a credit note refunds it.

use crate::peer::{Org, PeerCli};
use crate::steps::{wait_visible, World};
use nanotrace_client::{NanoTrace, Wait};
use nanotrace_model::billing::PaymentKind;
use nanotrace_model::clock::unix_now;
use nanotrace_model::{IssueInvoiceRequest, Role};

fn api(cli: &PeerCli) -> NanoTrace<PeerCli> {
    NanoTrace::new(cli.clone())
}

pub(crate) fn private_data(w: &World, manufacturer_msp: &str) {
    let body = &w.certifier_msp;
    // Endorsed and read by the collection's own peers: the Certifier's for alice, the
    // Manufacturer's for dave (the collection's endorsement policy is theirs).
    let alice = w.alice.endorsed_by(&[Org::Certifier]).querying(Org::Certifier);
    let dave = w.dave.endorsed_by(&[Org::Manufacturer]).querying(Org::Manufacturer);
    let schedule: nanotrace_model::billing::FeeSchedule =
        serde_json::from_str(nanotrace_testkit::SAMPLE_FEE_SCHEDULE_JSON).expect("the sample fees");
    let set = api(&alice).set_fee_schedule(manufacturer_msp, schedule.clone()).wait().expect("SetFeeSchedule");
    assert_eq!(set.value.schedule.fees, schedule.fees);
    let seen =
        api(&dave).fee_schedules(body, manufacturer_msp).wait().expect("FeeSchedules on the Manufacturer's peer");
    assert_eq!(seen.versions.len(), 1, "{seen:?}");

    let id = w.apply("LOT-FABRIC-BILLING").value;
    wait_visible(&api(&alice), &id);
    let quote = api(&alice).issue_quote(&id).wait().expect("IssueQuote").value;
    assert_eq!(quote.totals.payable_amount.to_string(), "1737.40");
    let accepted = api(&dave).accept_quote(&id, body).wait().expect("AcceptQuote").value;
    assert!(accepted.accepted.is_some());
    let read = api(&alice).get_quote(&id, body).wait().expect("GetQuote on the Certifier's peer");
    assert_eq!(read, accepted);

    // The Regulator's peer holds the hashes only: read through it, the contract's read of
    // the value fails in the peer's ledger ("private data matching public hash version is
    // not available": the hash is there, committed in its block, the value is not), which
    // the contract reports as a failure of the ledger underneath (`LEDGER`), not a refusal.
    let through_regulator = api(&w.alice.querying(Org::Regulator)).get_quote(&id, body).wait();
    match &through_regulator {
        Err(e)
            if e.code() == Some("LEDGER")
                && e.to_string().contains("private data matching public hash version is not available") =>
        {
            eprintln!("      the Regulator's peer has the hash, not the value: {e}")
        }
        other => panic!("the Regulator's peer answered a private read: {other:?}"),
    }
    // … and its members are refused by the contract wherever they ask.
    let rita = api(&w.rita.querying(Org::Certifier)).get_quote(&id, body).wait();
    match rita {
        Err(e) if e.code() == Some("UNAUTHORIZED") && e.to_string().contains("billing.party") => {}
        other => panic!("rita read the quote: {other:?}"),
    }
    eprintln!(
        "      fees set and a quote of {} {} issued and accepted between {body} and {manufacturer_msp}; \
         the Regulator's peer holds hashes only",
        quote.totals.payable_amount, quote.currency
    );
    invoicing(w, manufacturer_msp, &id);
}

/// The invoice of the accepted quote for `id`, its payment from a bank statement, the
/// approval that waited for it, and a credit note.
fn invoicing(w: &World, manufacturer_msp: &str, id: &str) {
    let body = &w.certifier_msp;
    let admin = api(&w.admin);
    // The admin registers both parties' billing details and grants alice the finance role
    // (one identity may hold both roles; the contract checks each).
    admin.set_billing_details(body, nanotrace_testkit::sample_body_billing()).wait().expect("SetBillingDetails body");
    admin
        .set_billing_details(manufacturer_msp, nanotrace_testkit::sample_manufacturer_billing())
        .wait()
        .expect("SetBillingDetails manufacturer");
    let holder = api(&w.alice).who_am_i().wait().expect("WhoAmI as alice").holder();
    admin.grant_role(holder, Role::Finance).wait().expect("GrantRole finance to alice");
    let finance = w.alice.endorsed_by(&[Org::Certifier]).querying(Org::Certifier);
    let dave = w.dave.endorsed_by(&[Org::Manufacturer]).querying(Org::Manufacturer);

    // Not paid: no decision (the approval's endorsers read the marks' hashes).
    let refused = api(&w.alice).approve(id, &w.signer, body, unix_now(), None).wait();
    match &refused {
        Err(e) if e.code() == Some("CONFLICT") && e.to_string().contains("only once its quote is paid") => {}
        other => panic!("an unpaid application was approved: {other:?}"),
    }
    let req = IssueInvoiceRequest { certificate_id: id.to_owned(), buyer_reference: None, note: None };
    let invoice = api(&finance).issue_invoice(&req).wait().expect("IssueInvoice").value;
    let invoices = api(&dave).invoices(body, manufacturer_msp).wait().expect("Invoices on the Manufacturer's peer");
    assert_eq!(invoices, vec![invoice.clone()]);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let files = [("invoice.xml", invoice.document.to_ubl()), ("invoice.pdf", invoice.document.to_facturx_pdf())].map(
        |(name, bytes)| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes.expect("the invoice renders")).expect("write");
            path
        },
    );
    if let Some(validated) = nanotrace_testkit::einvoice_validator::validate(&files) {
        for report in validated.reports.values() {
            let errors = nanotrace_testkit::einvoice_validator::describe(&report.errors);
            assert!(report.valid, "{} refused:\n{errors}", report.file);
        }
    }

    let iban = nanotrace_testkit::sample_body_billing().account.expect("an account").iban;
    let reference =
        invoice.document.payment_means.as_ref().expect("payment instructions").creditor_reference.to_string();
    let camt = nanotrace_testkit::camt053_statement("FABRIC-1", &iban, &[("1737.40", &reference)]);
    let import = api(&finance).import_statement(camt).wait().expect("ImportStatement").value;
    assert_eq!(import.payments.iter().map(|p| p.kind).collect::<Vec<_>>(), [PaymentKind::Paid]);

    // Paid: approved, endorsed as every approval is.
    w.approve(id);
    // Through the Regulator's peer, the invoices are hashes only.
    let through_regulator = api(&w.alice.querying(Org::Regulator)).invoices(body, manufacturer_msp).wait();
    assert!(
        matches!(&through_regulator, Err(e) if e.code() == Some("LEDGER")),
        "the Regulator's peer answered the invoices: {through_regulator:?}"
    );
    let note = api(&finance).issue_credit_note(&invoice.number, "refunded: test of the suite").wait();
    let note = note.expect("IssueCreditNote").value;
    assert!(note.is_credit_note());
    eprintln!(
        "      invoice {} ({} {}) paid by statement entry {}, the application approved only then; credit note {}",
        invoice.number, invoice.totals.payable_amount, invoice.document.currency, import.payments[0].entry, note.number
    );
}

/// (q') The notifier's billing messages on Fabric: a notifier run by the manufacturer, as
/// its member dave (his profile: the Manufacturer's peer, which holds the pair's
/// collection), follows the channel from nothing and tells (q)'s invoice, its payment and
/// the credit note once each by webhook — found from the collections the blocks name as
/// written, read as dave, with no chaincode event to go by.
pub(crate) fn billing_notifications(w: &World, net: &crate::network::Network, manufacturer_msp: &str) {
    use nanotrace_follow::source::FabricSource;
    use nanotrace_notify::{Config, Notifier, Store};
    use std::sync::Arc;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let body = &w.certifier_msp;
    let dave = w.dave.endorsed_by(&[Org::Manufacturer]).querying(Org::Manufacturer);
    let records = api(&dave).invoices(body, manufacturer_msp).wait().expect("Invoices on the Manufacturer's peer");
    let invoice = records.iter().find(|r| !r.is_credit_note()).expect("(q)'s invoice");
    let note = records.iter().find(|r| r.is_credit_note()).expect("(q)'s credit note");

    let tmp = tempfile::tempdir().expect("tempdir");
    let receiver = nanotrace_testkit::webhook::Receiver::start();
    let text = format!(
        "verify_url = \"https://verify.example.org\"\n[[webhook]]\nname = \"erp\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\n\
         [[billing]]\nevents = [\"invoice_issued\", \"credit_note_issued\", \"invoice_paid\"]\nnotify = [\"erp\"]\n",
        receiver.url()
    );
    let config = Arc::new(Config::parse(&text, std::path::Path::new("subscriptions.toml")).expect("config"));
    let source = FabricSource::from_profile(&crate::client::profile(net, "manufacturer-dave")).expect("follow as dave");
    let store = Arc::new(Store::open(&tmp.path().join("store")).expect("store"));
    let notifier = Notifier::new(config, store.clone(), Arc::new(source)).expect("notifier");
    let took = crate::notify::catch_up_and_deliver(&notifier, &store);
    let hooks = receiver.accepted();
    let mut told: Vec<(String, String)> = hooks
        .iter()
        .map(|r| {
            let json = r.json();
            (
                json["type"].as_str().unwrap_or_default().to_owned(),
                json["data"]["number"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    told.sort();
    let mut expected = vec![
        ("credit_note.issued".to_owned(), note.number.clone()),
        ("invoice.issued".to_owned(), invoice.number.clone()),
        ("invoice.paid".to_owned(), invoice.number.clone()),
    ];
    expected.sort();
    assert_eq!(told, expected, "each billing event once, by webhook, to the manufacturer's notifier");
    let paid = hooks.iter().map(|r| r.json()).find(|j| j["type"] == "invoice.paid").expect("invoice.paid");
    assert_eq!(paid["data"]["paid_amount"], invoice.totals.payable_amount.to_string(), "{paid}");
    eprintln!(
        "      the manufacturer's notifier (as dave) told {} billing events from the blocks' collection writes in {:.1} s",
        told.len(),
        took.as_secs_f64()
    );
}
