package abciapp

import (
	"context"
	"encoding/json"
	"errors"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/governance"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/dispatch"
	"github.com/ledgerml/ledgerml/chaincode/internal/envelope"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/kvstore"
)

// anonymous is the caller of evaluations and of the application's own
// reads: no organisation, no role.
var anonymous = ledger.Caller{MSP: "", CallerRole: ledger.RoleUnknown}

// FinalizeBlock runs the block's due upgrades, then every transaction in
// order, each re-checked in full (the proposer may be faulty). Nothing is
// written until Commit.
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.registry == nil {
		return nil, ErrNoGenesis
	}
	blk := a.store.Begin(req.Height, req.Time)
	schema, events, err := a.upgrade(blk)
	if err != nil {
		// Returning an error stops CometBFT at this height on every
		// validator that runs this binary.
		a.log.Error("stopping: cannot execute block", "height", req.Height, "err", err)
		return nil, err
	}
	results := make([]*abci.ExecTxResult, len(req.Txs))
	for i, raw := range req.Txs {
		results[i] = a.deliver(blk, raw, schema)
	}
	hash := blk.Finish()
	a.block = blk
	return &abci.ResponseFinalizeBlock{TxResults: results, AppHash: hash, Events: events}, nil
}

// deliver executes one transaction. Its replay record is kept whenever the
// submitter is authenticated and the nonce fresh, also when a rule or the
// core refuses it: the write's outcome is then final and a retry with the
// same nonce finds it (query /nonce, then the transaction's result).
func (a *App) deliver(blk *kvstore.Block, raw []byte, schema int) *abci.ExecTxResult {
	t, err := a.authenticate(raw, blk.Time)
	if err == nil {
		err = a.admit(t, blk)
		if !errors.Is(err, errs.Replayed) {
			blk.RecordNonce(t.tx.Submitter(), t.tx.Body.Nonce, t.tx.ID)
		}
	}
	if err == nil {
		var res *abci.ExecTxResult
		if res, err = a.execute(blk, t, schema); err == nil {
			a.log.Debug("tx committed", "height", blk.Height, "tx_id", t.tx.ID, "fn", t.tx.Body.Fn, "msp", t.tx.Submitter())
			return res
		}
	}
	code, log := refusal(err)
	attrs := []any{"height", blk.Height, "tx_id", envelope.ID(raw), "code", code}
	if t != nil {
		attrs = append(attrs, "fn", t.tx.Body.Fn, "msp", t.tx.Submitter())
	}
	a.log.Info("tx refused", attrs...)
	return &abci.ExecTxResult{Code: code, Log: log, Codespace: Codespace}
}

// execute runs the core function; its writes join the block only if it and
// the ledger's owner check succeed.
func (a *App) execute(blk *kvstore.Block, t *authenticated, schema int) (*abci.ExecTxResult, error) {
	sub := t.signers[0]
	st := blk.Tx(t.tx.ID, sub.MSP)
	ctx := txn.New(st, ledger.Caller{MSP: sub.MSP, CallerRole: sub.Role})
	ctx.Schema = schema
	out, err := t.entry.Run(dispatch.Call{Tx: ctx, Args: t.tx.Body.Args, Height: blk.Height})
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "encoding the result")
	}
	if err := blk.Apply(st); err != nil {
		return nil, err
	}
	res := &abci.ExecTxResult{Code: abci.CodeTypeOK, Data: data}
	if ev, ok := st.Event(); ok {
		res.Events = []abci.Event{txEvent(ev, t.tx.ID, sub.MSP, t.tx.Body.Fn)}
	}
	return res, nil
}

// upgrade applies the upgrades due at this block, each in its own system
// transaction, and returns the schema the block's transactions run with.
func (a *App) upgrade(blk *kvstore.Block) (int, []abci.Event, error) {
	view := txn.New(blk.ReadOnly(), anonymous)
	schema, err := governance.ActiveSchema(view)
	if err != nil {
		return 0, nil, err
	}
	view.Schema = schema
	due, err := governance.Due(view, blk.Height)
	if err != nil {
		return 0, nil, err
	}
	var events []abci.Event
	for _, u := range due {
		m, ok := a.known(u.Name)
		if !ok {
			return 0, nil, &UpgradeNeededError{Name: u.Name, Height: u.Height, Known: a.cfg.Upgrades}
		}
		st := blk.System(systemTxID(u))
		ctx := txn.New(st, anonymous)
		ctx.Schema = max(schema, m.SchemaVersion)
		if err := m.Migrate(ctx); err != nil {
			return 0, nil, err
		}
		if err := governance.MarkApplied(ctx, u, ctx.Schema); err != nil {
			return 0, nil, err
		}
		if err := blk.Apply(st); err != nil {
			return 0, nil, err
		}
		schema = ctx.Schema
		a.log.Info("upgrade applied", "name", u.Name, "height", u.Height, "schema_version", schema)
		events = append(events, upgradeEvent(u, schema))
	}
	return schema, events, nil
}
