package abciapp

import (
	"context"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/dispatch"
	"github.com/ledgerml/ledgerml/chaincode/internal/envelope"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/kvstore"
	"github.com/ledgerml/ledgerml/chaincode/internal/msp"
	"github.com/ledgerml/ledgerml/chaincode/internal/policy"
)

// nonces is where replay records are looked up: the committed store for
// CheckTx, the block (committed plus this block's) for FinalizeBlock.
type nonces interface {
	Nonce(msp, nonce string) (kvstore.NonceRecord, bool, error)
}

// authenticated is a transaction whose every signature verified.
type authenticated struct {
	tx      *envelope.Tx
	signers []msp.Signer
	entry   dispatch.Entry
}

// authenticate reads the envelope and verifies it at time at: form and
// limits, chain id, a known submit function, every signature.
func (a *App) authenticate(raw []byte, at time.Time) (*authenticated, error) {
	if a.registry == nil {
		return nil, errs.Wrap(errs.Internal, ErrNoGenesis, "not ready")
	}
	tx, err := envelope.Parse(raw)
	if err != nil {
		return nil, err
	}
	if tx.Body.ChainID != a.genesis.ChainID {
		return nil, errs.New(errs.WrongChain, "transaction is for chain %q, this is %q", tx.Body.ChainID, a.genesis.ChainID)
	}
	entry, ok := dispatch.Lookup(tx.Body.Fn)
	if !ok || entry.Kind != contract.Submit {
		return nil, errs.New(errs.MalformedTx, "%q is not a submit function", tx.Body.Fn)
	}
	signers := make([]msp.Signer, len(tx.Signatures))
	for i, s := range tx.Signatures {
		if signers[i], err = a.registry.Authenticate(s.MSP, s.Cert, s.Sig, tx.RawBody, at); err != nil {
			return nil, err
		}
	}
	return &authenticated{tx: tx, signers: signers, entry: entry}, nil
}

// admit applies what needs no core: replay, consortium rules, arity.
func (a *App) admit(t *authenticated, seen nonces) error {
	rec, replayed, err := seen.Nonce(t.tx.Submitter(), t.tx.Body.Nonce)
	if err != nil {
		return errs.Wrap(errs.Ledger, err, "reading replay records")
	}
	if replayed {
		return errs.New(errs.Replayed, "%s nonce %s was used by tx %s at height %d", t.tx.Submitter(), t.tx.Body.Nonce, rec.TxID, rec.Height)
	}
	if err := policy.Authorize(t.tx.Body.Fn, t.signers, a.registry.Members()); err != nil {
		return err
	}
	return t.entry.CheckArgs(t.tx.Body.Fn, t.tx.Body.Args)
}

// CheckTx admits to the mempool what FinalizeBlock would not refuse before
// running the core: signatures are judged at the last block time, replay
// against committed records. Recheck after each block drops transactions
// whose nonce has since committed.
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, err := a.authenticate(req.Tx, a.lastBlockTime())
	if err == nil {
		err = a.admit(t, a.store)
	}
	if err != nil {
		code, log := refusal(err)
		a.log.Debug("check refused", "tx_id", envelope.ID(req.Tx), "code", code)
		return &abci.ResponseCheckTx{Code: code, Log: log, Codespace: Codespace}, nil
	}
	return &abci.ResponseCheckTx{Code: abci.CodeTypeOK}, nil
}

// refusal maps an error to its ABCI code and log; an error without a code
// is a bug and reported as INTERNAL.
func refusal(err error) (uint32, string) {
	code := errs.CodeOf(err)
	if code == nil {
		err = errs.Wrap(errs.Internal, err, "uncoded error")
		code = errs.Internal
	}
	return code.Number(), err.Error()
}
