package governance_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/governance"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/ledgerfakes"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/coretest"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/memledger"
)

// run executes fn as one transaction on l and commits it when it succeeds.
func run(l *memledger.Ledger, id string, caller ledger.Identity, schema int, fn func(*txn.Tx) error) error {
	l.Begin(id, coretest.Start)
	tx := txn.New(l, caller)
	tx.Schema = schema
	if err := fn(tx); err != nil {
		return err
	}
	l.Commit()
	return nil
}

func mint(l *memledger.Ledger, id string, schema int) error {
	return run(l, id, coretest.Org1Admin, schema, func(tx *txn.Tx) error { _, err := credits.Mint(tx, "Org2MSP", 10); return err })
}

func TestScheduleApplyAndMigrate(t *testing.T) {
	l := memledger.New()
	require.NoError(t, mint(l, "m1", 2))
	require.NoError(t, mint(l, "m2", 2))
	require.NoError(t, run(l, "s", coretest.Org1Admin, 2, func(tx *txn.Tx) error {
		u, err := governance.ScheduleUpgrade(tx, "v3", 10, 4)
		if err == nil {
			assert.Equal(t, governance.Scheduled, u.Status)
		}
		return err
	}))
	err := run(l, "s2", coretest.Org1Admin, 2, func(tx *txn.Tx) error { _, err := governance.ScheduleUpgrade(tx, "v3", 12, 4); return err })
	assert.ErrorIs(t, err, errs.AlreadyExists)
	err = run(l, "s3", coretest.Org1, 2, func(tx *txn.Tx) error { _, err := governance.ScheduleUpgrade(tx, "v4", 12, 4); return err })
	assert.ErrorIs(t, err, errs.ForbiddenNotAdmin)

	require.NoError(t, run(l, "up", coretest.Org1, 3, func(tx *txn.Tx) error {
		schema, err := governance.ActiveSchema(tx)
		require.NoError(t, err)
		assert.Equal(t, contract.SchemaVersion, schema)
		none, err := governance.Due(tx, 9)
		require.NoError(t, err)
		assert.Empty(t, none)
		due, err := governance.Due(tx, 10)
		require.NoError(t, err)
		require.Len(t, due, 1)
		if err := credits.MigrateMintCount(tx); err != nil {
			return err
		}
		return governance.MarkApplied(tx, due[0], 3)
	}))
	require.NoError(t, mint(l, "m3", 3))
	require.NoError(t, run(l, "read", coretest.Org3, 3, func(tx *txn.Tx) error {
		schema, err := governance.ActiveSchema(tx)
		require.NoError(t, err)
		assert.Equal(t, 3, schema)
		s, err := credits.GetSupply(tx)
		require.NoError(t, err)
		assert.Equal(t, uint64(3), s.MintCount)
		assert.Equal(t, 3, s.SchemaVersion)
		u, err := governance.GetUpgrade(tx, "v3")
		require.NoError(t, err)
		assert.Equal(t, governance.Applied, u.Status)
		assert.Equal(t, "up", u.TxID)
		_, err = governance.GetUpgrade(tx, "v9")
		assert.ErrorIs(t, err, errs.NotFound)
		_, err = governance.GetUpgrade(tx, "bad name")
		assert.ErrorIs(t, err, errs.InvalidArgument)
		return nil
	}))
	// Before the upgrade, a schema-3 record is refused rather than misread.
	err = run(l, "old", coretest.Org3, 2, func(tx *txn.Tx) error { _, err := credits.GetSupply(tx); return err })
	assert.ErrorIs(t, err, errs.UnsupportedSchema)
}

func TestMigrationWithoutSupplyWritesNothing(t *testing.T) {
	l := memledger.New()
	require.NoError(t, run(l, "up", coretest.Org1, 3, func(tx *txn.Tx) error { return credits.MigrateMintCount(tx) }))
	assert.Nil(t, l.Raw("\x00lml.credits.supply\x00"))
}

func TestActiveSchemaRefusesCorruptRecords(t *testing.T) {
	for raw, want := range map[string]*errs.Code{`{`: errs.Internal, `{"version":1}`: errs.Internal} {
		l := memledger.New()
		l.Seed("\x00lml.governance.schema\x00", []byte(raw))
		_, err := governance.ActiveSchema(txn.New(l, coretest.Org1))
		assert.ErrorIs(t, err, want, raw)
	}
}

func TestLedgerFailures(t *testing.T) {
	boom := errors.New("boom")
	cases := map[string]func(*ledgerfakes.FakeState){
		"timestamp": func(s *ledgerfakes.FakeState) { s.GetTxTimestampReturns(coretest.Start, boom) },
		"key":       func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
		"due key":   func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturnsOnCall(1, "", boom) },
		"read":      func(s *ledgerfakes.FakeState) { s.GetStateReturns(nil, boom) },
		"put":       func(s *ledgerfakes.FakeState) { s.PutStateReturns(boom) },
		"put index": func(s *ledgerfakes.FakeState) { s.PutStateReturnsOnCall(1, boom) },
	}
	for name, set := range cases {
		t.Run(name, func(t *testing.T) {
			st := &ledgerfakes.FakeState{}
			set(st)
			_, err := governance.ScheduleUpgrade(txn.New(st, coretest.Org1Admin), "v3", 9, 1)
			assert.ErrorIs(t, err, boom)
		})
	}
	st := &ledgerfakes.FakeState{}
	st.GetStateByPartialCompositeKeyReturns([]ledger.KV{{Key: "k", Value: []byte("v3")}}, nil)
	st.GetStateReturns(nil, boom)
	_, err := governance.Due(txn.New(st, coretest.Org1), 9)
	assert.ErrorIs(t, err, boom)
	_, err = governance.ActiveSchema(txn.New(st, coretest.Org1))
	assert.ErrorIs(t, err, boom)
	st.GetStateByPartialCompositeKeyReturns(nil, boom)
	_, err = governance.Due(txn.New(st, coretest.Org1), 9)
	assert.ErrorIs(t, err, boom)
	assert.ErrorIs(t, credits.MigrateMintCount(txn.New(st, coretest.Org1)), boom)

	for name, set := range map[string]func(*ledgerfakes.FakeState){
		"timestamp":  func(s *ledgerfakes.FakeState) { s.GetTxTimestampReturns(coretest.Start, boom) },
		"key":        func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
		"schema key": func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturnsOnCall(1, "", boom) },
		"put":        func(s *ledgerfakes.FakeState) { s.PutStateReturns(boom) },
	} {
		st := &ledgerfakes.FakeState{}
		set(st)
		assert.ErrorIs(t, governance.MarkApplied(txn.New(st, coretest.Org1), governance.Upgrade{Name: "v3"}, 3), boom, name)
	}
}
