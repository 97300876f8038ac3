// Package access is the access-request aggregate: a consumer organisation
// asks, the dataset owner grants (with conditions), denies or revokes, and
// CheckAccess evaluates the result deny-by-default.
package access

import (
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
)

const (
	objRequest = "lml.access.request"
	// objIndex maps (dataset, requester) to request ids so CheckAccess scans
	// only the caller's requests for one dataset.
	objIndex = "lml.access.by-dataset"
	// objUsage counts jobs started under a grant. It is separate from the
	// request because the request key is owned by the dataset owner (only
	// its transactions may write it), while jobs are started by the
	// consumer's transactions.
	objUsage = "lml.access.usage"
)

// Purpose is what the consumer will do with the data.
type Purpose string

const (
	Train    Purpose = "train"
	Download Purpose = "download"
	Evaluate Purpose = "evaluate"
)

func (p Purpose) valid() bool { return p == Train || p == Download || p == Evaluate }

// Status of a request; only PENDING may be answered, only GRANTED revoked.
type Status string

const (
	Pending Status = "PENDING"
	Granted Status = "GRANTED"
	Denied  Status = "DENIED"
	Revoked Status = "REVOKED"
)

// Conditions are set by the owner when granting.
type Conditions struct {
	ExpiresAt time.Time `json:"expires_at"`
	// MaxJobs bounds training jobs under this grant; 0 means unlimited.
	MaxJobs     uint32 `json:"max_jobs"`
	ComputeOnly bool   `json:"compute_only"`
}

// Request is one access request and its answer; its history is the audit
// trail of who asked, who answered and when.
type Request struct {
	txn.Schema
	RequestID         string      `json:"request_id"`
	DatasetID         string      `json:"dataset_id"`
	Owner             string      `json:"owner"`
	Requester         string      `json:"requester"`
	Purpose           Purpose     `json:"purpose"`
	AlgorithmCodeHash string      `json:"algorithm_code_hash"`
	RequestedExpiry   time.Time   `json:"requested_expiry"`
	Status            Status      `json:"status"`
	Conditions        *Conditions `json:"conditions"`
	Reason            string      `json:"reason"`
	CreatedAt         time.Time   `json:"created_at"`
	UpdatedAt         time.Time   `json:"updated_at"`
	TxID              string      `json:"tx_id"`
}

// Usage counts training jobs currently charged to a grant.
type Usage struct {
	txn.Schema
	RequestID string `json:"request_id"`
	JobsUsed  uint32 `json:"jobs_used"`
}

// RequestInput is the RequestAccess argument.
type RequestInput struct {
	RequestID         string    `json:"request_id"`
	DatasetID         string    `json:"dataset_id"`
	Purpose           Purpose   `json:"purpose"`
	AlgorithmCodeHash string    `json:"algorithm_code_hash"`
	RequestedExpiry   time.Time `json:"requested_expiry"`
}

// Decision is CheckAccess's answer. Reason is a stable token for clients.
type Decision struct {
	Allowed           bool   `json:"allowed"`
	Reason            string `json:"reason"`
	RequestID         string `json:"request_id"`
	AlgorithmCodeHash string `json:"algorithm_code_hash"`
	ComputeOnly       bool   `json:"compute_only"`
}

// Decision reasons.
const (
	ReasonOwner             = "OWNER"
	ReasonGranted           = "GRANTED"
	ReasonNoRequest         = "NO_REQUEST"
	ReasonPending           = "PENDING"
	ReasonDenied            = "DENIED"
	ReasonRevoked           = "REVOKED"
	ReasonExpired           = "EXPIRED"
	ReasonMaxJobs           = "MAX_JOBS_EXHAUSTED"
	ReasonComputeOnly       = "COMPUTE_ONLY"
	ReasonAlgorithmMismatch = "ALGORITHM_MISMATCH"
)
