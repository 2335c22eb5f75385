//! Golden bytes: every message here is built exactly as protos/tests/golden/main.go
//! builds it with fabric-protos-go-apiv2 (Fabric's own Go bindings); our encoding must
//! equal Go's bytes in golden.txt, and Go's bytes must decode to the same message.

use nanotrace_protos::common::{self, signature_policy, SignaturePolicy, SignaturePolicyEnvelope};
use nanotrace_protos::gateway;
use nanotrace_protos::msp;
use nanotrace_protos::orderer::{self, seek_position};
use nanotrace_protos::prost::Message;
use nanotrace_protos::prost_types::{Any, Timestamp};
use nanotrace_protos::protos::{self as peer, chaincode_message::Type as MsgType, write_record};
use nanotrace_protos::queryresult;
use nanotrace_protos::{kvrwset, rwset};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Command;

fn golden() -> HashMap<String, Vec<u8>> {
    let text = include_str!("golden/golden.txt");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (name, hex_bytes) = l.split_once(' ').expect("name hex");
            (name.to_owned(), hex::decode(hex_bytes).expect("hex"))
        })
        .collect()
}

struct Checker {
    golden: HashMap<String, Vec<u8>>,
    seen: Vec<String>,
}

impl Checker {
    fn check<M: Message + Default + PartialEq + std::fmt::Debug>(&mut self, name: &str, msg: &M) -> Vec<u8> {
        let ours = msg.encode_to_vec();
        let go = self.golden.get(name).unwrap_or_else(|| panic!("{name} missing from golden.txt"));
        assert_eq!(hex::encode(&ours), hex::encode(go), "{name}: our bytes differ from Go's");
        let decoded = M::decode(go.as_slice()).unwrap_or_else(|e| panic!("{name}: Go's bytes do not decode: {e}"));
        assert_eq!(&decoded, msg, "{name}: Go's bytes decode to a different message");
        self.seen.push(name.to_owned());
        ours
    }
}

#[test]
fn our_encoding_matches_fabric_protos_go() {
    let mut c = Checker { golden: golden(), seen: Vec::new() };
    let ts = Timestamp { seconds: 1_767_225_600, nanos: 123_456_789 };
    let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_vec();

    let creator = msp::SerializedIdentity { mspid: "CertifierMSP".into(), id_bytes: pem };
    let creator_bytes = c.check("serialized_identity", &creator);
    let chdr = common::ChannelHeader {
        r#type: common::HeaderType::EndorserTransaction as i32,
        version: 0,
        timestamp: Some(ts),
        channel_id: "nanotrace".into(),
        tx_id: "f00d".into(),
        epoch: 0,
        extension: peer::ChaincodeHeaderExtension {
            chaincode_id: Some(peer::ChaincodeId { name: "nanotrace".into(), ..Default::default() }),
        }
        .encode_to_vec(),
        tls_cert_hash: Vec::new(),
    };
    let chdr_bytes = c.check("channel_header", &chdr);
    let shdr = common::SignatureHeader { creator: creator_bytes.clone(), nonce: vec![1, 2, 3, 4] };
    let shdr_bytes = c.check("signature_header", &shdr);
    let hdr = common::Header { channel_header: chdr_bytes, signature_header: shdr_bytes };
    let input = peer::ChaincodeInput {
        args: vec![b"WhoAmI".to_vec(), b"{}".to_vec()],
        decorations: BTreeMap::from([("b".into(), b"2".to_vec()), ("a".into(), b"1".to_vec())]),
        is_init: false,
    };
    let input_bytes = c.check("chaincode_input", &input);
    let cis = peer::ChaincodeInvocationSpec {
        chaincode_spec: Some(peer::ChaincodeSpec {
            r#type: peer::chaincode_spec::Type::Golang as i32,
            chaincode_id: Some(peer::ChaincodeId { name: "nanotrace".into(), ..Default::default() }),
            input: Some(input.clone()),
            timeout: 0,
        }),
    };
    let cis_bytes = c.check("chaincode_invocation_spec", &cis);
    let cpp = peer::ChaincodeProposalPayload {
        input: cis_bytes,
        transient_map: BTreeMap::from([("k2".into(), vec![2]), ("k1".into(), vec![1])]),
    };
    let cpp_bytes = c.check("chaincode_proposal_payload", &cpp);
    let prop = peer::Proposal { header: hdr.encode_to_vec(), payload: cpp_bytes, extension: Vec::new() };
    let prop_bytes = c.check("proposal", &prop);
    let sp = peer::SignedProposal { proposal_bytes: prop_bytes, signature: vec![0x30, 0x44] };
    c.check("signed_proposal", &sp);

    let msg = |t: MsgType, payload: Vec<u8>| peer::ChaincodeMessage {
        r#type: t as i32,
        payload,
        txid: "f00d".into(),
        channel_id: "nanotrace".into(),
        ..Default::default()
    };
    c.check(
        "msg_register",
        &peer::ChaincodeMessage {
            r#type: MsgType::Register as i32,
            payload: peer::ChaincodeId { name: "nanotrace_1.0:0123abcd".into(), ..Default::default() }.encode_to_vec(),
            ..Default::default()
        },
    );
    c.check(
        "msg_ready",
        &peer::ChaincodeMessage {
            r#type: MsgType::Ready as i32,
            payload: peer::ChaincodeAdditionalParams {
                use_write_batch: true,
                max_size_write_batch: 1000,
                use_get_multiple_keys: true,
                max_size_get_multiple_keys: 1000,
            }
            .encode_to_vec(),
            ..Default::default()
        },
    );
    c.check(
        "msg_transaction",
        &peer::ChaincodeMessage {
            timestamp: Some(ts),
            proposal: Some(sp.clone()),
            ..msg(MsgType::Transaction, input_bytes)
        },
    );
    c.check(
        "msg_get_state_by_range",
        &msg(
            MsgType::GetStateByRange,
            peer::GetStateByRange {
                start_key: "\u{1}".into(),
                end_key: String::new(),
                collection: String::new(),
                metadata: peer::QueryMetadata { page_size: 10, bookmark: "k5".into() }.encode_to_vec(),
            }
            .encode_to_vec(),
        ),
    );
    let meta = |k: &str, v: Vec<u8>| Some(peer::StateMetadata { metakey: k.into(), value: v });
    c.check(
        "msg_write_batch",
        &msg(
            MsgType::WriteBatchState,
            peer::WriteBatchState {
                rec: vec![
                    peer::WriteRecord {
                        key: "a".into(),
                        value: b"1".to_vec(),
                        r#type: write_record::Type::PutState as i32,
                        ..Default::default()
                    },
                    peer::WriteRecord {
                        key: "b".into(),
                        r#type: write_record::Type::DelState as i32,
                        ..Default::default()
                    },
                    peer::WriteRecord {
                        key: "c".into(),
                        metadata: meta("VALIDATION_PARAMETER", vec![9]),
                        r#type: write_record::Type::PutStateMetadata as i32,
                        ..Default::default()
                    },
                ],
            }
            .encode_to_vec(),
        ),
    );
    c.check(
        "msg_get_state_multiple",
        &msg(
            MsgType::GetStateMultiple,
            peer::GetStateMultiple { keys: vec!["a".into(), "b".into()], collection: String::new() }.encode_to_vec(),
        ),
    );
    c.check("get_state_multiple_result", &peer::GetStateMultipleResult { values: vec![b"1".to_vec(), Vec::new()] });
    c.check(
        "msg_completed",
        &peer::ChaincodeMessage {
            chaincode_event: Some(peer::ChaincodeEvent {
                event_name: "CertificateIssued".into(),
                payload: b"{}".to_vec(),
                ..Default::default()
            }),
            ..msg(
                MsgType::Completed,
                peer::Response { status: 200, message: String::new(), payload: b"ok".to_vec() }.encode_to_vec(),
            )
        },
    );
    c.check("msg_error", &msg(MsgType::Error, b"BAD_REQUEST: no".to_vec()));
    c.check(
        "put_state_metadata",
        &peer::PutStateMetadata {
            key: "k".into(),
            collection: String::new(),
            metadata: meta("VALIDATION_PARAMETER", vec![1]),
        },
    );
    c.check(
        "state_metadata_result",
        &peer::StateMetadataResult {
            entries: vec![peer::StateMetadata { metakey: "VALIDATION_PARAMETER".into(), value: vec![1, 2] }],
        },
    );
    let kv =
        queryresult::Kv { namespace: "nanotrace".into(), key: "cert~NT-1".into(), value: br#"{"id":"NT-1"}"#.to_vec() };
    let kv_bytes = c.check("kv", &kv);
    c.check(
        "key_modification",
        &queryresult::KeyModification {
            tx_id: "f00d".into(),
            value: b"v".to_vec(),
            timestamp: Some(ts),
            is_delete: true,
        },
    );
    c.check(
        "query_response",
        &peer::QueryResponse {
            results: vec![peer::QueryResultBytes { result_bytes: kv_bytes }],
            has_more: true,
            id: "q1".into(),
            metadata: peer::QueryResponseMetadata { fetched_records_count: 1, bookmark: "cert~NT-2".into() }
                .encode_to_vec(),
        },
    );

    c.check(
        "signature_policy_envelope",
        &SignaturePolicyEnvelope {
            version: 0,
            rule: Some(SignaturePolicy {
                r#type: Some(signature_policy::Type::NOutOf(signature_policy::NOutOf {
                    n: 1,
                    rules: vec![SignaturePolicy { r#type: Some(signature_policy::Type::SignedBy(0)) }],
                })),
            }),
            identities: vec![common::MspPrincipal {
                principal_classification: common::msp_principal::Classification::Role as i32,
                principal: common::MspRole {
                    msp_identifier: "CertifierMSP".into(),
                    role: common::msp_role::MspRoleType::Peer as i32,
                }
                .encode_to_vec(),
            }],
        },
    );

    c.check(
        "endorse_request",
        &gateway::EndorseRequest {
            transaction_id: "f00d".into(),
            channel_id: "nanotrace".into(),
            proposed_transaction: Some(sp.clone()),
            endorsing_organizations: vec!["CertifierMSP".into(), "RegulatorMSP".into()],
        },
    );
    let env = common::Envelope {
        payload: common::Payload { header: Some(hdr), data: vec![7] }.encode_to_vec(),
        signature: vec![8],
    };
    let env_bytes = c.check("envelope", &env);
    c.check(
        "submit_request",
        &gateway::SubmitRequest {
            transaction_id: "f00d".into(),
            channel_id: "nanotrace".into(),
            prepared_transaction: Some(env),
        },
    );
    c.check(
        "commit_status_response",
        &gateway::CommitStatusResponse { result: peer::TxValidationCode::MvccReadConflict as i32, block_number: 42 },
    );
    c.check(
        "chaincode_events_request",
        &gateway::ChaincodeEventsRequest {
            channel_id: "nanotrace".into(),
            chaincode_id: "nanotrace".into(),
            identity: creator_bytes,
            start_position: Some(orderer::SeekPosition {
                r#type: Some(seek_position::Type::NextCommit(orderer::SeekNextCommit {})),
            }),
            after_transaction_id: String::new(),
        },
    );
    c.check(
        "seek_specified",
        &orderer::SeekPosition { r#type: Some(seek_position::Type::Specified(orderer::SeekSpecified { number: 7 })) },
    );
    c.check(
        "evaluate_response",
        &gateway::EvaluateResponse {
            result: Some(peer::Response { status: 500, message: "boom".into(), payload: Vec::new() }),
        },
    );
    let detail = gateway::ErrorDetail {
        address: "peer0:7051".into(),
        msp_id: "CertifierMSP".into(),
        message: "chaincode error".into(),
    };
    let detail_bytes = c.check("error_detail", &detail);
    c.check(
        "rpc_status",
        &nanotrace_protos::google::rpc::Status {
            code: 10,
            message: "endorse failed".into(),
            details: vec![Any { type_url: "type.googleapis.com/gateway.ErrorDetail".into(), value: detail_bytes }],
        },
    );
    c.check(
        "block",
        &common::Block {
            header: Some(common::BlockHeader { number: 3, previous_hash: vec![1], data_hash: vec![2] }),
            data: Some(common::BlockData { data: vec![env_bytes] }),
            metadata: Some(common::BlockMetadata { metadata: vec![Vec::new(), Vec::new(), vec![0]] }),
        },
    );
    c.check(
        "blockchain_info",
        &common::BlockchainInfo {
            height: 10,
            current_block_hash: vec![1],
            previous_block_hash: vec![2],
            bootstrapping_snapshot_info: None,
        },
    );
    // A transaction's read-write set (ChaincodeAction.results), as a block carries it.
    let rws = kvrwset::KvrwSet {
        reads: vec![
            kvrwset::KvRead {
                key: "\u{0}cert\u{0}NT-A\u{0}".into(),
                version: Some(kvrwset::Version { block_num: 5, tx_num: 1 }),
            },
            kvrwset::KvRead { key: "absent".into(), version: None },
        ],
        writes: vec![
            kvrwset::KvWrite { key: "k".into(), is_delete: false, value: b"{}".to_vec() },
            kvrwset::KvWrite { key: "d".into(), is_delete: true, value: Vec::new() },
        ],
        metadata_writes: vec![kvrwset::KvMetadataWrite {
            key: "k".into(),
            entries: vec![kvrwset::KvMetadataEntry { name: "VALIDATION_PARAMETER".into(), value: vec![1, 2] }],
        }],
    };
    let rws_bytes = c.check("kv_rw_set", &rws);
    c.check(
        "tx_read_write_set",
        &rwset::TxReadWriteSet {
            data_model: rwset::tx_read_write_set::DataModel::Kv as i32,
            ns_rwset: vec![rwset::NsReadWriteSet {
                namespace: "nanotrace".into(),
                rwset: rws_bytes,
                collection_hashed_rwset: Vec::new(),
            }],
        },
    );

    let mut missing: Vec<&String> = c.golden.keys().filter(|k| !c.seen.contains(k)).collect();
    missing.sort();
    assert!(missing.is_empty(), "golden entries without a Rust counterpart: {missing:?}");
}

/// Re-runs the Go program and checks that golden.txt is exactly its output (needs Go
/// and the Go module proxy; skipped loudly without Go).
#[test]
fn golden_file_is_the_go_programs_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    if Command::new("go").arg("version").output().is_err() {
        nanotrace_testkit::skip::skip(
            nanotrace_testkit::skip::GO,
            "golden.txt re-generated from fabric-protos-go-apiv2",
            "`go` is not on the PATH",
        );
        return;
    }
    let out = Command::new("go")
        .args(["run", "."])
        .current_dir(&dir)
        .env("GOFLAGS", "-mod=readonly")
        .output()
        .expect("run go");
    assert!(out.status.success(), "go run failed: {}", String::from_utf8_lossy(&out.stderr));
    let committed = std::fs::read_to_string(dir.join("golden.txt")).expect("golden.txt");
    assert_eq!(String::from_utf8_lossy(&out.stdout), committed, "golden.txt is not the Go program's output");
}
