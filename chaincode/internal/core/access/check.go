package access

import (
	"errors"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/arg"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/datasets"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// CheckAccess evaluates whether org may use dataset for purpose now. It is
// deny by default: only an unexpired, unrevoked grant for the same purpose
// (with jobs left, for training) allows.
func CheckAccess(tx *txn.Tx, org, datasetID string, purpose Purpose) (*Decision, error) {
	if err := errors.Join(arg.ID("org", org), arg.ID("dataset id", datasetID)); err != nil {
		return nil, err
	}
	if !purpose.valid() {
		return nil, errs.New(errs.InvalidArgument, "purpose %q must be train, download or evaluate", purpose)
	}
	d, err := datasets.Get(tx, datasetID)
	if err != nil {
		return nil, err
	}
	if d.Owner == org {
		return &Decision{Allowed: true, Reason: ReasonOwner}, nil
	}
	return decide(tx, org, datasetID, purpose, "")
}

// ConsumeTrainGrant charges one job to a live train grant of org on dataset
// that admits the algorithm, returning the grant's request id. Training
// calls it inside RequestTraining so the check and the charge are atomic.
func ConsumeTrainGrant(tx *txn.Tx, org, datasetID, codeHash string) (string, error) {
	dec, err := decide(tx, org, datasetID, Train, codeHash)
	if err != nil {
		return "", err
	}
	if !dec.Allowed {
		return "", errs.New(errs.NoLiveGrant, "%s has no live train grant on dataset %q: %s", org, datasetID, dec.Reason)
	}
	u, key, err := loadUsage(tx, dec.RequestID)
	if err != nil {
		return "", err
	}
	u.JobsUsed++
	return dec.RequestID, tx.Put(key, u)
}

// ReleaseTrainSlot gives a job back to the grant when the job ends without
// the owner delivering, so a failed or cancelled job does not burn quota.
func ReleaseTrainSlot(tx *txn.Tx, requestID string) error {
	u, key, err := loadUsage(tx, requestID)
	if err != nil {
		return err
	}
	if u.JobsUsed == 0 {
		return errs.New(errs.Internal, "grant %q has no job to release", requestID)
	}
	u.JobsUsed--
	return tx.Put(key, u)
}

func decide(tx *txn.Tx, org, datasetID string, purpose Purpose, codeHash string) (*Decision, error) {
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	ids, err := tx.IndexValues(objIndex, datasetID, org)
	if err != nil {
		return nil, err
	}
	dec := &Decision{Reason: ReasonNoRequest}
	var latest time.Time
	for _, id := range ids {
		r, _, err := load(tx, id)
		if err != nil {
			return nil, err
		}
		if r.Purpose != purpose {
			continue
		}
		reason, err := evaluate(tx, r, now, codeHash)
		if err != nil {
			return nil, err
		}
		if reason == ReasonGranted {
			return &Decision{
				Allowed: true, Reason: reason, RequestID: r.RequestID,
				AlgorithmCodeHash: r.AlgorithmCodeHash, ComputeOnly: r.Conditions.ComputeOnly,
			}, nil
		}
		// Report the most recently answered request: it is the one the
		// requester is most likely asking about.
		if !r.UpdatedAt.Before(latest) {
			latest = r.UpdatedAt
			dec = &Decision{Reason: reason, RequestID: r.RequestID}
		}
	}
	return dec, nil
}

func evaluate(tx *txn.Tx, r *Request, now time.Time, codeHash string) (string, error) {
	switch {
	case r.Status == Pending:
		return ReasonPending, nil
	case r.Status == Denied:
		return ReasonDenied, nil
	case r.Status == Revoked:
		return ReasonRevoked, nil
	case !now.Before(r.Conditions.ExpiresAt):
		return ReasonExpired, nil
	case r.Purpose == Download && r.Conditions.ComputeOnly:
		return ReasonComputeOnly, nil
	case codeHash != "" && r.AlgorithmCodeHash != "" && r.AlgorithmCodeHash != codeHash:
		return ReasonAlgorithmMismatch, nil
	}
	if r.Purpose == Train && r.Conditions.MaxJobs > 0 {
		u, _, err := loadUsage(tx, r.RequestID)
		if err != nil {
			return "", err
		}
		if u.JobsUsed >= r.Conditions.MaxJobs {
			return ReasonMaxJobs, nil
		}
	}
	return ReasonGranted, nil
}

func loadUsage(tx *txn.Tx, requestID string) (*Usage, string, error) {
	key, err := tx.Key(objUsage, requestID)
	if err != nil {
		return nil, "", err
	}
	u := &Usage{RequestID: requestID}
	if _, err := tx.Get(key, u); err != nil {
		return nil, "", err
	}
	return u, key, nil
}

// GetRequest returns one request or NOT_FOUND.
func GetRequest(tx *txn.Tx, requestID string) (*Request, error) {
	r, _, err := load(tx, requestID)
	return r, err
}

// ListRequests returns every request on a dataset, for the owner's inbox.
func ListRequests(tx *txn.Tx, datasetID string) ([]Request, error) {
	ids, err := tx.IndexValues(objIndex, datasetID)
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(ids))
	for _, id := range ids {
		r, _, err := load(tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// RequestHistory returns every committed state of a request.
func RequestHistory(tx *txn.Tx, requestID string) ([]txn.Entry[Request], error) {
	key, err := tx.Key(objRequest, requestID)
	if err != nil {
		return nil, err
	}
	return txn.History[Request](tx, key)
}
