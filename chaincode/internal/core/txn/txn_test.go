package txn_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/ledgerfakes"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/coretest"
)

var errBoom = errors.New("boom")

type rec struct {
	txn.Schema
	Name string `json:"name"`
	Old  string `json:"old,omitempty"`
}

// Migrate shows the upgrade contract: v1 stored the name under "old".
func (r *rec) Migrate(from int, _ []byte) error {
	if from == 1 && r.Name == "" {
		r.Name, r.Old = r.Old, ""
	}
	if r.Name == "fail" {
		return errBoom
	}
	return nil
}

type plain struct {
	txn.Schema
	N int `json:"n"`
}

func fakeTx() (*txn.Tx, *ledgerfakes.FakeState) {
	st := &ledgerfakes.FakeState{}
	st.CreateCompositeKeyStub = func(o string, a []string) (string, error) { return o + "/" + a[0], nil }
	return txn.New(st, ledger.Caller{MSP: "Org1MSP"}), st
}

func TestNowIsUTCFromTransaction(t *testing.T) {
	tx, st := fakeTx()
	loc := time.FixedZone("X", 3600)
	st.GetTxTimestampReturns(time.Date(2025, 1, 1, 13, 0, 0, 0, loc), nil)
	now, err := tx.Now()
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC), now)
	assert.Equal(t, time.UTC, now.Location())

	st.GetTxTimestampReturns(time.Time{}, errBoom)
	_, err = tx.Now()
	assert.ErrorIs(t, err, errs.Ledger)
	assert.ErrorIs(t, err, errBoom)
}

func TestEmitRefusesSecondEvent(t *testing.T) {
	tx, st := fakeTx()
	require.NoError(t, tx.Emit(contract.DatasetRegistered, map[string]int{"a": 1}))
	err := tx.Emit(contract.AccessGranted, nil)
	assert.ErrorIs(t, err, errs.Internal)
	assert.Equal(t, 1, st.SetEventCallCount())
	name, payload := st.SetEventArgsForCall(0)
	assert.Equal(t, "DatasetRegistered", name)
	assert.JSONEq(t, `{"a":1}`, string(payload))
}

func TestEmitFailures(t *testing.T) {
	tx, st := fakeTx()
	assert.ErrorIs(t, tx.Emit(contract.DatasetRegistered, make(chan int)), errs.Internal)
	st.SetEventReturns(errBoom)
	assert.ErrorIs(t, tx.Emit(contract.DatasetRegistered, nil), errBoom)
}

func TestKeyFailure(t *testing.T) {
	tx, st := fakeTx()
	st.CreateCompositeKeyReturns("", errBoom)
	st.CreateCompositeKeyStub = nil
	_, err := tx.Key("t", "a")
	assert.ErrorIs(t, err, errs.Ledger)
}

func TestCreateStampsVersionAndEndorses(t *testing.T) {
	w := coretest.NewWorld(t)
	key := w.Key("t", "a")
	err := w.Submit(coretest.Org1, func(tx *txn.Tx) error {
		if err := tx.Create(key, &rec{Name: "x"}, "Org1MSP"); err != nil {
			return err
		}
		return tx.Emit(contract.DatasetRegistered, nil)
	})
	require.NoError(t, err)
	assert.JSONEq(t, `{"schema_version":2,"name":"x"}`, string(w.Ledger.Raw(key)))
	assert.Equal(t, []string{"Org1MSP"}, w.Ledger.Endorsers(key))

	err = w.Submit(coretest.Org1, func(tx *txn.Tx) error { return tx.Create(key, &rec{Name: "y"}) })
	assert.ErrorIs(t, err, errs.AlreadyExists)
}

func TestDecodeMigratesAndRefusesNewer(t *testing.T) {
	var r rec
	require.NoError(t, txn.Decode([]byte(`{"old":"legacy"}`), &r))
	assert.Equal(t, "legacy", r.Name)
	assert.Equal(t, contract.SchemaVersion, r.SchemaVersion)

	var p plain
	require.NoError(t, txn.Decode([]byte(`{"schema_version":1,"n":3}`), &p))
	assert.Equal(t, contract.SchemaVersion, p.SchemaVersion)

	assert.ErrorIs(t, txn.Decode([]byte(`{"schema_version":99}`), &r), errs.UnsupportedSchema)
	assert.ErrorIs(t, txn.Decode([]byte(`{`), &r), errs.Internal)
	err := txn.Decode([]byte(`{"schema_version":1,"name":"fail"}`), &r)
	assert.ErrorIs(t, err, errs.Internal)
	assert.ErrorIs(t, err, errBoom)
}

func TestLedgerFailuresAreCoded(t *testing.T) {
	tx, st := fakeTx()
	st.GetStateReturns(nil, errBoom)
	_, err := tx.Get("k", &rec{})
	assert.ErrorIs(t, err, errs.Ledger)
	_, err = tx.Exists("k")
	assert.ErrorIs(t, err, errBoom)
	assert.ErrorIs(t, tx.Create("k", &rec{}), errBoom)

	st.GetStateReturns(nil, nil)
	st.PutStateReturns(errBoom)
	assert.ErrorIs(t, tx.Create("k", &rec{}), errs.Ledger)
	assert.ErrorIs(t, tx.Put("k", &plainBad{}), errs.Internal)

	st.PutStateReturns(nil)
	st.SetStateValidationParameterReturns(errBoom)
	assert.ErrorIs(t, tx.Create("k", &rec{}, "Org1MSP"), errBoom)

	st.GetStateByPartialCompositeKeyReturns(nil, errBoom)
	_, err = txn.List[rec](tx, "t")
	assert.ErrorIs(t, err, errs.Ledger)
	_, err = tx.IndexValues("t")
	assert.ErrorIs(t, err, errs.Ledger)

	st.GetHistoryForKeyReturns(nil, errBoom)
	_, err = txn.History[rec](tx, "k")
	assert.ErrorIs(t, err, errs.Ledger)
}

type plainBad struct {
	txn.Schema
	C chan int `json:"c"`
}

func TestQueriesDecode(t *testing.T) {
	tx, st := fakeTx()
	ts := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	st.GetHistoryForKeyReturns([]ledger.HistoryEntry{
		{TxID: "t1", Timestamp: ts, Value: []byte(`{"schema_version":1,"old":"a"}`)},
		{TxID: "t2", Timestamp: ts, IsDelete: true},
	}, nil)
	hist, err := txn.History[rec](tx, "k")
	require.NoError(t, err)
	require.Len(t, hist, 2)
	assert.Equal(t, "a", hist[0].Record.Name)
	assert.Nil(t, hist[1].Record)

	st.GetHistoryForKeyReturns([]ledger.HistoryEntry{{Value: []byte(`{"schema_version":9}`)}}, nil)
	_, err = txn.History[rec](tx, "k")
	assert.ErrorIs(t, err, errs.UnsupportedSchema)

	st.GetStateByPartialCompositeKeyReturns([]ledger.KV{{Key: "a", Value: []byte(`{"name":"n"}`)}}, nil)
	list, err := txn.List[rec](tx, "t")
	require.NoError(t, err)
	assert.Equal(t, "n", list[0].Name)
	ids, err := tx.IndexValues("t")
	require.NoError(t, err)
	assert.Equal(t, []string{`{"name":"n"}`}, ids)

	st.GetStateByPartialCompositeKeyReturns([]ledger.KV{{Key: "a", Value: []byte(`{`)}}, nil)
	_, err = txn.List[rec](tx, "t")
	assert.ErrorIs(t, err, errs.Internal)

	assert.Equal(t, "Org1MSP", tx.MSP())
	st.GetTxIDReturns("tx9")
	assert.Equal(t, "tx9", tx.TxID())
}
