package abciapp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/governance"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/dispatch"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/merkle"
)

// Query paths.
const (
	PathEvaluate = "/evaluate"
	PathKey      = "/key"
	PathNonce    = "/nonce"
)

// EvaluateRequest is the data of an /evaluate query.
type EvaluateRequest struct {
	Fn   string   `json:"fn"`
	Args []string `json:"args"`
}

// NonceRequest is the data of a /nonce query.
type NonceRequest struct {
	MSP   string `json:"msp"`
	Nonce string `json:"nonce"`
}

// Query serves committed state as of the last block: /evaluate runs a core
// read function as an anonymous reader, /key returns a raw state entry
// (with prove=true, its RFC 6962 inclusion proof against the app hash of
// the header at height+1), /nonce returns a write's replay record.
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	height := a.store.Meta().Height
	var res *abci.ResponseQuery
	err := errs.New(errs.InvalidArgument, "only the last committed height %d is served, not %d", height, req.Height)
	if req.Height == 0 || req.Height == height {
		res, err = a.query(req)
	}
	if err != nil {
		code, log := refusal(err)
		return &abci.ResponseQuery{Code: code, Log: log, Codespace: Codespace, Height: height}, nil
	}
	res.Height = height
	return res, nil
}

func (a *App) query(req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	switch req.Path {
	case PathEvaluate:
		var q EvaluateRequest
		if err := strictJSON(req.Data, &q); err != nil {
			return nil, err
		}
		value, err := a.evaluate(q)
		return &abci.ResponseQuery{Value: value}, err
	case PathKey:
		return a.key(req.Data, req.Prove)
	case PathNonce:
		var q NonceRequest
		if err := strictJSON(req.Data, &q); err != nil {
			return nil, err
		}
		rec, ok, err := a.store.Nonce(q.MSP, q.Nonce)
		if err != nil {
			return nil, errs.Wrap(errs.Ledger, err, "reading replay records")
		}
		if !ok {
			return nil, errs.New(errs.NotFound, "no transaction of %s with nonce %q", q.MSP, q.Nonce)
		}
		value, err := json.Marshal(rec)
		return &abci.ResponseQuery{Value: value}, err
	}
	return nil, errs.New(errs.InvalidArgument, "unknown query path %q (use %s, %s or %s)", req.Path, PathEvaluate, PathKey, PathNonce)
}

func (a *App) evaluate(q EvaluateRequest) ([]byte, error) {
	entry, ok := dispatch.Lookup(q.Fn)
	if !ok || entry.Kind != contract.Evaluate {
		return nil, errs.New(errs.InvalidArgument, "%q is not an evaluate function", q.Fn)
	}
	if err := entry.CheckArgs(q.Fn, q.Args); err != nil {
		return nil, err
	}
	meta := a.store.Meta()
	tx := txn.New(a.store.Begin(meta.Height, a.lastBlockTime()).ReadOnly(), anonymous)
	schema, err := governance.ActiveSchema(tx)
	if err != nil {
		return nil, err
	}
	tx.Schema = schema
	out, err := entry.Run(dispatch.Call{Tx: tx, Args: q.Args, Height: meta.Height})
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "encoding the result")
	}
	return raw, nil
}

func (a *App) key(key []byte, prove bool) (*abci.ResponseQuery, error) {
	value, proof, ok, err := a.store.Prove(string(key))
	if err != nil {
		return nil, errs.Wrap(errs.Ledger, err, "reading state")
	}
	if !ok {
		return nil, errs.New(errs.NotFound, "no state entry under the key")
	}
	res := &abci.ResponseQuery{Key: key, Value: value}
	if prove {
		res.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: merkle.ProofType, Key: key, Data: proof.Marshal()}}}
	}
	return res, nil
}

// strictJSON reads query data: one JSON object, no unknown fields.
func strictJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.New(errs.InvalidArgument, "query data is not the expected JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.New(errs.InvalidArgument, "query data has more after its JSON value")
	}
	return nil
}
