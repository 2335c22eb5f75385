// Golden bytes for nanotrace-protos: builds a fixed set of Fabric messages with
// fabric-protos-go-apiv2 (the Go bindings Fabric itself uses) and prints each one,
// marshalled deterministically, as "name hex" lines. The Rust test
// protos/tests/golden.rs builds the same messages with nanotrace-protos and compares
// bytes. Regenerate with: go run . > golden.txt (see protos/tests/golden/check.sh).
package main

import (
	"encoding/hex"
	"fmt"
	"os"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/orderer"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func must(b []byte, err error) []byte {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return b
}

func m(msg proto.Message) []byte {
	return must(proto.MarshalOptions{Deterministic: true}.Marshal(msg))
}

func main() {
	ts := &timestamppb.Timestamp{Seconds: 1767225600, Nanos: 123456789}
	pem := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	out := []struct {
		name string
		msg  proto.Message
	}{}
	add := func(name string, msg proto.Message) {
		out = append(out, struct {
			name string
			msg  proto.Message
		}{name, msg})
	}

	creator := &msp.SerializedIdentity{Mspid: "CertifierMSP", IdBytes: pem}
	add("serialized_identity", creator)
	chdr := &common.ChannelHeader{
		Type: int32(common.HeaderType_ENDORSER_TRANSACTION), Version: 0, Timestamp: ts,
		ChannelId: "nanotrace", TxId: "f00d", Epoch: 0,
		Extension: m(&peer.ChaincodeHeaderExtension{ChaincodeId: &peer.ChaincodeID{Name: "nanotrace"}}),
	}
	add("channel_header", chdr)
	shdr := &common.SignatureHeader{Creator: m(creator), Nonce: []byte{1, 2, 3, 4}}
	add("signature_header", shdr)
	hdr := &common.Header{ChannelHeader: m(chdr), SignatureHeader: m(shdr)}
	input := &peer.ChaincodeInput{
		Args:        [][]byte{[]byte("WhoAmI"), []byte("{}")},
		Decorations: map[string][]byte{"b": []byte("2"), "a": []byte("1")},
	}
	add("chaincode_input", input)
	cis := &peer.ChaincodeInvocationSpec{ChaincodeSpec: &peer.ChaincodeSpec{
		Type: peer.ChaincodeSpec_GOLANG, ChaincodeId: &peer.ChaincodeID{Name: "nanotrace"}, Input: input,
	}}
	add("chaincode_invocation_spec", cis)
	cpp := &peer.ChaincodeProposalPayload{Input: m(cis), TransientMap: map[string][]byte{"k2": {2}, "k1": {1}}}
	add("chaincode_proposal_payload", cpp)
	prop := &peer.Proposal{Header: m(hdr), Payload: m(cpp)}
	add("proposal", prop)
	sp := &peer.SignedProposal{ProposalBytes: m(prop), Signature: []byte{0x30, 0x44}}
	add("signed_proposal", sp)

	// The shim stream.
	add("msg_register", &peer.ChaincodeMessage{
		Type: peer.ChaincodeMessage_REGISTER, Payload: m(&peer.ChaincodeID{Name: "nanotrace_1.0:0123abcd"}),
	})
	add("msg_ready", &peer.ChaincodeMessage{
		Type: peer.ChaincodeMessage_READY,
		Payload: m(&peer.ChaincodeAdditionalParams{
			UseWriteBatch: true, MaxSizeWriteBatch: 1000, UseGetMultipleKeys: true, MaxSizeGetMultipleKeys: 1000,
		}),
	})
	add("msg_transaction", &peer.ChaincodeMessage{
		Type: peer.ChaincodeMessage_TRANSACTION, Timestamp: ts, Payload: m(input), Txid: "f00d",
		Proposal: sp, ChannelId: "nanotrace",
	})
	add("msg_get_state_by_range", &peer.ChaincodeMessage{
		Type: peer.ChaincodeMessage_GET_STATE_BY_RANGE, Txid: "f00d", ChannelId: "nanotrace",
		Payload: m(&peer.GetStateByRange{
			StartKey: "\x01", EndKey: "", Metadata: m(&peer.QueryMetadata{PageSize: 10, Bookmark: "k5"}),
		}),
	})
	add("msg_write_batch", &peer.ChaincodeMessage{
		Type: peer.ChaincodeMessage_WRITE_BATCH_STATE, Txid: "f00d", ChannelId: "nanotrace",
		Payload: m(&peer.WriteBatchState{Rec: []*peer.WriteRecord{
			{Key: "a", Value: []byte("1"), Type: peer.WriteRecord_PUT_STATE},
			{Key: "b", Type: peer.WriteRecord_DEL_STATE},
			{Key: "c", Metadata: &peer.StateMetadata{Metakey: "VALIDATION_PARAMETER", Value: []byte{9}},
				Type: peer.WriteRecord_PUT_STATE_METADATA},
		}}),
	})
	add("msg_get_state_multiple", &peer.ChaincodeMessage{
		Type: peer.ChaincodeMessage_GET_STATE_MULTIPLE, Txid: "f00d", ChannelId: "nanotrace",
		Payload: m(&peer.GetStateMultiple{Keys: []string{"a", "b"}}),
	})
	add("get_state_multiple_result", &peer.GetStateMultipleResult{Values: [][]byte{[]byte("1"), {}}})
	add("msg_completed", &peer.ChaincodeMessage{
		Type: peer.ChaincodeMessage_COMPLETED, Txid: "f00d", ChannelId: "nanotrace",
		Payload:        m(&peer.Response{Status: 200, Payload: []byte("ok")}),
		ChaincodeEvent: &peer.ChaincodeEvent{EventName: "CertificateIssued", Payload: []byte("{}")},
	})
	add("msg_error", &peer.ChaincodeMessage{
		Type: peer.ChaincodeMessage_ERROR, Txid: "f00d", ChannelId: "nanotrace", Payload: []byte("BAD_REQUEST: no"),
	})
	add("put_state_metadata", &peer.PutStateMetadata{
		Key: "k", Metadata: &peer.StateMetadata{Metakey: "VALIDATION_PARAMETER", Value: []byte{1}},
	})
	add("state_metadata_result", &peer.StateMetadataResult{Entries: []*peer.StateMetadata{
		{Metakey: "VALIDATION_PARAMETER", Value: []byte{1, 2}},
	}})
	kv := &queryresult.KV{Namespace: "nanotrace", Key: "cert~NT-1", Value: []byte(`{"id":"NT-1"}`)}
	add("kv", kv)
	km := &queryresult.KeyModification{TxId: "f00d", Value: []byte("v"), Timestamp: ts, IsDelete: true}
	add("key_modification", km)
	add("query_response", &peer.QueryResponse{
		Results: []*peer.QueryResultBytes{{ResultBytes: m(kv)}}, HasMore: true, Id: "q1",
		Metadata: m(&peer.QueryResponseMetadata{FetchedRecordsCount: 1, Bookmark: "cert~NT-2"}),
	})

	// One signature from CertifierMSP.peer, as Fabric's statebased package encodes it.
	add("signature_policy_envelope", &common.SignaturePolicyEnvelope{
		Version: 0,
		Rule: &common.SignaturePolicy{Type: &common.SignaturePolicy_NOutOf_{NOutOf: &common.SignaturePolicy_NOutOf{
			N: 1, Rules: []*common.SignaturePolicy{{Type: &common.SignaturePolicy_SignedBy{SignedBy: 0}}},
		}}},
		Identities: []*msp.MSPPrincipal{{
			PrincipalClassification: msp.MSPPrincipal_ROLE,
			Principal:               m(&msp.MSPRole{MspIdentifier: "CertifierMSP", Role: msp.MSPRole_PEER}),
		}},
	})

	// Gateway.
	add("endorse_request", &gateway.EndorseRequest{
		TransactionId: "f00d", ChannelId: "nanotrace", ProposedTransaction: sp,
		EndorsingOrganizations: []string{"CertifierMSP", "RegulatorMSP"},
	})
	env := &common.Envelope{Payload: m(&common.Payload{Header: hdr, Data: []byte{7}}), Signature: []byte{8}}
	add("envelope", env)
	add("submit_request", &gateway.SubmitRequest{TransactionId: "f00d", ChannelId: "nanotrace", PreparedTransaction: env})
	add("commit_status_response", &gateway.CommitStatusResponse{
		Result: peer.TxValidationCode_MVCC_READ_CONFLICT, BlockNumber: 42,
	})
	add("chaincode_events_request", &gateway.ChaincodeEventsRequest{
		ChannelId: "nanotrace", ChaincodeId: "nanotrace", Identity: m(creator),
		StartPosition: &orderer.SeekPosition{Type: &orderer.SeekPosition_NextCommit{NextCommit: &orderer.SeekNextCommit{}}},
	})
	add("seek_specified", &orderer.SeekPosition{Type: &orderer.SeekPosition_Specified{
		Specified: &orderer.SeekSpecified{Number: 7},
	}})
	add("evaluate_response", &gateway.EvaluateResponse{Result: &peer.Response{Status: 500, Message: "boom"}})
	detail := &gateway.ErrorDetail{Address: "peer0:7051", MspId: "CertifierMSP", Message: "chaincode error"}
	add("error_detail", detail)
	anyDetail, err := anypb.New(detail)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	add("rpc_status", &status.Status{Code: 10, Message: "endorse failed", Details: []*anypb.Any{anyDetail}})
	add("block", &common.Block{
		Header:   &common.BlockHeader{Number: 3, PreviousHash: []byte{1}, DataHash: []byte{2}},
		Data:     &common.BlockData{Data: [][]byte{m(env)}},
		Metadata: &common.BlockMetadata{Metadata: [][]byte{{}, {}, {0}}},
	})
	add("blockchain_info", &common.BlockchainInfo{Height: 10, CurrentBlockHash: []byte{1}, PreviousBlockHash: []byte{2}})
	// A transaction's read-write set (ChaincodeAction.results), as a block carries it.
	rws := &kvrwset.KVRWSet{
		Reads: []*kvrwset.KVRead{
			{Key: "\x00cert\x00NT-A\x00", Version: &kvrwset.Version{BlockNum: 5, TxNum: 1}},
			{Key: "absent"},
		},
		Writes: []*kvrwset.KVWrite{{Key: "k", Value: []byte("{}")}, {Key: "d", IsDelete: true}},
		MetadataWrites: []*kvrwset.KVMetadataWrite{{
			Key:     "k",
			Entries: []*kvrwset.KVMetadataEntry{{Name: "VALIDATION_PARAMETER", Value: []byte{1, 2}}},
		}},
	}
	add("kv_rw_set", rws)
	add("tx_read_write_set", &rwset.TxReadWriteSet{
		DataModel: rwset.TxReadWriteSet_KV,
		NsRwset:   []*rwset.NsReadWriteSet{{Namespace: "nanotrace", Rwset: m(rws)}},
	})

	fmt.Println("# Generated by protos/tests/golden/main.go with fabric-protos-go-apiv2 v0.3.7; do not edit.")
	for _, o := range out {
		fmt.Printf("%s %s\n", o.name, hex.EncodeToString(m(o.msg)))
	}
}
