// Package ledger is the port between the pure chaincode core and the ledger
// that runs it.
//
// The interfaces keep the shape of Fabric's chaincode stub (the core was
// written against it) in plain Go types, so the core compiles and is tested
// without any ledger library. The ABCI application (internal/abciapp)
// implements them over its persistent store (internal/ledger/kvstore);
// internal/testing/memledger implements them in memory for the core's tests.
package ledger

import "time"

//go:generate go run github.com/maxbrunsfeld/counterfeiter/v6 -o ledgerfakes/fake_state.go . State
//go:generate go run github.com/maxbrunsfeld/counterfeiter/v6 -o ledgerfakes/fake_identity.go . Identity

// KV is one entry of a range or partial-composite-key query.
type KV struct {
	Key   string
	Value []byte
}

// HistoryEntry is one committed modification of a key, stamped with the
// writing transaction's id and block time.
type HistoryEntry struct {
	TxID      string
	Timestamp time.Time
	Value     []byte
	IsDelete  bool
}

// State is the world-state and transaction surface the core may touch.
//
// Query results are returned as slices rather than iterators, so the core
// can never leak one. Reads do not observe writes of the same transaction.
type State interface {
	GetState(key string) ([]byte, error)
	PutState(key string, value []byte) error
	CreateCompositeKey(objectType string, attributes []string) (string, error)
	GetStateByPartialCompositeKey(objectType string, attributes []string) ([]KV, error)
	GetHistoryForKey(key string) ([]HistoryEntry, error)
	// SetEvent replaces any earlier event of the transaction (only the last
	// one is published), which is why the core emits exactly one.
	SetEvent(name string, payload []byte) error
	GetTxID() string
	GetTxTimestamp() (time.Time, error)
	// SetStateValidationParameter records the owners of key (key-level
	// endorsement): a later write to key by a transaction whose submitter
	// MSP is not among orgs fails with FORBIDDEN_NOT_OWNER.
	SetStateValidationParameter(key string, orgs []string) error
}
