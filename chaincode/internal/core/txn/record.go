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
// Migrate fills the fields older schemas lacked; fields that only an
// upgrade's migration can compute (from other records) are set by that
// migration when the upgrade runs.
type Migrator interface {
	Migrate(from int, raw []byte) error
}

// Decode unmarshals a stored record and migrates it to the schema a chain
// starts with (contract.SchemaVersion).
func Decode(raw []byte, v Versioned) error {
	return DecodeAt(raw, v, contract.SchemaVersion)
}

// DecodeAt unmarshals a stored record and migrates it to schema to, the
// schema active on the ledger. A record of a newer schema is refused rather
// than misread.
func DecodeAt(raw []byte, v Versioned, to int) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return errs.Wrap(errs.Internal, err, "decoding stored record")
	}
	from := max(v.schema().SchemaVersion, 1)
	if from > to {
		return errs.New(errs.UnsupportedSchema, "record has schema %d, the ledger runs schema %d", from, to)
	}
	if m, ok := v.(Migrator); ok && from < to {
		if err := m.Migrate(from, raw); err != nil {
			return errs.Wrap(errs.Internal, err, "migrating record from schema %d", from)
		}
	}
	v.schema().SchemaVersion = to
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
	return true, DecodeAt(raw, v, t.Schema)
}

// Exists reports whether key holds a value.
func (t *Tx) Exists(key string) (bool, error) {
	raw, err := t.State.GetState(key)
	if err != nil {
		return false, errs.Wrap(errs.Ledger, err, "reading %q", key)
	}
	return len(raw) > 0, nil
}

// Put stamps the active schema version and writes v as JSON. Structs with a
// fixed field order (never maps) keep the bytes identical on every
// validator.
func (t *Tx) Put(key string, v Versioned) error {
	v.schema().SchemaVersion = t.Schema
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
// given, records them as the key's owners, so that the ledger refuses a
// later write by any other organisation even if a core check were missed.
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

// Endorse records owners as the only organisations allowed to write key
// (key-level endorsement); no owners is a no-op.
func (t *Tx) Endorse(key string, owners ...string) error {
	if len(owners) == 0 {
		return nil
	}
	err := t.State.SetStateValidationParameter(key, owners)
	return errs.Wrap(errs.Ledger, err, "setting endorsement on %q", key)
}
