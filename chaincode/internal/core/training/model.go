// Package training is the training-job aggregate: a consumer pays into
// escrow to have a model trained on datasets it holds train grants for, the
// data owner runs the job and submits the result, and the ledger records the
// model with its lineage.
package training

import (
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
)

const (
	objJob   = "lml.training.job"
	objModel = "lml.training.model"

	// DefaultTTL applies when the consumer names no deadline; MaxTTL bounds
	// how long a deposit can be locked by an owner who never answers.
	DefaultTTL = 72 * time.Hour
	MaxTTL     = 30 * 24 * time.Hour
	// MaxDatasets bounds the work one transaction does scanning grants.
	MaxDatasets = 16
)

// Status of a job. REQUESTED and ACCEPTED are open; the rest are final.
type Status string

const (
	Requested Status = "REQUESTED"
	Accepted  Status = "ACCEPTED"
	Succeeded Status = "SUCCEEDED"
	Failed    Status = "FAILED"
	Expired   Status = "EXPIRED"
	Cancelled Status = "CANCELLED"
)

// DatasetRef names one dataset version to train on.
type DatasetRef struct {
	DatasetID string `json:"dataset_id"`
	Version   string `json:"version"`
}

// Input is a DatasetRef resolved at request time; pinning the root and
// price here keeps lineage and settlement independent of later changes.
type Input struct {
	DatasetID      string `json:"dataset_id"`
	Version        string `json:"version"`
	MerkleRoot     string `json:"merkle_root"`
	Owner          string `json:"owner"`
	Price          uint64 `json:"price"`
	GrantRequestID string `json:"grant_request_id"`
}

// Algorithm identifies catalogue code by name and content hash.
type Algorithm struct {
	Name     string `json:"name"`
	CodeHash string `json:"code_hash"`
}

// Result is what the owner submits when the job succeeds.
type Result struct {
	ModelHash      string `json:"model_hash"`
	TranscriptRoot string `json:"transcript_root"`
	MetricsHash    string `json:"metrics_hash"`
}

// Job is one training job.
type Job struct {
	txn.Schema
	JobID               string    `json:"job_id"`
	Consumer            string    `json:"consumer"`
	Owner               string    `json:"owner"`
	Inputs              []Input   `json:"inputs"`
	Algorithm           Algorithm `json:"algorithm"`
	HyperparametersHash string    `json:"hyperparameters_hash"`
	Deposit             uint64    `json:"deposit"`
	Price               uint64    `json:"price"`
	Status              Status    `json:"status"`
	Deadline            time.Time `json:"deadline"`
	Result              *Result   `json:"result"`
	FailureReason       string    `json:"failure_reason"`
	RequestedAt         time.Time `json:"requested_at"`
	UpdatedAt           time.Time `json:"updated_at"`
	TxID                string    `json:"tx_id"`
}

// Lineage is everything needed to reproduce or audit a model.
type Lineage struct {
	JobID               string    `json:"job_id"`
	Inputs              []Input   `json:"inputs"`
	Algorithm           Algorithm `json:"algorithm"`
	HyperparametersHash string    `json:"hyperparameters_hash"`
	TranscriptRoot      string    `json:"transcript_root"`
	MetricsHash         string    `json:"metrics_hash"`
}

// Model is a trained model's record, keyed by its weights' hash. The
// consumer holds it; the producer is the organisation that trained it.
type Model struct {
	txn.Schema
	ModelHash string    `json:"model_hash"`
	Holder    string    `json:"holder"`
	Producer  string    `json:"producer"`
	Lineage   Lineage   `json:"lineage"`
	CreatedAt time.Time `json:"created_at"`
	TxID      string    `json:"tx_id"`
}

// Event is the payload of every Training* event: the job after the
// transaction, plus the escrow when it moved and the model on success.
type Event struct {
	Job    Job             `json:"job"`
	Escrow *credits.Escrow `json:"escrow"`
	Model  *Model          `json:"model"`
}

// RequestInput is the RequestTraining argument. A zero Deadline means
// DefaultTTL from the transaction time.
type RequestInput struct {
	JobID               string       `json:"job_id"`
	Datasets            []DatasetRef `json:"datasets"`
	Algorithm           Algorithm    `json:"algorithm"`
	HyperparametersHash string       `json:"hyperparameters_hash"`
	Deposit             uint64       `json:"deposit"`
	Deadline            time.Time    `json:"deadline"`
}

// ResultInput is the SubmitTrainingResult argument.
type ResultInput struct {
	JobID string `json:"job_id"`
	Result
}
