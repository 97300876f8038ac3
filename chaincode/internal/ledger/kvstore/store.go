// Package kvstore is the application's persistent ledger: world state, key
// owners, per-key history and replay records in one key-value database
// (cometbft-db, goleveldb backend), plus the in-memory Merkle tree whose
// root is the app hash.
//
// Writes are buffered three deep. A transaction (Tx) buffers its own writes
// and does not read them back; when it succeeds its writes join the block
// (Block), where later transactions of the block see them; at Commit the
// block is written to the database in one atomic batch together with the
// new height and app hash. A crash before Commit therefore leaves the last
// committed block intact, and CometBFT replays the lost block.
//
// Database layout (every key starts with a one-letter namespace):
//
//	s/<key>                         state entry; the Merkle tree is over these
//	h/<uvarint len><key><h:8><i:4>  history entry of key: height, index in block
//	n/<msp>\x00<nonce>              replay record {tx_id, height}
//	m/state                         {height, app_hash, block_time}
//	m/genesis                       the chain id and genesis app state
//
// State entries are the core's records plus, under keys starting with 0xff
// (which the core cannot write), the key owners set by
// SetStateValidationParameter. History and replay records are derived from
// the blocks and stay outside the tree; the tree covers what a client may
// want proved: records and who owns them.
package kvstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	dbm "github.com/cometbft/cometbft-db"

	"github.com/ledgerml/ledgerml/chaincode/internal/merkle"
)

const (
	nsState   = "s/"
	nsHistory = "h/"
	nsNonce   = "n/"
	keyMeta   = "m/state"
	keyGenes  = "m/genesis"
	// reserved starts keys the application keeps next to the core's records.
	reserved = "\xff"
	ownerKey = reserved + "owner/"
)

// Meta is what Info reports and what CheckTx needs between blocks.
type Meta struct {
	Height    int64     `json:"height"`
	AppHash   []byte    `json:"app_hash"`
	BlockTime time.Time `json:"block_time"`
}

// Genesis is what InitChain received and every later block needs.
type Genesis struct {
	ChainID  string          `json:"chain_id"`
	Time     time.Time       `json:"time"`
	AppState json.RawMessage `json:"app_state"`
}

// NonceRecord is the answer of a /nonce query.
type NonceRecord struct {
	TxID   string `json:"tx_id"`
	Height int64  `json:"height"`
}

// Store is not safe for concurrent use; the ABCI server serialises calls.
type Store struct {
	db   dbm.DB
	tree *merkle.Tree
	meta Meta
}

// Open loads the committed state and rebuilds its Merkle tree, refusing a
// database whose state does not hash to the app hash stored with it.
func Open(db dbm.DB) (*Store, error) {
	s := &Store{db: db}
	if err := getJSON(db, keyMeta, &s.meta); err != nil {
		return nil, err
	}
	it, err := db.Iterator([]byte(nsState), prefixEnd(nsState))
	if err != nil {
		return nil, fmt.Errorf("scanning state: %w", err)
	}
	defer it.Close()
	var leaves []merkle.Leaf
	for ; it.Valid(); it.Next() {
		key := string(it.Key()[len(nsState):])
		leaves = append(leaves, merkle.Leaf{Key: key, Hash: merkle.LeafHash(key, it.Value())})
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("scanning state: %w", err)
	}
	s.tree = merkle.Build(leaves)
	if root := s.tree.Root(); s.meta.Height > 0 && string(root[:]) != string(s.meta.AppHash) {
		return nil, fmt.Errorf("state at height %d hashes to %x, committed app hash is %x", s.meta.Height, root, s.meta.AppHash)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Meta returns the last committed height, app hash and block time.
func (s *Store) Meta() Meta { return s.meta }

// AppHash is the root of the committed tree (also before the first block).
func (s *Store) AppHash() []byte {
	root := s.tree.Root()
	return root[:]
}

// Size is the number of committed state entries.
func (s *Store) Size() int { return s.tree.Len() }

// Genesis returns the stored genesis, or false before InitChain.
func (s *Store) Genesis() (Genesis, bool, error) {
	var g Genesis
	raw, err := s.db.Get([]byte(keyGenes))
	if err != nil || raw == nil {
		return g, false, err
	}
	return g, true, json.Unmarshal(raw, &g)
}

// SaveGenesis persists InitChain's input at once: InitChain is repeated
// after a crash before the first Commit, so writing it twice is harmless.
func (s *Store) SaveGenesis(g Genesis) error {
	raw, err := json.Marshal(g)
	if err != nil {
		return err
	}
	return s.db.SetSync([]byte(keyGenes), raw)
}

// Get reads one committed state entry; nil when absent.
func (s *Store) Get(key string) ([]byte, error) {
	return s.db.Get([]byte(nsState + key))
}

// Prove returns a committed entry with its inclusion proof in the tree
// whose root is the committed app hash.
func (s *Store) Prove(key string) ([]byte, merkle.Proof, bool, error) {
	p, ok := s.tree.ProofOf(key)
	if !ok {
		return nil, p, false, nil
	}
	v, err := s.Get(key)
	return v, p, err == nil, err
}

// Nonce returns the committed replay record of (msp, nonce).
func (s *Store) Nonce(msp, nonce string) (NonceRecord, bool, error) {
	var r NonceRecord
	raw, err := s.db.Get(nonceKey(msp, nonce))
	if err != nil || raw == nil {
		return r, false, err
	}
	return r, true, json.Unmarshal(raw, &r)
}

// Commit writes the block atomically with its height, app hash and time,
// then makes its tree the committed one. Finish must have run.
func (s *Store) Commit(b *Block) error {
	if b.next == nil {
		return errors.New("commit of an unfinished block")
	}
	meta := Meta{Height: b.Height, AppHash: b.AppHash(), BlockTime: b.Time}
	batch := s.db.NewBatch()
	defer batch.Close()
	if err := b.write(batch); err != nil {
		return err
	}
	raw, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	if err := batch.Set([]byte(keyMeta), raw); err != nil {
		return err
	}
	if err := batch.WriteSync(); err != nil {
		return fmt.Errorf("committing height %d: %w", b.Height, err)
	}
	s.tree, s.meta = b.next, meta
	return nil
}

func getJSON(db dbm.DB, key string, v any) error {
	raw, err := db.Get([]byte(key))
	if err != nil || raw == nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

func nonceKey(msp, nonce string) []byte { return []byte(nsNonce + msp + "\x00" + nonce) }

// prefixEnd is the first key after every key starting with prefix.
func prefixEnd(prefix string) []byte {
	end := []byte(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
