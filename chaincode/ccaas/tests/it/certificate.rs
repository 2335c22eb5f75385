//! The real certificate contract behind the runtime: Bootstrap and WhoAmI from a peer
//! with real X.509 creators (rcgen), write batching as a Fabric 3.1 peer announces it.

use crate::common::*;
use nanotrace_ccaas::CertificateChaincode;
use nanotrace_protos::prost::Message;
use nanotrace_protos::protos::{
    chaincode_message::Type as MsgType, write_record, ChaincodeAdditionalParams, WriteBatchState,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_and_who_am_i_over_the_shim() {
    let target = rust_server(CertificateChaincode::default()).await;
    let mut p = ScriptedPeer::connect(target.addr, World::new()).await;
    p.handshake(ChaincodeAdditionalParams {
        use_write_batch: true,
        max_size_write_batch: 1000,
        use_get_multiple_keys: true,
        max_size_get_multiple_keys: 1000,
    })
    .await;

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
