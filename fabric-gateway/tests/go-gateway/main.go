// Fabric's own Go Gateway client (github.com/hyperledger/fabric-gateway v1.7.0) running
// the scenarios of fabric-gateway/tests/it/go_interop.rs against the same fake gateway, and
// Go's standard library verifying signatures made by the Rust client.
//
//	go-gateway scenarios -addr 127.0.0.1:N -cert C -key K -kind ecdsa|ed25519
//	go-gateway verify -sigs FILE
//	go-gateway fabric -profile P submit|evaluate FUNCTION [ARG...]   (fabric.go: a real network)
//
// Scenario output: one line per scenario, "name<TAB>outcome".
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go-gateway scenarios|verify|fabric ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "scenarios":
		err = scenarios(os.Args[2:])
	case "verify":
		err = verify(os.Args[2:])
	case "fabric":
		err = fabric(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func out(name, outcome string) { fmt.Printf("%s\t%s\n", name, outcome) }

// describe gives an error the shape the Rust test prints for its own errors.
func describe(err error) string {
	var endorseErr *client.EndorseError
	var submitErr *client.SubmitError
	var statusErr *client.CommitStatusError
	var commitErr *client.CommitError
	stage := "evaluate"
	switch {
	case errors.As(err, &commitErr):
		return "commit code=" + commitErr.Code.String()
	case errors.As(err, &endorseErr):
		stage = "endorse"
	case errors.As(err, &submitErr):
		stage = "submit"
	case errors.As(err, &statusErr):
		stage = "commit_status"
	}
	st := status.Convert(err)
	var details []string
	for _, d := range st.Details() {
		if e, ok := d.(*gateway.ErrorDetail); ok {
			details = append(details, fmt.Sprintf("%s@%s: %s", e.MspId, e.Address, e.Message))
		}
	}
	return fmt.Sprintf("%s code=%s details=[%s]", stage, st.Code().String(), strings.Join(details, " | "))
}

func submit(contract *client.Contract, name string, args ...string) string {
	result, commit, err := contract.SubmitAsync(name, client.WithArguments(args...))
	if err != nil {
		return describe(err)
	}
	st, err := commit.Status()
	if err != nil {
		return describe(err)
	}
	if !st.Successful {
		return "commit code=" + st.Code.String()
	}
	return fmt.Sprintf("ok result=%s block=%d", result, st.BlockNumber)
}

func evaluate(contract *client.Contract, name string, args ...string) string {
	result, err := contract.EvaluateTransaction(name, args...)
	if err != nil {
		return describe(err)
	}
	return "ok result=" + string(result)
}

func scenarios(args []string) error {
	fs := flag.NewFlagSet("scenarios", flag.ExitOnError)
	addr := fs.String("addr", "", "fake gateway address")
	certPath := fs.String("cert", "", "PEM certificate")
	keyPath := fs.String("key", "", "PEM PKCS#8 private key")
	kind := fs.String("kind", "ecdsa", "ecdsa or ed25519")
	if err := fs.Parse(args); err != nil {
		return err
	}
	id, sign, err := loadIdentity("Org1MSP", *certPath, *keyPath)
	if err != nil {
		return err
	}
	h := hash.SHA256
	if *kind == "ed25519" {
		h = hash.NONE // Ed25519 signs the whole message
	}
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	gw, err := client.Connect(id, client.WithSign(sign), client.WithHash(h), client.WithClientConnection(conn))
	if err != nil {
		return err
	}
	defer gw.Close()
	network := gw.GetNetwork("mychannel")
	contract := network.GetContract("basic")

	out("submit_ok", submit(contract, "CreateAsset", "asset1", "5"))
	out("evaluate_ok", evaluate(contract, "ReadAsset", "asset1"))
	out("submit_refused", submit(contract, "refuse"))
	out("evaluate_refused", evaluate(contract, "refuse"))
	out("submit_mvcc", submit(contract, "mvcc"))
	out("submit_policy", submit(contract, "policy"))
	out("submit_orderer_down", submit(contract, "submit_fail"))

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	start := time.Now()
	_, err = contract.SubmitWithContext(ctx, "slow")
	cancel()
	outcome := describe(err)
	if time.Since(start) > 1500*time.Millisecond {
		outcome += " (late)"
	}
	out("submit_deadline", outcome)

	// Events: a stream that breaks after block 11, then resume from the checkpoint.
	checkpointer := new(client.InMemoryCheckpointer)
	ctx, cancel = context.WithCancel(context.Background())
	events, err := network.ChaincodeEvents(ctx, "events_break", client.WithCheckpoint(checkpointer))
	if err != nil {
		cancel()
		return err
	}
	var seen []string
	for ev := range events { // Go's client closes the channel when the stream fails
		checkpointer.CheckpointChaincodeEvent(ev)
		seen = append(seen, ev.TransactionID)
	}
	cancel()
	out("events_break", strings.Join(seen, ",")+" then=closed")
	ctx, cancel = context.WithCancel(context.Background())
	events, err = network.ChaincodeEvents(ctx, "events_break", client.WithCheckpoint(checkpointer))
	if err != nil {
		cancel()
		return err
	}
	seen = nil
	for len(seen) < 2 {
		select {
		case ev, ok := <-events:
			if !ok {
				seen = append(seen, "CLOSED")
				break
			}
			seen = append(seen, ev.TransactionID)
		case <-time.After(2 * time.Second):
			seen = append(seen, "TIMEOUT")
		}
	}
	cancel()
	out("events_resume", strings.Join(seen, ","))

	// Offline signing: a gateway without a signer; digests signed "elsewhere".
	offline, err := client.Connect(id, client.WithHash(h), client.WithClientConnection(conn))
	if err != nil {
		return err
	}
	outcome, err = offlineFlow(offline, sign, h)
	if err != nil {
		outcome = "error " + err.Error()
	}
	out("offline_signing", outcome)

	if *kind == "ed25519" {
		// Fabric's default hash (SHA-256) with an Ed25519 key signs the digest, not
		// the message: peers (and the fake) refuse it.
		prehashed, err := client.Connect(id, client.WithSign(sign), client.WithClientConnection(conn))
		if err != nil {
			return err
		}
		out("ed25519_with_sha256", evaluate(prehashed.GetNetwork("mychannel").GetContract("basic"), "ReadAsset", "asset1"))
	}
	return nil
}

func offlineFlow(gw *client.Gateway, sign identity.Sign, h hash.Hash) (string, error) {
	contract := gw.GetNetwork("mychannel").GetContract("basic")
	proposal, err := contract.NewProposal("Transfer", client.WithArguments("asset1", "bob"))
	if err != nil {
		return "", err
	}
	bytes, err := proposal.Bytes()
	if err != nil {
		return "", err
	}
	sig, err := sign(proposal.Digest())
	if err != nil {
		return "", err
	}
	if proposal, err = gw.NewSignedProposal(bytes, sig); err != nil {
		return "", err
	}
	tx, err := proposal.Endorse()
	if err != nil {
		return describe(err), nil
	}
	if bytes, err = tx.Bytes(); err != nil {
		return "", err
	}
	if sig, err = sign(tx.Digest()); err != nil {
		return "", err
	}
	if tx, err = gw.NewSignedTransaction(bytes, sig); err != nil {
		return "", err
	}
	commit, err := tx.Submit()
	if err != nil {
		return describe(err), nil
	}
	if bytes, err = commit.Bytes(); err != nil {
		return "", err
	}
	if sig, err = sign(commit.Digest()); err != nil {
		return "", err
	}
	if commit, err = gw.NewSignedCommit(bytes, sig); err != nil {
		return "", err
	}
	st, err := commit.Status()
	if err != nil {
		return describe(err), nil
	}
	return fmt.Sprintf("ok result=%s block=%d", tx.Result(), st.BlockNumber), nil
}

// ---- verify: Go's standard library checks signatures made by the Rust client ----

type signature struct {
	Kind      string `json:"kind"`
	CertPEM   string `json:"cert_pem"`
	Message   string `json:"message_hex"`
	Signature string `json:"signature_hex"`
}

func verify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	path := fs.String("sigs", "", "JSON file of signatures")
	if err := fs.Parse(args); err != nil {
		return err
	}
	data, err := os.ReadFile(*path)
	if err != nil {
		return err
	}
	var sigs []signature
	if err := json.Unmarshal(data, &sigs); err != nil {
		return err
	}
	counts := map[string]int{}
	halfN := new(big.Int).Rsh(elliptic.P256().Params().N, 1)
	for i, s := range sigs {
		cert, err := identity.CertificateFromPEM([]byte(s.CertPEM))
		if err != nil {
			return err
		}
		msg, _ := hex.DecodeString(s.Message)
		sig, _ := hex.DecodeString(s.Signature)
		switch pub := cert.PublicKey.(type) {
		case *ecdsa.PublicKey:
			digest := sha256.Sum256(msg)
			if !ecdsa.VerifyASN1(pub, digest[:], sig) {
				return fmt.Errorf("signature %d: ECDSA does not verify", i)
			}
			var rs struct{ R, S *big.Int }
			if _, err := asn1.Unmarshal(sig, &rs); err != nil {
				return fmt.Errorf("signature %d: %w", i, err)
			}
			if rs.S.Cmp(halfN) > 0 {
				return fmt.Errorf("signature %d: ECDSA S is high", i)
			}
			counts["ecdsa"]++
		case ed25519.PublicKey:
			if !ed25519.Verify(pub, msg, sig) {
				return fmt.Errorf("signature %d: Ed25519 does not verify over the raw message", i)
			}
			counts["ed25519"]++
		default:
			return fmt.Errorf("signature %d: unexpected key type %T", i, pub)
		}
	}
	fmt.Printf("verified ecdsa=%d ed25519=%d\n", counts["ecdsa"], counts["ed25519"])
	return nil
}
