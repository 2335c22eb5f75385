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

/// Governance forged on disk (issue 70): an issuer key, a certifier role and a GS1
/// Company Prefix for the manufacturer's member, written into the RocksDB state under the
/// contract. The contract reads state as it finds it, so `ledger check`, which replays
/// the hash-chained log, is what finds them: each key reported, the check failing.
#[test]
fn ledger_check_finds_governance_written_on_disk() {
    use nanotrace_ledger::column_families::CF_STATE;
    use nanotrace_model::{Actor, IssuerKey, Organization, Role, RoleGrant, RoleKeySource};
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let r = nt(data, None, &["ledger", "check"]);
    assert_eq!(r.code, 0, "a fresh ledger checks clean:\n{}", r.stdout);
    let dave = Actor { msp_id: "ManufacturerMSP".into(), id: "x509::CN=dave".into() };
    let public = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    let key_id = nanotrace_model::issuer_key_id(&hex::decode(public).expect("hex"));
    let ikey = IssuerKey {
        key_id: key_id.clone(),
        public_key: public.into(),
        holder: dave.clone(),
        valid_from: 0,
        valid_until: i64::MAX,
        registered_at: 0,
        retired_at: None,
        retired_reason: None,
    };
    let grant = RoleGrant {
        identity: dave.clone(),
        role: Role::Certifier,
        granted_by: dave.clone(),
        granted_at: 0,
        key: Some("k".into()),
        key_source: Some(RoleKeySource::Granted),
    };
    let org_key = create_composite_key("org", &["ManufacturerMSP"]).expect("key");
    let forged = {
        let ledger = nanotrace_ledger::Ledger::open(&data.join("ledger")).expect("open the ledger");
        let db = ledger.raw_db();
        let cf = db.cf_handle(CF_STATE).expect("state column family");
        let mut org: Organization =
            serde_json::from_slice(&db.get_cf(cf, org_key.as_bytes()).expect("read").expect("registered"))
                .expect("org");
        org.company_prefixes.push("4000001".into());
        let writes = [
            (create_composite_key("ikey", &[&key_id]).expect("key"), serde_json::to_vec(&ikey).expect("JSON")),
            (
                create_composite_key("role", &[&dave.msp_id, &dave.id, "certifier"]).expect("key"),
                serde_json::to_vec(&grant).expect("JSON"),
            ),
            (org_key, serde_json::to_vec(&org).expect("JSON")),
        ];
        for (key, value) in &writes {
            db.put_cf(cf, key.as_bytes(), value).expect("write");
        }
        writes.map(|(key, _)| key)
    };
    let r = nt(data, None, &["ledger", "check"]);
    assert_ne!(r.code, 0, "ledger check passed governance written on disk:\n{}", r.stdout);
    assert!(r.stdout.contains("TAMPERED"), "{}", r.stdout);
    for key in &forged {
        // Reported as Rust writes a string (U+0000 as \0).
        assert!(r.stdout.contains(&format!("{key:?}")), "{key:?} not reported:\n{}", r.stdout);
    }
}
