package access

import (
	"errors"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/arg"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/datasets"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// RequestAccess records a pending request from the caller's organisation.
// The request key is owned by the dataset owner from creation (key-level
// endorsement), since every later write to it is the owner's answer.
func RequestAccess(tx *txn.Tx, in RequestInput) (*Request, error) {
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	if err := errors.Join(
		arg.ID("request id", in.RequestID),
		arg.ID("dataset id", in.DatasetID),
		arg.OptionalHex64("algorithm code hash", in.AlgorithmCodeHash),
		arg.After("requested expiry", in.RequestedExpiry, now),
	); err != nil {
		return nil, err
	}
	if !in.Purpose.valid() {
		return nil, errs.New(errs.InvalidArgument, "purpose %q must be train, download or evaluate", in.Purpose)
	}
	d, err := datasets.Get(tx, in.DatasetID)
	if err != nil {
		return nil, err
	}
	if d.Owner == tx.MSP() {
		return nil, errs.New(errs.InvalidArgument, "%s owns dataset %q and needs no grant", d.Owner, d.ID)
	}
	r := &Request{
		RequestID: in.RequestID, DatasetID: d.ID, Owner: d.Owner, Requester: tx.MSP(),
		Purpose: in.Purpose, AlgorithmCodeHash: in.AlgorithmCodeHash,
		RequestedExpiry: in.RequestedExpiry.UTC(), Status: Pending,
		CreatedAt: now, UpdatedAt: now, TxID: tx.TxID(),
	}
	key, err := tx.Key(objRequest, r.RequestID)
	if err != nil {
		return nil, err
	}
	if err := tx.Create(key, r, d.Owner); err != nil {
		return nil, err
	}
	idx, err := tx.Key(objIndex, r.DatasetID, r.Requester, r.RequestID)
	if err != nil {
		return nil, err
	}
	if err := tx.PutRaw(idx, []byte(r.RequestID)); err != nil {
		return nil, err
	}
	return r, tx.Emit(contract.AccessRequested, r)
}

// GrantAccess answers a pending request. A zero expiry means the one the
// requester asked for.
func GrantAccess(tx *txn.Tx, requestID string, c Conditions) (*Request, error) {
	return answer(tx, requestID, Pending, func(r *Request, now time.Time) error {
		if c.ExpiresAt.IsZero() {
			c.ExpiresAt = r.RequestedExpiry
		}
		c.ExpiresAt = c.ExpiresAt.UTC()
		if err := arg.After("expiry", c.ExpiresAt, now); err != nil {
			return err
		}
		if c.ComputeOnly && r.Purpose == Download {
			return errs.New(errs.InvalidArgument, "a compute-only grant cannot serve a download request")
		}
		r.Status, r.Conditions = Granted, &c
		return nil
	}, contract.AccessGranted)
}

// DenyAccess refuses a pending request with a reason shown to the requester.
func DenyAccess(tx *txn.Tx, requestID, reason string) (*Request, error) {
	return answer(tx, requestID, Pending, withReason(Denied, reason), contract.AccessDenied)
}

// RevokeAccess ends a grant; jobs already requested keep their escrow, new
// ones are refused.
func RevokeAccess(tx *txn.Tx, requestID, reason string) (*Request, error) {
	return answer(tx, requestID, Granted, withReason(Revoked, reason), contract.AccessRevoked)
}

func withReason(to Status, reason string) func(*Request, time.Time) error {
	return func(r *Request, _ time.Time) error {
		if err := arg.Text("reason", reason, true); err != nil {
			return err
		}
		r.Status, r.Reason = to, reason
		return nil
	}
}

// answer is the shared owner-only transition: load, check owner and status,
// apply, write, emit.
func answer(tx *txn.Tx, requestID string, from Status, apply func(*Request, time.Time) error, ev contract.Event) (*Request, error) {
	r, key, err := load(tx, requestID)
	if err != nil {
		return nil, err
	}
	if r.Owner != tx.MSP() {
		return nil, errs.New(errs.ForbiddenNotOwner, "request %q is answered by %s, caller is %s", requestID, r.Owner, tx.MSP())
	}
	if r.Status != from {
		return nil, errs.New(errs.InvalidStateTransition, "request %q is %s, expected %s", requestID, r.Status, from)
	}
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	if err := apply(r, now); err != nil {
		return nil, err
	}
	r.UpdatedAt, r.TxID = now, tx.TxID()
	if err := tx.Put(key, r); err != nil {
		return nil, err
	}
	return r, tx.Emit(ev, r)
}

func load(tx *txn.Tx, requestID string) (*Request, string, error) {
	key, err := tx.Key(objRequest, requestID)
	if err != nil {
		return nil, "", err
	}
	var r Request
	found, err := tx.Get(key, &r)
	if err != nil {
		return nil, "", err
	}
	if !found {
		return nil, "", errs.New(errs.NotFound, "access request %q", requestID)
	}
	return &r, key, nil
}
