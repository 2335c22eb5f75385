//! The asset-transfer contract on the in-memory ledger (Fabric's commit semantics: a
//! failed transaction writes nothing): the Go contract's behaviour, call for call.

use nanotrace_asset_chaincode::{Asset, AssetContract, ASSET_CREATED_EVENT};
use nanotrace_ccaas::{Chaincode, ChaincodeError};
use nanotrace_ledger::memory::MemoryLedger;
use nanotrace_shim::TxTimestamp;
use nanotrace_testkit::{creator, Who, T0};

struct Net {
    ledger: MemoryLedger,
    contract: AssetContract,
}

fn args(a: &[&str]) -> Vec<Vec<u8>> {
    a.iter().map(|s| s.as_bytes().to_vec()).collect()
}

impl Net {
    fn new() -> Self {
        Net { ledger: MemoryLedger::new(), contract: AssetContract::new() }
    }

    fn with_events() -> Self {
        Net { ledger: MemoryLedger::new(), contract: AssetContract::with_events(true) }
    }

    /// Submits and commits (when it succeeds) one transaction.
    fn submit(&mut self, function: &str, a: &[&str]) -> Result<Vec<u8>, ChaincodeError> {
        let contract = self.contract;
        let ts = TxTimestamp { seconds: T0, nanos: 0 };
        self.ledger
            .execute(&creator(Who::Applicant), ts, |sim| contract.invoke(sim, function, &args(a)))
            .map(|(out, _)| out)
    }

    fn evaluate(&self, function: &str, a: &[&str]) -> Result<Vec<u8>, ChaincodeError> {
        let ts = TxTimestamp { seconds: T0, nanos: 0 };
        self.ledger.evaluate(&creator(Who::Applicant), ts, |sim| self.contract.invoke(sim, function, &args(a)))
    }

    fn read(&self, id: &str) -> Asset {
        serde_json::from_slice(&self.evaluate("ReadAsset", &[id]).expect("ReadAsset")).expect("asset JSON")
    }

    /// Submits a call that must fail with `message` and change nothing.
    fn refused(&mut self, function: &str, a: &[&str], message: &str) {
        let before = (self.ledger.snapshot(), self.ledger.height());
        let err = self.submit(function, a).expect_err(function);
        assert_eq!(err.message, message, "{function}{a:?}");
        assert_eq!((self.ledger.snapshot(), self.ledger.height()), before, "a refused {function} wrote something");
    }
}

#[test]
fn create_then_read_stores_the_go_json_bytes() {
    let mut net = Net::new();
    assert_eq!(net.submit("CreateAsset", &["a1", "blue", "5", "dave", "300"]).expect("create"), b"");
    let stored = net.ledger.snapshot().remove("a1").expect("a1 stored");
    // encoding/json of the Go struct: fields in declaration order, no spaces.
    assert_eq!(
        String::from_utf8(stored).expect("utf8"),
        r#"{"AppraisedValue":300,"Color":"blue","ID":"a1","Owner":"dave","Size":5}"#
    );
    let out = net.evaluate("ReadAsset", &["a1"]).expect("read");
    assert_eq!(out, br#"{"AppraisedValue":300,"Color":"blue","ID":"a1","Owner":"dave","Size":5}"#);
    assert_eq!(
        net.read("a1"),
        Asset { appraised_value: 300, color: "blue".into(), id: "a1".into(), owner: "dave".into(), size: 5 }
    );
}

#[test]
fn create_refuses_a_taken_id_and_changes_nothing() {
    let mut net = Net::new();
    net.submit("CreateAsset", &["a1", "blue", "5", "dave", "300"]).expect("create");
    net.refused("CreateAsset", &["a1", "red", "9", "eve", "1"], "the asset a1 already exists");
    assert_eq!(net.read("a1").color, "blue");
}

#[test]
fn update_overwrites_an_existing_asset_and_refuses_a_missing_one() {
    let mut net = Net::new();
    net.refused("UpdateAsset", &["a1", "red", "9", "eve", "1"], "the asset a1 does not exist");
    net.submit("CreateAsset", &["a1", "blue", "5", "dave", "300"]).expect("create");
    net.submit("UpdateAsset", &["a1", "red", "9", "eve", "1"]).expect("update");
    assert_eq!(
        net.read("a1"),
        Asset { appraised_value: 1, color: "red".into(), id: "a1".into(), owner: "eve".into(), size: 9 }
    );
}

#[test]
fn read_of_a_missing_asset_is_an_error() {
    let net = Net::new();
    assert_eq!(net.evaluate("ReadAsset", &["nope"]).expect_err("missing").message, "the asset nope does not exist");
}

#[test]
fn parameters_are_read_as_the_go_contract_api_reads_them() {
    let mut net = Net::new();
    net.refused(
        "CreateAsset",
        &["a1", "blue", "five", "dave", "300"],
        "error managing parameter param2. conversion error. cannot convert passed value five to int",
    );
    net.refused(
        "CreateAsset",
        &["a1", "blue", "5", "dave", "3.5"],
        "error managing parameter param4. conversion error. cannot convert passed value 3.5 to int",
    );
    net.refused("CreateAsset", &["a1", "blue", "5", "dave"], "incorrect number of params. Expected 5, received 4");
    net.refused("ReadAsset", &[], "incorrect number of params. Expected 1, received 0");
    // strconv.Atoi: an empty string is 0, a sign is allowed; extra arguments are ignored.
    net.submit("CreateAsset", &["a1", "blue", "", "dave", "-7", "extra"]).expect("create");
    let a = net.read("a1");
    assert_eq!((a.size, a.appraised_value), (0, -7));
    // The lower-case form is found, without the parameter's name (no metadata for it).
    net.refused(
        "updateAsset",
        &["a1", "blue", "x", "dave", "1"],
        "error managing parameter. conversion error. cannot convert passed value x to int",
    );
}

#[test]
fn functions_are_found_as_the_go_contract_api_finds_them() {
    let mut net = Net::new();
    net.submit("AssetContract:CreateAsset", &["a1", "blue", "5", "dave", "300"]).expect("namespaced create");
    net.submit("createAsset", &["a2", "blue", "5", "dave", "300"]).expect("lower-case create");
    assert_eq!(net.read("a2").id, "a2");
    net.refused("Nope", &[], "Function Nope not found in contract AssetContract");
    net.refused("Other:ReadAsset", &["a1"], "Contract not found with name Other");
    net.refused("", &[], "Blank function name passed");
    net.refused("AssetContract:", &[], "Blank function name passed");
}

#[test]
fn strings_are_escaped_as_go_escapes_them() {
    let mut net = Net::new();
    net.submit("CreateAsset", &["a<1>", "b&w \u{2028}\u{2029}\"q\"", "1", "d", "2"]).expect("create");
    let stored = net.ledger.snapshot().remove("a<1>").expect("stored");
    assert_eq!(
        String::from_utf8(stored).expect("utf8"),
        r#"{"AppraisedValue":2,"Color":"b\u0026w \u2028\u2029\"q\"","ID":"a\u003c1\u003e","Owner":"d","Size":1}"#
    );
    assert_eq!(net.read("a<1>").color, "b&w \u{2028}\u{2029}\"q\"");
    // Invalid UTF-8 becomes U+FFFD, as a Go string marshalled to JSON (Go writes it as the
    // escape \ufffd, this contract as the character: the same asset when read back).
    let ts = TxTimestamp { seconds: T0, nanos: 0 };
    let contract = net.contract;
    net.ledger
        .execute(&creator(Who::Applicant), ts, |sim| {
            contract.invoke(
                sim,
                "CreateAsset",
                &[b"bad".to_vec(), vec![0xff, b'x'], b"1".to_vec(), b"o".to_vec(), b"1".to_vec()],
            )
        })
        .expect("create with invalid UTF-8");
    assert_eq!(net.read("bad").color, "\u{fffd}x");
}

#[test]
fn init_ledger_transfer_delete_exists_and_get_all() {
    let mut net = Net::new();
    net.submit("InitLedger", &[]).expect("InitLedger");
    let all: Vec<Asset> = serde_json::from_slice(&net.evaluate("GetAllAssets", &[]).expect("all")).expect("JSON");
    let ids: Vec<&str> = all.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["asset1", "asset2", "asset3", "asset4", "asset5", "asset6"]);
    assert_eq!(all[2].owner, "Jin Soo");
    assert_eq!(net.submit("TransferAsset", &["asset1", "Zoe"]).expect("transfer"), b"Tomoko");
    assert_eq!(net.read("asset1").owner, "Zoe");
    net.refused("TransferAsset", &["nope", "Zoe"], "the asset nope does not exist");
    assert_eq!(net.evaluate("AssetExists", &["asset2"]).expect("exists"), b"true");
    net.submit("DeleteAsset", &["asset2"]).expect("delete");
    assert_eq!(net.evaluate("AssetExists", &["asset2"]).expect("exists"), b"false");
    net.refused("DeleteAsset", &["asset2"], "the asset asset2 does not exist");
}

#[test]
fn get_all_assets_pages_through_more_than_one_range_page() {
    let mut net = Net::new();
    for i in 0..250 {
        net.submit("CreateAsset", &[&format!("k{i:03}"), "c", "1", "o", "1"]).expect("create");
    }
    let all: Vec<Asset> = serde_json::from_slice(&net.evaluate("GetAllAssets", &[]).expect("all")).expect("JSON");
    assert_eq!(all.len(), 250);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "key order");
    let empty = Net::new();
    assert_eq!(empty.evaluate("GetAllAssets", &[]).expect("all"), b"[]");
}

#[test]
fn asset_created_event_only_when_enabled() {
    let mut quiet = Net::new();
    quiet.submit("CreateAsset", &["a1", "blue", "5", "dave", "300"]).expect("create");
    assert!(quiet.ledger.events().is_empty());
    let mut loud = Net::with_events();
    loud.submit("CreateAsset", &["a1", "blue", "5", "dave", "300"]).expect("create");
    loud.submit("UpdateAsset", &["a1", "red", "5", "dave", "300"]).expect("update");
    let events: Vec<(&str, &[u8])> =
        loud.ledger.events().iter().map(|e| (e.name.as_str(), e.payload.as_slice())).collect();
    assert_eq!(events, [(ASSET_CREATED_EVENT, &b"a1"[..])]);
}

#[test]
fn init_without_a_function_does_nothing() {
    let mut net = Net::new();
    let ts = TxTimestamp { seconds: T0, nanos: 0 };
    let contract = net.contract;
    let (out, _) = net.ledger.execute(&creator(Who::Applicant), ts, |sim| contract.init(sim, "", &[])).expect("init");
    assert_eq!(out, b"Default initiator successful.");
    assert!(net.ledger.snapshot().is_empty());
    net.ledger.execute(&creator(Who::Applicant), ts, |sim| contract.init(sim, "InitLedger", &[])).expect("init");
    assert_eq!(net.ledger.snapshot().len(), 6);
}

#[test]
fn create_assets_writes_count_assets_in_one_transaction() {
    let mut net = Net::new();
    let height = net.ledger.height();
    net.submit("CreateAssets", &["b-", "3", "green", "7", "erin", "450"]).expect("create 3");
    assert_eq!(net.ledger.height(), height + 1, "one transaction");
    for i in 0..3 {
        let id = format!("b-{i}");
        assert_eq!(
            net.read(&id),
            Asset { appraised_value: 450, color: "green".into(), id: id.clone(), owner: "erin".into(), size: 7 }
        );
    }
    assert_eq!(net.ledger.snapshot().len(), 3);
    // Stored as CreateAsset stores them.
    net.submit("CreateAsset", &["c", "green", "7", "erin", "450"]).expect("create c");
    let snap = net.ledger.snapshot();
    let single = String::from_utf8(snap["c"].clone()).expect("utf8");
    assert_eq!(String::from_utf8(snap["b-1"].clone()).expect("utf8"), single.replace("\"c\"", "\"b-1\""));
}

#[test]
fn create_assets_is_all_or_nothing_and_checks_its_count() {
    let mut net = Net::new();
    net.submit("CreateAsset", &["x2", "blue", "5", "dave", "300"]).expect("create x2");
    net.refused("CreateAssets", &["x", "4", "red", "1", "eve", "1"], "the asset x2 already exists");
    net.refused("CreateAssets", &["y", "0", "red", "1", "eve", "1"], "count must be 1 to 10000, got 0");
    net.refused("CreateAssets", &["y", "10001", "red", "1", "eve", "1"], "count must be 1 to 10000, got 10001");
    net.refused("CreateAssets", &["y", "-1", "red", "1", "eve", "1"], "count must be 1 to 10000");
    net.refused(
        "CreateAssets",
        &["y", "2", "red", "z", "eve", "1"],
        "error managing parameter param3. conversion error. cannot convert passed value z to int",
    );
    net.refused("CreateAssets", &["y", "2", "red"], "incorrect number of params. Expected 6, received 3");
    assert_eq!(net.ledger.snapshot().len(), 1);
}

#[test]
fn protect_asset_sets_a_key_level_policy_on_an_existing_asset_only() {
    use nanotrace_shim::{EndorsementPolicy, Stub};
    let mut net = Net::new();
    net.refused("ProtectAsset", &["p1", "CertifierMSP"], "the asset p1 does not exist");
    net.submit("CreateAsset", &["p1", "blue", "5", "dave", "300"]).expect("create p1");
    let ts = TxTimestamp { seconds: T0, nanos: 0 };
    let policy = |net: &Net| {
        net.ledger
            .evaluate(&creator(Who::Applicant), ts, |sim| sim.get_state_validation_parameter("p1"))
            .expect("read the policy")
    };
    assert_eq!(policy(&net), None);
    net.submit("ProtectAsset", &["p1", "CertifierMSP"]).expect("protect p1");
    assert_eq!(policy(&net), Some(EndorsementPolicy::peer_of("CertifierMSP")));
    assert_eq!(net.read("p1").color, "blue", "the value is unchanged");
}

#[test]
fn protect_assets_sets_the_policy_on_every_existing_asset_or_none() {
    use nanotrace_shim::{EndorsementPolicy, Stub};
    let mut net = Net::new();
    net.submit("CreateAssets", &["q", "3", "blue", "5", "dave", "300"]).expect("create q0..q2");
    let ts = TxTimestamp { seconds: T0, nanos: 0 };
    let policy = |net: &Net, id: &str| {
        net.ledger
            .evaluate(&creator(Who::Applicant), ts, |sim| sim.get_state_validation_parameter(id))
            .expect("read the policy")
    };
    // One of four does not exist: nothing is protected.
    net.refused("ProtectAssets", &["q", "4", "CertifierMSP"], "the asset q3 does not exist");
    net.refused("ProtectAssets", &["q", "0", "CertifierMSP"], "count must be 1 to 10000, got 0");
    assert!((0..3).all(|i| policy(&net, &format!("q{i}")).is_none()));
    net.submit("ProtectAssets", &["q", "3", "CertifierMSP"]).expect("protect q0..q2");
    for i in 0..3 {
        let id = format!("q{i}");
        assert_eq!(policy(&net, &id), Some(EndorsementPolicy::peer_of("CertifierMSP")), "{id}");
        assert_eq!(net.read(&id).color, "blue", "the value is unchanged");
    }
}
