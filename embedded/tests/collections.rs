//! The embedded ledger's private data collections follow its organisations: registering
//! them sets one billing collection per certification body and manufacturer, whose
//! members read and write it and no one else does.

use nanotrace_embedded::datadir::{self, DataDir, APPLICANT, CERTIFIER};
use nanotrace_model::billing::BillingPair;
use nanotrace_model::sample::{CERTIFIER_MSP, MANUFACTURER_MSP, REGULATOR_MSP};
use nanotrace_shim::{CollectionAccess, Stub, StubError};

#[test]
fn registering_organisations_defines_their_billing_collections() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::open(&tmp.path().join("data")).expect("data dir");
    assert!(dir.ledger.collections().expect("collections").is_empty());
    dir.init_sample_network(datadir::now()).expect("sample network");
    let collections = dir.ledger.collections().expect("collections");
    let name = BillingPair::new(CERTIFIER_MSP, MANUFACTURER_MSP).collection();
    let billing = collections.get(&name).expect("the certifier's and the manufacturer's collection");
    let billing_count = collections.iter().filter(|c| c.name.starts_with("billing-")).count();
    assert_eq!(billing_count, 1, "one body, one manufacturer: {collections:?}");
    assert!(collections.get(&nanotrace_shim::implicit_collection(REGULATOR_MSP)).is_some());
    assert!(billing.is_member(CERTIFIER_MSP) && billing.is_member(MANUFACTURER_MSP));
    assert!(!billing.is_member(REGULATOR_MSP));

    // Its members write and read it; the regulator, not a member, is refused a read and
    // sees the hash.
    let certifier = dir.msp.identity(CERTIFIER).expect("certifier").creator();
    let applicant = dir.msp.identity(APPLICANT).expect("applicant").creator();
    let regulator = dir.msp.identity(datadir::ADMIN).expect("admin").creator();
    assert_eq!(regulator.msp_id, REGULATOR_MSP);
    let stub_error = |e: StubError| nanotrace_ledger::LedgerError::Stub(e);
    dir.ledger
        .submit(&certifier, "Test", &[], None, |s| {
            s.put_private_data(&name, "quote-1", b"EUR 900.00").map_err(stub_error)
        })
        .expect("the body writes");
    let read = |who| dir.ledger.evaluate(who, None, |s| s.get_private_data(&name, "quote-1").map_err(stub_error));
    assert_eq!(read(&applicant).expect("the manufacturer reads"), Some(b"EUR 900.00".to_vec()));
    match read(&regulator) {
        Err(nanotrace_ledger::LedgerError::Stub(StubError::CollectionAccess { access, msp_id, .. })) => {
            assert_eq!((access, msp_id.as_str()), (CollectionAccess::Read, REGULATOR_MSP))
        }
        other => panic!("the regulator read {other:?}"),
    }
    let hash = dir
        .ledger
        .evaluate(&regulator, None, |s| s.get_private_data_hash(&name, "quote-1").map_err(stub_error))
        .expect("the hash");
    assert_eq!(hash.map(|h| h.len()), Some(32));

    // A ledger made before collections existed gets them when its data directory opens.
    dir.ledger.set_collections(&nanotrace_shim::Collections::new()).expect("cleared");
    let data_path = tmp.path().join("data");
    drop(dir);
    let dir = DataDir::open(&data_path).expect("reopened");
    assert!(dir.ledger.collections().expect("collections").get(&name).is_some(), "set again at open");

    // Reopened, the definitions are still there.
    let path = dir.ledger.path().to_owned();
    drop(dir);
    let ledger = nanotrace_ledger::Ledger::open(&path).expect("reopen");
    assert!(ledger.collections().expect("collections").get(&name).is_some());
}
