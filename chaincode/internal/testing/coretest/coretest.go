// Package coretest is the shared fixture for core table tests: a consortium
// of three organisations on an in-memory ledger with a controllable clock.
package coretest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/memledger"
)

// The consortium of the seed scenario: Org1 owns data, Org2 consumes it,
// Org3 only audits and holds no rights.
var (
	Org1      = ledger.Caller{MSP: "Org1MSP", CallerRole: ledger.RoleClient}
	Org2      = ledger.Caller{MSP: "Org2MSP", CallerRole: ledger.RoleClient}
	Org3      = ledger.Caller{MSP: "Org3MSP", CallerRole: ledger.RoleClient}
	Org1Admin = ledger.Caller{MSP: "Org1MSP", CallerRole: ledger.RoleAdmin}
	Org2Peer  = ledger.Caller{MSP: "Org2MSP", CallerRole: ledger.RolePeer}
)

// Start is the fixture's genesis time.
var Start = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// Hex returns a deterministic 64-char digest-shaped string for seed s.
func Hex(s string) string {
	h := strings.Repeat("0", 64) + fmt.Sprintf("%x", s)
	return h[len(h)-64:]
}

// World runs transactions against one ledger.
type World struct {
	T      testing.TB
	Ledger *memledger.Ledger
	Clock  time.Time
	n      int
	last   []memledger.Event
}

// NewWorld returns an empty consortium ledger at Start.
func NewWorld(t testing.TB) *World {
	return &World{T: t, Ledger: memledger.New(), Clock: Start}
}

// Advance moves the transaction clock.
func (w *World) Advance(d time.Duration) { w.Clock = w.Clock.Add(d) }

func (w *World) begin(caller ledger.Identity) *txn.Tx {
	w.n++
	w.Clock = w.Clock.Add(time.Second)
	w.Ledger.Begin(fmt.Sprintf("tx%04d", w.n), w.Clock)
	return txn.New(w.Ledger, caller)
}

// Submit runs a write transaction; it commits only on success, as the
// application does, and asserts the one-event rule.
func (w *World) Submit(caller ledger.Identity, fn func(tx *txn.Tx) error) error {
	err := fn(w.begin(caller))
	if err != nil {
		return err
	}
	require.Len(w.T, w.Ledger.Events(), 1, "a successful write sets exactly one event")
	w.last = w.Ledger.Events()
	w.Ledger.Commit()
	return nil
}

// Evaluate runs a read; nothing is committed and no event may be set.
func (w *World) Evaluate(caller ledger.Identity, fn func(tx *txn.Tx) error) error {
	err := fn(w.begin(caller))
	require.Empty(w.T, w.Ledger.Events(), "reads set no event")
	return err
}

// Must fails the test on err; for setup steps.
func (w *World) Must(err error) {
	w.T.Helper()
	require.NoError(w.T, err)
}

// LastEvent decodes the last committed write's event payload into v
// and returns its name.
func (w *World) LastEvent(v any) string {
	require.Len(w.T, w.last, 1)
	require.NoError(w.T, json.Unmarshal(w.last[0].Payload, v))
	return w.last[0].Name
}

// Key builds a composite key the way the core does.
func (w *World) Key(objectType string, attrs ...string) string {
	k, err := w.Ledger.CreateCompositeKey(objectType, attrs)
	require.NoError(w.T, err)
	return k
}
