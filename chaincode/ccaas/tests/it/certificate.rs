//! The real certificate contract behind the runtime: Bootstrap and WhoAmI from a peer
//! with real X.509 creators (rcgen), write batching as a Fabric 3.1 peer announces it.

use crate::common::*;
use nanotrace_chaincode::CertificateChaincode;
use nanotrace_protos::prost::Message;
use nanotrace_protos::protos::{
    chaincode_message::Type as MsgType, write_record, ChaincodeAdditionalParams, ChaincodeMessage, WriteBatchState,
    WriteRecord,
};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};

fn cert(org: &str, ou: &str, cn: &str) -> Vec<u8> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::OrganizationalUnitName, ou);
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    params.self_signed(&key).expect("cert").pem().into_bytes()
}

/// A peer connected to the certificate contract and past the handshake, announcing write
/// batches as a Fabric 3.1 peer does. Keep `Target` alive while the peer is used.
async fn certificate_peer() -> (Target, ScriptedPeer) {
    let target = rust_server(CertificateChaincode::default()).await;
    let mut p = ScriptedPeer::connect(target.addr, World::new()).await;
    p.handshake(ChaincodeAdditionalParams {
        use_write_batch: true,
        max_size_write_batch: 1000,
        use_get_multiple_keys: true,
        max_size_get_multiple_keys: 1000,
    })
    .await;
    (target, p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_and_who_am_i_over_the_shim() {
    let (_target, mut p) = certificate_peer().await;

    // A client identity may not bootstrap: the contract error's Display is the message.
    p.creator = ("RegulatorMSP".into(), cert("regulator.example.com", "client", "carol@regulator"));
    let refused = p.run_one(tx("boot-0", &["Bootstrap", "{}"])).await;
    let response = completed(refused.last().expect("final"));
    assert_eq!(response.status, 500);
    assert!(response.message.starts_with("UNAUTHORIZED: "), "{}", response.message);

    // The admin bootstraps: reads, one write batch before COMPLETED, an event.
    p.creator = ("RegulatorMSP".into(), cert("regulator.example.com", "admin", "Admin@regulator"));
    let boot = p.run_one(tx("boot-1", &["Bootstrap", "{}"])).await;
    let last = boot.last().expect("final");
    let response = completed(last);
    assert_eq!(response.status, 200, "{}", response.message);
    let gov: serde_json::Value = serde_json::from_slice(&response.payload).expect("JSON");
    assert_eq!(gov["msp_id"], "RegulatorMSP");
    assert!(last.chaincode_event.as_ref().is_some_and(|e| !e.event_name.is_empty()), "Bootstrap emits an event");
    let batches: Vec<WriteBatchState> = boot
        .iter()
        .filter(|m| m.r#type == MsgType::WriteBatchState as i32)
        .map(|m| WriteBatchState::decode(m.payload.as_slice()).expect("batch"))
        .collect();
    assert_eq!(batches.len(), 1);
    assert!(boot.iter().all(|m| m.r#type != MsgType::PutState as i32), "writes go in the batch");
    let kinds: Vec<i32> = boot.iter().map(|m| m.r#type).collect();
    let batch_at = kinds.iter().position(|k| *k == MsgType::WriteBatchState as i32).expect("batch");
    assert_eq!(batch_at, kinds.len() - 2, "the batch is flushed right before COMPLETED");

    // Commit the writes, as the peer would after ordering, then ask who we are.
    for rec in &batches[0].rec {
        if rec.r#type == write_record::Type::PutState as i32 {
            p.world.state.insert(rec.key.clone(), rec.value.clone());
        }
    }
    let who = p.run_one(tx("who-1", &["WhoAmI"])).await;
    let response = completed(who.last().expect("final"));
    assert_eq!(response.status, 200, "{}", response.message);
    let who: serde_json::Value = serde_json::from_slice(&response.payload).expect("JSON");
    assert_eq!(who["roles"], serde_json::json!(["admin"]), "{who}");

    // A second bootstrap sees the committed governance record.
    let again = p.run_one(tx("boot-2", &["Bootstrap", "{}"])).await;
    let response = completed(again.last().expect("final"));
    assert!(response.message.starts_with("CONFLICT: "), "{}", response.message);
}

/// The records a transaction sent in its write batches.
fn written(msgs: &[ChaincodeMessage]) -> Vec<WriteRecord> {
    msgs.iter()
        .filter(|m| m.r#type == MsgType::WriteBatchState as i32)
        .flat_map(|m| WriteBatchState::decode(m.payload.as_slice()).expect("batch").rec)
        .collect()
}

/// Runs `args` as the current creator, expects success, and commits its writes to the
/// peer's world as the peer would after ordering; answers the response and the messages.
async fn commit(p: &mut ScriptedPeer, txid: &str, args: &[&str]) -> (serde_json::Value, Vec<ChaincodeMessage>) {
    let msgs = p.run_one(tx(txid, args)).await;
    let response = completed(msgs.last().expect("final"));
    assert_eq!(response.status, 200, "{txid}: {}", response.message);
    for rec in written(&msgs) {
        match write_record::Type::try_from(rec.r#type) {
            Ok(write_record::Type::PutState) => {
                p.world.state.insert(rec.key.clone(), rec.value.clone());
            }
            Ok(write_record::Type::DelState) => {
                p.world.state.remove(&rec.key);
            }
            Ok(write_record::Type::PutStateMetadata) => {
                let entry = rec.metadata.expect("metadata");
                p.world.metadata.entry(rec.key.clone()).or_default().insert(entry.metakey, entry.value);
            }
            other => panic!("{txid}: unexpected write record {other:?}"),
        }
    }
    (serde_json::from_slice(&response.payload).expect("JSON"), msgs)
}

/// Issue 15 on the Fabric runtime: an Apply with a client reference records the reference
/// key and its key-level policy in the write batch; the same Apply again (a later
/// transaction) reads it over the shim, writes nothing, emits no event and answers the
/// recorded ID as repeated; another application under it is a CONFLICT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_client_reference_writes_nothing_over_the_shim() {
    let (_target, mut p) = certificate_peer().await;
    p.creator = ("RegulatorMSP".into(), cert("regulator.example.com", "admin", "Admin@regulator"));
    commit(&mut p, "cr-boot", &["Bootstrap", "{}"]).await;
    let org = r#"{"msp_id":"ManufacturerMSP","name":"Nano Manufacturing","kind":"manufacturer"}"#;
    commit(&mut p, "cr-org", &["RegisterOrganization", org]).await;
    let prefixes = r#"{"msp_id":"ManufacturerMSP","prefixes":["4006381"]}"#;
    commit(&mut p, "cr-gcp", &["SetCompanyPrefixes", prefixes]).await;
    p.creator = ("ManufacturerMSP".into(), cert("manufacturer.example.com", "client", "dave@manufacturer"));
    let mut app: serde_json::Value =
        serde_json::from_str(include_str!("../../../../examples/application.json")).expect("sample application");
    app["batch"] = "LOT-SHIM-1".into();
    app["client_ref"] = "po-77".into();
    let app_json = app.to_string();

    let (first, msgs) = commit(&mut p, "cr-apply-1", &["Apply", &app_json]).await;
    let id = first["certificate_ids"][0].as_str().expect("ID").to_owned();
    assert!(first.get("repeated").is_none(), "{first}");
    let key = nanotrace_shim::create_composite_key("clientref", &["ManufacturerMSP", "po-77"]).expect("key");
    let records = written(&msgs);
    assert!(records.iter().any(|r| r.key == key && r.r#type == write_record::Type::PutState as i32), "{records:?}");
    assert!(
        records.iter().any(|r| r.key == key && r.r#type == write_record::Type::PutStateMetadata as i32),
        "the reference key gets its key-level endorsement policy: {records:?}"
    );
    assert!(msgs.last().expect("final").chaincode_event.is_some(), "the first Apply emits an event");

    let (again, msgs) = commit(&mut p, "cr-apply-2", &["Apply", &app_json]).await;
    assert_eq!(again["certificate_ids"], serde_json::json!([id]));
    assert_eq!(again["repeated"], serde_json::json!([id]));
    assert!(written(&msgs).is_empty(), "a repeat writes nothing: {:?}", describe_all(&msgs));
    assert!(
        msgs.last().expect("final").chaincode_event.as_ref().is_none_or(|e| e.event_name.is_empty()),
        "a repeat emits no event"
    );

    app["batch"] = "LOT-SHIM-2".into();
    let other = app.to_string();
    let msgs = p.run_one(tx("cr-apply-3", &["Apply", &other])).await;
    let response = completed(msgs.last().expect("final"));
    assert!(response.message.starts_with("CONFLICT: client_ref \"po-77\""), "{}", response.message);
    assert!(written(&msgs).is_empty());
}
