// The probe contract of nanotrace-ccaas' protocol tests, on Fabric's own Go shim
// (fabric-chaincode-go v2.3.0), served as chaincode-as-a-service with
// shim.ChaincodeServer. The Rust twin is the probe in tests/protocol.rs: both are driven
// by the same scripted peer, which checks that they send the same messages.
//
// Configuration as in Fabric's samples: CHAINCODE_ID, CHAINCODE_SERVER_ADDRESS
// (plaintext; the tests run on loopback).
package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/statebased"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

type probe struct{}

func (probe) Init(stub shim.ChaincodeStubInterface) *peer.Response {
	return shim.Success([]byte("init"))
}

// pageSize is the Rust runtime's (and the embedded ledger's) page size: 0 means 100,
// at most 1000.
func pageSize(arg string) int {
	size, _ := strconv.Atoi(arg)
	if size <= 0 {
		return 100
	}
	if size > 1000 {
		return 1000
	}
	return size
}

// pageOf reads a page as the Rust runtime does: at most size entries of a plain
// (non-paginated) range iterator, one more as the next page's bookmark, then Close.
// Fabric's paginated queries are not used: a peer refuses writes after them.
func pageOf(iter shim.StateQueryIteratorInterface, size int) (string, error) {
	defer iter.Close()
	var b strings.Builder
	bookmark := ""
	for n := 0; n <= size && iter.HasNext(); n++ {
		kv, err := iter.Next()
		if err != nil {
			return "", err
		}
		if n == size {
			bookmark = kv.Key
		} else {
			fmt.Fprintf(&b, "%x=%s;", kv.Key, kv.Value)
		}
	}
	return b.String() + "|" + bookmark, nil
}

func (probe) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	// Batches writes when the peer announces WRITE_BATCH_STATE (the Go shim only does
	// so after StartWriteBatch; the Rust runtime always does).
	stub.StartWriteBatch()
	fn, args := stub.GetFunctionAndParameters()
	out, err := invoke(stub, fn, args)
	if err != nil {
		return shim.Error(err.Error())
	}
	return shim.Success([]byte(out))
}

func invoke(stub shim.ChaincodeStubInterface, fn string, args []string) (string, error) {
	switch fn {
	case "put":
		return "ok", stub.PutState(args[0], []byte(args[1]))
	case "get":
		v, err := stub.GetState(args[0])
		return string(v), err
	case "del":
		return "ok", stub.DelState(args[0])
	case "putgetdel":
		if err := stub.PutState(args[0], []byte(args[1])); err != nil {
			return "", err
		}
		v, err := stub.GetState(args[0])
		if err != nil {
			return "", err
		}
		return string(v), stub.DelState(args[2])
	case "multi":
		vs, err := stub.GetMultipleStates(args...)
		if err != nil {
			return "", err
		}
		parts := make([]string, len(vs))
		for i, v := range vs {
			parts[i] = string(v)
		}
		return strings.Join(parts, ","), nil
	case "range":
		start := args[0]
		if args[3] != "" {
			start = args[3]
		}
		iter, err := stub.GetStateByRange(start, args[1])
		if err != nil {
			return "", err
		}
		return pageOf(iter, pageSize(args[2]))
	case "composite":
		if args[3] != "" {
			// The Go shim has no public call that continues a composite-key scan
			// from a key; the Rust runtime's continuation is tested on its own.
			return "", fmt.Errorf("composite continuation is not supported by the Go probe")
		}
		var attrs []string
		if args[1] != "" {
			attrs = strings.Split(args[1], ",")
		}
		iter, err := stub.GetStateByPartialCompositeKey(args[0], attrs)
		if err != nil {
			return "", err
		}
		return pageOf(iter, pageSize(args[2]))
	case "history":
		iter, err := stub.GetHistoryForKey(args[0])
		if err != nil {
			return "", err
		}
		defer iter.Close()
		var b strings.Builder
		for iter.HasNext() {
			m, err := iter.Next()
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "%s@%d:%s:%t;", m.TxId, m.Timestamp.GetSeconds(), m.Value, m.IsDelete)
		}
		return b.String(), nil
	case "event":
		return "ok", stub.SetEvent(args[0], []byte(args[1]))
	case "setep":
		ep, err := statebased.NewStateEP(nil)
		if err != nil {
			return "", err
		}
		role := statebased.RoleTypePeer
		if args[2] == "member" {
			role = statebased.RoleTypeMember
		}
		if err := ep.AddOrgs(role, strings.Split(args[1], ",")...); err != nil {
			return "", err
		}
		policy, err := ep.Policy()
		if err != nil {
			return "", err
		}
		return "ok", stub.SetStateValidationParameter(args[0], policy)
	case "getep":
		policy, err := stub.GetStateValidationParameter(args[0])
		if err != nil || policy == nil {
			return "", err
		}
		ep, err := statebased.NewStateEP(policy)
		if err != nil {
			return "", err
		}
		orgs := ep.ListOrgs()
		sort.Strings(orgs)
		return strings.Join(orgs, ","), nil
	case "batch":
		n, _ := strconv.Atoi(args[0])
		for i := 0; i < n; i++ {
			if err := stub.PutState(fmt.Sprintf("k%03d", i), []byte("v")); err != nil {
				return "", err
			}
		}
		if err := stub.DelState("gone"); err != nil {
			return "", err
		}
		return "ok", nil
	case "pget":
		v, err := stub.GetPrivateData(args[0], args[1])
		return string(v), err
	case "phash":
		h, err := stub.GetPrivateDataHash(args[0], args[1])
		return hex.EncodeToString(h), err
	case "pput":
		return "ok", stub.PutPrivateData(args[0], args[1], []byte(args[2]))
	case "pdel":
		return "ok", stub.DelPrivateData(args[0], args[1])
	case "pwrites":
		collection, key := args[0], args[1]
		if err := stub.PutState(key, []byte("public")); err != nil {
			return "", err
		}
		if err := stub.PutPrivateData(collection, key, []byte("first")); err != nil {
			return "", err
		}
		if err := stub.PutPrivateData(collection, key, []byte("last")); err != nil {
			return "", err
		}
		if err := stub.DelPrivateData("other", key); err != nil {
			return "", err
		}
		if err := stub.PutPrivateData(collection, "k2", []byte("gone")); err != nil {
			return "", err
		}
		return "ok", stub.DelPrivateData(collection, "k2")
	case "transient":
		transient, err := stub.GetTransient()
		if err != nil {
			return "", err
		}
		keys := make([]string, 0, len(transient))
		for k := range transient {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s=%s;", k, transient[k])
		}
		return b.String(), nil
	case "creator":
		raw, err := stub.GetCreator()
		if err != nil {
			return "", err
		}
		id := &msp.SerializedIdentity{}
		if err := proto.Unmarshal(raw, id); err != nil {
			return "", err
		}
		ts, err := stub.GetTxTimestamp()
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s|%d.%d|%d", id.Mspid, ts.Seconds, ts.Nanos, len(id.IdBytes)), nil
	case "fail":
		return "", fmt.Errorf("%s", args[0])
	}
	return "", fmt.Errorf("unknown function %q", fn)
}

func main() {
	server := &shim.ChaincodeServer{
		CCID:     os.Getenv("CHAINCODE_ID"),
		Address:  os.Getenv("CHAINCODE_SERVER_ADDRESS"),
		CC:       probe{},
		TLSProps: shim.TLSProperties{Disabled: true},
	}
	if err := server.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}
