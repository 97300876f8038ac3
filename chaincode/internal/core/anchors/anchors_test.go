package anchors_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/anchors"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/ledgerfakes"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/coretest"
)

func anchor(w *coretest.World, who ledger.Identity, size uint64, root string) error {
	return w.Submit(who, func(tx *txn.Tx) error {
		_, err := anchors.AnchorAuditRoot(tx, "org1-audit", size, coretest.Hex(root))
		return err
	})
}

func TestAnchorsAreMonotonic(t *testing.T) {
	w := coretest.NewWorld(t)
	require.NoError(t, anchor(w, coretest.Org1, 10, "r10"))
	require.NoError(t, anchor(w, coretest.Org1, 20, "r20"))
	var ev anchors.Anchor
	assert.Equal(t, "AuditRootAnchored", w.LastEvent(&ev))
	assert.Equal(t, uint64(20), ev.TreeSize)
	assert.Equal(t, []string{"Org1MSP"}, w.Ledger.Endorsers(w.Key("lml.anchor.log", "org1-audit")))
	assert.Equal(t, []string{"Org1MSP"}, w.Ledger.Endorsers(w.Key("lml.anchor", "org1-audit", "00000000000000000020")))

	w.Must(w.Evaluate(coretest.Org3, func(tx *txn.Tx) error {
		latest, err := anchors.GetLatestAnchor(tx, "org1-audit")
		require.NoError(t, err)
		assert.Equal(t, coretest.Hex("r20"), latest.RootHash)
		old, err := anchors.GetAnchor(tx, "org1-audit", 10)
		require.NoError(t, err)
		assert.Equal(t, coretest.Hex("r10"), old.RootHash)
		_, err = anchors.GetAnchor(tx, "org1-audit", 15)
		assert.ErrorIs(t, err, errs.NotFound)
		_, err = anchors.GetLatestAnchor(tx, "nope")
		assert.ErrorIs(t, err, errs.NotFound)
		return nil
	}))
}

func TestAnchorRetryIsIdempotent(t *testing.T) {
	w := coretest.NewWorld(t)
	require.NoError(t, anchor(w, coretest.Org1, 10, "r10"))
	require.NoError(t, anchor(w, coretest.Org1, 20, "r20"))
	// Evaluate asserts that a retry emits no event.
	for _, head := range []struct {
		size uint64
		root string
	}{{20, "r20"}, {10, "r10"}} {
		w.Must(w.Evaluate(coretest.Org1, func(tx *txn.Tx) error {
			a, err := anchors.AnchorAuditRoot(tx, "org1-audit", head.size, coretest.Hex(head.root))
			require.NoError(t, err)
			assert.Equal(t, head.size, a.TreeSize)
			return nil
		}))
	}
}

func TestAnchorRefusals(t *testing.T) {
	cases := []struct {
		name string
		who  ledger.Identity
		size uint64
		root string
		want error
	}{
		{"smaller size", coretest.Org1, 15, "r15", errs.NonMonotonicAnchor},
		{"same size other root", coretest.Org1, 20, "fork", errs.AnchorConflict},
		{"older size other root", coretest.Org1, 10, "fork", errs.AnchorConflict},
		{"another org's log", coretest.Org2, 30, "r30", errs.ForbiddenNotOwner},
		{"org3 without rights", coretest.Org3, 30, "r30", errs.ForbiddenNotOwner},
		{"zero size", coretest.Org1, 0, "r0", errs.InvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := coretest.NewWorld(t)
			require.NoError(t, anchor(w, coretest.Org1, 10, "r10"))
			require.NoError(t, anchor(w, coretest.Org1, 20, "r20"))
			assert.ErrorIs(t, anchor(w, tc.who, tc.size, tc.root), tc.want)
		})
	}
	w := coretest.NewWorld(t)
	err := w.Submit(coretest.Org1, func(tx *txn.Tx) error { _, err := anchors.AnchorAuditRoot(tx, "l", 1, "ABC"); return err })
	assert.ErrorIs(t, err, errs.InvalidArgument)
}

func TestAnchorLedgerFailures(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name string
		set  func(*ledgerfakes.FakeState)
	}{
		{"log key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) }},
		{"anchor key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturnsOnCall(1, "", boom) }},
		{"read", func(s *ledgerfakes.FakeState) { s.GetStateReturns(nil, boom) }},
		{"timestamp", func(s *ledgerfakes.FakeState) { s.GetTxTimestampReturns(coretest.Start, boom) }},
		{"put anchor", func(s *ledgerfakes.FakeState) { s.PutStateReturns(boom) }},
		{"put head", func(s *ledgerfakes.FakeState) { s.PutStateReturnsOnCall(1, boom) }},
		{"endorse head", func(s *ledgerfakes.FakeState) { s.SetStateValidationParameterReturnsOnCall(1, boom) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := &ledgerfakes.FakeState{}
			tc.set(st)
			_, err := anchors.AnchorAuditRoot(txn.New(st, coretest.Org1), "l", 1, coretest.Hex("r"))
			assert.ErrorIs(t, err, errs.Ledger)
			assert.ErrorIs(t, err, boom)
			assert.Zero(t, st.SetEventCallCount())
		})
	}
	st := &ledgerfakes.FakeState{}
	st.GetStateReturns(nil, boom)
	_, err := anchors.GetLatestAnchor(txn.New(st, coretest.Org3), "l")
	assert.ErrorIs(t, err, boom)
	_, err = anchors.GetAnchor(txn.New(st, coretest.Org3), "l", 1)
	assert.ErrorIs(t, err, boom)
}
