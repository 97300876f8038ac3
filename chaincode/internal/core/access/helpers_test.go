package access_test

import (
	"testing"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/access"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/datasets"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/coretest"
)

// world returns a ledger where Org1 owns dataset "cxr".
func world(t testing.TB) *coretest.World {
	w := coretest.NewWorld(t)
	w.Must(w.Submit(coretest.Org1, func(tx *txn.Tx) error {
		_, err := datasets.Register(tx, datasets.RegisterInput{ID: "cxr", Metadata: "m", Terms: "t", PricePerJob: 10})
		return err
	}))
	return w
}

func reqIn(id string, p access.Purpose, w *coretest.World) access.RequestInput {
	return access.RequestInput{RequestID: id, DatasetID: "cxr", Purpose: p, RequestedExpiry: w.Clock.Add(30 * 24 * time.Hour)}
}

func request(w *coretest.World, who ledger.Identity, in access.RequestInput) (*access.Request, error) {
	var r *access.Request
	err := w.Submit(who, func(tx *txn.Tx) (err error) { r, err = access.RequestAccess(tx, in); return err })
	return r, err
}

func grant(w *coretest.World, who ledger.Identity, id string, c access.Conditions) (*access.Request, error) {
	var r *access.Request
	err := w.Submit(who, func(tx *txn.Tx) (err error) { r, err = access.GrantAccess(tx, id, c); return err })
	return r, err
}

func deny(w *coretest.World, who ledger.Identity, id, reason string) error {
	return w.Submit(who, func(tx *txn.Tx) error { _, err := access.DenyAccess(tx, id, reason); return err })
}

func revoke(w *coretest.World, who ledger.Identity, id, reason string) error {
	return w.Submit(who, func(tx *txn.Tx) error { _, err := access.RevokeAccess(tx, id, reason); return err })
}

func check(w *coretest.World, org string, p access.Purpose) (*access.Decision, error) {
	var d *access.Decision
	err := w.Evaluate(coretest.Org3, func(tx *txn.Tx) (err error) { d, err = access.CheckAccess(tx, org, "cxr", p); return err })
	return d, err
}

// consume charges a job inside a transaction that, like RequestTraining,
// emits its own event.
func consume(w *coretest.World, org, codeHash string) (string, error) {
	var id string
	err := w.Submit(coretest.Org2, func(tx *txn.Tx) (err error) {
		if id, err = access.ConsumeTrainGrant(tx, org, "cxr", codeHash); err != nil {
			return err
		}
		return tx.Emit("TrainingRequested", nil)
	})
	return id, err
}

func release(w *coretest.World, id string) error {
	return w.Submit(coretest.Org2, func(tx *txn.Tx) error {
		if err := access.ReleaseTrainSlot(tx, id); err != nil {
			return err
		}
		return tx.Emit("TrainingCancelled", nil)
	})
}
