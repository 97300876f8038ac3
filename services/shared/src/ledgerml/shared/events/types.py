"""Every event type LedgerML emits, in one place: `ledgerml.<domain>.<noun>.<verb-past>.v1`.

Free-string event names are how consumers end up matching typos; code refers to these members only.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    STORAGE_VERSION_STORED = "ledgerml.storage.version.stored.v1"
    STORAGE_INTEGRITY_VIOLATED = "ledgerml.storage.integrity.violated.v1"
    STORAGE_CHUNK_READ = "ledgerml.storage.chunk.read.v1"

    ACCESS_REQUEST_CREATED = "ledgerml.access.request.created.v1"
    ACCESS_GRANT_ISSUED = "ledgerml.access.grant.issued.v1"
    ACCESS_GRANT_DENIED = "ledgerml.access.grant.denied.v1"
    ACCESS_GRANT_REVOKED = "ledgerml.access.grant.revoked.v1"

    REGISTRY_DATASET_REGISTERED = "ledgerml.registry.dataset.registered.v1"
    REGISTRY_VERSION_REGISTERED = "ledgerml.registry.version.registered.v1"
    REGISTRY_MODEL_REGISTERED = "ledgerml.registry.model.registered.v1"

    TRAINING_JOB_REQUESTED = "ledgerml.training.job.requested.v1"
    TRAINING_JOB_ACCEPTED = "ledgerml.training.job.accepted.v1"
    TRAINING_JOB_PROGRESSED = "ledgerml.training.job.progressed.v1"
    TRAINING_JOB_COMPLETED = "ledgerml.training.job.completed.v1"
    TRAINING_JOB_FAILED = "ledgerml.training.job.failed.v1"

    AUDIT_TREE_HEAD_ANCHORED = "ledgerml.audit.tree-head.anchored.v1"

    @property
    def domain(self) -> str:
        """The `<domain>` segment, which also names the Kafka topic (`<org>.<domain>`)."""
        return self.value.split(".")[1]


def topic_for(org: str, domain: str) -> str:
    """Topics are prefixed by organisation so orgs sharing one local broker never mix streams."""
    if not org or not org.replace("-", "").isalnum() or not org.islower():
        raise ValueError(f"organisation topic prefix must be lower-case alphanumeric, got {org!r}")
    return f"{org}.{domain}"


class ChaincodeEvent(StrEnum):
    """Names the chaincode passes to `SetEvent` (one per transaction); must equal
    `chaincode/contract.json` "events". The ledger→Kafka bridge maps them onto `EventType`s."""

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
