"""One frozen pydantic model per event type. Small, typed, and never carrying secrets or raw data."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ledgerml.shared.events.types import EventType

Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Identifier = Annotated[str, Field(min_length=1, max_length=128)]
MspId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")]
TxId = Annotated[str, Field(min_length=1, max_length=128)]


class EventData(BaseModel):
    """Base of every payload; `event_type` ties a model to exactly one `EventType`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[EventType]


class DatasetVersionRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    dataset_id: Identifier
    version: Identifier
    owner_org: MspId | None = None
    grant_request_id: Identifier | None = Field(default=None, description="the access grant the job is charged to")


# storage
class VersionStored(EventData):
    event_type = EventType.STORAGE_VERSION_STORED
    dataset_id: Identifier
    version: Identifier
    merkle_root: Sha256Hex
    size_bytes: int = Field(ge=0)
    chunk_count: int = Field(ge=0)
    chunk_size: int = Field(gt=0)


class IntegrityViolated(EventData):
    event_type = EventType.STORAGE_INTEGRITY_VIOLATED
    dataset_id: Identifier
    version: Identifier
    chunk_index: int = Field(ge=0)
    expected_sha256: Sha256Hex
    actual_sha256: Sha256Hex | None = Field(default=None, description="null when the chunk is missing or unreadable")


class ChunkRead(EventData):
    event_type = EventType.STORAGE_CHUNK_READ
    dataset_id: Identifier
    version: Identifier
    chunk_index: int = Field(ge=0)
    reader_org: MspId
    job_id: Identifier | None = None


# access
class AccessRequested(EventData):
    event_type = EventType.ACCESS_REQUEST_CREATED
    request_id: Identifier
    dataset_id: Identifier
    requester_org: MspId
    purpose: Identifier
    ledger_tx_id: TxId
    owner_org: MspId | None = None
    requested_expiry: AwareDatetime | None = None
    algorithm_code_hash: Sha256Hex | None = None
    block_number: int | None = Field(default=None, ge=0)


class GrantIssued(EventData):
    event_type = EventType.ACCESS_GRANT_ISSUED
    grant_id: Identifier
    request_id: Identifier
    dataset_id: Identifier
    grantee_org: MspId
    expires_at: AwareDatetime
    max_jobs: int = Field(ge=0, description="0 = unlimited, as on the chaincode")
    compute_only: bool = True
    ledger_tx_id: TxId
    purpose: Identifier | None = None
    block_number: int | None = Field(default=None, ge=0)


class GrantDenied(EventData):
    event_type = EventType.ACCESS_GRANT_DENIED
    request_id: Identifier
    dataset_id: Identifier
    grantee_org: MspId
    reason: str = Field(max_length=500)
    ledger_tx_id: TxId
    block_number: int | None = Field(default=None, ge=0)


class GrantRevoked(EventData):
    event_type = EventType.ACCESS_GRANT_REVOKED
    grant_id: Identifier
    dataset_id: Identifier
    grantee_org: MspId
    ledger_tx_id: TxId
    block_number: int | None = Field(default=None, ge=0)


# registry
class DatasetRegistered(EventData):
    event_type = EventType.REGISTRY_DATASET_REGISTERED
    dataset_id: Identifier
    owner_org: MspId
    name: str = Field(min_length=1, max_length=200)
    ledger_tx_id: TxId
    # Public catalog metadata, so every organisation's registry can mirror and search it.
    description: str = Field(default="", max_length=4000)
    tags: tuple[str, ...] = Field(default=(), max_length=32)
    columns: tuple[str, ...] = Field(default=(), max_length=512)
    terms: str = Field(default="", max_length=4000)
    price_per_job: int = Field(default=0, ge=0)
    block_number: int | None = Field(default=None, ge=0)


class DatasetVersionRegistered(EventData):
    event_type = EventType.REGISTRY_VERSION_REGISTERED
    dataset_id: Identifier
    version: Identifier
    merkle_root: Sha256Hex
    size_bytes: int = Field(ge=0)
    chunk_count: int = Field(ge=0)
    ledger_tx_id: TxId
    block_number: int | None = Field(default=None, ge=0)


class ModelRegistered(EventData):
    event_type = EventType.REGISTRY_MODEL_REGISTERED
    model_id: Identifier
    job_id: Identifier
    owner_org: MspId
    model_sha256: Sha256Hex
    ledger_tx_id: TxId


# training
class TrainingRequested(EventData):
    event_type = EventType.TRAINING_JOB_REQUESTED
    job_id: Identifier
    requester_org: MspId
    algorithm: Identifier
    code_sha256: Sha256Hex
    datasets: tuple[DatasetVersionRef, ...] = Field(min_length=1)
    deposit: int = Field(ge=0)
    ledger_tx_id: TxId
    hyperparameters_sha256: Sha256Hex | None = None
    block_number: int | None = Field(default=None, ge=0)


class TrainingAccepted(EventData):
    event_type = EventType.TRAINING_JOB_ACCEPTED
    job_id: Identifier
    executor_org: MspId
    ledger_tx_id: TxId


class TrainingProgressed(EventData):
    event_type = EventType.TRAINING_JOB_PROGRESSED
    job_id: Identifier
    epoch: int = Field(ge=0)
    total_epochs: int = Field(ge=1)
    metrics: dict[str, float] = Field(default_factory=dict)


class TrainingCompleted(EventData):
    event_type = EventType.TRAINING_JOB_COMPLETED
    job_id: Identifier
    model_sha256: Sha256Hex
    transcript_root: Sha256Hex
    metrics: dict[str, float] = Field(default_factory=dict)
    ledger_tx_id: TxId
    # The ledger records only the metrics' hash: an event from the bridge carries it without the metrics.
    metrics_sha256: Sha256Hex | None = None


class TrainingFailed(EventData):
    event_type = EventType.TRAINING_JOB_FAILED
    job_id: Identifier
    reason: str = Field(max_length=500)
    ledger_tx_id: TxId | None = None


# audit
class TreeHeadAnchored(EventData):
    event_type = EventType.AUDIT_TREE_HEAD_ANCHORED
    tree_size: int = Field(ge=0)
    root_hash: Sha256Hex
    anchored_at: AwareDatetime
    ledger_tx_id: TxId


def _collect() -> dict[EventType, type[EventData]]:
    models: dict[EventType, type[EventData]] = {}
    for model in EventData.__subclasses__():
        if model.event_type in models:
            raise RuntimeError(f"two models for {model.event_type}")
        models[model.event_type] = model
    missing = set(EventType) - set(models)
    if missing:
        raise RuntimeError(f"event types without a model: {sorted(missing)}")
    return models


EVENT_MODELS: dict[EventType, type[EventData]] = _collect()
