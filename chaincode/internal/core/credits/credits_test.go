package credits_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/ledgerfakes"
	"github.com/ledgerml/ledgerml/chaincode/internal/testing/coretest"
)

func mint(w *coretest.World, who ledger.Identity, to string, amount uint64) error {
	return w.Submit(who, func(tx *txn.Tx) error { _, err := credits.Mint(tx, to, amount); return err })
}

func transfer(w *coretest.World, who ledger.Identity, to string, amount uint64) error {
	return w.Submit(who, func(tx *txn.Tx) error { _, err := credits.Transfer(tx, to, amount); return err })
}

func balance(w *coretest.World, org string) uint64 {
	var b uint64
	w.Must(w.Evaluate(coretest.Org3, func(tx *txn.Tx) error {
		a, err := credits.Balance(tx, org)
		if a != nil {
			b = a.Balance
		}
		return err
	}))
	return b
}

func TestMint(t *testing.T) {
	w := coretest.NewWorld(t)
	require.NoError(t, mint(w, coretest.Org1Admin, "Org2MSP", 100))
	require.NoError(t, mint(w, coretest.Org1Admin, "Org2MSP", 50))
	mintedAt := w.Clock
	assert.Equal(t, uint64(150), balance(w, "Org2MSP"))
	assert.Zero(t, balance(w, "Org3MSP"))

	var ev credits.MintRecord
	assert.Equal(t, "CreditsMinted", w.LastEvent(&ev))
	assert.Equal(t, credits.MintRecord{
		Schema: txn.Schema{SchemaVersion: 2}, TxID: "tx0002", To: "Org2MSP", Amount: 50,
		MintedBy: "Org1MSP", MintedAt: mintedAt,
	}, ev)
	assert.NotEmpty(t, w.Ledger.Raw(w.Key("lml.credits.mint", "tx0002")), "every mint is recorded")
	w.Must(w.Evaluate(coretest.Org3, func(tx *txn.Tx) error {
		s, err := credits.GetSupply(tx)
		require.NoError(t, err)
		assert.Equal(t, uint64(150), s.TotalMinted)
		return nil
	}))
}

func TestMintRefusals(t *testing.T) {
	cases := []struct {
		name   string
		who    ledger.Identity
		to     string
		amount uint64
		want   error
	}{
		{"client role", coretest.Org1, "Org2MSP", 1, errs.ForbiddenNotAdmin},
		{"peer role", coretest.Org2Peer, "Org2MSP", 1, errs.ForbiddenNotAdmin},
		{"zero", coretest.Org1Admin, "Org2MSP", 0, errs.InvalidArgument},
		{"bad org", coretest.Org1Admin, "", 1, errs.InvalidArgument},
		{"overflow", coretest.Org1Admin, "Org2MSP", credits.MaxAmount, errs.InvalidArgument},
		{"beyond max", coretest.Org1Admin, "Org3MSP", credits.MaxAmount + 1, errs.InvalidArgument},
		{"supply overflow", coretest.Org1Admin, "Org3MSP", credits.MaxAmount, errs.InvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := coretest.NewWorld(t)
			require.NoError(t, mint(w, coretest.Org1Admin, "Org2MSP", 10))
			assert.ErrorIs(t, mint(w, tc.who, tc.to, tc.amount), tc.want)
			assert.Equal(t, uint64(10), balance(w, "Org2MSP"))
		})
	}
}

func TestTransfer(t *testing.T) {
	w := coretest.NewWorld(t)
	require.NoError(t, mint(w, coretest.Org1Admin, "Org2MSP", 100))
	require.NoError(t, transfer(w, coretest.Org2, "Org1MSP", 30))
	assert.Equal(t, uint64(70), balance(w, "Org2MSP"))
	assert.Equal(t, uint64(30), balance(w, "Org1MSP"))
	var ev credits.Transferred
	assert.Equal(t, "CreditsTransferred", w.LastEvent(&ev))
	assert.Equal(t, "Org2MSP", ev.From)

	cases := []struct {
		name   string
		who    ledger.Identity
		to     string
		amount uint64
		want   error
	}{
		{"insufficient", coretest.Org2, "Org1MSP", 71, errs.InsufficientBalance},
		{"empty account", coretest.Org3, "Org1MSP", 1, errs.InsufficientBalance},
		{"to self", coretest.Org2, "Org2MSP", 1, errs.InvalidArgument},
		{"zero", coretest.Org2, "Org1MSP", 0, errs.InvalidArgument},
		{"beyond max", coretest.Org2, "Org1MSP", credits.MaxAmount + 1, errs.InvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, transfer(w, tc.who, tc.to, tc.amount), tc.want)
		})
	}
}

// settleTx runs escrow steps inside one transaction with the event a
// training transaction would set.
func settleTx(w *coretest.World, fn func(tx *txn.Tx) error) error {
	return w.Submit(coretest.Org2, func(tx *txn.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Emit("TrainingRequested", nil)
	})
}

func TestEscrowRelease(t *testing.T) {
	w := coretest.NewWorld(t)
	require.NoError(t, mint(w, coretest.Org1Admin, "Org2MSP", 100))
	require.NoError(t, settleTx(w, func(tx *txn.Tx) error { _, err := credits.Hold(tx, "j1", "Org2MSP", 60); return err }))
	assert.Equal(t, uint64(40), balance(w, "Org2MSP"))

	require.NoError(t, settleTx(w, func(tx *txn.Tx) error {
		e, err := credits.Release(tx, "j1", []credits.Payout{{Org: "Org1MSP", Amount: 45}})
		require.NoError(t, err)
		assert.Equal(t, []credits.Payout{{Org: "Org1MSP", Amount: 45}, {Org: "Org2MSP", Amount: 15}}, e.Payouts)
		return err
	}))
	assert.Equal(t, uint64(55), balance(w, "Org2MSP"))
	assert.Equal(t, uint64(45), balance(w, "Org1MSP"))

	err := settleTx(w, func(tx *txn.Tx) error { _, err := credits.Refund(tx, "j1"); return err })
	assert.ErrorIs(t, err, errs.InvalidStateTransition, "an escrow settles once")
}

func TestEscrowRefundAndRefusals(t *testing.T) {
	w := coretest.NewWorld(t)
	require.NoError(t, mint(w, coretest.Org1Admin, "Org2MSP", 100))
	hold := func(job string, amount uint64) error {
		return settleTx(w, func(tx *txn.Tx) error { _, err := credits.Hold(tx, job, "Org2MSP", amount); return err })
	}
	require.NoError(t, hold("j1", 100))
	assert.ErrorIs(t, hold("j2", 1), errs.InsufficientBalance)
	require.NoError(t, settleTx(w, func(tx *txn.Tx) error { _, err := credits.Refund(tx, "j1"); return err }))
	assert.Equal(t, uint64(100), balance(w, "Org2MSP"))
	assert.ErrorIs(t, hold("j1", 1), errs.AlreadyExists)

	require.NoError(t, hold("j3", 10))
	err := settleTx(w, func(tx *txn.Tx) error {
		_, err := credits.Release(tx, "j3", []credits.Payout{{Org: "Org1MSP", Amount: 11}})
		return err
	})
	assert.ErrorIs(t, err, errs.Internal)

	w.Must(w.Evaluate(coretest.Org3, func(tx *txn.Tx) error {
		e, err := credits.GetEscrow(tx, "j1")
		require.NoError(t, err)
		assert.Equal(t, credits.Refunded, e.Status)
		_, err = credits.GetEscrow(tx, "nope")
		assert.ErrorIs(t, err, errs.NotFound)
		return nil
	}))
}

func TestCreditsLedgerFailures(t *testing.T) {
	boom := errors.New("boom")
	admin := txn.New(nil, coretest.Org1Admin)
	cases := []struct {
		name string
		set  func(*ledgerfakes.FakeState)
		run  func(*txn.Tx) error
	}{
		{"mint: timestamp", func(s *ledgerfakes.FakeState) { s.GetTxTimestampReturns(coretest.Start, boom) },
			func(tx *txn.Tx) error { _, err := credits.Mint(tx, "Org2MSP", 1); return err }},
		{"mint: balance put", func(s *ledgerfakes.FakeState) { s.PutStateReturns(boom) },
			func(tx *txn.Tx) error { _, err := credits.Mint(tx, "Org2MSP", 1); return err }},
		{"mint: supply key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturnsOnCall(1, "", boom) },
			func(tx *txn.Tx) error { _, err := credits.Mint(tx, "Org2MSP", 1); return err }},
		{"mint: supply read", func(s *ledgerfakes.FakeState) { s.GetStateReturnsOnCall(1, nil, boom) },
			func(tx *txn.Tx) error { _, err := credits.Mint(tx, "Org2MSP", 1); return err }},
		{"mint: record put", func(s *ledgerfakes.FakeState) { s.PutStateReturnsOnCall(2, boom) },
			func(tx *txn.Tx) error { _, err := credits.Mint(tx, "Org2MSP", 1); return err }},
		{"mint: record key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturnsOnCall(2, "", boom) },
			func(tx *txn.Tx) error { _, err := credits.Mint(tx, "Org2MSP", 1); return err }},
		{"supply: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { _, err := credits.GetSupply(tx); return err }},
		{"transfer: read", func(s *ledgerfakes.FakeState) { s.GetStateReturns(nil, boom) },
			func(tx *txn.Tx) error { _, err := credits.Transfer(tx, "Org2MSP", 1); return err }},
		{"transfer: timestamp", func(s *ledgerfakes.FakeState) { s.GetTxTimestampReturns(coretest.Start, boom) },
			func(tx *txn.Tx) error { _, err := credits.Transfer(tx, "Org2MSP", 1); return err }},
		{"balance: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { _, err := credits.Balance(tx, "Org2MSP"); return err }},
		{"hold: timestamp", func(s *ledgerfakes.FakeState) { s.GetTxTimestampReturns(coretest.Start, boom) },
			func(tx *txn.Tx) error { _, err := credits.Hold(tx, "j", "Org2MSP", 1); return err }},
		{"hold: key", func(s *ledgerfakes.FakeState) {
			s.GetStateReturns([]byte(`{"balance":5}`), nil)
			s.CreateCompositeKeyReturnsOnCall(1, "", boom)
		}, func(tx *txn.Tx) error { _, err := credits.Hold(tx, "j", "Org2MSP", 1); return err }},
		{"refund: read", func(s *ledgerfakes.FakeState) { s.GetStateReturns(nil, boom) },
			func(tx *txn.Tx) error { _, err := credits.Refund(tx, "j"); return err }},
		{"refund: key", func(s *ledgerfakes.FakeState) { s.CreateCompositeKeyReturns("", boom) },
			func(tx *txn.Tx) error { _, err := credits.Refund(tx, "j"); return err }},
		{"refund: timestamp", func(s *ledgerfakes.FakeState) {
			s.GetStateReturns([]byte(`{"status":"HELD","payer":"Org2MSP","amount":3}`), nil)
			s.GetTxTimestampReturns(coretest.Start, boom)
		}, func(tx *txn.Tx) error { _, err := credits.Refund(tx, "j"); return err }},
		{"refund: credit", func(s *ledgerfakes.FakeState) {
			s.GetStateReturns([]byte(`{"status":"HELD","payer":"Org2MSP","amount":3}`), nil)
			s.PutStateReturns(boom)
		}, func(tx *txn.Tx) error { _, err := credits.Refund(tx, "j"); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := &ledgerfakes.FakeState{}
			tc.set(st)
			err := tc.run(txn.New(st, admin.Caller))
			assert.ErrorIs(t, err, errs.Ledger)
			assert.ErrorIs(t, err, boom)
			assert.Zero(t, st.SetEventCallCount())
		})
	}
}
