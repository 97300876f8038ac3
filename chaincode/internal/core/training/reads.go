package training

import (
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// GetJob returns a job or NOT_FOUND.
func GetJob(tx *txn.Tx, jobID string) (*Job, error) {
	j, _, err := load(tx, jobID)
	return j, err
}

// JobHistory returns every committed state of a job.
func JobHistory(tx *txn.Tx, jobID string) ([]txn.Entry[Job], error) {
	key, err := tx.Key(objJob, jobID)
	if err != nil {
		return nil, err
	}
	return txn.History[Job](tx, key)
}

// GetModel returns a model by weights hash or NOT_FOUND.
func GetModel(tx *txn.Tx, modelHash string) (*Model, error) {
	key, err := tx.Key(objModel, modelHash)
	if err != nil {
		return nil, err
	}
	var m Model
	found, err := tx.Get(key, &m)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errs.New(errs.NotFound, "model %q", modelHash)
	}
	return &m, nil
}

func load(tx *txn.Tx, jobID string) (*Job, string, error) {
	key, err := tx.Key(objJob, jobID)
	if err != nil {
		return nil, "", err
	}
	var j Job
	found, err := tx.Get(key, &j)
	if err != nil {
		return nil, "", err
	}
	if !found {
		return nil, "", errs.New(errs.NotFound, "training job %q", jobID)
	}
	return &j, key, nil
}
