package training

import (
	"errors"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/access"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/arg"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/datasets"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// RequestTraining opens a job for the caller. It is refused unless every
// dataset has a live train grant admitting the algorithm and the deposit
// covers the prices; it then charges one job to each grant and escrows the
// deposit, all in this one transaction.
func RequestTraining(tx *txn.Tx, in RequestInput) (*Job, error) {
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	deadline, err := validate(in, now)
	if err != nil {
		return nil, err
	}
	key, err := tx.Key(objJob, in.JobID)
	if err != nil {
		return nil, err
	}
	exists, err := tx.Exists(key)
	if err != nil {
		return nil, err
	}
	if exists {
		return nil, errs.New(errs.AlreadyExists, "training job %q", in.JobID)
	}
	inputs, owner, err := resolve(tx, in.Datasets)
	if err != nil {
		return nil, err
	}
	consumer := tx.MSP()
	if owner == consumer {
		return nil, errs.New(errs.InvalidArgument, "%s owns the datasets; training on own data needs no job", owner)
	}
	var price uint64
	for i := range inputs {
		grant, err := access.ConsumeTrainGrant(tx, consumer, inputs[i].DatasetID, in.Algorithm.CodeHash)
		if err != nil {
			return nil, err
		}
		inputs[i].GrantRequestID = grant
		price += inputs[i].Price
		if price > credits.MaxAmount {
			return nil, errs.New(errs.InvalidArgument, "total price exceeds %d", uint64(credits.MaxAmount))
		}
	}
	if in.Deposit < price {
		return nil, errs.New(errs.InsufficientDeposit, "deposit %d does not cover prices %d", in.Deposit, price)
	}
	escrow, err := credits.Hold(tx, in.JobID, consumer, in.Deposit)
	if err != nil {
		return nil, err
	}
	j := &Job{
		JobID: in.JobID, Consumer: consumer, Owner: owner, Inputs: inputs,
		Algorithm: in.Algorithm, HyperparametersHash: in.HyperparametersHash,
		Deposit: in.Deposit, Price: price, Status: Requested, Deadline: deadline,
		RequestedAt: now, UpdatedAt: now, TxID: tx.TxID(),
	}
	if err := tx.Put(key, j); err != nil {
		return nil, err
	}
	return j, tx.Emit(contract.TrainingRequested, Event{Job: *j, Escrow: escrow})
}

func validate(in RequestInput, now time.Time) (time.Time, error) {
	deadline := in.Deadline.UTC()
	if in.Deadline.IsZero() {
		deadline = now.Add(DefaultTTL)
	}
	err := errors.Join(
		arg.ID("job id", in.JobID),
		arg.ID("algorithm name", in.Algorithm.Name),
		arg.Hex64("algorithm code hash", in.Algorithm.CodeHash),
		arg.Hex64("hyperparameters hash", in.HyperparametersHash),
		arg.After("deadline", deadline, now),
	)
	if err != nil {
		return time.Time{}, err
	}
	if deadline.After(now.Add(MaxTTL)) {
		return time.Time{}, errs.New(errs.InvalidArgument, "deadline is more than %s away", MaxTTL)
	}
	if n := len(in.Datasets); n == 0 || n > MaxDatasets {
		return time.Time{}, errs.New(errs.InvalidArgument, "a job needs 1 to %d datasets, got %d", MaxDatasets, n)
	}
	return deadline, nil
}

// resolve pins every referenced version and returns the single owner.
// Jobs spanning several owners are refused until settlement across owners
// and a joint acceptance protocol exist.
func resolve(tx *txn.Tx, refs []DatasetRef) ([]Input, string, error) {
	inputs := make([]Input, 0, len(refs))
	seen := map[string]bool{}
	owner := ""
	for _, ref := range refs {
		if seen[ref.DatasetID] {
			return nil, "", errs.New(errs.InvalidArgument, "dataset %q listed twice", ref.DatasetID)
		}
		seen[ref.DatasetID] = true
		d, err := datasets.Get(tx, ref.DatasetID)
		if err != nil {
			return nil, "", err
		}
		v, err := datasets.GetVersion(tx, ref.DatasetID, ref.Version)
		if err != nil {
			return nil, "", err
		}
		if owner != "" && d.Owner != owner {
			return nil, "", errs.New(errs.MultiOwnerUnsupported, "datasets are owned by %s and %s", owner, d.Owner)
		}
		owner = d.Owner
		inputs = append(inputs, Input{
			DatasetID: d.ID, Version: v.Version, MerkleRoot: v.MerkleRoot, Owner: d.Owner, Price: d.PricePerJob,
		})
	}
	return inputs, owner, nil
}
