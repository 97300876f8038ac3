package access_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/access"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/coretest"
)

func TestRequestAccess(t *testing.T) {
	w := world(t)
	in := reqIn("r1", access.Train, w)
	in.AlgorithmCodeHash = coretest.Hex("resnet")
	r, err := request(w, coretest.Org2, in)
	require.NoError(t, err)
	assert.Equal(t, access.Pending, r.Status)
	assert.Equal(t, "Org1MSP", r.Owner)
	assert.Equal(t, "Org2MSP", r.Requester)

	var ev access.Request
	assert.Equal(t, "AccessRequested", w.LastEvent(&ev))
	assert.Equal(t, *r, ev)
	// The owner answers, so the request key is pinned to the owner.
	assert.Equal(t, []string{"Org1MSP"}, w.Ledger.Endorsers(w.Key("lml.access.request", "r1")))
}

func TestRequestAccessRefusals(t *testing.T) {
	cases := []struct {
		name string
		who  ledger.Identity
		mut  func(*access.RequestInput, *coretest.World)
		want error
	}{
		{"duplicate id", coretest.Org3, func(i *access.RequestInput, _ *coretest.World) { i.RequestID = "r1" }, errs.AlreadyExists},
		{"owner asks itself", coretest.Org1, nil, errs.InvalidArgument},
		{"unknown purpose", coretest.Org2, func(i *access.RequestInput, _ *coretest.World) { i.Purpose = "resell" }, errs.InvalidArgument},
		{"unknown dataset", coretest.Org2, func(i *access.RequestInput, _ *coretest.World) { i.DatasetID = "nope" }, errs.NotFound},
		{"expiry in the past", coretest.Org2, func(i *access.RequestInput, w *coretest.World) { i.RequestedExpiry = w.Clock.Add(-time.Hour) }, errs.InvalidArgument},
		{"bad code hash", coretest.Org2, func(i *access.RequestInput, _ *coretest.World) { i.AlgorithmCodeHash = "xyz" }, errs.InvalidArgument},
		{"bad request id", coretest.Org2, func(i *access.RequestInput, _ *coretest.World) { i.RequestID = "" }, errs.InvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world(t)
			_, err := request(w, coretest.Org2, reqIn("r1", access.Train, w))
			require.NoError(t, err)
			in := reqIn("r2", access.Train, w)
			if tc.mut != nil {
				tc.mut(&in, w)
			}
			_, err = request(w, tc.who, in)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestGrantAccess(t *testing.T) {
	w := world(t)
	in := reqIn("r1", access.Train, w)
	_, err := request(w, coretest.Org2, in)
	require.NoError(t, err)
	r, err := grant(w, coretest.Org1, "r1", access.Conditions{MaxJobs: 3, ComputeOnly: true})
	require.NoError(t, err)
	assert.Equal(t, access.Granted, r.Status)
	assert.Equal(t, in.RequestedExpiry, r.Conditions.ExpiresAt, "zero expiry takes the requested one")
	var ev access.Request
	assert.Equal(t, "AccessGranted", w.LastEvent(&ev))
	assert.Equal(t, uint32(3), ev.Conditions.MaxJobs)
}

func TestAnswerRefusals(t *testing.T) {
	later := func(w *coretest.World) access.Conditions { return access.Conditions{ExpiresAt: w.Clock.Add(time.Hour)} }
	cases := []struct {
		name string
		run  func(*coretest.World) error
		want error
	}{
		{"consumer grants itself", func(w *coretest.World) error { _, err := grant(w, coretest.Org2, "pending", later(w)); return err }, errs.ForbiddenNotOwner},
		{"org3 grants", func(w *coretest.World) error { _, err := grant(w, coretest.Org3, "pending", later(w)); return err }, errs.ForbiddenNotOwner},
		{"grant unknown", func(w *coretest.World) error { _, err := grant(w, coretest.Org1, "nope", later(w)); return err }, errs.NotFound},
		{"grant twice", func(w *coretest.World) error { _, err := grant(w, coretest.Org1, "granted", later(w)); return err }, errs.InvalidStateTransition},
		{"grant expired", func(w *coretest.World) error {
			_, err := grant(w, coretest.Org1, "pending", access.Conditions{ExpiresAt: w.Clock.Add(-time.Hour)})
			return err
		}, errs.InvalidArgument},
		{"compute-only download", func(w *coretest.World) error {
			_, err := grant(w, coretest.Org1, "download", access.Conditions{ComputeOnly: true})
			return err
		}, errs.InvalidArgument},
		{"deny without reason", func(w *coretest.World) error { return deny(w, coretest.Org1, "pending", "") }, errs.InvalidArgument},
		{"deny granted", func(w *coretest.World) error { return deny(w, coretest.Org1, "granted", "no") }, errs.InvalidStateTransition},
		{"consumer denies", func(w *coretest.World) error { return deny(w, coretest.Org2, "pending", "no") }, errs.ForbiddenNotOwner},
		{"revoke pending", func(w *coretest.World) error { return revoke(w, coretest.Org1, "pending", "no") }, errs.InvalidStateTransition},
		{"consumer revokes", func(w *coretest.World) error { return revoke(w, coretest.Org2, "granted", "no") }, errs.ForbiddenNotOwner},
		{"org3 revokes", func(w *coretest.World) error { return revoke(w, coretest.Org3, "granted", "no") }, errs.ForbiddenNotOwner},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world(t)
			for id, p := range map[string]access.Purpose{"pending": access.Train, "granted": access.Train, "download": access.Download} {
				_, err := request(w, coretest.Org2, reqIn(id, p, w))
				require.NoError(t, err)
			}
			_, err := grant(w, coretest.Org1, "granted", access.Conditions{})
			require.NoError(t, err)
			assert.ErrorIs(t, tc.run(w), tc.want)
		})
	}
}

func TestDenyRevokeAndHistory(t *testing.T) {
	w := world(t)
	for _, id := range []string{"a", "b"} {
		_, err := request(w, coretest.Org2, reqIn(id, access.Train, w))
		require.NoError(t, err)
	}
	require.NoError(t, deny(w, coretest.Org1, "a", "not for this purpose"))
	var ev access.Request
	assert.Equal(t, "AccessDenied", w.LastEvent(&ev))
	assert.Equal(t, "not for this purpose", ev.Reason)

	_, err := grant(w, coretest.Org1, "b", access.Conditions{})
	require.NoError(t, err)
	require.NoError(t, revoke(w, coretest.Org1, "b", "contract ended"))
	assert.Equal(t, "AccessRevoked", w.LastEvent(&ev))

	w.Must(w.Evaluate(coretest.Org3, func(tx *txn.Tx) error {
		hist, err := access.RequestHistory(tx, "b")
		require.NoError(t, err)
		require.Len(t, hist, 3)
		want := []access.Status{access.Pending, access.Granted, access.Revoked}
		for i, h := range hist {
			assert.Equal(t, want[i], h.Record.Status)
			assert.Equal(t, h.TxID, h.Record.TxID)
		}
		all, err := access.ListRequests(tx, "cxr")
		require.NoError(t, err)
		assert.Len(t, all, 2)
		r, err := access.GetRequest(tx, "a")
		require.NoError(t, err)
		assert.Equal(t, access.Denied, r.Status)
		_, err = access.GetRequest(tx, "zz")
		assert.ErrorIs(t, err, errs.NotFound)
		return nil
	}))
}
