// Package governance records consortium decisions that change the ledger
// itself: planned upgrades and the record schema they activate.
package governance

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/arg"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
)

const (
	objUpgrade = "lml.governance.upgrade"
	// objDue indexes plans by height so each block finds its own in one scan.
	objDue    = "lml.governance.upgrade.due"
	objSchema = "lml.governance.schema"
)

// Status of a planned upgrade.
type Status string

const (
	Scheduled Status = "SCHEDULED"
	Applied   Status = "APPLIED"
)

// Upgrade is a planned or applied upgrade.
type Upgrade struct {
	txn.Schema
	Name        string     `json:"name"`
	Height      int64      `json:"height"`
	Status      Status     `json:"status"`
	ScheduledBy string     `json:"scheduled_by"`
	ScheduledAt time.Time  `json:"scheduled_at"`
	AppliedAt   *time.Time `json:"applied_at"`
	TxID        string     `json:"tx_id"`
}

// Active is the record schema the ledger runs; absent means
// contract.SchemaVersion.
type Active struct {
	txn.Schema
	Version int    `json:"version"`
	Upgrade string `json:"upgrade"`
	Height  int64  `json:"height"`
}

// ScheduleUpgrade plans upgrade name at a height after current, the height
// of the block carrying the transaction. The application lets it through
// only with admins of a majority of member organisations signing; the core
// requires the submitter itself to be an admin.
func ScheduleUpgrade(tx *txn.Tx, name string, height, current int64) (*Upgrade, error) {
	if tx.Caller.Role() != ledger.RoleAdmin {
		return nil, errs.New(errs.ForbiddenNotAdmin, "scheduling an upgrade requires an admin, caller is %s %s", tx.MSP(), tx.Caller.Role())
	}
	if err := arg.ID("upgrade name", name); err != nil {
		return nil, err
	}
	if height <= current {
		return nil, errs.New(errs.InvalidArgument, "upgrade height %d must be after the current height %d", height, current)
	}
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	key, err := tx.Key(objUpgrade, name)
	if err != nil {
		return nil, err
	}
	u := &Upgrade{Name: name, Height: height, Status: Scheduled, ScheduledBy: tx.MSP(), ScheduledAt: now, TxID: tx.TxID()}
	if err := tx.Create(key, u); err != nil {
		return nil, err
	}
	due, err := tx.Key(objDue, heightAttr(height), name)
	if err != nil {
		return nil, err
	}
	return u, tx.PutRaw(due, []byte(name))
}

// Due returns the plans scheduled at height, by name.
func Due(tx *txn.Tx, height int64) ([]Upgrade, error) {
	names, err := tx.IndexValues(objDue, heightAttr(height))
	if err != nil {
		return nil, err
	}
	out := make([]Upgrade, 0, len(names))
	for _, n := range names {
		u, err := GetUpgrade(tx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, nil
}

// MarkApplied records that u ran and that schema is active from its height
// on. The application calls it in the upgrade's own system transaction,
// after the migration, with tx.Schema already the new schema.
func MarkApplied(tx *txn.Tx, u Upgrade, schema int) error {
	now, err := tx.Now()
	if err != nil {
		return err
	}
	upKey, err := tx.Key(objUpgrade, u.Name)
	if err != nil {
		return err
	}
	u.Status, u.AppliedAt, u.TxID = Applied, &now, tx.TxID()
	if err := tx.Put(upKey, &u); err != nil {
		return err
	}
	key, err := tx.Key(objSchema)
	if err != nil {
		return err
	}
	return tx.Put(key, &Active{Version: schema, Upgrade: u.Name, Height: u.Height})
}

// ActiveSchema returns the schema the ledger runs.
func ActiveSchema(tx *txn.Tx) (int, error) {
	key, err := tx.Key(objSchema)
	if err != nil {
		return 0, err
	}
	raw, err := tx.State.GetState(key)
	if err != nil {
		return 0, errs.Wrap(errs.Ledger, err, "reading the active schema")
	}
	if len(raw) == 0 {
		return contract.SchemaVersion, nil
	}
	// Decoded as is: the record names the schema it activates.
	var a Active
	if err := json.Unmarshal(raw, &a); err != nil {
		return 0, errs.Wrap(errs.Internal, err, "decoding the active schema")
	}
	if a.Version < contract.SchemaVersion {
		return 0, errs.New(errs.Internal, "active schema %d is older than the genesis schema", a.Version)
	}
	return a.Version, nil
}

// GetUpgrade returns a plan by name or NOT_FOUND.
func GetUpgrade(tx *txn.Tx, name string) (*Upgrade, error) {
	if err := arg.ID("upgrade name", name); err != nil {
		return nil, err
	}
	key, err := tx.Key(objUpgrade, name)
	if err != nil {
		return nil, err
	}
	var u Upgrade
	found, err := tx.Get(key, &u)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errs.New(errs.NotFound, "upgrade %q", name)
	}
	return &u, nil
}

// heightAttr zero-pads so plans scan in height order.
func heightAttr(h int64) string { return fmt.Sprintf("%020d", h) }
