//! A certificate no certifier signed on the embedded ledger, forged two ways: committed by
//! a transaction that ran no contract (what a rogue chaincode package on colluding peers
//! could commit: the ledger's hash chain is intact), and written straight into the RocksDB
//! state under the contract. `nanotrace verify` calls both UNTRUSTED (exit code 2), never
//! VALID; `ledger check` reports the second as tampered.

use crate::support::*;
use nanotrace_model::Certificate;
use nanotrace_shim::{create_composite_key, Stub};

/// `genuine`'s record under the ID `id`.
fn copy(data: &std::path::Path, genuine: &str, id: &str) -> Certificate {
    use nanotrace_client::Wait;
    let dir = nanotrace_embedded::datadir::DataDir::open(data).expect("open the data directory");
    let record = dir.client(APPLICANT).expect("client").get_certificate(genuine).wait().expect("a certificate");
    Certificate { id: id.to_owned(), ..record }
}

fn assert_untrusted(data: &std::path::Path, id: &str) {
    let r = nt(data, None, &["--json", "verify", id]);
    assert_no_panic(&r);
    assert_eq!(r.code, 2, "verify must fail for {id}:\n{}{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["verdict"], "UNTRUSTED", "{v}");
    assert!(v["reason"].as_str().is_some_and(|r| r.contains("no certifier's signature vouches")), "{v}");
}

#[test]
fn verify_calls_forged_records_untrusted_and_ledger_check_finds_the_one_written_on_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let genuine = apply_value(data, &example_value());
    ok_json(data, Some(CERTIFIER), &["approve", &genuine]);
    assert_eq!(nt(data, None, &["--json", "verify", &genuine]).json()["verdict"], "VALID");

    // Committed by a transaction that ran no contract: a consistent ledger.
    let committed = copy(data, &genuine, "NT-FORGED222222");
    {
        let dir = nanotrace_embedded::datadir::DataDir::open(data).expect("open the data directory");
        let creator = dir.msp.identity(APPLICANT).expect("identity").creator();
        dir.ledger
            .submit(&creator, "Approve", &[], None, |sim| -> Result<(), nanotrace_shim::StubError> {
                let key = create_composite_key("cert", &[&committed.id])?;
                sim.put_state(&key, &serde_json::to_vec(&committed).expect("JSON"))
            })
            .expect("the forged transaction commits");
    }
    assert_untrusted(data, &committed.id);
    let r = nt(data, None, &["ledger", "check"]);
    assert_eq!(r.code, 0, "the chain itself is intact:\n{}", r.stdout);

    // Written into the state behind the ledger's back.
    let written = copy(data, &genuine, "NT-FORGED333333");
    {
        use nanotrace_ledger::column_families::CF_STATE;
        let ledger = nanotrace_ledger::Ledger::open(&data.join("ledger")).expect("open the ledger");
        let db = ledger.raw_db();
        let cf = db.cf_handle(CF_STATE).expect("state column family");
        let key = create_composite_key("cert", &[&written.id]).expect("key");
        db.put_cf(cf, key.as_bytes(), serde_json::to_vec(&written).expect("JSON")).expect("write");
    }
    assert_untrusted(data, &written.id);
    let r = nt(data, None, &["ledger", "check"]);
    assert_ne!(r.code, 0, "ledger check passed a state written on disk:\n{}", r.stdout);
    assert!(r.stdout.contains("TAMPERED"), "{}", r.stdout);
    // The genuine certificate is still VALID.
    assert_eq!(nt(data, None, &["--json", "verify", &genuine]).json()["verdict"], "VALID");
}
