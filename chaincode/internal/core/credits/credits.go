package credits

import (
	"errors"
	"math"
	"sort"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/arg"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
)

// MaxAmount bounds every amount and balance so signed arithmetic on
// balance deltas cannot overflow.
const MaxAmount = math.MaxInt64

// Mint creates credits for an organisation. The core requires an admin
// caller; the consortium-wide rule (admins of a majority of member
// organisations sign the transaction) is the application's, checked before
// the core runs (internal/policy).
func Mint(tx *txn.Tx, to string, amount uint64) (*MintRecord, error) {
	if tx.Caller.Role() != ledger.RoleAdmin {
		return nil, errs.New(errs.ForbiddenNotAdmin, "minting requires an admin, caller is %s %s", tx.MSP(), tx.Caller.Role())
	}
	if err := errors.Join(arg.ID("org", to), arg.Positive("amount", amount)); err != nil {
		return nil, err
	}
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	if err := move(tx, now, nil, []Payout{{Org: to, Amount: amount}}); err != nil {
		return nil, err
	}
	if err := addSupply(tx, now, amount); err != nil {
		return nil, err
	}
	m := &MintRecord{TxID: tx.TxID(), To: to, Amount: amount, MintedBy: tx.MSP(), MintedAt: now}
	key, err := tx.Key(objMint, m.TxID)
	if err != nil {
		return nil, err
	}
	if err := tx.Create(key, m); err != nil {
		return nil, err
	}
	return m, tx.Emit(contract.CreditsMinted, m)
}

// Transfer moves credits from the caller's organisation to another.
func Transfer(tx *txn.Tx, to string, amount uint64) (*Transferred, error) {
	if err := errors.Join(arg.ID("org", to), arg.Positive("amount", amount)); err != nil {
		return nil, err
	}
	if to == tx.MSP() {
		return nil, errs.New(errs.InvalidArgument, "cannot transfer to oneself")
	}
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	from := &Payout{Org: tx.MSP(), Amount: amount}
	if err := move(tx, now, from, []Payout{{Org: to, Amount: amount}}); err != nil {
		return nil, err
	}
	t := &Transferred{TxID: tx.TxID(), From: from.Org, To: to, Amount: amount, At: now}
	return t, tx.Emit(contract.CreditsTransferred, t)
}

func addSupply(tx *txn.Tx, now time.Time, amount uint64) error {
	key, err := tx.Key(objSupply)
	if err != nil {
		return err
	}
	s := &Supply{}
	if _, err := tx.Get(key, s); err != nil {
		return err
	}
	if s.TotalMinted > MaxAmount-amount {
		return errs.New(errs.InvalidArgument, "minting %d would overflow the total supply", amount)
	}
	s.TotalMinted += amount
	if tx.Schema >= SchemaMintCount {
		s.MintCount++
	}
	s.UpdatedAt, s.TxID = now, tx.TxID()
	return tx.Put(key, s)
}

// SchemaMintCount is the schema from which the supply counts mints.
const SchemaMintCount = 3

// MigrateMintCount is upgrade v3's migration: it reads the schema-2 supply
// record, counts the mint records written so far and rewrites the supply
// with its count in the schema the upgrade activates (tx.Schema).
func MigrateMintCount(tx *txn.Tx) error {
	key, err := tx.Key(objSupply)
	if err != nil {
		return err
	}
	s := &Supply{}
	found, err := tx.Get(key, s)
	if err != nil || !found {
		return err
	}
	mints, err := tx.IndexValues(objMint)
	if err != nil {
		return err
	}
	s.MintCount = uint64(len(mints))
	return tx.Put(key, s)
}

// GetSupply returns the total minted so far.
func GetSupply(tx *txn.Tx) (*Supply, error) {
	key, err := tx.Key(objSupply)
	if err != nil {
		return nil, err
	}
	s := &Supply{}
	_, err = tx.Get(key, s)
	return s, err
}

// Balance returns an organisation's account; unknown organisations hold 0.
func Balance(tx *txn.Tx, org string) (*Account, error) {
	a, _, err := account(tx, org)
	return a, err
}

func account(tx *txn.Tx, org string) (*Account, string, error) {
	key, err := tx.Key(objAccount, org)
	if err != nil {
		return nil, "", err
	}
	a := &Account{Org: org}
	if _, err := tx.Get(key, a); err != nil {
		return nil, "", err
	}
	return a, key, nil
}

// move debits from (if any) and credits every payout, writing each account
// once: ledger reads do not see the transaction's own writes, so touching a
// key twice would silently lose the first update.
func move(tx *txn.Tx, now time.Time, from *Payout, to []Payout) error {
	delta := map[string]int64{}
	if from != nil {
		if from.Amount > MaxAmount {
			return errs.New(errs.InvalidArgument, "amount %d exceeds %d", from.Amount, MaxAmount)
		}
		delta[from.Org] -= int64(from.Amount)
	}
	for _, p := range to {
		if p.Amount > MaxAmount || delta[p.Org] > int64(MaxAmount-p.Amount) {
			return errs.New(errs.InvalidArgument, "amount %d to %s exceeds %d", p.Amount, p.Org, MaxAmount)
		}
		delta[p.Org] += int64(p.Amount)
	}
	orgs := make([]string, 0, len(delta))
	for org := range delta {
		orgs = append(orgs, org)
	}
	sort.Strings(orgs)
	for _, org := range orgs {
		if err := apply(tx, now, org, delta[org]); err != nil {
			return err
		}
	}
	return nil
}

func apply(tx *txn.Tx, now time.Time, org string, delta int64) error {
	a, key, err := account(tx, org)
	if err != nil {
		return err
	}
	switch {
	case delta < 0 && a.Balance < uint64(-delta):
		return errs.New(errs.InsufficientBalance, "%s holds %d credits, needs %d", org, a.Balance, -delta)
	case delta < 0:
		a.Balance -= uint64(-delta)
	case a.Balance > MaxAmount-uint64(delta):
		return errs.New(errs.InvalidArgument, "crediting %d would overflow %s's balance", delta, org)
	default:
		a.Balance += uint64(delta)
	}
	a.UpdatedAt, a.TxID = now, tx.TxID()
	return tx.Put(key, a)
}
