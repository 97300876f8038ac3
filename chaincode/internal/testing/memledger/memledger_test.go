package memledger_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/testing/memledger"
)

func TestWritesVisibleOnlyAfterCommit(t *testing.T) {
	l := memledger.New()
	ts := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l.Begin("tx1", ts)
	require.NoError(t, l.PutState("k", []byte("v")))
	require.NoError(t, l.SetStateValidationParameter("k", []string{"Org1MSP"}))
	got, _ := l.GetState("k")
	assert.Nil(t, got)
	assert.Nil(t, l.Endorsers("k"))
	l.Commit()

	got, _ = l.GetState("k")
	assert.Equal(t, []byte("v"), got)
	assert.Equal(t, []string{"Org1MSP"}, l.Endorsers("k"))
	hist, _ := l.GetHistoryForKey("k")
	require.Len(t, hist, 1)
	assert.Equal(t, "tx1", hist[0].TxID)
	assert.Equal(t, ts, hist[0].Timestamp)
	assert.Equal(t, []byte("v"), l.Raw("k"))
}

func TestBeginDiscardsUncommitted(t *testing.T) {
	l := memledger.New()
	l.Begin("tx1", time.Time{})
	require.NoError(t, l.PutState("k", []byte("v")))
	require.NoError(t, l.SetEvent("E", nil))
	l.Begin("tx2", time.Time{})
	l.Commit()
	got, _ := l.GetState("k")
	assert.Nil(t, got)
	assert.Empty(t, l.Events())
}

func TestRefusals(t *testing.T) {
	l := memledger.New()
	l.Begin("tx1", time.Time{})
	assert.Error(t, l.PutState("", []byte("v")))
	assert.Error(t, l.PutState("k", nil))
	assert.Error(t, l.SetEvent("", nil))
	assert.Error(t, l.SetStateValidationParameter("k", nil))
	_, err := l.CreateCompositeKey("t", []string{"a\x00b"})
	assert.Error(t, err)
	_, err = l.CreateCompositeKey("t\x00", nil)
	assert.Error(t, err)
	_, err = l.GetStateByPartialCompositeKey("t", []string{"\xff"})
	assert.Error(t, err)
}

func TestPartialCompositeKeyIsSortedAndScoped(t *testing.T) {
	l := memledger.New()
	l.Begin("tx1", time.Time{})
	for _, attrs := range [][]string{{"d1", "b"}, {"d1", "a"}, {"d2", "a"}} {
		k, err := l.CreateCompositeKey("idx", attrs)
		require.NoError(t, err)
		require.NoError(t, l.PutState(k, []byte(attrs[0]+attrs[1])))
	}
	l.Commit()
	kvs, err := l.GetStateByPartialCompositeKey("idx", []string{"d1"})
	require.NoError(t, err)
	require.Len(t, kvs, 2)
	assert.Equal(t, "d1a", string(kvs[0].Value))
	assert.Equal(t, "d1b", string(kvs[1].Value))
	assert.Equal(t, "tx1", l.GetTxID())
	l.Seed("raw", []byte("x"))
	assert.Equal(t, []byte("x"), l.Raw("raw"))
	ts, err := l.GetTxTimestamp()
	require.NoError(t, err)
	assert.True(t, ts.IsZero())
}
