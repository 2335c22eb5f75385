// Command go-asset serves the asset-transfer contract as chaincode-as-a-service
// (CCaaS): the peer dials this process, which never dials the peer.
//
// Configuration comes from the environment, with the names of Fabric's own
// shims (scripts/network.sh deploy writes them into .run/fabric/chaincode/NAME/env):
//
//	CHAINCODE_ID              package ID from `peer lifecycle chaincode calculatepackageid` (required)
//	CHAINCODE_SERVER_ADDRESS  host:port to listen on, e.g. 127.0.0.1:9999 (required)
//	CHAINCODE_TLS_DISABLED    "true" to serve plain gRPC (default: TLS on)
//	CHAINCODE_TLS_KEY         path of the server's PEM private key
//	CHAINCODE_TLS_CERT        path of the server's PEM certificate
//	CHAINCODE_CLIENT_CA_CERT  path of the PEM CA that signs the peers' client
//	                          certificates; when set, clients must present one (mutual TLS)
package main

import (
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

func main() {
	cc, err := contractapi.NewChaincode(&AssetContract{})
	if err != nil {
		log.Fatalf("go-asset: creating chaincode: %v", err)
	}
	server, err := serverFromEnv(cc)
	if err != nil {
		log.Fatalf("go-asset: %v", err)
	}
	log.Printf("go-asset: serving %s on %s (tls: %v, client auth: %v)",
		server.CCID, server.Address, !server.TLSProps.Disabled, server.TLSProps.ClientCACerts != nil)
	if err := server.Start(); err != nil {
		log.Fatalf("go-asset: server stopped: %v", err)
	}
}

func serverFromEnv(cc shim.Chaincode) (*shim.ChaincodeServer, error) {
	id := os.Getenv("CHAINCODE_ID")
	addr := os.Getenv("CHAINCODE_SERVER_ADDRESS")
	if id == "" || addr == "" {
		return nil, fmt.Errorf("CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS must be set")
	}
	tlsProps := shim.TLSProperties{Disabled: isTrue(os.Getenv("CHAINCODE_TLS_DISABLED"))}
	if !tlsProps.Disabled {
		var err error
		if tlsProps.Key, err = readEnvFile("CHAINCODE_TLS_KEY", true); err != nil {
			return nil, err
		}
		if tlsProps.Cert, err = readEnvFile("CHAINCODE_TLS_CERT", true); err != nil {
			return nil, err
		}
		if tlsProps.ClientCACerts, err = readEnvFile("CHAINCODE_CLIENT_CA_CERT", false); err != nil {
			return nil, err
		}
	}
	return &shim.ChaincodeServer{CCID: id, Address: addr, CC: cc, TLSProps: tlsProps}, nil
}

// readEnvFile reads the file named by the variable; nil when it is unset and optional.
func readEnvFile(name string, required bool) ([]byte, error) {
	path := os.Getenv(name)
	if path == "" {
		if required {
			return nil, fmt.Errorf("%s must name a PEM file when TLS is enabled (or set CHAINCODE_TLS_DISABLED=true)", name)
		}
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}
