// Package memledger is an in-memory ledger.State with the semantics the core
// depends on (the same as the persistent kvstore): writes become visible
// only on Commit, composite keys use Fabric's encoding, history and key
// owners are kept per key. Core table tests run whole transaction sequences
// on it; error paths use the counterfeiter fakes instead.
package memledger

import (
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
)

// Event is one SetEvent call.
type Event struct {
	Name    string
	Payload []byte
}

// Ledger is not safe for concurrent use; a test drives it sequentially.
type Ledger struct {
	state     map[string][]byte
	history   map[string][]ledger.HistoryEntry
	endorsers map[string][]string

	txID    string
	ts      time.Time
	writes  map[string][]byte
	pending map[string][]string
	events  []Event
}

var _ ledger.State = (*Ledger)(nil)

// New returns an empty ledger.
func New() *Ledger {
	return &Ledger{
		state:     map[string][]byte{},
		history:   map[string][]ledger.HistoryEntry{},
		endorsers: map[string][]string{},
	}
}

// Begin starts a transaction, discarding anything uncommitted.
func (l *Ledger) Begin(txID string, ts time.Time) {
	l.txID, l.ts = txID, ts
	l.writes = map[string][]byte{}
	l.pending = map[string][]string{}
	l.events = nil
}

// Commit applies the transaction's writes, history and endorsement policies.
func (l *Ledger) Commit() {
	for k, v := range l.writes {
		l.state[k] = v
		l.history[k] = append(l.history[k], ledger.HistoryEntry{TxID: l.txID, Timestamp: l.ts, Value: v})
	}
	for k, orgs := range l.pending {
		l.endorsers[k] = orgs
	}
	l.writes, l.pending = map[string][]byte{}, map[string][]string{}
}

// Events returns the events set by the current (or last) transaction.
func (l *Ledger) Events() []Event { return l.events }

// Endorsers returns the committed key-level endorsement orgs of key.
func (l *Ledger) Endorsers(key string) []string { return l.endorsers[key] }

// Seed writes committed state directly, to plant records of older schemas.
func (l *Ledger) Seed(key string, raw []byte) { l.state[key] = raw }

// Raw returns the committed bytes of key.
func (l *Ledger) Raw(key string) []byte { return l.state[key] }

func (l *Ledger) GetState(key string) ([]byte, error) { return l.state[key], nil }

func (l *Ledger) PutState(key string, value []byte) error {
	if key == "" {
		return errors.New("empty key")
	}
	if len(value) == 0 {
		// An empty value would read back as absent; the core never deletes.
		return errors.New("empty value")
	}
	l.writes[key] = append([]byte(nil), value...)
	return nil
}

func (l *Ledger) CreateCompositeKey(objectType string, attributes []string) (string, error) {
	return ledger.CompositeKey(objectType, attributes)
}

func (l *Ledger) GetStateByPartialCompositeKey(objectType string, attributes []string) ([]ledger.KV, error) {
	prefix, err := l.CreateCompositeKey(objectType, attributes)
	if err != nil {
		return nil, err
	}
	var out []ledger.KV
	for k, v := range l.state {
		if strings.HasPrefix(k, prefix) {
			out = append(out, ledger.KV{Key: k, Value: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (l *Ledger) GetHistoryForKey(key string) ([]ledger.HistoryEntry, error) {
	return append([]ledger.HistoryEntry(nil), l.history[key]...), nil
}

func (l *Ledger) SetEvent(name string, payload []byte) error {
	if name == "" {
		return errors.New("empty event name")
	}
	l.events = append(l.events, Event{Name: name, Payload: payload})
	return nil
}

func (l *Ledger) GetTxID() string { return l.txID }

func (l *Ledger) GetTxTimestamp() (time.Time, error) { return l.ts, nil }

func (l *Ledger) SetStateValidationParameter(key string, orgs []string) error {
	if len(orgs) == 0 {
		return errors.New("no orgs")
	}
	l.pending[key] = append([]string(nil), orgs...)
	return nil
}
