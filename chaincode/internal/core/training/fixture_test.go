package training_test

import (
	"testing"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/access"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/datasets"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/training"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/coretest"
)

var (
	resnet = training.Algorithm{Name: "resnet18", CodeHash: coretest.Hex("resnet18")}
	hparam = coretest.Hex("lr=0.1")
)

// world: Org1 owns cxr (40/job) and mri (60/job); Org3 owns ecg. Org2 holds
// 500 credits and train grants on cxr (2 jobs) and mri (pinned to resnet).
func world(t testing.TB) *coretest.World {
	w := coretest.NewWorld(t)
	for _, d := range []struct {
		owner ledger.Identity
		id    string
		price uint64
	}{{coretest.Org1, "cxr", 40}, {coretest.Org1, "mri", 60}, {coretest.Org3, "ecg", 5}} {
		w.Must(w.Submit(d.owner, func(tx *txn.Tx) error {
			_, err := datasets.Register(tx, datasets.RegisterInput{ID: d.id, Metadata: "m", Terms: "t", PricePerJob: d.price})
			return err
		}))
		w.Must(w.Submit(d.owner, func(tx *txn.Tx) error {
			_, err := datasets.RegisterVersion(tx, datasets.VersionInput{
				DatasetID: d.id, Version: "v1", MerkleRoot: coretest.Hex(d.id + "root"),
				SizeBytes: 10, ChunkCount: 1, SchemaHash: coretest.Hex("s"),
			})
			return err
		}))
	}
	w.Must(w.Submit(coretest.Org1Admin, func(tx *txn.Tx) error { _, err := credits.Mint(tx, "Org2MSP", 500); return err }))
	grantTrain(w, "g-cxr", "cxr", "", 2)
	grantTrain(w, "g-mri", "mri", resnet.CodeHash, 0)
	grantTrain(w, "g-ecg", "ecg", "", 0)
	return w
}

func grantTrain(w *coretest.World, id, dataset, pin string, maxJobs uint32) {
	owner := coretest.Org1
	if dataset == "ecg" {
		owner = coretest.Org3
	}
	w.Must(w.Submit(coretest.Org2, func(tx *txn.Tx) error {
		_, err := access.RequestAccess(tx, access.RequestInput{
			RequestID: id, DatasetID: dataset, Purpose: access.Train, AlgorithmCodeHash: pin,
			RequestedExpiry: w.Clock.Add(30 * 24 * time.Hour),
		})
		return err
	}))
	w.Must(w.Submit(owner, func(tx *txn.Tx) error {
		_, err := access.GrantAccess(tx, id, access.Conditions{MaxJobs: maxJobs, ComputeOnly: true})
		return err
	}))
}

func jobIn(id string, deposit uint64, ds ...string) training.RequestInput {
	refs := make([]training.DatasetRef, len(ds))
	for i, d := range ds {
		refs[i] = training.DatasetRef{DatasetID: d, Version: "v1"}
	}
	return training.RequestInput{JobID: id, Datasets: refs, Algorithm: resnet, HyperparametersHash: hparam, Deposit: deposit}
}

func requestJob(w *coretest.World, who ledger.Identity, in training.RequestInput) (*training.Job, error) {
	var j *training.Job
	err := w.Submit(who, func(tx *txn.Tx) (err error) { j, err = training.RequestTraining(tx, in); return err })
	return j, err
}

func step(w *coretest.World, who ledger.Identity, fn func(*txn.Tx) (*training.Job, error)) error {
	return w.Submit(who, func(tx *txn.Tx) error { _, err := fn(tx); return err })
}

func accept(id string) func(*txn.Tx) (*training.Job, error) {
	return func(tx *txn.Tx) (*training.Job, error) { return training.AcceptTraining(tx, id) }
}

func submit(id, model string) func(*txn.Tx) (*training.Job, error) {
	return func(tx *txn.Tx) (*training.Job, error) {
		return training.SubmitTrainingResult(tx, training.ResultInput{JobID: id, Result: training.Result{
			ModelHash: coretest.Hex(model), TranscriptRoot: coretest.Hex("transcript"), MetricsHash: coretest.Hex("metrics"),
		}})
	}
}

func fail(id, reason string) func(*txn.Tx) (*training.Job, error) {
	return func(tx *txn.Tx) (*training.Job, error) { return training.FailTraining(tx, id, reason) }
}

func expire(id string) func(*txn.Tx) (*training.Job, error) {
	return func(tx *txn.Tx) (*training.Job, error) { return training.ExpireTraining(tx, id) }
}

func cancel(id string) func(*txn.Tx) (*training.Job, error) {
	return func(tx *txn.Tx) (*training.Job, error) { return training.CancelTraining(tx, id) }
}

func balance(w *coretest.World, org string) uint64 {
	var b uint64
	w.Must(w.Evaluate(coretest.Org3, func(tx *txn.Tx) error {
		a, err := credits.Balance(tx, org)
		if err == nil {
			b = a.Balance
		}
		return err
	}))
	return b
}

func decision(w *coretest.World, dataset string) *access.Decision {
	var d *access.Decision
	w.Must(w.Evaluate(coretest.Org3, func(tx *txn.Tx) (err error) {
		d, err = access.CheckAccess(tx, "Org2MSP", dataset, access.Train)
		return err
	}))
	return d
}
