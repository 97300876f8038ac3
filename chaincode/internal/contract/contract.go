// Package contract defines, once, the names the chaincode shares with its
// clients: event names, transaction function names, the state schema
// version and the known upgrades. cmd/exportcontract publishes them as JSON
// for the Python services.
package contract

// SchemaVersion is the record schema a chain starts with; every state
// record carries the schema it was written with. A new record shape comes
// with an upgrade (Upgrades) that raises the active schema from its height
// on, so that every validator switches at the same block and replaying the
// chain from genesis gives the same state.
const SchemaVersion = 2

// Upgrade is a named upgrade this code base can apply when the ledger
// reaches the height a ScheduleUpgrade transaction set for it.
type Upgrade struct {
	Name          string `json:"name"`
	SchemaVersion int    `json:"schema_version"`
	Description   string `json:"description"`
}

// Upgrades lists every upgrade in the order they were introduced.
func Upgrades() []Upgrade {
	return []Upgrade{
		{"v3", 3, "schema 3: the credit supply record counts mints (mint_count); the migration counts existing mint records"},
	}
}

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

// Function is one transaction function, addressed by its name alone.
type Function struct {
	Contract string `json:"contract"`
	Name     string `json:"name"`
	Kind     Kind   `json:"kind"`
}

// Contract names, one per aggregate.
const (
	Datasets   = "datasets"
	Access     = "access"
	Credits    = "credits"
	Training   = "training"
	Anchors    = "anchors"
	Governance = "governance"
)

// Function names.
const (
	FnRegisterDataset         = "RegisterDataset"
	FnRegisterDatasetVersion  = "RegisterDatasetVersion"
	FnGetDataset              = "GetDataset"
	FnGetDatasetVersion       = "GetDatasetVersion"
	FnListDatasets            = "ListDatasets"
	FnListDatasetVersions     = "ListDatasetVersions"
	FnGetDatasetHistory       = "GetDatasetHistory"
	FnRequestAccess           = "RequestAccess"
	FnGrantAccess             = "GrantAccess"
	FnDenyAccess              = "DenyAccess"
	FnRevokeAccess            = "RevokeAccess"
	FnGetAccessRequest        = "GetAccessRequest"
	FnListAccessRequests      = "ListAccessRequests"
	FnGetAccessRequestHistory = "GetAccessRequestHistory"
	FnCheckAccess             = "CheckAccess"
	FnMint                    = "Mint"
	FnTransfer                = "Transfer"
	FnGetBalance              = "GetBalance"
	FnGetEscrow               = "GetEscrow"
	FnGetSupply               = "GetSupply"
	FnRequestTraining         = "RequestTraining"
	FnAcceptTraining          = "AcceptTraining"
	FnSubmitTrainingResult    = "SubmitTrainingResult"
	FnFailTraining            = "FailTraining"
	FnExpireTraining          = "ExpireTraining"
	FnCancelTraining          = "CancelTraining"
	FnGetTrainingJob          = "GetTrainingJob"
	FnGetTrainingJobHistory   = "GetTrainingJobHistory"
	FnGetModel                = "GetModel"
	FnAnchorAuditRoot         = "AnchorAuditRoot"
	FnGetLatestAnchor         = "GetLatestAnchor"
	FnGetAnchor               = "GetAnchor"
	FnScheduleUpgrade         = "ScheduleUpgrade"
	FnGetUpgrade              = "GetUpgrade"
	FnProbe                   = "Probe"
)

// Functions lists every transaction function the application exposes.
func Functions() []Function {
	return []Function{
		{Datasets, FnRegisterDataset, Submit},
		{Datasets, FnRegisterDatasetVersion, Submit},
		{Datasets, FnGetDataset, Evaluate},
		{Datasets, FnGetDatasetVersion, Evaluate},
		{Datasets, FnListDatasets, Evaluate},
		{Datasets, FnListDatasetVersions, Evaluate},
		{Datasets, FnGetDatasetHistory, Evaluate},
		{Access, FnRequestAccess, Submit},
		{Access, FnGrantAccess, Submit},
		{Access, FnDenyAccess, Submit},
		{Access, FnRevokeAccess, Submit},
		{Access, FnGetAccessRequest, Evaluate},
		{Access, FnListAccessRequests, Evaluate},
		{Access, FnGetAccessRequestHistory, Evaluate},
		{Access, FnCheckAccess, Evaluate},
		{Credits, FnMint, Submit},
		{Credits, FnTransfer, Submit},
		{Credits, FnGetBalance, Evaluate},
		{Credits, FnGetEscrow, Evaluate},
		{Credits, FnGetSupply, Evaluate},
		{Training, FnRequestTraining, Submit},
		{Training, FnAcceptTraining, Submit},
		{Training, FnSubmitTrainingResult, Submit},
		{Training, FnFailTraining, Submit},
		{Training, FnExpireTraining, Submit},
		{Training, FnCancelTraining, Submit},
		{Training, FnGetTrainingJob, Evaluate},
		{Training, FnGetTrainingJobHistory, Evaluate},
		{Training, FnGetModel, Evaluate},
		{Anchors, FnAnchorAuditRoot, Submit},
		{Anchors, FnGetLatestAnchor, Evaluate},
		{Anchors, FnGetAnchor, Evaluate},
		{Governance, FnScheduleUpgrade, Submit},
		{Governance, FnGetUpgrade, Evaluate},
		{Governance, FnProbe, Submit},
	}
}
