// Package envelope reads transaction bytes (docs/decisions/0003,
// "Transaction bytes"): UTF-8 JSON {body, signatures} where body is the
// base64 of {chain_id, fn, args, nonce} and every signature is over the
// exact body bytes. Reading checks form and limits only; signatures are the
// msp package's business.
package envelope

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"regexp"

	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// Limits of the wire contract.
const (
	MaxTxBytes = 64 * 1024
	MaxArgs    = 16
)

var noncePattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Signature is one signer: the MSP it claims, its DER certificate and an
// ASN.1 DER ECDSA-P256-SHA256 signature over the body bytes.
type Signature struct {
	MSP  string `json:"msp"`
	Cert []byte `json:"cert"`
	Sig  []byte `json:"sig"`
}

// Body is what the signers sign.
type Body struct {
	ChainID string   `json:"chain_id"`
	Fn      string   `json:"fn"`
	Args    []string `json:"args"`
	Nonce   string   `json:"nonce"`
}

// Tx is a well-formed transaction; Signatures[0] is the submitter.
type Tx struct {
	ID         string
	Body       Body
	RawBody    []byte
	Signatures []Signature
}

// Submitter is the first signer's MSP.
func (t *Tx) Submitter() string { return t.Signatures[0].MSP }

// ID is the transaction id: lowercase hex SHA-256 of the bytes (CometBFT's
// transaction hash).
func ID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// Parse reads transaction bytes or refuses them as LML-CC-0019
// MALFORMED_TX (LML-CC-0017 UNAUTHENTICATED when nobody signed).
func Parse(raw []byte) (*Tx, error) {
	if len(raw) > MaxTxBytes {
		return nil, errs.New(errs.MalformedTx, "transaction is %d bytes, at most %d", len(raw), MaxTxBytes)
	}
	var w struct {
		Body       []byte      `json:"body"`
		Signatures []Signature `json:"signatures"`
	}
	if err := strict(raw, &w); err != nil {
		return nil, errs.New(errs.MalformedTx, "envelope: %v", err)
	}
	t := &Tx{ID: ID(raw), RawBody: w.Body, Signatures: w.Signatures}
	if err := strict(w.Body, &t.Body); err != nil {
		return nil, errs.New(errs.MalformedTx, "body: %v", err)
	}
	b := t.Body
	switch {
	case b.Fn == "":
		return nil, errs.New(errs.MalformedTx, "body names no function")
	case len(b.Args) > MaxArgs:
		return nil, errs.New(errs.MalformedTx, "%d arguments, at most %d", len(b.Args), MaxArgs)
	case !noncePattern.MatchString(b.Nonce):
		return nil, errs.New(errs.MalformedTx, "nonce must be 32 lowercase hex characters")
	case len(t.Signatures) == 0:
		return nil, errs.New(errs.Unauthenticated, "the transaction carries no signature")
	}
	seen := map[string]bool{}
	for _, s := range t.Signatures {
		if s.MSP == "" || len(s.Cert) == 0 || len(s.Sig) == 0 {
			return nil, errs.New(errs.MalformedTx, "a signature lacks its msp, cert or sig")
		}
		if seen[s.MSP] {
			return nil, errs.New(errs.MalformedTx, "msp %s signs twice", s.MSP)
		}
		seen[s.MSP] = true
	}
	if t.Body.Args == nil {
		t.Body.Args = []string{}
	}
	return t, nil
}

// strict decodes one JSON value with no unknown fields and nothing after it.
func strict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailing
	}
	return nil
}

var errTrailing = errors.New("data after the JSON value")
