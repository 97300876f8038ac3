package datasets_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/datasets"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/ledgerfakes"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/coretest"
)

func validDataset(id string) datasets.RegisterInput {
	return datasets.RegisterInput{ID: id, Metadata: `{"name":"cxr"}`, Terms: "research only", PricePerJob: 40}
}

func validVersion(id, v string) datasets.VersionInput {
	return datasets.VersionInput{
		DatasetID: id, Version: v, MerkleRoot: coretest.Hex("root" + v),
		SizeBytes: 1 << 20, ChunkCount: 16, SchemaHash: coretest.Hex("schema"),
	}
}

func register(w *coretest.World, who ledger.Identity, in datasets.RegisterInput) (*datasets.Dataset, error) {
	var d *datasets.Dataset
	err := w.Submit(who, func(tx *txn.Tx) (err error) {
		d, err = datasets.Register(tx, in)
		return err
	})
	return d, err
}

func registerVersion(w *coretest.World, who ledger.Identity, in datasets.VersionInput) (*datasets.Version, error) {
	var v *datasets.Version
	err := w.Submit(who, func(tx *txn.Tx) (err error) {
		v, err = datasets.RegisterVersion(tx, in)
		return err
	})
	return v, err
}

func TestRegisterDataset(t *testing.T) {
	w := coretest.NewWorld(t)
	d, err := register(w, coretest.Org1, validDataset("cxr"))
	require.NoError(t, err)
	assert.Equal(t, "Org1MSP", d.Owner)
	assert.Equal(t, w.Clock, d.CreatedAt)
	assert.Equal(t, contract.SchemaVersion, d.SchemaVersion)

	var ev datasets.Dataset
	assert.Equal(t, "DatasetRegistered", w.LastEvent(&ev))
	assert.Equal(t, *d, ev)
	assert.Equal(t, []string{"Org1MSP"}, w.Ledger.Endorsers(w.Key("lml.dataset", "cxr")))
}

func TestRegisterDatasetRefusals(t *testing.T) {
	long := make([]byte, 16*1024+1)
	cases := []struct {
		name string
		in   datasets.RegisterInput
		want error
	}{
		{"duplicate id", validDataset("cxr"), errs.AlreadyExists},
		{"bad id", datasets.RegisterInput{ID: "a/b", Metadata: "m", Terms: "t"}, errs.InvalidArgument},
		{"empty id", datasets.RegisterInput{Metadata: "m", Terms: "t"}, errs.InvalidArgument},
		{"no metadata", datasets.RegisterInput{ID: "x", Terms: "t"}, errs.InvalidArgument},
		{"no terms", datasets.RegisterInput{ID: "x", Metadata: "m"}, errs.InvalidArgument},
		{"oversized terms", datasets.RegisterInput{ID: "x", Metadata: "m", Terms: string(long)}, errs.InvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := coretest.NewWorld(t)
			_, err := register(w, coretest.Org1, validDataset("cxr"))
			require.NoError(t, err)
			_, err = register(w, coretest.Org2, tc.in)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestRegisterVersion(t *testing.T) {
	w := coretest.NewWorld(t)
	_, err := register(w, coretest.Org1, validDataset("cxr"))
	require.NoError(t, err)
	v, err := registerVersion(w, coretest.Org1, validVersion("cxr", "v1"))
	require.NoError(t, err)
	assert.Equal(t, "Org1MSP", v.Owner)

	var ev datasets.Version
	assert.Equal(t, "DatasetVersionRegistered", w.LastEvent(&ev))
	assert.Equal(t, *v, ev)
	assert.Equal(t, []string{"Org1MSP"}, w.Ledger.Endorsers(w.Key("lml.dataset.version", "cxr", "v1")))
}

func TestRegisterVersionRefusals(t *testing.T) {
	bad := func(mut func(*datasets.VersionInput)) datasets.VersionInput {
		in := validVersion("cxr", "v2")
		mut(&in)
		return in
	}
	cases := []struct {
		name string
		who  ledger.Identity
		in   datasets.VersionInput
		want error
	}{
		{"versions are immutable", coretest.Org1, validVersion("cxr", "v1"), errs.AlreadyExists},
		{"consumer is not owner", coretest.Org2, validVersion("cxr", "v2"), errs.ForbiddenNotOwner},
		{"org without rights", coretest.Org3, validVersion("cxr", "v2"), errs.ForbiddenNotOwner},
		{"unknown dataset", coretest.Org1, validVersion("nope", "v1"), errs.NotFound},
		{"uppercase root", coretest.Org1, bad(func(i *datasets.VersionInput) { i.MerkleRoot = "AB" }), errs.InvalidArgument},
		{"bad schema hash", coretest.Org1, bad(func(i *datasets.VersionInput) { i.SchemaHash = "" }), errs.InvalidArgument},
		{"zero size", coretest.Org1, bad(func(i *datasets.VersionInput) { i.SizeBytes = 0 }), errs.InvalidArgument},
		{"zero chunks", coretest.Org1, bad(func(i *datasets.VersionInput) { i.ChunkCount = 0 }), errs.InvalidArgument},
		{"bad version", coretest.Org1, bad(func(i *datasets.VersionInput) { i.Version = "" }), errs.InvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := coretest.NewWorld(t)
			_, err := register(w, coretest.Org1, validDataset("cxr"))
			require.NoError(t, err)
			_, err = registerVersion(w, coretest.Org1, validVersion("cxr", "v1"))
			require.NoError(t, err)
			_, err = registerVersion(w, tc.who, tc.in)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestReads(t *testing.T) {
	w := coretest.NewWorld(t)
	for _, id := range []string{"b", "a"} {
		_, err := register(w, coretest.Org1, validDataset(id))
		require.NoError(t, err)
	}
	for _, v := range []string{"v2", "v1"} {
		_, err := registerVersion(w, coretest.Org1, validVersion("a", v))
		require.NoError(t, err)
	}
	w.Must(w.Evaluate(coretest.Org3, func(tx *txn.Tx) error {
		all, err := datasets.List(tx)
		require.NoError(t, err)
		require.Len(t, all, 2)
		assert.Equal(t, "a", all[0].ID)

		vs, err := datasets.ListVersions(tx, "a")
		require.NoError(t, err)
		require.Len(t, vs, 2)
		assert.Equal(t, "v1", vs[0].Version)

		v, err := datasets.GetVersion(tx, "a", "v2")
		require.NoError(t, err)
		assert.Equal(t, coretest.Hex("rootv2"), v.MerkleRoot)

		_, err = datasets.GetVersion(tx, "a", "v9")
		assert.ErrorIs(t, err, errs.NotFound)
		_, err = datasets.Get(tx, "zzz")
		assert.ErrorIs(t, err, errs.NotFound)
		_, err = datasets.ListVersions(tx, "zzz")
		assert.ErrorIs(t, err, errs.NotFound)

		hist, err := datasets.History(tx, "a")
		require.NoError(t, err)
		require.Len(t, hist, 1)
		assert.Equal(t, "a", hist[0].Record.ID)
		return nil
	}))
}

func TestSchemaV1DatasetIsMigratedOnRead(t *testing.T) {
	w := coretest.NewWorld(t)
	w.Ledger.Seed(w.Key("lml.dataset", "old"),
		[]byte(`{"schema_version":1,"id":"old","owner":"Org1MSP","metadata":"m","terms":"t","price":25}`))
	w.Must(w.Evaluate(coretest.Org2, func(tx *txn.Tx) error {
		d, err := datasets.Get(tx, "old")
		require.NoError(t, err)
		assert.Equal(t, uint64(25), d.PricePerJob)
		assert.Equal(t, contract.SchemaVersion, d.SchemaVersion)
		return nil
	}))
	// A version written by a newer chaincode must not be silently misread.
	w.Ledger.Seed(w.Key("lml.dataset", "new"), []byte(`{"schema_version":3,"id":"new"}`))
	err := w.Evaluate(coretest.Org2, func(tx *txn.Tx) error { _, err := datasets.Get(tx, "new"); return err })
	assert.ErrorIs(t, err, errs.UnsupportedSchema)
}

func TestMigrateRejectsCorruptV1(t *testing.T) {
	var d datasets.Dataset
	assert.Error(t, d.Migrate(1, []byte(`{"price":"x"}`)))
	assert.NoError(t, d.Migrate(2, nil))
}

func TestLedgerFailures(t *testing.T) {
	boom := errors.New("boom")
	owned := []byte(`{"schema_version":2,"id":"cxr","owner":"Org1MSP"}`)
	cases := []struct {
		name string
		set  func(*ledgerfakes.FakeState)
		run  func(*txn.Tx) error
	}{
		{"register: timestamp", func(s *ledgerfakes.FakeState) { s.GetTxTimestampReturns(coretest.Start, boom) },
			func(tx *txn.Tx) error { _, err := datasets.Register(tx, validDataset("cxr")); return err }},
		{"register: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { _, err := datasets.Register(tx, validDataset("cxr")); return err }},
		{"register: put", func(s *ledgerfakes.FakeState) { s.PutStateReturns(boom) },
			func(tx *txn.Tx) error { _, err := datasets.Register(tx, validDataset("cxr")); return err }},
		{"version: read", func(s *ledgerfakes.FakeState) { s.GetStateReturns(nil, boom) },
			func(tx *txn.Tx) error { _, err := datasets.RegisterVersion(tx, validVersion("cxr", "v1")); return err }},
		{"version: timestamp", func(s *ledgerfakes.FakeState) {
			s.GetStateReturns(owned, nil)
			s.GetTxTimestampReturns(coretest.Start, boom)
		}, func(tx *txn.Tx) error { _, err := datasets.RegisterVersion(tx, validVersion("cxr", "v1")); return err }},
		{"version: key", func(s *ledgerfakes.FakeState) {
			s.GetStateReturns(owned, nil)
			s.CreateCompositeKeyReturnsOnCall(1, "", boom)
		}, func(tx *txn.Tx) error { _, err := datasets.RegisterVersion(tx, validVersion("cxr", "v1")); return err }},
		{"version: put", func(s *ledgerfakes.FakeState) {
			s.GetStateReturnsOnCall(0, owned, nil)
			s.PutStateReturns(boom)
		}, func(tx *txn.Tx) error { _, err := datasets.RegisterVersion(tx, validVersion("cxr", "v1")); return err }},
		{"get version: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { _, err := datasets.GetVersion(tx, "cxr", "v1"); return err }},
		{"get version: read", func(s *ledgerfakes.FakeState) { s.GetStateReturns(nil, boom) },
			func(tx *txn.Tx) error { _, err := datasets.GetVersion(tx, "cxr", "v1"); return err }},
		{"history: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { _, err := datasets.History(tx, "cxr"); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := &ledgerfakes.FakeState{}
			tc.set(st)
			err := tc.run(txn.New(st, coretest.Org1))
			assert.ErrorIs(t, err, errs.Ledger)
			assert.ErrorIs(t, err, boom)
			assert.Zero(t, st.SetEventCallCount(), "no event on a failed transaction")
		})
	}
}
