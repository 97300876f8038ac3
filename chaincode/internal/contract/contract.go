// Package contract defines, once, the names the chaincode shares with its
// clients: event names, transaction function names and the state schema
// version. cmd/exportcontract publishes them as JSON for the Python services.
package contract

// SchemaVersion is written into every state record. Bump it together with a
// migration in the owning aggregate when a record's shape changes, so that
// a chaincode upgrade (sequence + 1) can read records written before it.
const SchemaVersion = 2

// Event is a chaincode event name; exactly one is set per transaction.
type Event string

const (
	DatasetRegistered        Event = "DatasetRegistered"
	DatasetVersionRegistered Event = "DatasetVersionRegistered"
	AccessRequested          Event = "AccessRequested"
	AccessGranted            Event = "AccessGranted"
	AccessDenied             Event = "AccessDenied"
	AccessRevoked            Event = "AccessRevoked"
	CreditsMinted            Event = "CreditsMinted"
	CreditsTransferred       Event = "CreditsTransferred"
	TrainingRequested        Event = "TrainingRequested"
	TrainingAccepted         Event = "TrainingAccepted"
	TrainingSucceeded        Event = "TrainingSucceeded"
	TrainingFailed           Event = "TrainingFailed"
	TrainingExpired          Event = "TrainingExpired"
	TrainingCancelled        Event = "TrainingCancelled"
	AuditRootAnchored        Event = "AuditRootAnchored"
)

// Events lists every event in a stable order.
func Events() []Event {
	return []Event{
		DatasetRegistered, DatasetVersionRegistered,
		AccessRequested, AccessGranted, AccessDenied, AccessRevoked,
		CreditsMinted, CreditsTransferred,
		TrainingRequested, TrainingAccepted, TrainingSucceeded,
		TrainingFailed, TrainingExpired, TrainingCancelled,
		AuditRootAnchored,
	}
}

// Kind tells a client whether to submit (order + commit) or only evaluate.
type Kind string

const (
	Submit   Kind = "submit"
	Evaluate Kind = "evaluate"
)

// Function is one transaction function as addressed on the channel
// ("<contract>:<name>" in fabric-contract-api-go).
type Function struct {
	Contract string `json:"contract"`
	Name     string `json:"name"`
	Kind     Kind   `json:"kind"`
}

// Contract names, one per aggregate.
const (
	Datasets = "datasets"
	Access   = "access"
	Credits  = "credits"
	Training = "training"
	Anchors  = "anchors"
)

// Functions lists every transaction function the contract layer exposes.
func Functions() []Function {
	return []Function{
		{Datasets, "RegisterDataset", Submit},
		{Datasets, "RegisterDatasetVersion", Submit},
		{Datasets, "GetDataset", Evaluate},
		{Datasets, "GetDatasetVersion", Evaluate},
		{Datasets, "ListDatasets", Evaluate},
		{Datasets, "ListDatasetVersions", Evaluate},
		{Datasets, "GetDatasetHistory", Evaluate},
		{Access, "RequestAccess", Submit},
		{Access, "GrantAccess", Submit},
		{Access, "DenyAccess", Submit},
		{Access, "RevokeAccess", Submit},
		{Access, "GetAccessRequest", Evaluate},
		{Access, "ListAccessRequests", Evaluate},
		{Access, "GetAccessRequestHistory", Evaluate},
		{Access, "CheckAccess", Evaluate},
		{Credits, "Mint", Submit},
		{Credits, "Transfer", Submit},
		{Credits, "GetBalance", Evaluate},
		{Credits, "GetEscrow", Evaluate},
		{Credits, "GetSupply", Evaluate},
		{Training, "RequestTraining", Submit},
		{Training, "AcceptTraining", Submit},
		{Training, "SubmitTrainingResult", Submit},
		{Training, "FailTraining", Submit},
		{Training, "ExpireTraining", Submit},
		{Training, "CancelTraining", Submit},
		{Training, "GetTrainingJob", Evaluate},
		{Training, "GetTrainingJobHistory", Evaluate},
		{Training, "GetModel", Evaluate},
		{Anchors, "AnchorAuditRoot", Submit},
		{Anchors, "GetLatestAnchor", Evaluate},
		{Anchors, "GetAnchor", Evaluate},
	}
}
