// Package ledger is the port between the pure chaincode core and Fabric.
//
// The interfaces mirror the subset of shim.ChaincodeStubInterface and the
// client-identity library that the core needs, expressed in plain Go types so
// the core compiles and is tested without any hyperledger module. A thin
// adapter in the contract layer implements them over the real stub.
package ledger

import "time"

//go:generate go run github.com/maxbrunsfeld/counterfeiter/v6 -o ledgerfakes/fake_state.go . State
//go:generate go run github.com/maxbrunsfeld/counterfeiter/v6 -o ledgerfakes/fake_identity.go . Identity

// KV is one entry of a range or partial-composite-key query.
type KV struct {
	Key   string
	Value []byte
}

// HistoryEntry is one committed modification of a key. The adapter converts
// Fabric's queryresult.KeyModification (protobuf timestamp) into this.
type HistoryEntry struct {
	TxID      string
	Timestamp time.Time
	Value     []byte
	IsDelete  bool
}

// State is the world-state and transaction surface the core may touch.
//
// Query results are returned as slices rather than iterators: the adapter
// drains and closes the Fabric iterator, so the core can never leak one.
// As in Fabric, reads do not observe writes of the same transaction.
type State interface {
	GetState(key string) ([]byte, error)
	PutState(key string, value []byte) error
	CreateCompositeKey(objectType string, attributes []string) (string, error)
	GetStateByPartialCompositeKey(objectType string, attributes []string) ([]KV, error)
	GetHistoryForKey(key string) ([]HistoryEntry, error)
	// SetEvent replaces any earlier event of the transaction (Fabric keeps
	// only the last), which is why the core emits exactly one.
	SetEvent(name string, payload []byte) error
	GetTxID() string
	GetTxTimestamp() (time.Time, error)
	// SetStateValidationParameter sets key-level (state-based) endorsement:
	// the adapter turns orgs into a signature policy requiring a peer
	// endorsement from every listed MSP, replacing the chaincode-level
	// policy for that key.
	SetStateValidationParameter(key string, orgs []string) error
}
