package txn

import (
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// Entry is one committed version of a record, for history reads.
type Entry[T any] struct {
	TxID      string    `json:"tx_id"`
	Timestamp time.Time `json:"timestamp"`
	IsDelete  bool      `json:"is_delete"`
	Record    *T        `json:"record,omitempty"`
}

// recordPtr lets generic helpers allocate a T and use it as Versioned.
type recordPtr[T any] interface {
	*T
	Versioned
}

// History returns every committed version of key, oldest first, each
// migrated to the active schema.
func History[T any, P recordPtr[T]](t *Tx, key string) ([]Entry[T], error) {
	mods, err := t.State.GetHistoryForKey(key)
	if err != nil {
		return nil, errs.Wrap(errs.Ledger, err, "history of %q", key)
	}
	out := make([]Entry[T], 0, len(mods))
	for _, m := range mods {
		e := Entry[T]{TxID: m.TxID, Timestamp: m.Timestamp.UTC(), IsDelete: m.IsDelete}
		if !m.IsDelete {
			rec := P(new(T))
			if err := DecodeAt(m.Value, rec, t.Schema); err != nil {
				return nil, err
			}
			e.Record = (*T)(rec)
		}
		out = append(out, e)
	}
	return out, nil
}

// List decodes every record under a partial composite key, in key order.
func List[T any, P recordPtr[T]](t *Tx, objectType string, attrs ...string) ([]T, error) {
	kvs, err := t.State.GetStateByPartialCompositeKey(objectType, attrs)
	if err != nil {
		return nil, errs.Wrap(errs.Ledger, err, "listing %s", objectType)
	}
	out := make([]T, 0, len(kvs))
	for _, kv := range kvs {
		rec := P(new(T))
		if err := DecodeAt(kv.Value, rec, t.Schema); err != nil {
			return nil, err
		}
		out = append(out, *(*T)(rec))
	}
	return out, nil
}

// IndexValues returns the values stored under a partial composite key.
// Index entries store the id they point to as their value, so scans need no
// composite-key splitting.
func (t *Tx) IndexValues(objectType string, attrs ...string) ([]string, error) {
	kvs, err := t.State.GetStateByPartialCompositeKey(objectType, attrs)
	if err != nil {
		return nil, errs.Wrap(errs.Ledger, err, "listing %s", objectType)
	}
	ids := make([]string, len(kvs))
	for i, kv := range kvs {
		ids[i] = string(kv.Value)
	}
	return ids, nil
}
