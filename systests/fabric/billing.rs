//! (q) Private data on Fabric (issue 75): the certification body's fees for the
//! manufacturer and its quote for an application live in their billing collection, a
//! collection of the chaincode definition (`network.sh deploy --collections`). The
//! requests travel as transient data, the two organisations' peers endorse and read
//! them, and the Regulator's peer — in the channel, not in the collection — holds only
//! their hashes: a read through it finds no value, and its members are refused.

use crate::peer::{Org, PeerCli};
use crate::steps::{wait_visible, World};
use nanotrace_client::{NanoTrace, Wait};

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
}
