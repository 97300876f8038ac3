package kvstore_test

import (
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/kvstore"
	"github.com/ledgerml/ledgerml/chaincode/internal/merkle"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func open(t *testing.T, dir string) *kvstore.Store {
	t.Helper()
	db, err := dbm.NewGoLevelDB("state", dir)
	require.NoError(t, err)
	s, err := kvstore.Open(db)
	require.NoError(t, err)
	return s
}

func key(t *testing.T, obj string, attrs ...string) string {
	k, err := ledger.CompositeKey(obj, attrs)
	require.NoError(t, err)
	return k
}

// commit runs each function as one successful transaction of a new block.
func commit(t *testing.T, s *kvstore.Store, msp string, txs ...func(*kvstore.Tx)) []byte {
	t.Helper()
	b := s.Begin(s.Meta().Height+1, t0.Add(time.Duration(s.Meta().Height)*time.Second))
	for i, fn := range txs {
		tx := b.Tx(string(rune('a'+i)), msp)
		fn(tx)
		require.NoError(t, b.Apply(tx))
	}
	hash := b.Finish()
	require.NoError(t, s.Commit(b))
	return hash
}

func put(t *testing.T, k, v string) func(*kvstore.Tx) {
	return func(tx *kvstore.Tx) { require.NoError(t, tx.PutState(k, []byte(v))) }
}

func TestReadsIgnoreOwnWritesButSeeEarlierTransactions(t *testing.T) {
	s := open(t, t.TempDir())
	k := key(t, "lml.x", "1")
	b := s.Begin(1, t0)
	tx := b.Tx("t1", "Org1MSP")
	require.NoError(t, tx.PutState(k, []byte("one")))
	v, err := tx.GetState(k)
	require.NoError(t, err)
	assert.Nil(t, v, "a transaction does not read its own writes")
	require.NoError(t, b.Apply(tx))

	failed := b.Tx("t2", "Org1MSP")
	require.NoError(t, failed.PutState(key(t, "lml.x", "2"), []byte("lost")))
	// not applied: the transaction failed

	next := b.Tx("t3", "Org2MSP")
	v, err = next.GetState(k)
	require.NoError(t, err)
	assert.Equal(t, "one", string(v), "later transactions of the block see earlier ones")
	kvs, err := next.GetStateByPartialCompositeKey("lml.x", nil)
	require.NoError(t, err)
	assert.Equal(t, []ledger.KV{{Key: k, Value: []byte("one")}}, kvs)
	ts, err := next.GetTxTimestamp()
	require.NoError(t, err)
	assert.Equal(t, t0, ts)
	assert.Equal(t, "t3", next.GetTxID())
}

func TestPartialKeyScanIsSortedAcrossCommittedAndBlock(t *testing.T) {
	s := open(t, t.TempDir())
	commit(t, s, "Org1MSP", put(t, key(t, "lml.x", "b"), "b"), put(t, key(t, "lml.x", "d"), "d"), put(t, key(t, "lml.y", "a"), "y"))
	b := s.Begin(2, t0)
	tx := b.Tx("t", "Org1MSP")
	for _, id := range []string{"e", "a", "c"} {
		require.NoError(t, tx.PutState(key(t, "lml.x", id), []byte(id)))
	}
	require.NoError(t, b.Apply(tx))
	kvs, err := b.Tx("r", "Org1MSP").GetStateByPartialCompositeKey("lml.x", nil)
	require.NoError(t, err)
	var got []string
	for _, kv := range kvs {
		got = append(got, string(kv.Value))
	}
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, got)
	_, err = b.Tx("r", "Org1MSP").GetStateByPartialCompositeKey("lml.x", []string{"a\x00"})
	assert.ErrorIs(t, err, ledger.ErrCompositePart)
}

func TestHistoryAcrossBlocks(t *testing.T) {
	s := open(t, t.TempDir())
	k := key(t, "lml.x", "1")
	commit(t, s, "Org1MSP", put(t, k, "v1"), put(t, key(t, "lml.x", "10"), "other"))
	commit(t, s, "Org1MSP", put(t, k, "v2"))
	b := s.Begin(3, t0.Add(time.Hour))
	tx := b.Tx("t3", "Org1MSP")
	require.NoError(t, tx.PutState(k, []byte("v3")))
	require.NoError(t, b.Apply(tx))
	hist, err := b.Tx("r", "").GetHistoryForKey(k)
	require.NoError(t, err)
	require.Len(t, hist, 3)
	assert.Equal(t, ledger.HistoryEntry{TxID: "a", Timestamp: t0, Value: []byte("v1")}, hist[0])
	assert.Equal(t, "v2", string(hist[1].Value))
	assert.Equal(t, ledger.HistoryEntry{TxID: "t3", Timestamp: t0.Add(time.Hour), Value: []byte("v3")}, hist[2])
}

func TestOwnersGuardWrites(t *testing.T) {
	s := open(t, t.TempDir())
	k := key(t, "lml.dataset", "cxr")
	commit(t, s, "Org1MSP", func(tx *kvstore.Tx) {
		require.NoError(t, tx.PutState(k, []byte("d")))
		require.NoError(t, tx.SetStateValidationParameter(k, []string{"Org1MSP"}))
	})
	b := s.Begin(2, t0)
	owners, err := b.Owners(k)
	require.NoError(t, err)
	assert.Equal(t, []string{"Org1MSP"}, owners)

	forged := b.Tx("f", "Org2MSP")
	require.NoError(t, forged.PutState(k, []byte("mine now")))
	assert.ErrorIs(t, b.Apply(forged), errs.ForbiddenNotOwner)

	takeover := b.Tx("o", "Org2MSP")
	require.NoError(t, takeover.SetStateValidationParameter(k, []string{"Org2MSP"}))
	assert.ErrorIs(t, b.Apply(takeover), errs.ForbiddenNotOwner)

	owner := b.Tx("w", "Org1MSP")
	require.NoError(t, owner.PutState(k, []byte("d2")))
	require.NoError(t, b.Apply(owner))
	v, err := b.Tx("r", "").GetState(k)
	require.NoError(t, err)
	assert.Equal(t, "d2", string(v))
}

func TestWriteRefusals(t *testing.T) {
	s := open(t, t.TempDir())
	b := s.Begin(1, t0)
	tx := b.Tx("t", "Org1MSP")
	assert.ErrorIs(t, tx.PutState("", []byte("v")), kvstore.ErrEmpty)
	assert.ErrorIs(t, tx.PutState("k", nil), kvstore.ErrEmpty)
	assert.ErrorIs(t, tx.PutState("\xffowner/k", []byte("v")), kvstore.ErrReservedKey)
	assert.ErrorIs(t, tx.SetStateValidationParameter("k", nil), kvstore.ErrEmpty)
	assert.ErrorIs(t, tx.SetStateValidationParameter("\xffk", []string{"a"}), kvstore.ErrReservedKey)
	assert.ErrorIs(t, tx.SetEvent("", nil), kvstore.ErrEmpty)
	assert.False(t, tx.Wrote())
	_, ok := tx.Event()
	assert.False(t, ok)
	require.NoError(t, tx.SetEvent("A", []byte("1")))
	require.NoError(t, tx.SetEvent("B", []byte("2")))
	ev, ok := tx.Event()
	assert.True(t, ok)
	assert.Equal(t, kvstore.Event{Name: "B", Payload: []byte("2")}, ev, "the last event wins")

	ro := b.ReadOnly()
	assert.ErrorIs(t, ro.PutState("k", []byte("v")), kvstore.ErrReadOnly)
	assert.ErrorIs(t, ro.SetStateValidationParameter("k", []string{"a"}), kvstore.ErrReadOnly)
}

func TestRestartKeepsStateHashAndProofs(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	k := key(t, "lml.x", "1")
	commit(t, s, "Org1MSP", put(t, k, "v1"), put(t, key(t, "lml.x", "2"), "v2"))
	hash := commit(t, s, "Org1MSP", put(t, k, "v1b"))
	nb := s.Begin(3, t0)
	nb.RecordNonce("Org1MSP", "00ff", "txid")
	nb.Finish()
	require.NoError(t, s.Commit(nb))
	require.NoError(t, s.SaveGenesis(kvstore.Genesis{ChainID: "c", Time: t0, AppState: []byte(`{"msps":[]}`)}))
	assert.Equal(t, hash, s.AppHash(), "a block without writes keeps the app hash")

	// A block finished but never committed (crash before Commit) is lost.
	lost := s.Begin(4, t0)
	tx := lost.Tx("t", "Org1MSP")
	require.NoError(t, tx.PutState(k, []byte("lost")))
	require.NoError(t, lost.Apply(tx))
	assert.NotEqual(t, hash, lost.Finish())
	require.NoError(t, s.Close())

	s = open(t, dir)
	assert.Equal(t, kvstore.Meta{Height: 3, AppHash: hash, BlockTime: t0}, s.Meta())
	assert.Equal(t, hash, s.AppHash())
	assert.Equal(t, 2, s.Size())
	v, proof, ok, err := s.Prove(k)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "v1b", string(v))
	require.NoError(t, proof.Verify(merkle.LeafHash(k, v), merkle.Hash(hash)))
	_, _, ok, err = s.Prove("absent")
	require.NoError(t, err)
	assert.False(t, ok)

	rec, ok, err := s.Nonce("Org1MSP", "00ff")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, kvstore.NonceRecord{TxID: "txid", Height: 3}, rec)
	_, ok, err = s.Nonce("Org2MSP", "00ff")
	require.NoError(t, err)
	assert.False(t, ok)
	g, ok, err := s.Genesis()
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "c", g.ChainID)
	require.NoError(t, s.Close())
}

func TestNoncesWithinABlock(t *testing.T) {
	s := open(t, t.TempDir())
	b := s.Begin(1, t0)
	_, ok, err := b.Nonce("Org1MSP", "aa")
	require.NoError(t, err)
	assert.False(t, ok)
	b.RecordNonce("Org1MSP", "aa", "first")
	rec, ok, err := b.Nonce("Org1MSP", "aa")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, kvstore.NonceRecord{TxID: "first", Height: 1}, rec)
}

func TestOpenRefusesStateThatDoesNotMatchItsHash(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	commit(t, s, "Org1MSP", put(t, "k", "v"))
	require.NoError(t, s.Close())
	db, err := dbm.NewGoLevelDB("state", dir)
	require.NoError(t, err)
	require.NoError(t, db.Set([]byte("s/k"), []byte("tampered")))
	_, err = kvstore.Open(db)
	assert.ErrorContains(t, err, "committed app hash")
	require.NoError(t, db.Close())
}

func TestCommitNeedsFinish(t *testing.T) {
	s := open(t, t.TempDir())
	assert.Error(t, s.Commit(s.Begin(1, t0)))
}
