// The "fabric" mode: Fabric's Go Gateway client on a real network, connected as a
// NanoTrace connection profile says (the files scripts/network.sh up writes into
// <run>/profiles/<org>-<user>.yaml): identity (MSP ID, certificate, key, algorithm),
// gateway address, TLS CA and server name, channel and chaincode.
//
//	go-gateway fabric -profile P submit FUNCTION [ARG...]
//	go-gateway fabric -profile P evaluate FUNCTION [ARG...]
//
// An argument "@FILE" is the contents of FILE. Output: one JSON object,
// {"tx_id","block","result_hex"} for submit, {"result_hex"} for evaluate; the result in
// hex so that the caller compares bytes, not text. A failure exits 1 with the error,
// described as in the scenarios, on stderr.
package main

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"gopkg.in/yaml.v3"
)

// profile is the part of a NanoTrace connection profile this client needs
// (format: network/profiles/README.md).
type profile struct {
	Name      string `yaml:"name"`
	Channel   string `yaml:"channel"`
	Chaincode string `yaml:"chaincode"`
	Identity  struct {
		MspID        string `yaml:"msp_id"`
		KeyAlgorithm string `yaml:"key_algorithm"`
		Cert         string `yaml:"cert"`
		Key          string `yaml:"key"`
	} `yaml:"identity"`
	Gateway struct {
		Address    string `yaml:"address"`
		ServerName string `yaml:"server_name"`
		TLSCACert  string `yaml:"tls_ca_cert"`
	} `yaml:"gateway"`
}

func loadProfile(path string) (*profile, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p profile
	if err := yaml.Unmarshal(text, &p); err != nil {
		return nil, fmt.Errorf("connection profile %s: %w", path, err)
	}
	if p.Channel == "" || p.Chaincode == "" || p.Identity.MspID == "" || p.Gateway.Address == "" {
		return nil, fmt.Errorf("connection profile %s: channel, chaincode, identity.msp_id and gateway.address are required", path)
	}
	return &p, nil
}

// loadIdentity reads a PEM certificate and a PEM (PKCS#8) private key: the client
// identity and its signer, for the scenarios and for the fabric mode alike.
func loadIdentity(mspID, certPath, keyPath string) (*identity.X509Identity, identity.Sign, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, err
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, nil, err
	}
	id, err := identity.NewX509Identity(mspID, cert)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, nil, err
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, nil, err
	}
	return id, sign, nil
}

// connect opens a gateway connection with the profile's identity and TLS settings.
func connect(p *profile) (*client.Gateway, *grpc.ClientConn, error) {
	id, sign, err := loadIdentity(p.Identity.MspID, p.Identity.Cert, p.Identity.Key)
	if err != nil {
		return nil, nil, err
	}
	h := hash.SHA256
	switch p.Identity.KeyAlgorithm {
	case "ed25519":
		h = hash.NONE // Ed25519 signs the whole message (channel capability V3_0)
	case "", "ecdsa-p256":
	default:
		return nil, nil, fmt.Errorf("unknown key_algorithm %q", p.Identity.KeyAlgorithm)
	}
	if p.Gateway.TLSCACert == "" {
		return nil, nil, errors.New("the profile's gateway has no tls_ca_cert (Fabric peers here always use TLS)")
	}
	caPEM, err := os.ReadFile(p.Gateway.TLSCACert)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, nil, fmt.Errorf("no certificate in %s", p.Gateway.TLSCACert)
	}
	creds := credentials.NewClientTLSFromCert(pool, p.Gateway.ServerName)
	conn, err := grpc.NewClient(p.Gateway.Address, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, nil, err
	}
	gw, err := client.Connect(id, client.WithSign(sign), client.WithHash(h), client.WithClientConnection(conn),
		client.WithEvaluateTimeout(30*time.Second), client.WithEndorseTimeout(60*time.Second),
		client.WithSubmitTimeout(60*time.Second), client.WithCommitStatusTimeout(120*time.Second))
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return gw, conn, nil
}

func argument(a string) (string, error) {
	if file, ok := strings.CutPrefix(a, "@"); ok {
		data, err := os.ReadFile(file)
		return string(data), err
	}
	return a, nil
}

func fabric(args []string) error {
	fs := flag.NewFlagSet("fabric", flag.ExitOnError)
	profilePath := fs.String("profile", "", "NanoTrace connection profile (YAML)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if *profilePath == "" || len(rest) < 2 || (rest[0] != "submit" && rest[0] != "evaluate") {
		return errors.New("usage: go-gateway fabric -profile P submit|evaluate FUNCTION [ARG...]")
	}
	var callArgs []string
	for _, a := range rest[2:] {
		v, err := argument(a)
		if err != nil {
			return err
		}
		callArgs = append(callArgs, v)
	}
	p, err := loadProfile(*profilePath)
	if err != nil {
		return err
	}
	gw, conn, err := connect(p)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer gw.Close()
	contract := gw.GetNetwork(p.Channel).GetContract(p.Chaincode)
	var output map[string]any
	if rest[0] == "submit" {
		result, commit, err := contract.SubmitAsync(rest[1], client.WithArguments(callArgs...))
		if err != nil {
			return errors.New(describe(err))
		}
		st, err := commit.Status()
		if err != nil {
			return errors.New(describe(err))
		}
		if !st.Successful {
			return fmt.Errorf("commit code=%s tx=%s", st.Code.String(), st.TransactionID)
		}
		output = map[string]any{"tx_id": st.TransactionID, "block": st.BlockNumber, "result_hex": hex.EncodeToString(result)}
	} else {
		result, err := contract.EvaluateTransaction(rest[1], callArgs...)
		if err != nil {
			return errors.New(describe(err))
		}
		output = map[string]any{"result_hex": hex.EncodeToString(result)}
	}
	return json.NewEncoder(os.Stdout).Encode(output)
}
