//! Compiles NanoTrace's subset of Fabric's .proto files with protox (pure Rust, no
//! protoc) and generates prost messages and tonic clients/servers.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const FILES: &[&str] = &[
        "common/common.proto",
        "common/ledger.proto",
        "common/policies.proto",
        "msp/identities.proto",
        "msp/msp_principal.proto",
        "ledger/queryresult/kv_query_result.proto",
        "ledger/rwset/rwset.proto",
        "ledger/rwset/kvrwset/kv_rwset.proto",
        "peer/chaincode.proto",
        "peer/chaincode_event.proto",
        "peer/chaincode_shim.proto",
        "peer/proposal.proto",
        "peer/proposal_response.proto",
        "peer/transaction.proto",
        "orderer/ab.proto",
        "gateway/gateway.proto",
        "google/rpc/status.proto",
    ];
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(FILES, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // Transport-free code: the crates that dial or listen enable tonic's transport.
        .build_transport(false)
        .emit_rerun_if_changed(false)
        // Deterministic map encoding (sorted keys), as Go's deterministic marshalling.
        .btree_map(".")
        .compile_fds(fds)?;
    Ok(())
}
