package training

import (
	"errors"
	"slices"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/access"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/arg"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// who may drive a transition.
type actor int

const (
	owner actor = iota
	consumer
	anyone
)

// transition is the shared shape of every job state change: load, check the
// actor, the status and the deadline, apply, write, emit one event.
type transition struct {
	by     actor
	from   []Status
	to     Status
	event  contract.Event
	window func(now, deadline time.Time) error
	apply  func(tx *txn.Tx, j *Job, ev *Event) error
}

func beforeDeadline(now, deadline time.Time) error {
	if !now.Before(deadline) {
		return errs.New(errs.InvalidStateTransition, "deadline %s has passed; the job can only expire", deadline.Format(time.RFC3339))
	}
	return nil
}

func afterDeadline(now, deadline time.Time) error {
	if now.Before(deadline) {
		return errs.New(errs.InvalidStateTransition, "deadline %s has not passed", deadline.Format(time.RFC3339))
	}
	return nil
}

func (tr transition) run(tx *txn.Tx, jobID string) (*Job, error) {
	j, key, err := load(tx, jobID)
	if err != nil {
		return nil, err
	}
	switch {
	case tr.by == owner && tx.MSP() != j.Owner:
		return nil, errs.New(errs.ForbiddenNotOwner, "job %q is run by %s, caller is %s", jobID, j.Owner, tx.MSP())
	case tr.by == consumer && tx.MSP() != j.Consumer:
		return nil, errs.New(errs.ForbiddenNotRequester, "job %q was requested by %s, caller is %s", jobID, j.Consumer, tx.MSP())
	case !slices.Contains(tr.from, j.Status):
		return nil, errs.New(errs.InvalidStateTransition, "job %q is %s, cannot become %s", jobID, j.Status, tr.to)
	}
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	if tr.window != nil {
		if err := tr.window(now, j.Deadline); err != nil {
			return nil, err
		}
	}
	ev := Event{}
	if tr.apply != nil {
		if err := tr.apply(tx, j, &ev); err != nil {
			return nil, err
		}
	}
	j.Status, j.UpdatedAt, j.TxID = tr.to, now, tx.TxID()
	if err := tx.Put(key, j); err != nil {
		return nil, err
	}
	ev.Job = *j
	return j, tx.Emit(tr.event, ev)
}

// AcceptTraining is the owner's commitment to run the job.
func AcceptTraining(tx *txn.Tx, jobID string) (*Job, error) {
	return transition{by: owner, from: []Status{Requested}, to: Accepted,
		event: contract.TrainingAccepted, window: beforeDeadline}.run(tx, jobID)
}

// SubmitTrainingResult closes an accepted job: the escrow pays each dataset's
// price to its owner and the rest back to the consumer, and the model is
// recorded with its lineage.
func SubmitTrainingResult(tx *txn.Tx, in ResultInput) (*Job, error) {
	if err := errors.Join(
		arg.Hex64("model hash", in.ModelHash),
		arg.Hex64("transcript root", in.TranscriptRoot),
		arg.Hex64("metrics hash", in.MetricsHash),
	); err != nil {
		return nil, err
	}
	return transition{by: owner, from: []Status{Accepted}, to: Succeeded,
		event: contract.TrainingSucceeded, window: beforeDeadline,
		apply: func(tx *txn.Tx, j *Job, ev *Event) error {
			result := in.Result
			j.Result = &result
			m, err := recordModel(tx, j)
			if err != nil {
				return err
			}
			ev.Model = m
			ev.Escrow, err = credits.Release(tx, j.JobID, payouts(j.Inputs))
			return err
		}}.run(tx, in.JobID)
}

// FailTraining is the owner reporting it could not deliver.
func FailTraining(tx *txn.Tx, jobID, reason string) (*Job, error) {
	if err := arg.Text("reason", reason, true); err != nil {
		return nil, err
	}
	return transition{by: owner, from: []Status{Requested, Accepted}, to: Failed,
		event: contract.TrainingFailed, apply: refund(reason)}.run(tx, jobID)
}

// ExpireTraining may be called by anyone once the deadline has passed, so a
// consumer's deposit is never hostage to an unresponsive owner.
func ExpireTraining(tx *txn.Tx, jobID string) (*Job, error) {
	return transition{by: anyone, from: []Status{Requested, Accepted}, to: Expired,
		event: contract.TrainingExpired, window: afterDeadline, apply: refund("")}.run(tx, jobID)
}

// CancelTraining lets the consumer withdraw before the owner accepts.
func CancelTraining(tx *txn.Tx, jobID string) (*Job, error) {
	return transition{by: consumer, from: []Status{Requested}, to: Cancelled,
		event: contract.TrainingCancelled, apply: refund("")}.run(tx, jobID)
}

// refund returns the deposit and gives each grant its job slot back: the
// owner delivered nothing, so the consumer's quota is not spent.
func refund(reason string) func(*txn.Tx, *Job, *Event) error {
	return func(tx *txn.Tx, j *Job, ev *Event) error {
		j.FailureReason = reason
		for _, in := range j.Inputs {
			if err := access.ReleaseTrainSlot(tx, in.GrantRequestID); err != nil {
				return err
			}
		}
		var err error
		ev.Escrow, err = credits.Refund(tx, j.JobID)
		return err
	}
}

// payouts sums prices per owner in input order; Release credits the
// remainder of the deposit back to the consumer.
func payouts(inputs []Input) []credits.Payout {
	var out []credits.Payout
	for _, in := range inputs {
		i := slices.IndexFunc(out, func(p credits.Payout) bool { return p.Org == in.Owner })
		if i < 0 {
			out = append(out, credits.Payout{Org: in.Owner})
			i = len(out) - 1
		}
		out[i].Amount += in.Price
	}
	return out
}

func recordModel(tx *txn.Tx, j *Job) (*Model, error) {
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	key, err := tx.Key(objModel, j.Result.ModelHash)
	if err != nil {
		return nil, err
	}
	m := &Model{
		ModelHash: j.Result.ModelHash, Holder: j.Consumer, Producer: j.Owner,
		Lineage: Lineage{
			JobID: j.JobID, Inputs: j.Inputs, Algorithm: j.Algorithm,
			HyperparametersHash: j.HyperparametersHash,
			TranscriptRoot:      j.Result.TranscriptRoot, MetricsHash: j.Result.MetricsHash,
		},
		CreatedAt: now, TxID: tx.TxID(),
	}
	return m, tx.Create(key, m)
}
