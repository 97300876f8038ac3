package kvstore

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
)

// Event is the one event a transaction set.
type Event struct {
	Name    string
	Payload []byte
}

// Tx is ledger.State for one transaction of a block: reads see the
// committed state and the block's earlier transactions, never the
// transaction's own writes; writes reach the block only through
// Block.Apply, so a failed transaction leaves nothing.
type Tx struct {
	b        *Block
	id, msp  string
	readOnly bool
	system   bool
	writes   map[string][]byte
	owners   map[string][]string
	event    *Event
}

var _ ledger.State = (*Tx)(nil)

// Errors of the port, wrapped by the core into LML-CC-0015 LEDGER.
var (
	ErrReadOnly    = errors.New("evaluations cannot write")
	ErrReservedKey = errors.New("keys starting with 0xff are reserved to the application")
	ErrEmpty       = errors.New("empty key, value, event name or owner list")
)

// Event returns the transaction's event, if it set one.
func (t *Tx) Event() (Event, bool) {
	if t.event == nil {
		return Event{}, false
	}
	return *t.event, true
}

// Wrote reports whether the transaction buffered any write.
func (t *Tx) Wrote() bool { return len(t.writes) > 0 || len(t.owners) > 0 }

func (t *Tx) GetState(key string) ([]byte, error) { return t.b.get(key) }

func (t *Tx) PutState(key string, value []byte) error {
	switch {
	case t.readOnly:
		return ErrReadOnly
	case key == "" || len(value) == 0:
		// An empty value would read back as absent; the core never deletes.
		return ErrEmpty
	case strings.HasPrefix(key, reserved):
		return ErrReservedKey
	}
	t.writes[key] = slices.Clone(value)
	return nil
}

func (t *Tx) CreateCompositeKey(objectType string, attributes []string) (string, error) {
	return ledger.CompositeKey(objectType, attributes)
}

func (t *Tx) GetStateByPartialCompositeKey(objectType string, attributes []string) ([]ledger.KV, error) {
	prefix, err := ledger.CompositeKey(objectType, attributes)
	if err != nil {
		return nil, err
	}
	keys := t.b.keysWithPrefix(prefix)
	out := make([]ledger.KV, 0, len(keys))
	for _, k := range keys {
		v, err := t.b.get(k)
		if err != nil {
			return nil, err
		}
		out = append(out, ledger.KV{Key: k, Value: v})
	}
	return out, nil
}

func (t *Tx) GetHistoryForKey(key string) ([]ledger.HistoryEntry, error) {
	return t.b.historyOf(key)
}

func (t *Tx) SetEvent(name string, payload []byte) error {
	if name == "" {
		return ErrEmpty
	}
	t.event = &Event{Name: name, Payload: slices.Clone(payload)}
	return nil
}

func (t *Tx) GetTxID() string { return t.id }

// GetTxTimestamp is the block time: every validator gets the same value.
func (t *Tx) GetTxTimestamp() (time.Time, error) { return t.b.Time, nil }

func (t *Tx) SetStateValidationParameter(key string, orgs []string) error {
	switch {
	case t.readOnly:
		return ErrReadOnly
	case key == "" || len(orgs) == 0:
		return ErrEmpty
	case strings.HasPrefix(key, reserved):
		return ErrReservedKey
	}
	t.owners[key] = slices.Clone(orgs)
	return nil
}
