package kvstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	dbm "github.com/cometbft/cometbft-db"

	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/merkle"
)

// Block collects the writes of one block's successful transactions on top
// of the committed state. Later transactions of the block read them, so a
// block's transactions run as if one after another: two writers of one key
// in one block both apply, in block order.
type Block struct {
	Height int64
	Time   time.Time

	s       *Store
	base    *merkle.Tree
	writes  map[string][]byte
	newKeys []string // sorted keys written in this block and absent from base
	history []historyEntry
	nonces  []nonceEntry
	seen    map[string]string // msp\x00nonce -> tx id, for this block's nonces
	next    *merkle.Tree
}

type historyRecord struct {
	TxID  string    `json:"tx_id"`
	Time  time.Time `json:"time"`
	Value []byte    `json:"value"`
}

type historyEntry struct {
	key string
	rec historyRecord
}

type nonceEntry struct {
	msp, nonce string
	rec        NonceRecord
}

// Begin starts block height with the given block time. A block that is
// never committed leaves nothing behind; queries use one as a read view.
func (s *Store) Begin(height int64, t time.Time) *Block {
	return &Block{Height: height, Time: t.UTC(), s: s, base: s.tree, writes: map[string][]byte{}, seen: map[string]string{}}
}

func (b *Block) get(key string) ([]byte, error) {
	if v, ok := b.writes[key]; ok {
		return v, nil
	}
	v, err := b.s.Get(key)
	if err != nil {
		return nil, fmt.Errorf("reading state: %w", err)
	}
	return v, nil
}

// keysWithPrefix merges the committed keys and the block's new keys.
func (b *Block) keysWithPrefix(prefix string) []string {
	old := b.base.KeysWithPrefix(prefix)
	lo := sort.SearchStrings(b.newKeys, prefix)
	hi := lo
	for hi < len(b.newKeys) && strings.HasPrefix(b.newKeys[hi], prefix) {
		hi++
	}
	if lo == hi {
		return old
	}
	out := make([]string, 0, len(old)+hi-lo)
	out = append(append(out, old...), b.newKeys[lo:hi]...)
	sort.Strings(out)
	return out
}

func (b *Block) historyOf(key string) ([]ledger.HistoryEntry, error) {
	prefix := historyPrefix(key)
	it, err := b.s.db.Iterator(prefix, prefixEnd(string(prefix)))
	if err != nil {
		return nil, fmt.Errorf("reading history: %w", err)
	}
	defer it.Close()
	var out []ledger.HistoryEntry
	for ; it.Valid(); it.Next() {
		var r historyRecord
		if err := json.Unmarshal(it.Value(), &r); err != nil {
			return nil, fmt.Errorf("decoding history: %w", err)
		}
		out = append(out, ledger.HistoryEntry{TxID: r.TxID, Timestamp: r.Time, Value: r.Value})
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("reading history: %w", err)
	}
	for _, h := range b.history {
		if h.key == key {
			out = append(out, ledger.HistoryEntry{TxID: h.rec.TxID, Timestamp: h.rec.Time, Value: h.rec.Value})
		}
	}
	return out, nil
}

// Owners returns the MSPs that own key, as recorded by
// SetStateValidationParameter; none means anyone may write it.
func (b *Block) Owners(key string) ([]string, error) {
	raw, err := b.get(ownerKey + key)
	if err != nil || raw == nil {
		return nil, err
	}
	var orgs []string
	if err := json.Unmarshal(raw, &orgs); err != nil {
		return nil, fmt.Errorf("decoding owners of %q: %w", key, err)
	}
	return orgs, nil
}

// Nonce returns the replay record of (msp, nonce) from this block or the
// committed state.
func (b *Block) Nonce(msp, nonce string) (NonceRecord, bool, error) {
	if id, ok := b.seen[msp+"\x00"+nonce]; ok {
		return NonceRecord{TxID: id, Height: b.Height}, true, nil
	}
	return b.s.Nonce(msp, nonce)
}

// RecordNonce records that txID used (msp, nonce) in this block.
func (b *Block) RecordNonce(msp, nonce, txID string) {
	b.seen[msp+"\x00"+nonce] = txID
	b.nonces = append(b.nonces, nonceEntry{msp: msp, nonce: nonce, rec: NonceRecord{TxID: txID, Height: b.Height}})
}

// Tx starts a transaction of the block submitted by msp.
func (b *Block) Tx(txID, msp string) *Tx {
	return &Tx{b: b, id: txID, msp: msp, writes: map[string][]byte{}, owners: map[string][]string{}}
}

// System starts a transaction of the application itself (an upgrade's
// migration): it may rewrite records whatever their owners.
func (b *Block) System(txID string) *Tx {
	t := b.Tx(txID, "")
	t.system = true
	return t
}

// ReadOnly starts an evaluation: reads as a transaction does, refuses writes.
func (b *Block) ReadOnly() *Tx {
	t := b.Tx("", "")
	t.readOnly = true
	return t
}

// Apply validates a successful transaction's writes against the key owners
// as they were before it (a write to an owned key by a submitter outside
// its owners fails with FORBIDDEN_NOT_OWNER, and so does changing a key's
// owners), then adds them to the block.
func (b *Block) Apply(t *Tx) error {
	keys := sortedKeys(t.writes)
	ownerChanges := sortedKeys(t.owners)
	if !t.system {
		if err := b.checkOwners(t.msp, append(slices.Clone(keys), ownerChanges...)); err != nil {
			return err
		}
	}
	for _, k := range keys {
		b.put(k, t.writes[k])
		b.history = append(b.history, historyEntry{key: k, rec: historyRecord{TxID: t.id, Time: b.Time, Value: t.writes[k]}})
	}
	for _, k := range ownerChanges {
		raw, err := json.Marshal(t.owners[k])
		if err != nil {
			return errs.Wrap(errs.Internal, err, "encoding owners")
		}
		b.put(ownerKey+k, raw)
	}
	return nil
}

func (b *Block) checkOwners(msp string, keys []string) error {
	for _, k := range keys {
		owners, err := b.Owners(k)
		if err != nil {
			return errs.Wrap(errs.Ledger, err, "reading owners")
		}
		if len(owners) > 0 && !slices.Contains(owners, msp) {
			return errs.New(errs.ForbiddenNotOwner, "key %q is owned by %s, submitter is %s", k, strings.Join(owners, ","), msp)
		}
	}
	return nil
}

func (b *Block) put(key string, value []byte) {
	if _, ok := b.writes[key]; !ok {
		if _, committed := b.base.Index(key); !committed {
			i := sort.SearchStrings(b.newKeys, key)
			b.newKeys = slices.Insert(b.newKeys, i, key)
		}
	}
	b.writes[key] = value
}

// Finish computes the block's tree and returns the app hash. The committed
// tree is untouched until Commit.
func (b *Block) Finish() []byte {
	keys := sortedKeys(b.writes)
	changes := make([]merkle.Leaf, len(keys))
	for i, k := range keys {
		changes[i] = merkle.Leaf{Key: k, Hash: merkle.LeafHash(k, b.writes[k])}
	}
	b.next = b.base.With(changes)
	return b.AppHash()
}

// AppHash is the root after Finish.
func (b *Block) AppHash() []byte {
	root := b.next.Root()
	return root[:]
}

func (b *Block) write(batch dbm.Batch) error {
	for _, k := range sortedKeys(b.writes) {
		if err := batch.Set([]byte(nsState+k), b.writes[k]); err != nil {
			return err
		}
	}
	for i, h := range b.history {
		raw, err := json.Marshal(h.rec)
		if err != nil {
			return err
		}
		key := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(historyPrefix(h.key), uint64(b.Height)), uint32(i))
		if err := batch.Set(key, raw); err != nil {
			return err
		}
	}
	for _, n := range b.nonces {
		raw, err := json.Marshal(n.rec)
		if err != nil {
			return err
		}
		if err := batch.Set(nonceKey(n.msp, n.nonce), raw); err != nil {
			return err
		}
	}
	return nil
}

// historyPrefix length-prefixes the key, so no key's history prefix is a
// prefix of another key's.
func historyPrefix(key string) []byte {
	p := binary.AppendUvarint([]byte(nsHistory), uint64(len(key)))
	return append(p, key...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
