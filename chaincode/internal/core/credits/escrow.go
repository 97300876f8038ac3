package credits

import (
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// Escrow operations run inside training transactions, which emit the one
// event; they therefore emit none themselves.

// Hold debits payer and holds amount for jobID.
func Hold(tx *txn.Tx, jobID, payer string, amount uint64) (*Escrow, error) {
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	if err := move(tx, now, &Payout{Org: payer, Amount: amount}, nil); err != nil {
		return nil, err
	}
	key, err := tx.Key(objEscrow, jobID)
	if err != nil {
		return nil, err
	}
	e := &Escrow{
		JobID: jobID, Payer: payer, Amount: amount, Status: Held, Payouts: []Payout{},
		CreatedAt: now, UpdatedAt: now, TxID: tx.TxID(),
	}
	return e, tx.Create(key, e)
}

// Release pays each payout from the escrow and returns the remainder to the
// payer.
func Release(tx *txn.Tx, jobID string, payouts []Payout) (*Escrow, error) {
	return settle(tx, jobID, Released, payouts)
}

// Refund returns the whole escrow to the payer.
func Refund(tx *txn.Tx, jobID string) (*Escrow, error) {
	return settle(tx, jobID, Refunded, nil)
}

func settle(tx *txn.Tx, jobID string, to EscrowStatus, payouts []Payout) (*Escrow, error) {
	e, key, err := load(tx, jobID)
	if err != nil {
		return nil, err
	}
	if e.Status != Held {
		return nil, errs.New(errs.InvalidStateTransition, "escrow of job %q is %s", jobID, e.Status)
	}
	var paid uint64
	for _, p := range payouts {
		paid += p.Amount
	}
	if paid > e.Amount {
		return nil, errs.New(errs.Internal, "payouts %d exceed escrow %d of job %q", paid, e.Amount, jobID)
	}
	all := append([]Payout{}, payouts...)
	if rest := e.Amount - paid; rest > 0 {
		all = append(all, Payout{Org: e.Payer, Amount: rest})
	}
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	if err := move(tx, now, nil, all); err != nil {
		return nil, err
	}
	e.Status, e.Payouts, e.UpdatedAt, e.TxID = to, all, now, tx.TxID()
	return e, tx.Put(key, e)
}

// GetEscrow returns a job's escrow or NOT_FOUND.
func GetEscrow(tx *txn.Tx, jobID string) (*Escrow, error) {
	e, _, err := load(tx, jobID)
	return e, err
}

func load(tx *txn.Tx, jobID string) (*Escrow, string, error) {
	key, err := tx.Key(objEscrow, jobID)
	if err != nil {
		return nil, "", err
	}
	var e Escrow
	found, err := tx.Get(key, &e)
	if err != nil {
		return nil, "", err
	}
	if !found {
		return nil, "", errs.New(errs.NotFound, "escrow of job %q", jobID)
	}
	return &e, key, nil
}
