"""Names the chaincode shares with Python: functions, events, error codes, record schema version.

Generated from chaincode/contract.json by `python -m ledgerml.shared.ledger.gen`; do not edit by hand.
"""
# ruff: noqa: E501

from __future__ import annotations

from enum import Enum, StrEnum

SCHEMA_VERSION = 2


class Fn(StrEnum):
    """Every chaincode function, by its transaction name."""

    REGISTER_DATASET = "RegisterDataset"
    REGISTER_DATASET_VERSION = "RegisterDatasetVersion"
    GET_DATASET = "GetDataset"
    GET_DATASET_VERSION = "GetDatasetVersion"
    LIST_DATASETS = "ListDatasets"
    LIST_DATASET_VERSIONS = "ListDatasetVersions"
    GET_DATASET_HISTORY = "GetDatasetHistory"
    REQUEST_ACCESS = "RequestAccess"
    GRANT_ACCESS = "GrantAccess"
    DENY_ACCESS = "DenyAccess"
    REVOKE_ACCESS = "RevokeAccess"
    GET_ACCESS_REQUEST = "GetAccessRequest"
    LIST_ACCESS_REQUESTS = "ListAccessRequests"
    GET_ACCESS_REQUEST_HISTORY = "GetAccessRequestHistory"
    CHECK_ACCESS = "CheckAccess"
    MINT = "Mint"
    TRANSFER = "Transfer"
    GET_BALANCE = "GetBalance"
    GET_ESCROW = "GetEscrow"
    GET_SUPPLY = "GetSupply"
    REQUEST_TRAINING = "RequestTraining"
    ACCEPT_TRAINING = "AcceptTraining"
    SUBMIT_TRAINING_RESULT = "SubmitTrainingResult"
    FAIL_TRAINING = "FailTraining"
    EXPIRE_TRAINING = "ExpireTraining"
    CANCEL_TRAINING = "CancelTraining"
    GET_TRAINING_JOB = "GetTrainingJob"
    GET_TRAINING_JOB_HISTORY = "GetTrainingJobHistory"
    GET_MODEL = "GetModel"
    ANCHOR_AUDIT_ROOT = "AnchorAuditRoot"
    GET_LATEST_ANCHOR = "GetLatestAnchor"
    GET_ANCHOR = "GetAnchor"
    SCHEDULE_UPGRADE = "ScheduleUpgrade"
    GET_UPGRADE = "GetUpgrade"
    PROBE = "Probe"


SUBMIT_FUNCTIONS: frozenset[Fn] = frozenset({
    Fn.REGISTER_DATASET,
    Fn.REGISTER_DATASET_VERSION,
    Fn.REQUEST_ACCESS,
    Fn.GRANT_ACCESS,
    Fn.DENY_ACCESS,
    Fn.REVOKE_ACCESS,
    Fn.MINT,
    Fn.TRANSFER,
    Fn.REQUEST_TRAINING,
    Fn.ACCEPT_TRAINING,
    Fn.SUBMIT_TRAINING_RESULT,
    Fn.FAIL_TRAINING,
    Fn.EXPIRE_TRAINING,
    Fn.CANCEL_TRAINING,
    Fn.ANCHOR_AUDIT_ROOT,
    Fn.SCHEDULE_UPGRADE,
    Fn.PROBE,
})


EVALUATE_FUNCTIONS: frozenset[Fn] = frozenset({
    Fn.GET_DATASET,
    Fn.GET_DATASET_VERSION,
    Fn.LIST_DATASETS,
    Fn.LIST_DATASET_VERSIONS,
    Fn.GET_DATASET_HISTORY,
    Fn.GET_ACCESS_REQUEST,
    Fn.LIST_ACCESS_REQUESTS,
    Fn.GET_ACCESS_REQUEST_HISTORY,
    Fn.CHECK_ACCESS,
    Fn.GET_BALANCE,
    Fn.GET_ESCROW,
    Fn.GET_SUPPLY,
    Fn.GET_TRAINING_JOB,
    Fn.GET_TRAINING_JOB_HISTORY,
    Fn.GET_MODEL,
    Fn.GET_LATEST_ANCHOR,
    Fn.GET_ANCHOR,
    Fn.GET_UPGRADE,
})


class Event(StrEnum):
    """Every event name a transaction may carry."""

    DATASET_REGISTERED = "DatasetRegistered"
    DATASET_VERSION_REGISTERED = "DatasetVersionRegistered"
    ACCESS_REQUESTED = "AccessRequested"
    ACCESS_GRANTED = "AccessGranted"
    ACCESS_DENIED = "AccessDenied"
    ACCESS_REVOKED = "AccessRevoked"
    CREDITS_MINTED = "CreditsMinted"
    CREDITS_TRANSFERRED = "CreditsTransferred"
    TRAINING_REQUESTED = "TrainingRequested"
    TRAINING_ACCEPTED = "TrainingAccepted"
    TRAINING_SUCCEEDED = "TrainingSucceeded"
    TRAINING_FAILED = "TrainingFailed"
    TRAINING_EXPIRED = "TrainingExpired"
    TRAINING_CANCELLED = "TrainingCancelled"
    AUDIT_ROOT_ANCHORED = "AuditRootAnchored"


class CCError(Enum):
    """A chaincode error code: `code` ("LML-CC-0004"), `name` ("FORBIDDEN_NOT_OWNER"), `description`."""

    code: str
    description: str

    def __init__(self, code: str, description: str) -> None:
        self.code = code
        self.description = description

    @property
    def number(self) -> int:
        """The numeric part, which is the ABCI result code of a refused transaction or query."""
        return int(self.code.rsplit("-", 1)[1])

    @classmethod
    def from_number(cls, number: int) -> CCError | None:
        return next((e for e in cls if e.number == number), None)

    INVALID_ARGUMENT = ("LML-CC-0001", "an input is missing, malformed or out of range")
    NOT_FOUND = ("LML-CC-0002", "the referenced record does not exist")
    ALREADY_EXISTS = ("LML-CC-0003", "a record with this identifier exists and records are immutable")
    FORBIDDEN_NOT_OWNER = ("LML-CC-0004", "only the owning organisation may perform this write")
    FORBIDDEN_NOT_REQUESTER = ("LML-CC-0005", "only the requesting organisation may perform this write")
    FORBIDDEN_NOT_ADMIN = ("LML-CC-0006", "the caller's role must be admin")
    NO_LIVE_GRANT = ("LML-CC-0007", "no granted, unexpired, unrevoked access with jobs left covers this use")
    INSUFFICIENT_DEPOSIT = ("LML-CC-0008", "the deposit does not cover the sum of dataset prices")
    INSUFFICIENT_BALANCE = ("LML-CC-0009", "the organisation's credit balance is too low")
    INVALID_STATE_TRANSITION = ("LML-CC-0010", "the record's current status does not allow this operation")
    NON_MONOTONIC_ANCHOR = ("LML-CC-0011", "the tree size is smaller than the latest anchored size")
    ANCHOR_CONFLICT = ("LML-CC-0012", "a different root is already anchored at this tree size (log fork)")
    MULTI_OWNER_UNSUPPORTED = ("LML-CC-0013", "a training job may only use datasets of a single owner for now")
    UNSUPPORTED_SCHEMA = ("LML-CC-0014", "the stored record has a schema version newer than this chaincode")
    LEDGER = ("LML-CC-0015", "the ledger refused a read or write")
    INTERNAL = ("LML-CC-0016", "a chaincode invariant was violated; this is a bug")
    UNAUTHENTICATED = ("LML-CC-0017", "a signature is missing or invalid, or its certificate does not chain to the named MSP at the block time or is not ECDSA P-256")
    REPLAYED = ("LML-CC-0018", "a transaction with this submitter MSP and nonce is already on the ledger; the log names its tx id")
    MALFORMED_TX = ("LML-CC-0019", "the transaction is not a well-formed envelope: JSON, base64, size and argument limits, nonce, known submit function")
    FORBIDDEN_ROLE = ("LML-CC-0020", "the signer's role or its organisation's consortium role may not call this function or co-sign")
    QUORUM_NOT_MET = ("LML-CC-0021", "admins of a majority of member organisations must sign this transaction")
    WRONG_CHAIN = ("LML-CC-0022", "the transaction names another chain id than this network's")


# Upgrades the chaincode knows: name -> the record schema version it introduces.
UPGRADES: dict[str, int] = {
    "v3": 3,
}
