//! [`GatewayTransport`] against the in-process fake gateway (testkit's `fake_gateway`, no
//! peer needed): a connection profile's identity and gateway, and every stage's outcome
//! mapped onto `ApiError`, with the gRPC code and the peers' details of the failed call.
#![allow(clippy::unwrap_used, missing_docs)]

use nanotrace_client::{ApiError, GatewayTransport, Transport};
use nanotrace_testkit::fake_gateway::{identity, start, write_msp};

#[test]
fn a_profile_connects_and_the_transport_maps_onto_api_errors() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (addr, fake) = rt.block_on(start(None));
    let dir = tempfile::tempdir().unwrap();
    let msp = write_msp(dir.path(), &identity("ed25519"));
    // the profile format written by scripts/network.sh
    let profile = format!(
        "name: org1-user2\nchannel: mychannel\nchaincode: basic\nidentity:\n  msp_id: Org1MSP\n  cert: {}\n  key: {}\ngateway:\n  address: {addr}\n",
        msp.join("signcerts/User1@org1.example.com-cert.pem").display(),
        msp.join("keystore/priv_sk").display()
    );
    let profile_path = dir.path().join("org1-user2.yaml");
    std::fs::write(&profile_path, profile).unwrap();
    let transport = rt.block_on(GatewayTransport::from_profile(&profile_path)).unwrap();

    let submitted = rt.block_on(transport.submit("Apply", &[b"{}".to_vec()])).unwrap();
    assert_eq!((submitted.value.as_slice(), submitted.tx_id.len()), (&b"ok:Apply({})"[..], 64));
    assert_eq!(rt.block_on(transport.evaluate("Verify", &[b"NT-1".to_vec()])).unwrap(), b"ok:Verify(NT-1)");
    let e = rt.block_on(transport.submit("refuse", &[])).unwrap_err();
    assert!(e.is_refusal(), "{e:?}");
    assert_eq!(e.code(), Some("VALIDATION"));
    assert_eq!(e.tx_id().map(str::len), Some(64));
    // the refusal keeps the endorsement it came from: its gRPC code and both peers' messages
    assert_eq!(e.grpc_code(), Some(tonic::Code::Aborted));
    let peers: Vec<&str> = e.details().iter().map(|d| d.msp_id.as_str()).collect();
    assert_eq!(peers, ["Org1MSP", "Org2MSP"]);
    let e = rt.block_on(transport.evaluate("refuse", &[])).unwrap_err();
    assert_eq!(e.code(), Some("VALIDATION"));
    let e = rt.block_on(transport.submit("mvcc", &[])).unwrap_err();
    assert!(matches!(&e, ApiError::Commit { code, .. } if code == "MVCC_READ_CONFLICT"), "{e:?}");
    let e = rt.block_on(transport.submit("submit_fail", &[])).unwrap_err();
    assert!(matches!(e, ApiError::Submit { .. }), "{e:?}");
    assert_eq!(e.grpc_code(), Some(tonic::Code::Unavailable));
    assert_eq!(e.details()[0].msp_id, "OrdererMSP");
    // Transient data goes in the proposal's transient map, for a submit and a query alike,
    // and is never an argument.
    let transient = nanotrace_client::Transient::from([("request".to_owned(), b"{\"fee\":1}".to_vec())]);
    let submitted = rt.block_on(transport.submit_transient("SetFeeSchedule", &[], &transient)).unwrap();
    assert_eq!(submitted.value, b"ok:SetFeeSchedule()");
    rt.block_on(transport.evaluate_transient("GetQuote", &[], &transient)).unwrap();
    let sent: Vec<(String, String)> = fake
        .records()
        .into_iter()
        .filter(|r| r.function == "SetFeeSchedule" || r.function == "GetQuote")
        .map(|r| (r.rpc, r.fields))
        .collect();
    assert!(sent.iter().any(|(rpc, _)| rpc == "Endorse") && sent.iter().any(|(rpc, _)| rpc == "Evaluate"), "{sent:?}");
    for (rpc, fields) in &sent {
        if rpc == "Endorse" || rpc == "Evaluate" {
            assert!(fields.contains(r#"payload.transient_map=["request"]"#), "{rpc}: {fields}");
        }
    }
    let transport = transport.with_mvcc_retries(1);
    rt.block_on(transport.submit("mvcc_once", &[])).unwrap();
    fake.assert_signatures_ok();
    drop(transport);
    drop(rt);
}
