// Package txn is the per-transaction context every core function receives:
// the ledger port, the resolved caller, and the helpers that keep the
// cross-cutting rules (tx time, one event, versioned JSON, key-level
// endorsement) in one place instead of in every aggregate.
package txn

import (
	"encoding/json"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
)

// Tx is created once per transaction by the application.
type Tx struct {
	State  ledger.State
	Caller ledger.Identity
	// Schema is the record schema active on the ledger: records are written
	// with it and read up to it. It starts at contract.SchemaVersion and an
	// upgrade raises it from its height on, so a binary that knows the
	// upgrade still writes the old schema before that height.
	Schema  int
	emitted contract.Event
}

// New binds the port and the caller for one transaction.
func New(state ledger.State, caller ledger.Identity) *Tx {
	return &Tx{State: state, Caller: caller, Schema: contract.SchemaVersion}
}

// MSP is the caller's organisation; every ownership check compares to it.
func (t *Tx) MSP() string { return t.Caller.MSPID() }

// TxID is the ledger transaction id, recorded so records link to blocks.
func (t *Tx) TxID() string { return t.State.GetTxID() }

// Now is the transaction timestamp (the block time) in UTC. Wall-clock time
// would differ between validators and break determinism, so it is never
// used.
func (t *Tx) Now() (time.Time, error) {
	ts, err := t.State.GetTxTimestamp()
	if err != nil {
		return time.Time{}, errs.Wrap(errs.Ledger, err, "reading tx timestamp")
	}
	return ts.UTC(), nil
}

// Key builds a composite key.
func (t *Tx) Key(objectType string, attrs ...string) (string, error) {
	k, err := t.State.CreateCompositeKey(objectType, attrs)
	if err != nil {
		return "", errs.Wrap(errs.Ledger, err, "composite key %s", objectType)
	}
	return k, nil
}

// Emit sets the transaction's single event. The ledger keeps only the last
// SetEvent, so a second call is a bug that would lose an event; it is
// refused rather than allowed to overwrite.
func (t *Tx) Emit(name contract.Event, payload any) error {
	if t.emitted != "" {
		return errs.New(errs.Internal, "event %s after %s in one transaction", name, t.emitted)
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return errs.Wrap(errs.Internal, err, "encoding %s payload", name)
	}
	if err := t.State.SetEvent(string(name), raw); err != nil {
		return errs.Wrap(errs.Ledger, err, "setting event %s", name)
	}
	t.emitted = name
	return nil
}
