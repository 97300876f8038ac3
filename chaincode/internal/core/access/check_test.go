package access_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/access"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/ledgerfakes"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/coretest"
)

func TestCheckAccess(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(*coretest.World)
		org     string
		purpose access.Purpose
		allowed bool
		reason  string
	}{
		{"deny by default", nil, "Org2MSP", access.Train, false, access.ReasonNoRequest},
		{"owner always", nil, "Org1MSP", access.Download, true, access.ReasonOwner},
		{"pending", func(w *coretest.World) { mustRequest(w, "r", access.Train) }, "Org2MSP", access.Train, false, access.ReasonPending},
		{"granted", granted(access.Train, access.Conditions{}), "Org2MSP", access.Train, true, access.ReasonGranted},
		{"other purpose", granted(access.Evaluate, access.Conditions{}), "Org2MSP", access.Train, false, access.ReasonNoRequest},
		{"org3 without rights", granted(access.Train, access.Conditions{}), "Org3MSP", access.Train, false, access.ReasonNoRequest},
		{"denied", func(w *coretest.World) {
			mustRequest(w, "r", access.Train)
			w.Must(deny(w, coretest.Org1, "r", "no"))
		}, "Org2MSP", access.Train, false, access.ReasonDenied},
		{"revoked", func(w *coretest.World) {
			granted(access.Train, access.Conditions{})(w)
			w.Must(revoke(w, coretest.Org1, "r", "breach"))
		}, "Org2MSP", access.Train, false, access.ReasonRevoked},
		{"expired", func(w *coretest.World) {
			granted(access.Train, access.Conditions{})(w)
			w.Advance(31 * 24 * time.Hour)
		}, "Org2MSP", access.Train, false, access.ReasonExpired},
		{"max jobs exhausted", func(w *coretest.World) {
			granted(access.Train, access.Conditions{MaxJobs: 1})(w)
			_, err := consume(w, "Org2MSP", coretest.Hex("algo"))
			w.Must(err)
		}, "Org2MSP", access.Train, false, access.ReasonMaxJobs},
		{"max jobs does not limit evaluate", granted(access.Evaluate, access.Conditions{MaxJobs: 1}), "Org2MSP", access.Evaluate, true, access.ReasonGranted},
		{"a live grant beats a revoked one", func(w *coretest.World) {
			granted(access.Train, access.Conditions{})(w)
			w.Must(revoke(w, coretest.Org1, "r", "breach"))
			mustRequest(w, "s", access.Train)
			_, err := grant(w, coretest.Org1, "s", access.Conditions{})
			w.Must(err)
		}, "Org2MSP", access.Train, true, access.ReasonGranted},
		{"schema-1 compute-only download", func(w *coretest.World) {
			mustRequest(w, "r", access.Download)
			raw := `{"schema_version":1,"request_id":"r","dataset_id":"cxr","owner":"Org1MSP","requester":"Org2MSP",` +
				`"purpose":"download","status":"GRANTED","conditions":{"expires_at":"2099-01-01T00:00:00Z","compute_only":true}}`
			w.Ledger.Seed(w.Key("lml.access.request", "r"), []byte(raw))
		}, "Org2MSP", access.Download, false, access.ReasonComputeOnly},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world(t)
			if tc.setup != nil {
				tc.setup(w)
			}
			d, err := check(w, tc.org, tc.purpose)
			require.NoError(t, err)
			assert.Equal(t, tc.allowed, d.Allowed)
			assert.Equal(t, tc.reason, d.Reason)
		})
	}
}

func mustRequest(w *coretest.World, id string, p access.Purpose) {
	_, err := request(w, coretest.Org2, reqIn(id, p, w))
	w.Must(err)
}

func granted(p access.Purpose, c access.Conditions) func(*coretest.World) {
	return func(w *coretest.World) {
		mustRequest(w, "r", p)
		_, err := grant(w, coretest.Org1, "r", c)
		w.Must(err)
	}
}

func TestCheckAccessRefusals(t *testing.T) {
	w := world(t)
	_, err := check(w, "Org2MSP", "resell")
	assert.ErrorIs(t, err, errs.InvalidArgument)
	_, err = check(w, "", access.Train)
	assert.ErrorIs(t, err, errs.InvalidArgument)
	err = w.Evaluate(coretest.Org2, func(tx *txn.Tx) error {
		_, err := access.CheckAccess(tx, "Org2MSP", "nope", access.Train)
		return err
	})
	assert.ErrorIs(t, err, errs.NotFound)
}

func TestTrainSlots(t *testing.T) {
	w := world(t)
	in := reqIn("r", access.Train, w)
	in.AlgorithmCodeHash = coretest.Hex("resnet")
	_, err := request(w, coretest.Org2, in)
	require.NoError(t, err)
	_, err = grant(w, coretest.Org1, "r", access.Conditions{MaxJobs: 2})
	require.NoError(t, err)

	_, err = consume(w, "Org2MSP", coretest.Hex("other"))
	assert.ErrorIs(t, err, errs.NoLiveGrant, "the grant pinned another algorithm")

	for range 2 {
		id, err := consume(w, "Org2MSP", coretest.Hex("resnet"))
		require.NoError(t, err)
		assert.Equal(t, "r", id)
	}
	_, err = consume(w, "Org2MSP", coretest.Hex("resnet"))
	assert.ErrorIs(t, err, errs.NoLiveGrant)

	require.NoError(t, release(w, "r"))
	_, err = consume(w, "Org2MSP", coretest.Hex("resnet"))
	assert.NoError(t, err, "a released slot can be used again")

	_, err = consume(w, "Org3MSP", coretest.Hex("resnet"))
	assert.ErrorIs(t, err, errs.NoLiveGrant)
	assert.ErrorIs(t, release(w, "unused"), errs.Internal)
}

func TestAccessLedgerFailures(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name string
		set  func(*ledgerfakes.FakeState)
		run  func(*txn.Tx) error
	}{
		{"request: timestamp", func(s *ledgerfakes.FakeState) { s.GetTxTimestampReturns(coretest.Start, boom) },
			func(tx *txn.Tx) error { _, err := access.RequestAccess(tx, access.RequestInput{}); return err }},
		{"grant: read", func(s *ledgerfakes.FakeState) { s.GetStateReturns(nil, boom) },
			func(tx *txn.Tx) error { _, err := access.GrantAccess(tx, "r", access.Conditions{}); return err }},
		{"grant: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { _, err := access.GrantAccess(tx, "r", access.Conditions{}); return err }},
		{"check: scan", func(s *ledgerfakes.FakeState) {
			s.GetStateReturns([]byte(`{"owner":"Org1MSP"}`), nil)
			s.GetStateByPartialCompositeKeyReturns(nil, boom)
		}, func(tx *txn.Tx) error { _, err := access.CheckAccess(tx, "Org2MSP", "cxr", access.Train); return err }},
		{"check: timestamp", func(s *ledgerfakes.FakeState) {
			s.GetStateReturns([]byte(`{"owner":"Org1MSP"}`), nil)
			s.GetTxTimestampReturns(coretest.Start, boom)
		}, func(tx *txn.Tx) error { _, err := access.CheckAccess(tx, "Org2MSP", "cxr", access.Train); return err }},
		{"list: scan", func(s *ledgerfakes.FakeState) { s.GetStateByPartialCompositeKeyReturns(nil, boom) },
			func(tx *txn.Tx) error { _, err := access.ListRequests(tx, "cxr"); return err }},
		{"history: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { _, err := access.RequestHistory(tx, "r"); return err }},
		{"release: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { return access.ReleaseTrainSlot(tx, "r") }},
		{"consume: scan", func(s *ledgerfakes.FakeState) { s.GetStateByPartialCompositeKeyReturns(nil, boom) },
			func(tx *txn.Tx) error { _, err := access.ConsumeTrainGrant(tx, "Org2MSP", "cxr", ""); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := &ledgerfakes.FakeState{}
			tc.set(st)
			err := tc.run(txn.New(st, coretest.Org1))
			assert.ErrorIs(t, err, errs.Ledger)
			assert.ErrorIs(t, err, boom)
			assert.Zero(t, st.SetEventCallCount())
		})
	}
}
