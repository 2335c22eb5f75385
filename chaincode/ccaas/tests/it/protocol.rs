//! Protocol tests: a scripted peer drives the Rust runtime through the shim protocol.
//! Every scenario that Fabric's Go shim can also play runs against both the Rust
//! runtime and the same probe contract on the Go shim (tests/go-probe), and asserts
//! that both sent the peer the same messages.

use crate::common::*;
use nanotrace_ccaas::policy;
use nanotrace_ccaas::{Chaincode, ChaincodeError};
use nanotrace_protos::prost::Message;
use nanotrace_protos::prost_types::Timestamp;
use nanotrace_protos::protos::{
    chaincode_message::Type as MsgType, write_record, ChaincodeAdditionalParams, ChaincodeMessage, DelState, GetState,
    GetStateByRange, PutState, QueryMetadata, WriteBatchState,
};
use nanotrace_protos::queryresult::KeyModification;
use nanotrace_shim::{create_composite_key, EndorsementPolicy, PolicyRole, Stub};
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::mpsc as std_mpsc;
use std::sync::Mutex;
use std::time::Duration;

/// What a Fabric 3.1 peer announces with its sample core.yaml (runtimeParams).
fn fabric_31_ready() -> ChaincodeAdditionalParams {
    ChaincodeAdditionalParams {
        use_write_batch: true,
        max_size_write_batch: 1000,
        use_get_multiple_keys: true,
        max_size_get_multiple_keys: 1000,
    }
}

/// A peer that announces nothing (before Fabric 2.5, or batching turned off).
fn plain_ready() -> ChaincodeAdditionalParams {
    ChaincodeAdditionalParams::default()
}

/// Runs `scenario` against the Rust runtime and, when Go is installed, against the Go
/// shim; both must produce the same description. Returns the Rust one.
async fn compare<F, Fut>(name: &str, scenario: F) -> Vec<String>
where
    F: Fn(SocketAddr) -> Fut,
    Fut: Future<Output = Vec<String>>,
{
    let rust = rust_server(Probe).await;
    let ours = scenario(rust.addr).await;
    match go_server().await {
        Some(go) => {
            let theirs = scenario(go.addr).await;
            assert_eq!(
                ours, theirs,
                "{name}: the Rust runtime (left) and Fabric's Go shim (right) sent different messages"
            );
            eprintln!("{name}: Rust and Go shims sent the same {} messages", ours.len());
        }
        // go_server() has recorded the skip (or failed the test where Go is required).
        None => eprintln!("(Go comparison of {name} not run: no Go toolchain)"),
    }
    ours
}

async fn peer(addr: SocketAddr, world: World, ready: ChaincodeAdditionalParams) -> ScriptedPeer {
    let mut peer = ScriptedPeer::connect(addr, world).await;
    peer.handshake(ready).await;
    peer
}

// ------------------------------------------------------------------------------------
// Scenarios played against both shims.
// ------------------------------------------------------------------------------------

async fn basic_state(addr: SocketAddr) -> Vec<String> {
    let world = World::new().with("a", "committed");
    let mut p = peer(addr, world, plain_ready()).await;
    let msgs = p.run_one(tx("tx1", &["putgetdel", "a", "new", "b"])).await;
    // Reads see committed state, not the transaction's own write.
    assert_eq!(completed(msgs.last().expect("final")).payload, b"committed");
    let mut all = describe_all(&p.received);
    all.extend(describe_all(&p.run_one(tx("tx2", &["get", "missing"])).await));
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_and_state_calls() {
    let d = compare("handshake_and_state_calls", basic_state).await;
    assert!(d[0].starts_with("REGISTER "), "{d:?}");
    let kinds: Vec<&str> = d.iter().map(|s| s.split(' ').next().unwrap_or("")).collect();
    assert_eq!(kinds, ["REGISTER", "PUT_STATE", "GET_STATE", "DEL_STATE", "COMPLETED", "GET_STATE", "COMPLETED"]);
}

async fn interleaved(addr: SocketAddr) -> Vec<String> {
    let world = World::new().with("x", "1").with("y", "2");
    let mut p = peer(addr, world, plain_ready()).await;
    let a = tx("tx-a", &["get", "x"]);
    let b = tx("tx-b", &["get", "y"]);
    // Same transaction ID on another channel: replies are matched by (channel, tx ID).
    let c = Tx { channel: "other".into(), ..tx("tx-a", &["get", "y"]) };
    for t in [&a, &b, &c] {
        p.send(p.transaction(t)).await;
    }
    // All three are in flight at once: each sent its GET_STATE before any got an answer.
    let mut requests = Vec::new();
    for _ in 0..3 {
        requests.push(p.expect(MsgType::GetState).await);
    }
    requests.sort_by(|x, y| (&x.channel_id, &x.txid).cmp(&(&y.channel_id, &y.txid)));
    // Answer in reverse order.
    for r in requests.iter().rev() {
        let answer = p.answer(r);
        p.send(answer).await;
    }
    let mut finals = Vec::new();
    for _ in 0..3 {
        finals.push(p.expect(MsgType::Completed).await);
    }
    finals.sort_by(|x, y| (&x.channel_id, &x.txid).cmp(&(&y.channel_id, &y.txid)));
    let payloads: Vec<Vec<u8>> = finals.iter().map(|m| completed(m).payload).collect();
    assert_eq!(payloads, [b"1".to_vec(), b"2".to_vec(), b"2".to_vec()], "nanotrace/tx-a, nanotrace/tx-b, other/tx-a");
    let mut d = describe_all(&requests);
    d.extend(describe_all(&finals));
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interleaved_transactions_on_one_stream() {
    compare("interleaved_transactions_on_one_stream", interleaved).await;
}

async fn write_batches(addr: SocketAddr) -> Vec<String> {
    let mut p =
        peer(addr, World::new(), ChaincodeAdditionalParams { max_size_write_batch: 100, ..fabric_31_ready() }).await;
    let msgs = p.run_one(tx("tx-batch", &["batch", "150"])).await;
    let mut d = describe_all(&msgs);
    d.extend(batched_records(&msgs));
    let msgs = p.run_one(tx("tx-ep", &["setep", "k", "RegulatorMSP,CertifierMSP", "peer"])).await;
    d.extend(describe_all(&msgs));
    d.extend(batched_records(&msgs));
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_batches_are_flushed_before_completed() {
    let d = compare("write_batches_are_flushed_before_completed", write_batches).await;
    let batches: Vec<&String> = d.iter().filter(|s| s.starts_with("WRITE_BATCH_STATE")).collect();
    // 151 writes (150 puts and a delete) at 100 a batch, then the metadata write.
    assert_eq!(batches.len(), 3, "{batches:?}");
    assert!(batches[0].ends_with("100 records") && batches[1].ends_with("51 records"), "{batches:?}");
    let i = d.iter().position(|s| s.starts_with("COMPLETED")).expect("completed");
    assert!(
        d[..i].iter().filter(|s| s.starts_with("WRITE_BATCH_STATE")).count() == 2,
        "writes flushed before COMPLETED"
    );
}

async fn get_multiple(addr: SocketAddr) -> Vec<String> {
    let mut world = World::new();
    for i in 0..150 {
        world = world.with(&format!("m{i:03}"), &i.to_string());
    }
    let keys: Vec<String> = (0..150).map(|i| format!("m{i:03}")).collect();
    let mut args = vec!["multi"];
    args.extend(keys.iter().map(String::as_str));
    args.push("absent");
    let mut p =
        peer(addr, world.clone(), ChaincodeAdditionalParams { max_size_get_multiple_keys: 100, ..fabric_31_ready() })
            .await;
    let msgs = p.run_one(tx("tx-multi", &args)).await;
    let expected: Vec<String> = (0..150).map(|i| i.to_string()).chain([String::new()]).collect();
    assert_eq!(completed(msgs.last().expect("final")).payload, expected.join(",").into_bytes());
    let mut d = describe_all(&msgs);
    // Without the announcement: one GET_STATE per key.
    let mut p = peer(addr, world, plain_ready()).await;
    d.extend(describe_all(&p.run_one(tx("tx-multi-2", &["multi", "m001", "absent", "m002"])).await));
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_state_multiple_when_announced() {
    let d = compare("get_state_multiple_when_announced", get_multiple).await;
    assert_eq!(d.iter().filter(|s| s.starts_with("GET_STATE_MULTIPLE")).count(), 2, "151 keys at 100 a message");
    assert_eq!(d.iter().filter(|s| s.starts_with("GET_STATE ")).count(), 3);
}

fn paged_world() -> World {
    World::new()
        .with("apple", "1")
        .with("banana", "2")
        .with("cherry", "3")
        .with("damson", "4")
        .with("elder", "5")
        .with_composite("cert~status", &["PENDING", "NT-1"], "p1")
        .with_composite("cert~status", &["PENDING", "NT-2"], "p2")
        .with_composite("cert~status", &["PENDING", "NT-3"], "p3")
        .with_composite("cert~status", &["ISSUED", "NT-4"], "i4")
}

async fn pagination(addr: SocketAddr) -> Vec<String> {
    let mut p = peer(addr, paged_world(), fabric_31_ready()).await;
    let mut d = Vec::new();
    let mut run = |msgs: Vec<ChaincodeMessage>| {
        let out = String::from_utf8_lossy(&completed(msgs.last().expect("final")).payload).into_owned();
        d.extend(describe_all(&msgs));
        out
    };
    // An empty start key must not reach the composite keys (which start with U+0000).
    let first = run(p.run_one(tx("r1", &["range", "", "", "2", ""])).await);
    assert_eq!(first, format!("{}=1;{}=2;|cherry", hex::encode("apple"), hex::encode("banana")));
    let second = run(p.run_one(tx("r2", &["range", "", "", "2", "cherry"])).await);
    assert_eq!(second, format!("{}=3;{}=4;|elder", hex::encode("cherry"), hex::encode("damson")));
    let last = run(p.run_one(tx("r3", &["range", "", "", "2", "elder"])).await);
    assert_eq!(last, format!("{}=5;|", hex::encode("elder")));
    // Page size 0: a page of 100; the peer sends results in chunks, fetched with
    // QUERY_STATE_NEXT while has_more.
    let all = run(p.run_one(tx("r4", &["range", "b", "e", "0", ""])).await);
    assert_eq!(all.matches(';').count(), 3, "{all}");
    let pending = run(p.run_one(tx("c1", &["composite", "cert~status", "PENDING", "2", ""])).await);
    let key3 = create_composite_key("cert~status", &["PENDING", "NT-3"]).expect("key");
    assert!(
        pending.contains("=p1;") && pending.contains("=p2;") && pending.ends_with(&format!("|{key3}")),
        "{pending:?}"
    );
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_and_composite_pagination() {
    let d = compare("range_and_composite_pagination", pagination).await;
    assert!(d.iter().any(|s| s.starts_with("QUERY_STATE_NEXT")), "{d:#?}");
    assert_eq!(d.iter().filter(|s| s.starts_with("QUERY_STATE_CLOSE")).count(), 5, "one per page: {d:#?}");
    assert!(d[0].contains(r#"start_key: "\u{1}""#), "{}", d[0]);
    // Pages are read from plain range iterators: no QueryMetadata, so never a Fabric
    // paginated query (which a peer allows only in read-only transactions).
    for s in d.iter().filter(|s| s.starts_with("GET_STATE_BY_RANGE")) {
        assert!(s.contains("metadata: []"), "{s}");
    }
}

async fn history(addr: SocketAddr) -> Vec<String> {
    let mut world = World::new();
    let m = |tx: &str, s: i64, v: &str, del: bool| KeyModification {
        tx_id: tx.into(),
        value: v.as_bytes().to_vec(),
        timestamp: Some(Timestamp { seconds: s, nanos: 0 }),
        is_delete: del,
    };
    world.history.insert("h".into(), vec![m("t3", 30, "", true), m("t2", 20, "two", false), m("t1", 10, "one", false)]);
    let mut p = peer(addr, world, fabric_31_ready()).await;
    let msgs = p.run_one(tx("hist", &["history", "h"])).await;
    assert_eq!(completed(msgs.last().expect("final")).payload, b"t3@30::true;t2@20:two:false;t1@10:one:false;");
    describe_all(&msgs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_iterates_until_done() {
    let d = compare("history_iterates_until_done", history).await;
    let kinds: Vec<&str> = d.iter().map(|s| s.split(' ').next().unwrap_or("")).collect();
    assert_eq!(kinds, ["GET_HISTORY_FOR_KEY", "QUERY_STATE_NEXT", "QUERY_STATE_CLOSE", "COMPLETED"]);
}

async fn endorsement_metadata(addr: SocketAddr) -> Vec<String> {
    let mut world = World::new();
    let stored = policy::encode(&EndorsementPolicy::all_of(["RegulatorMSP", "CertifierMSP"], PolicyRole::Peer));
    world.metadata.entry("with-ep".into()).or_default().insert("VALIDATION_PARAMETER".into(), stored);
    let mut p = peer(addr, world, plain_ready()).await;
    let mut d = describe_all(&p.run_one(tx("ep1", &["setep", "k", "RegulatorMSP,CertifierMSP", "peer"])).await);
    let got = p.run_one(tx("ep2", &["getep", "with-ep"])).await;
    assert_eq!(completed(got.last().expect("final")).payload, b"CertifierMSP,RegulatorMSP");
    d.extend(describe_all(&got));
    let none = p.run_one(tx("ep3", &["getep", "without"])).await;
    assert_eq!(completed(none.last().expect("final")).payload, b"");
    d.extend(describe_all(&none));
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_level_endorsement_metadata() {
    // PUT_STATE_METADATA's value is compared byte for byte with what Go's statebased
    // package produces for the same orgs.
    let d = compare("key_level_endorsement_metadata", endorsement_metadata).await;
    assert!(d[0].starts_with("PUT_STATE_METADATA") && d[0].contains("VALIDATION_PARAMETER"), "{}", d[0]);
}

async fn events_errors_creator(addr: SocketAddr) -> Vec<String> {
    let mut p = peer(addr, World::new(), fabric_31_ready()).await;
    let ev = p.run_one(tx("ev", &["event", "CertificateIssued", r#"{"id":"NT-1"}"#])).await;
    let last = ev.last().expect("final");
    assert_eq!(last.chaincode_event, Some(event("CertificateIssued", r#"{"id":"NT-1"}"#)));
    let mut d = describe_all(&ev);
    let failed = p.run_one(tx("fail", &["fail", "NOT_FOUND: certificate NT-9 does not exist"])).await;
    let response = completed(failed.last().expect("final"));
    assert_eq!((response.status, response.message.as_str()), (500, "NOT_FOUND: certificate NT-9 does not exist"));
    d.extend(describe_all(&failed));
    let who = p.run_one(tx("who", &["creator"])).await;
    let expected = format!("ProbeMSP|{}.{}|{}", TS.seconds, TS.nanos, PROBE_PEM.len());
    assert_eq!(completed(who.last().expect("final")).payload, expected.into_bytes());
    d.extend(describe_all(&who));
    d.extend(describe_all(&p.run_one(tx("unknown", &["nope"])).await));
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_errors_and_creator() {
    compare("events_errors_and_creator", events_errors_creator).await;
}

async fn keepalive(addr: SocketAddr) -> Vec<String> {
    let mut p = peer(addr, World::new(), fabric_31_ready()).await;
    p.send(ChaincodeMessage { r#type: MsgType::Keepalive as i32, ..Default::default() }).await;
    let echoed = p.expect(MsgType::Keepalive).await;
    let mut d = vec![describe(&echoed)];
    d.extend(describe_all(&p.run_one(tx("after-ka", &["get", "x"])).await));
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_is_echoed() {
    compare("keepalive_is_echoed", keepalive).await;
}

async fn out_of_order(addr: SocketAddr) -> Vec<String> {
    let mut p = ScriptedPeer::connect(addr, World::new()).await;
    p.expect(MsgType::Register).await;
    p.send(ChaincodeMessage { r#type: MsgType::Registered as i32, ..Default::default() }).await;
    // A transaction before READY.
    p.send(p.transaction(&tx("early", &["get", "x"]))).await;
    let err = p.expect(MsgType::Error).await;
    assert_eq!(err.txid, "early");
    let ended = p.recv().await;
    assert!(ended.is_none(), "the stream ends after a protocol violation: {ended:?}");
    // The wording of the error differs between shims; only the type and tx ID are
    // compared.
    vec![format!("ERROR tx={}", err.txid)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_before_ready_ends_the_stream() {
    compare("transaction_before_ready_ends_the_stream", out_of_order).await;
}

// Private data: GET_STATE, PUT_STATE and DEL_STATE with a collection,
// GET_PRIVATE_DATA_HASH, write batch records with a collection, transient data.
// ------------------------------------------------------------------------------------

/// Fabric's text when a `member_only_read` collection refuses the creator (the scripted
/// peer's, for transaction `txid` and collection `secret`).
fn no_read_access(txid: &str) -> String {
    format!(
        "GET_STATE failed: transaction ID: {txid}: tx creator does not have read access permission on privatedata in \
         chaincodeName:probe collectionName: secret"
    )
}

fn private_world() -> World {
    World::new()
        .with("price", "public")
        .with_private("fees", "price", "42", &[0xfe; 32])
        .with_private("secret", "price", "7", &[0x5e; 32])
        .unreadable("secret")
}

async fn private_reads(addr: SocketAddr) -> Vec<String> {
    let mut p = peer(addr, private_world(), fabric_31_ready()).await;
    let mut d = Vec::new();
    let mut run = |msgs: Vec<ChaincodeMessage>| {
        let response = completed(msgs.last().expect("final"));
        d.extend(describe_all(&msgs));
        (msgs, response)
    };
    // The collection's value, not the public state's value of the same key.
    let (msgs, response) = run(p.run_one(tx("pr1", &["pget", "fees", "price"])).await);
    assert_eq!(response.payload, b"42");
    assert_eq!(msgs[0].r#type, MsgType::GetState as i32);
    let request = GetState::decode(msgs[0].payload.as_slice()).expect("GetState");
    assert_eq!((request.collection.as_str(), request.key.as_str()), ("fees", "price"));
    let (_, response) = run(p.run_one(tx("pr2", &["pget", "fees", "absent"])).await);
    assert_eq!((response.status, response.payload.as_slice()), (200, b"".as_slice()));
    // The hash: GET_PRIVATE_DATA_HASH (type 22), readable even where the values are not.
    let (msgs, response) = run(p.run_one(tx("ph1", &["phash", "secret", "price"])).await);
    assert_eq!(msgs[0].r#type, 22);
    let request = GetState::decode(msgs[0].payload.as_slice()).expect("GetState");
    assert_eq!((request.collection.as_str(), request.key.as_str()), ("secret", "price"));
    assert_eq!(response.payload, hex::encode([0x5e; 32]).into_bytes());
    let (_, response) = run(p.run_one(tx("ph2", &["phash", "fees", "absent"])).await);
    assert_eq!((response.status, response.payload.as_slice()), (200, b"".as_slice()));
    // The peer's refusal comes back as the transaction's error, word for word.
    let (_, response) = run(p.run_one(tx("pr3", &["pget", "secret", "price"])).await);
    assert_eq!(response.status, 500);
    assert_eq!(response.message, no_read_access("pr3"));
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_data_reads_and_hashes() {
    let d = compare("private_data_reads_and_hashes", private_reads).await;
    let kinds: Vec<&str> = d.iter().map(|s| s.split(' ').next().unwrap_or("")).collect();
    assert_eq!(
        kinds,
        [
            "GET_STATE",
            "COMPLETED",
            "GET_STATE",
            "COMPLETED",
            "GET_PRIVATE_DATA_HASH",
            "COMPLETED",
            "GET_PRIVATE_DATA_HASH",
            "COMPLETED",
            "GET_STATE",
            "COMPLETED"
        ]
    );
}

async fn private_writes(addr: SocketAddr) -> Vec<String> {
    // Unbatched: PUT_STATE and DEL_STATE with the collection, one message per call.
    let mut p = peer(addr, World::new(), plain_ready()).await;
    let put = p.run_one(tx("pw1", &["pput", "fees", "k", "42"])).await;
    assert_eq!(put[0].r#type, MsgType::PutState as i32);
    let request = PutState::decode(put[0].payload.as_slice()).expect("PutState");
    assert_eq!(
        (request.collection.as_str(), request.key.as_str(), request.value.as_slice()),
        ("fees", "k", b"42".as_slice())
    );
    let del = p.run_one(tx("pw2", &["pdel", "fees", "k"])).await;
    assert_eq!(del[0].r#type, MsgType::DelState as i32);
    let request = DelState::decode(del[0].payload.as_slice()).expect("DelState");
    assert_eq!((request.collection.as_str(), request.key.as_str()), ("fees", "k"));
    let mixed = p.run_one(tx("pw3", &["pwrites", "fees", "k"])).await;
    let mut d = describe_all(&put);
    d.extend(describe_all(&del));
    d.extend(describe_all(&mixed));
    // Batched: records with the collection, the last write to each (collection, key).
    let mut p = peer(addr, World::new(), fabric_31_ready()).await;
    let batched = p.run_one(tx("pw4", &["pwrites", "fees", "k"])).await;
    assert_eq!(completed(batched.last().expect("final")).status, 200);
    let records: Vec<(String, String, Vec<u8>, i32)> = batched
        .iter()
        .filter(|m| m.r#type == MsgType::WriteBatchState as i32)
        .flat_map(|m| WriteBatchState::decode(m.payload.as_slice()).expect("WriteBatchState").rec)
        .map(|r| (r.collection, r.key, r.value, r.r#type))
        .collect();
    let mut records = records;
    records.sort();
    let (put, del) = (write_record::Type::PutState as i32, write_record::Type::DelState as i32);
    let record = |c: &str, k: &str, v: &str, t: i32| (c.to_owned(), k.to_owned(), v.as_bytes().to_vec(), t);
    assert_eq!(
        records,
        [
            record("", "k", "public", put),
            record("fees", "k", "last", put),
            record("fees", "k2", "", del),
            record("other", "k", "", del)
        ]
    );
    d.extend(describe_all(&batched));
    d.extend(batched_records(&batched));
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_data_writes_unbatched_and_batched() {
    let d = compare("private_data_writes_unbatched_and_batched", private_writes).await;
    let kinds: Vec<&str> = d.iter().map(|s| s.split(' ').next().unwrap_or("")).collect();
    assert_eq!(
        kinds[..10],
        [
            "PUT_STATE",
            "COMPLETED",
            "DEL_STATE",
            "COMPLETED",
            "PUT_STATE",
            "PUT_STATE",
            "PUT_STATE",
            "DEL_STATE",
            "PUT_STATE",
            "DEL_STATE"
        ]
    );
    assert_eq!(kinds[10..13], ["COMPLETED", "WRITE_BATCH_STATE", "COMPLETED"]);
    assert!(d[11].ends_with("4 records"), "{}", d[11]);
}

async fn transient_data(addr: SocketAddr) -> Vec<String> {
    let mut p = peer(addr, World::new(), fabric_31_ready()).await;
    let transient = BTreeMap::from([("price".to_owned(), b"42".to_vec()), ("note".to_owned(), b"".to_vec())]);
    let msgs = p.run_one(Tx { transient, ..tx("tr1", &["transient"]) }).await;
    assert_eq!(completed(msgs.last().expect("final")).payload, b"note=;price=42;");
    let mut d = describe_all(&msgs);
    let none = p.run_one(tx("tr2", &["transient"])).await;
    assert_eq!(completed(none.last().expect("final")).payload, b"");
    d.extend(describe_all(&none));
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_data_comes_from_the_proposal() {
    compare("transient_data_comes_from_the_proposal", transient_data).await;
}

async fn empty_collection(addr: SocketAddr) -> Vec<String> {
    let calls: [&[&str]; 4] =
        [&["pget", "", "price"], &["phash", "", "price"], &["pput", "", "price", "v"], &["pdel", "", "price"]];
    let mut d = Vec::new();
    for (name, ready) in [("batched", fabric_31_ready()), ("unbatched", plain_ready())] {
        let mut p = peer(addr, World::new().with("price", "public"), ready).await;
        for (i, args) in calls.iter().enumerate() {
            let msgs = p.run_one(tx(&format!("empty-{name}-{i}"), args)).await;
            // Only the final message: nothing was sent for the refused call. The
            // wording differs between shims; both name the collection.
            let response = completed(msgs.last().expect("final"));
            assert!(response.message.contains("collection"), "{name} {args:?}: {}", response.message);
            d.push(format!("{name} {args:?}: {} messages, status {}", msgs.len(), response.status));
        }
    }
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_collection_is_refused_without_a_message() {
    let d = compare("an_empty_collection_is_refused_without_a_message", empty_collection).await;
    assert_eq!(d.len(), 8);
    assert!(d.iter().all(|s| s.ends_with(": 1 messages, status 500")), "{d:#?}");
}

// ------------------------------------------------------------------------------------
// Rust-only scenarios (the Go shim's behaviour differs on purpose, see each comment).
// ------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_batch_honours_a_small_announced_size() {
    // The Go shim raises any announced size below 100 to 100; this runtime honours the
    // peer's number.
    let target = rust_server(Probe).await;
    let mut p =
        peer(target.addr, World::new(), ChaincodeAdditionalParams { max_size_write_batch: 2, ..fabric_31_ready() })
            .await;
    let msgs = p.run_one(tx("small", &["batch", "3"])).await;
    let d = describe_all(&msgs);
    let kinds: Vec<&str> = d.iter().map(|s| s.split(' ').next().unwrap_or("")).collect();
    assert_eq!(kinds, ["WRITE_BATCH_STATE", "WRITE_BATCH_STATE", "COMPLETED"]);
    assert!(d[0].ends_with("2 records") && d[1].ends_with("2 records"), "{d:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn composite_pages_continue_from_the_bookmark() {
    // The Go shim has no public call that continues a composite-key scan from a key.
    let target = rust_server(Probe).await;
    let mut p = peer(target.addr, paged_world(), fabric_31_ready()).await;
    let key3 = create_composite_key("cert~status", &["PENDING", "NT-3"]).expect("key");
    let msgs = p.run_one(tx("c2", &["composite", "cert~status", "PENDING", "2", &key3])).await;
    assert_eq!(
        String::from_utf8_lossy(&completed(msgs.last().expect("final")).payload),
        format!("{}=p3;|", hex::encode(key3.as_bytes()))
    );
    let request = GetStateByRange::decode(msgs[0].payload.as_slice()).expect("GET_STATE_BY_RANGE");
    assert_eq!(request.start_key, key3, "the next page starts at the bookmark");
    assert!(request.metadata.is_empty(), "no Fabric pagination");
    // A bookmark of another index is refused, not followed.
    let other = create_composite_key("cert~mfr", &["X", "NT-9"]).expect("key");
    let msgs = p.run_one(tx("c3", &["composite", "cert~status", "PENDING", "2", &other])).await;
    let response = completed(msgs.last().expect("final"));
    assert_eq!(response.status, 500);
    assert!(response.message.contains("bookmark"), "{}", response.message);
}

/// Regression (found on a real Fabric 3.1.5 peer): Suspend, Revoke and Reinstate page
/// through the dependents index and then write. With Fabric's paginated queries the peer
/// refused the writes ("Transaction has already performed a paginated query. Writes are
/// not allowed"); the scripted peer enforces that rule as Fabric does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_query_then_writes_commits() {
    let target = rust_server(Probe).await;
    for (name, ready) in [("batched", fabric_31_ready()), ("unbatched", plain_ready())] {
        let mut p = peer(target.addr, paged_world(), ready).await;
        let msgs = p.run_one(tx(&format!("pp-{name}"), &["pageput", "cert~status", "PENDING", "1000", "k"])).await;
        let response = completed(msgs.last().expect("final"));
        assert_eq!(response.status, 200, "{name}: {}", response.message);
        assert_eq!(String::from_utf8_lossy(&response.payload).matches(';').count(), 3, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scripted_peer_refuses_writes_after_a_paginated_query() {
    // The scripted peer's rule itself, with hand-made messages: what Fabric's Go shim's
    // GetStateByRangeWithPagination followed by PutState would meet on a real peer.
    let target = rust_server(Probe).await;
    let mut p = peer(target.addr, paged_world(), plain_ready()).await;
    let msg = |kind: MsgType, txid: &str, payload: Vec<u8>| ChaincodeMessage {
        r#type: kind as i32,
        payload,
        txid: txid.into(),
        channel_id: "nanotrace".into(),
        ..Default::default()
    };
    let paged = GetStateByRange {
        start_key: "a".into(),
        end_key: "z".into(),
        metadata: QueryMetadata { page_size: 2, bookmark: String::new() }.encode_to_vec(),
        ..Default::default()
    };
    let put = PutState { key: "k".into(), value: b"v".to_vec(), ..Default::default() };
    assert_eq!(p.answer(&msg(MsgType::GetStateByRange, "t1", paged.encode_to_vec())).r#type, MsgType::Response as i32);
    let refused = p.answer(&msg(MsgType::PutState, "t1", put.encode_to_vec()));
    assert_eq!(refused.r#type, MsgType::Error as i32);
    assert!(String::from_utf8_lossy(&refused.payload).contains("Writes are not allowed"));
    // And the other way round; another transaction is not affected.
    assert_eq!(p.answer(&msg(MsgType::PutState, "t2", put.encode_to_vec())).r#type, MsgType::Response as i32);
    let refused = p.answer(&msg(MsgType::GetStateByRange, "t2", paged.encode_to_vec()));
    assert!(String::from_utf8_lossy(&refused.payload).contains("read-only transaction"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_transaction_is_an_error_not_a_dead_server() {
    // The Go shim has no such guard: a panic in Go chaincode ends the process.
    let target = rust_server(Probe).await;
    let mut p = peer(target.addr, World::new().with("x", "1"), fabric_31_ready()).await;
    let msgs = p.run_one(tx("boom", &["panic"])).await;
    let last = msgs.last().expect("final");
    assert_eq!(last.r#type, MsgType::Error as i32);
    assert_eq!(String::from_utf8_lossy(&last.payload), "transaction panicked: probe panics on purpose");
    // The stream and the server carry on.
    let after = p.run_one(tx("after", &["get", "x"])).await;
    assert_eq!(completed(after.last().expect("final")).payload, b"1");
    let mut other = peer(target.addr, World::new(), fabric_31_ready()).await;
    assert_eq!(completed(other.run_one(tx("fresh", &["get", "y"])).await.last().expect("final")).status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_transaction_in_flight_is_refused() {
    let target = rust_server(Probe).await;
    let mut p = peer(target.addr, World::new().with("x", "1"), plain_ready()).await;
    let t = tx("dup", &["get", "x"]);
    p.send(p.transaction(&t)).await;
    let request = p.expect(MsgType::GetState).await;
    p.send(p.transaction(&t)).await;
    let refused = p.expect(MsgType::Error).await;
    assert!(String::from_utf8_lossy(&refused.payload).contains("already in flight"));
    let answer = p.answer(&request);
    p.send(answer).await;
    assert_eq!(completed(&p.expect(MsgType::Completed).await).payload, b"1");
}

/// Reports how each transaction ended, to see in-flight transactions end when the peer
/// disconnects.
struct Reporting {
    done: Mutex<std_mpsc::Sender<Result<Vec<u8>, ChaincodeError>>>,
}

impl Chaincode for Reporting {
    fn invoke(&self, stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ChaincodeError> {
        let result = Probe.invoke(stub, function, args);
        if let Ok(done) = self.done.lock() {
            let _ = done.send(result.clone());
        }
        result
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_disconnects_ends_its_transactions() {
    let (done_tx, done_rx) = std_mpsc::channel();
    let target = rust_server(Reporting { done: Mutex::new(done_tx) }).await;
    {
        let mut p = peer(target.addr, World::new(), plain_ready()).await;
        p.send(p.transaction(&tx("orphan", &["putgetdel", "a", "1", "b"]))).await;
        p.expect(MsgType::PutState).await;
        // The peer goes away without answering.
    }
    let outcome = tokio::task::spawn_blocking(move || done_rx.recv_timeout(Duration::from_secs(10)))
        .await
        .expect("join")
        .expect("the in-flight transaction ended");
    let err = outcome.expect_err("a stub call without a peer fails");
    assert!(err.message.contains("closed") || err.message.contains("disconnected"), "{err}");
    // The server still serves.
    let mut p = peer(target.addr, World::new().with("x", "1"), plain_ready()).await;
    assert_eq!(completed(p.run_one(tx("next", &["get", "x"])).await.last().expect("final")).payload, b"1");
}

#[test]
fn probe_policy_bytes_match_fabric_statebased() {
    // The exact bytes of Fabric's Go `statebased` package (fabric-chaincode-go v2.3.0:
    // `NewStateEP(nil)`, `AddOrgs(role, orgs...)`, `Policy()`), printed by a Go program
    // built against the go-probe's go.mod: sorted MSP IDs, N out of N, the role per org.
    let golden = [
        (vec!["B", "A"], PolicyRole::Member, "120c120a080212020800120208011a0512030a01411a0512030a0142"),
        (vec!["CertifierMSP"], PolicyRole::Peer, "120812060801120208001a1212100a0c4365727469666965724d53501003"),
        (
            vec!["RegulatorMSP", "CertifierMSP", "ManufacturerMSP"],
            PolicyRole::Peer,
            "1210120e08031202080012020801120208021a1212100a0c4365727469666965724d535010031a1512130a0f4d616e7566616374757265724d535010031a1212100a0c526567756c61746f724d53501003",
        ),
    ];
    for (orgs, role, go_hex) in golden {
        let policy = EndorsementPolicy::all_of(orgs.iter().copied(), role);
        assert_eq!(
            hex::encode(policy::encode(&policy)),
            go_hex,
            "{orgs:?} {role:?}: not the statebased package's bytes"
        );
    }
}
