package training_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/access"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/training"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/ledgerfakes"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/coretest"
)

func TestSuccessfulJobPaysOwnerAndRecordsLineage(t *testing.T) {
	w := world(t)
	_, err := requestJob(w, coretest.Org2, jobIn("j1", 150, "cxr", "mri"))
	require.NoError(t, err)
	require.NoError(t, step(w, coretest.Org1, accept("j1")))
	var ev training.Event
	assert.Equal(t, "TrainingAccepted", w.LastEvent(&ev))
	assert.Equal(t, training.Accepted, ev.Job.Status)

	require.NoError(t, step(w, coretest.Org1, submit("j1", "weights")))
	assert.Equal(t, "TrainingSucceeded", w.LastEvent(&ev))
	assert.Equal(t, training.Succeeded, ev.Job.Status)
	assert.Equal(t, []credits.Payout{{Org: "Org1MSP", Amount: 100}, {Org: "Org2MSP", Amount: 50}}, ev.Escrow.Payouts)
	assert.Equal(t, uint64(100), balance(w, "Org1MSP"))
	assert.Equal(t, uint64(400), balance(w, "Org2MSP"))

	w.Must(w.Evaluate(coretest.Org3, func(tx *txn.Tx) error {
		m, err := training.GetModel(tx, coretest.Hex("weights"))
		require.NoError(t, err)
		assert.Equal(t, *ev.Model, *m)
		assert.Equal(t, "Org2MSP", m.Holder)
		assert.Equal(t, "Org1MSP", m.Producer)
		assert.Equal(t, training.Lineage{
			JobID: "j1", Inputs: ev.Job.Inputs, Algorithm: resnet, HyperparametersHash: hparam,
			TranscriptRoot: coretest.Hex("transcript"), MetricsHash: coretest.Hex("metrics"),
		}, m.Lineage)

		hist, err := training.JobHistory(tx, "j1")
		require.NoError(t, err)
		require.Len(t, hist, 3)
		assert.Equal(t, training.Requested, hist[0].Record.Status)
		assert.Equal(t, training.Succeeded, hist[2].Record.Status)

		j, err := training.GetJob(tx, "j1")
		require.NoError(t, err)
		assert.Equal(t, coretest.Hex("weights"), j.Result.ModelHash)
		return nil
	}))
	_, err = requestJob(w, coretest.Org2, jobIn("j2", 40, "cxr"))
	require.NoError(t, err)
	assert.Equal(t, access.ReasonMaxJobs, decision(w, "cxr").Reason, "a delivered job spends grant quota")
}

func TestRefundsReturnDepositAndQuota(t *testing.T) {
	cases := []struct {
		name   string
		before func(*coretest.World)
		run    func(*coretest.World) error
		event  string
	}{
		{"owner fails a requested job", nil,
			func(w *coretest.World) error { return step(w, coretest.Org1, fail("j1", "gpu lost")) }, "TrainingFailed"},
		{"owner fails an accepted job", func(w *coretest.World) { w.Must(step(w, coretest.Org1, accept("j1"))) },
			func(w *coretest.World) error { return step(w, coretest.Org1, fail("j1", "diverged")) }, "TrainingFailed"},
		{"anyone expires after the deadline", func(w *coretest.World) { w.Advance(training.DefaultTTL) },
			func(w *coretest.World) error { return step(w, coretest.Org3, expire("j1")) }, "TrainingExpired"},
		{"accepted jobs expire too", func(w *coretest.World) {
			w.Must(step(w, coretest.Org1, accept("j1")))
			w.Advance(training.DefaultTTL)
		}, func(w *coretest.World) error { return step(w, coretest.Org2, expire("j1")) }, "TrainingExpired"},
		{"consumer cancels before acceptance", nil,
			func(w *coretest.World) error { return step(w, coretest.Org2, cancel("j1")) }, "TrainingCancelled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world(t)
			_, err := requestJob(w, coretest.Org2, jobIn("j1", 120, "cxr"))
			require.NoError(t, err)
			_, err = requestJob(w, coretest.Org2, jobIn("j0", 40, "cxr"))
			require.NoError(t, err)
			if tc.before != nil {
				tc.before(w)
			}
			require.NoError(t, tc.run(w))
			var ev training.Event
			assert.Equal(t, tc.event, w.LastEvent(&ev))
			assert.Equal(t, credits.Refunded, ev.Escrow.Status)
			assert.Equal(t, uint64(460), balance(w, "Org2MSP"))
			assert.Zero(t, balance(w, "Org1MSP"))
			assert.True(t, decision(w, "cxr").Allowed, "the job slot is given back")
		})
	}
}

func TestLifecycleRefusals(t *testing.T) {
	cases := []struct {
		name   string
		before func(*coretest.World)
		run    func(*coretest.World) error
		want   error
	}{
		{"consumer accepts", nil, func(w *coretest.World) error { return step(w, coretest.Org2, accept("j1")) }, errs.ForbiddenNotOwner},
		{"org3 accepts", nil, func(w *coretest.World) error { return step(w, coretest.Org3, accept("j1")) }, errs.ForbiddenNotOwner},
		{"accept unknown", nil, func(w *coretest.World) error { return step(w, coretest.Org1, accept("nope")) }, errs.NotFound},
		{"accept twice", acceptJ1, func(w *coretest.World) error { return step(w, coretest.Org1, accept("j1")) }, errs.InvalidStateTransition},
		{"accept after deadline", func(w *coretest.World) { w.Advance(training.DefaultTTL) },
			func(w *coretest.World) error { return step(w, coretest.Org1, accept("j1")) }, errs.InvalidStateTransition},
		{"submit before accept", nil, func(w *coretest.World) error { return step(w, coretest.Org1, submit("j1", "m")) }, errs.InvalidStateTransition},
		{"consumer submits", acceptJ1, func(w *coretest.World) error { return step(w, coretest.Org2, submit("j1", "m")) }, errs.ForbiddenNotOwner},
		{"submit after deadline", func(w *coretest.World) { acceptJ1(w); w.Advance(training.DefaultTTL) },
			func(w *coretest.World) error { return step(w, coretest.Org1, submit("j1", "m")) }, errs.InvalidStateTransition},
		{"submit bad hash", acceptJ1, func(w *coretest.World) error {
			return step(w, coretest.Org1, func(tx *txn.Tx) (*training.Job, error) {
				return training.SubmitTrainingResult(tx, training.ResultInput{JobID: "j1"})
			})
		}, errs.InvalidArgument},
		{"model hash reused", func(w *coretest.World) {
			_, err := requestJob(w, coretest.Org2, jobIn("j0", 40, "cxr"))
			w.Must(err)
			w.Must(step(w, coretest.Org1, accept("j0")))
			w.Must(step(w, coretest.Org1, submit("j0", "m")))
			acceptJ1(w)
		}, func(w *coretest.World) error { return step(w, coretest.Org1, submit("j1", "m")) }, errs.AlreadyExists},
		{"submit twice", func(w *coretest.World) { acceptJ1(w); w.Must(step(w, coretest.Org1, submit("j1", "m"))) },
			func(w *coretest.World) error { return step(w, coretest.Org1, submit("j1", "m2")) }, errs.InvalidStateTransition},
		{"consumer fails", nil, func(w *coretest.World) error { return step(w, coretest.Org2, fail("j1", "x")) }, errs.ForbiddenNotOwner},
		{"fail without reason", nil, func(w *coretest.World) error { return step(w, coretest.Org1, fail("j1", "")) }, errs.InvalidArgument},
		{"fail a cancelled job", func(w *coretest.World) { w.Must(step(w, coretest.Org2, cancel("j1"))) },
			func(w *coretest.World) error { return step(w, coretest.Org1, fail("j1", "x")) }, errs.InvalidStateTransition},
		{"expire before deadline", nil, func(w *coretest.World) error { return step(w, coretest.Org2, expire("j1")) }, errs.InvalidStateTransition},
		{"owner cancels", nil, func(w *coretest.World) error { return step(w, coretest.Org1, cancel("j1")) }, errs.ForbiddenNotRequester},
		{"cancel after accept", acceptJ1, func(w *coretest.World) error { return step(w, coretest.Org2, cancel("j1")) }, errs.InvalidStateTransition},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world(t)
			_, err := requestJob(w, coretest.Org2, jobIn("j1", 100, "mri"))
			require.NoError(t, err)
			if tc.before != nil {
				tc.before(w)
			}
			assert.ErrorIs(t, tc.run(w), tc.want)
		})
	}
}

func acceptJ1(w *coretest.World) { w.Must(step(w, coretest.Org1, accept("j1"))) }

func TestTrainingReadsAndLedgerFailures(t *testing.T) {
	w := world(t)
	err := w.Evaluate(coretest.Org3, func(tx *txn.Tx) error { _, err := training.GetModel(tx, "nope"); return err })
	assert.ErrorIs(t, err, errs.NotFound)

	boom := errors.New("boom")
	job := []byte(`{"schema_version":2,"job_id":"j","owner":"Org1MSP","consumer":"Org2MSP","status":"ACCEPTED",` +
		`"deadline":"2099-01-01T00:00:00Z","inputs":[{"dataset_id":"cxr","owner":"Org1MSP","price":1,"grant_request_id":"g"}]}`)
	result := training.ResultInput{JobID: "j", Result: training.Result{
		ModelHash: coretest.Hex("m"), TranscriptRoot: coretest.Hex("t"), MetricsHash: coretest.Hex("x"),
	}}
	cases := []struct {
		name string
		set  func(*ledgerfakes.FakeState)
		run  func(*txn.Tx) error
	}{
		{"request: timestamp", func(s *ledgerfakes.FakeState) { s.GetTxTimestampReturns(coretest.Start, boom) },
			func(tx *txn.Tx) error { _, err := training.RequestTraining(tx, jobIn("j", 1, "cxr")); return err }},
		{"request: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { _, err := training.RequestTraining(tx, jobIn("j", 1, "cxr")); return err }},
		{"request: exists", func(s *ledgerfakes.FakeState) { s.GetStateReturns(nil, boom) },
			func(tx *txn.Tx) error { _, err := training.RequestTraining(tx, jobIn("j", 1, "cxr")); return err }},
		{"accept: read", func(s *ledgerfakes.FakeState) { s.GetStateReturns(nil, boom) },
			func(tx *txn.Tx) error { _, err := training.AcceptTraining(tx, "j"); return err }},
		{"fail: timestamp", func(s *ledgerfakes.FakeState) {
			s.GetStateReturns(job, nil)
			s.GetTxTimestampReturns(coretest.Start, boom)
		}, func(tx *txn.Tx) error { _, err := training.FailTraining(tx, "j", "r"); return err }},
		{"accept: put", func(s *ledgerfakes.FakeState) {
			s.GetStateReturns(bytes.Replace(job, []byte("ACCEPTED"), []byte("REQUESTED"), 1), nil)
			s.PutStateReturns(boom)
		}, func(tx *txn.Tx) error { _, err := training.AcceptTraining(tx, "j"); return err }},
		{"submit: model key", func(s *ledgerfakes.FakeState) {
			s.GetStateReturns(job, nil)
			s.CreateCompositeKeyReturnsOnCall(1, "", boom)
		}, func(tx *txn.Tx) error { _, err := training.SubmitTrainingResult(tx, result); return err }},
		{"submit: model time", func(s *ledgerfakes.FakeState) {
			s.GetStateReturns(job, nil)
			s.GetTxTimestampReturnsOnCall(1, coretest.Start, boom)
		}, func(tx *txn.Tx) error { _, err := training.SubmitTrainingResult(tx, result); return err }},
		{"history: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { _, err := training.JobHistory(tx, "j"); return err }},
		{"model: read", func(s *ledgerfakes.FakeState) { s.GetStateReturns(nil, boom) },
			func(tx *txn.Tx) error { _, err := training.GetModel(tx, "m"); return err }},
		{"model: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { _, err := training.GetModel(tx, "m"); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := &ledgerfakes.FakeState{}
			st.GetTxTimestampReturns(coretest.Start, nil)
			tc.set(st)
			err := tc.run(txn.New(st, coretest.Org1))
			assert.ErrorIs(t, err, errs.Ledger)
			assert.ErrorIs(t, err, boom)
			assert.Zero(t, st.SetEventCallCount())
		})
	}
}
