package training_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/access"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/training"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/coretest"
)

func TestRequestTraining(t *testing.T) {
	w := world(t)
	j, err := requestJob(w, coretest.Org2, jobIn("j1", 150, "cxr", "mri"))
	require.NoError(t, err)
	assert.Equal(t, training.Requested, j.Status)
	assert.Equal(t, "Org1MSP", j.Owner)
	assert.Equal(t, uint64(100), j.Price)
	assert.Equal(t, w.Clock.Add(training.DefaultTTL), j.Deadline)
	assert.Equal(t, []training.Input{
		{DatasetID: "cxr", Version: "v1", MerkleRoot: coretest.Hex("cxrroot"), Owner: "Org1MSP", Price: 40, GrantRequestID: "g-cxr"},
		{DatasetID: "mri", Version: "v1", MerkleRoot: coretest.Hex("mriroot"), Owner: "Org1MSP", Price: 60, GrantRequestID: "g-mri"},
	}, j.Inputs)
	assert.Equal(t, uint64(350), balance(w, "Org2MSP"), "the whole deposit is escrowed")

	var ev training.Event
	assert.Equal(t, "TrainingRequested", w.LastEvent(&ev))
	assert.Equal(t, *j, ev.Job)
	require.NotNil(t, ev.Escrow)
	assert.Equal(t, credits.Held, ev.Escrow.Status)
	assert.Nil(t, ev.Model)
}

func TestRequestTrainingRefusals(t *testing.T) {
	with := func(mut func(*training.RequestInput)) training.RequestInput {
		in := jobIn("j2", 100, "cxr")
		mut(&in)
		return in
	}
	cases := []struct {
		name  string
		setup func(*coretest.World)
		who   ledger.Identity
		in    training.RequestInput
		want  error
	}{
		{"org3 has no grant", nil, coretest.Org3, jobIn("j2", 100, "cxr"), errs.NoLiveGrant},
		{"revoked grant", func(w *coretest.World) {
			w.Must(w.Submit(coretest.Org1, func(tx *txn.Tx) error { _, err := access.RevokeAccess(tx, "g-cxr", "breach"); return err }))
		}, coretest.Org2, jobIn("j2", 100, "cxr"), errs.NoLiveGrant},
		{"expired grant", func(w *coretest.World) { w.Advance(31 * 24 * time.Hour) }, coretest.Org2, jobIn("j2", 100, "cxr"), errs.NoLiveGrant},
		{"max jobs exhausted", func(w *coretest.World) {
			_, err := requestJob(w, coretest.Org2, jobIn("j0", 40, "cxr"))
			w.Must(err)
		}, coretest.Org2, jobIn("j2", 100, "cxr"), errs.NoLiveGrant},
		{"algorithm not the pinned one", nil, coretest.Org2,
			func() training.RequestInput {
				in := jobIn("j2", 100, "mri")
				in.Algorithm.CodeHash = coretest.Hex("other")
				return in
			}(), errs.NoLiveGrant},
		{"deposit below prices", nil, coretest.Org2, jobIn("j2", 99, "cxr", "mri"), errs.InsufficientDeposit},
		{"balance below deposit", nil, coretest.Org2, jobIn("j2", 501, "cxr"), errs.InsufficientBalance},
		{"several owners", nil, coretest.Org2, jobIn("j2", 100, "cxr", "ecg"), errs.MultiOwnerUnsupported},
		{"owner trains on own data", nil, coretest.Org1, jobIn("j2", 100, "cxr"), errs.InvalidArgument},
		{"duplicate job", nil, coretest.Org2, jobIn("j1", 100, "cxr"), errs.AlreadyExists},
		{"dataset twice", nil, coretest.Org2, jobIn("j2", 100, "cxr", "cxr"), errs.InvalidArgument},
		{"unknown dataset", nil, coretest.Org2, jobIn("j2", 100, "nope"), errs.NotFound},
		{"unknown version", nil, coretest.Org2, with(func(i *training.RequestInput) { i.Datasets[0].Version = "v9" }), errs.NotFound},
		{"no datasets", nil, coretest.Org2, jobIn("j2", 100), errs.InvalidArgument},
		{"bad code hash", nil, coretest.Org2, with(func(i *training.RequestInput) { i.Algorithm.CodeHash = "x" }), errs.InvalidArgument},
		{"bad hyperparameters", nil, coretest.Org2, with(func(i *training.RequestInput) { i.HyperparametersHash = "" }), errs.InvalidArgument},
		{"deadline passed", nil, coretest.Org2, with(func(i *training.RequestInput) { i.Deadline = coretest.Start }), errs.InvalidArgument},
		{"deadline too far", nil, coretest.Org2, with(func(i *training.RequestInput) { i.Deadline = coretest.Start.Add(365 * 24 * time.Hour) }), errs.InvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world(t)
			_, err := requestJob(w, coretest.Org2, jobIn("j1", 40, "cxr"))
			require.NoError(t, err)
			if tc.setup != nil {
				tc.setup(w)
			}
			before := balance(w, "Org2MSP")
			_, err = requestJob(w, tc.who, tc.in)
			assert.ErrorIs(t, err, tc.want)
			assert.Equal(t, before, balance(w, "Org2MSP"), "a refused request moves no credits")
		})
	}
}

func TestExplicitDeadline(t *testing.T) {
	w := world(t)
	in := jobIn("j1", 40, "cxr")
	in.Deadline = w.Clock.Add(time.Hour)
	j, err := requestJob(w, coretest.Org2, in)
	require.NoError(t, err)
	assert.Equal(t, in.Deadline, j.Deadline)
}
