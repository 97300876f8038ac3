"""Every event type LedgerML emits, in one place: `ledgerml.<domain>.<noun>.<verb-past>.v1`.

Free-string event names are how consumers end up matching typos; code refers to these members only.
"""

from __future__ import annotations

from enum import StrEnum

from ledgerml.shared.ledger.contract import Event


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


# Names the chaincode passes to `SetEvent` (one per transaction), generated from chaincode/contract.json (the
# event itself, with its payload and ledger position, is `ledgerml.shared.ledger.ChaincodeEvent`);
# the ledger→Kafka bridge maps them onto `EventType`s.
ChaincodeEventName = Event
