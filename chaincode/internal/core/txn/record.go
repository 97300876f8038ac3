package txn

import (
	"encoding/json"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// Schema is embedded first in every state record so schema_version is the
// first JSON field and every record can be migrated on read.
type Schema struct {
	SchemaVersion int `json:"schema_version"`
}

func (s *Schema) schema() *Schema { return s }

// Versioned is any record embedding Schema.
type Versioned interface{ schema() *Schema }

// Migrator is implemented by records whose shape changed between schema
// versions; raw is the stored JSON, already decoded into the receiver on a
// best-effort basis. Records written before versioning count as version 1.
type Migrator interface {
	Migrate(from int, raw []byte) error
}

// Decode unmarshals a stored record and migrates it to the current schema.
func Decode(raw []byte, v Versioned) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return errs.Wrap(errs.Internal, err, "decoding stored record")
	}
	from := max(v.schema().SchemaVersion, 1)
	if from > contract.SchemaVersion {
		return errs.New(errs.UnsupportedSchema, "record has schema %d, chaincode knows %d", from, contract.SchemaVersion)
	}
	if m, ok := v.(Migrator); ok && from < contract.SchemaVersion {
		if err := m.Migrate(from, raw); err != nil {
			return errs.Wrap(errs.Internal, err, "migrating record from schema %d", from)
		}
	}
	v.schema().SchemaVersion = contract.SchemaVersion
	return nil
}

// Get loads key into v; found is false when the key is absent.
func (t *Tx) Get(key string, v Versioned) (found bool, err error) {
	raw, err := t.State.GetState(key)
	if err != nil {
		return false, errs.Wrap(errs.Ledger, err, "reading %q", key)
	}
	if len(raw) == 0 {
		return false, nil
	}
	return true, Decode(raw, v)
}

// Exists reports whether key holds a value.
func (t *Tx) Exists(key string) (bool, error) {
	raw, err := t.State.GetState(key)
	if err != nil {
		return false, errs.Wrap(errs.Ledger, err, "reading %q", key)
	}
	return len(raw) > 0, nil
}

// Put stamps the current schema version and writes v as JSON. Structs with a
// fixed field order (never maps) keep the bytes identical on every peer.
func (t *Tx) Put(key string, v Versioned) error {
	v.schema().SchemaVersion = contract.SchemaVersion
	raw, err := json.Marshal(v)
	if err != nil {
		return errs.Wrap(errs.Internal, err, "encoding %q", key)
	}
	return t.PutRaw(key, raw)
}

// PutRaw writes bytes as-is (index entries).
func (t *Tx) PutRaw(key string, raw []byte) error {
	return errs.Wrap(errs.Ledger, t.State.PutState(key, raw), "writing %q", key)
}

// Create writes a new record refusing to overwrite, and, when owners are
// given, pins the key to their endorsement so that a later write forged by
// another organisation's peers fails validation even if it passes the
// chaincode's own MSP check.
func (t *Tx) Create(key string, v Versioned, owners ...string) error {
	exists, err := t.Exists(key)
	if err != nil {
		return err
	}
	if exists {
		return errs.New(errs.AlreadyExists, "%q", key)
	}
	if err := t.Put(key, v); err != nil {
		return err
	}
	return t.Endorse(key, owners...)
}

// Endorse sets key-level endorsement to owners; no owners is a no-op.
func (t *Tx) Endorse(key string, owners ...string) error {
	if len(owners) == 0 {
		return nil
	}
	err := t.State.SetStateValidationParameter(key, owners)
	return errs.Wrap(errs.Ledger, err, "setting endorsement on %q", key)
}
