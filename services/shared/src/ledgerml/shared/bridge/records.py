"""The chaincode's event payloads as the bridge reads them: each event carries the record after the
transaction, in the JSON of `chaincode/internal/core/*/model.go` (field names as Go tags them).

Lenient on purpose (`extra="ignore"`): a newer chaincode may add fields; only what the typed Kafka
events need is read. Go writes an unset `time.Time` as year 1 and an unset string as "", both read
here as "absent".
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def present(value: datetime | None) -> datetime | None:
    """Go's zero `time.Time` (0001-01-01T00:00:00Z) means "not set"."""
    return None if value is None or value.year == 1 else value


class DatasetRecord(_Record):
    """datasets.Dataset; `metadata` is the registry's public catalog JSON, as a string."""

    id: str
    owner: str
    metadata: str = ""
    terms: str = ""
    price_per_job: int = Field(default=0, ge=0)
    created_at: AwareDatetime


class VersionRecord(_Record):
    """datasets.Version."""

    dataset_id: str
    version: str
    owner: str = ""
    merkle_root: str
    size_bytes: int = Field(ge=0)
    chunk_count: int = Field(ge=0)
    created_at: AwareDatetime


class Conditions(_Record):
    expires_at: AwareDatetime
    max_jobs: int = Field(default=0, ge=0)
    compute_only: bool = False


class RequestRecord(_Record):
    """access.Request, the payload of every Access* event."""

    request_id: str
    dataset_id: str
    owner: str
    requester: str
    purpose: str
    algorithm_code_hash: str = ""
    requested_expiry: AwareDatetime | None = None
    status: str
    conditions: Conditions | None = None
    reason: str = ""
    updated_at: AwareDatetime


class Input(_Record):
    dataset_id: str
    version: str
    owner: str = ""
    grant_request_id: str = ""


class Algorithm(_Record):
    name: str
    code_hash: str


class Result(_Record):
    model_hash: str
    transcript_root: str
    metrics_hash: str = ""


class JobRecord(_Record):
    """training.Job."""

    job_id: str
    consumer: str
    owner: str = ""
    inputs: list[Input] = []
    algorithm: Algorithm
    hyperparameters_hash: str = ""
    deposit: int = Field(default=0, ge=0)
    status: str
    result: Result | None = None
    failure_reason: str = ""
    updated_at: AwareDatetime


class JobEvent(_Record):
    """training.Event, the payload of every Training* event (the escrow and model are not needed)."""

    job: JobRecord


class AnchorRecord(_Record):
    """anchors.Anchor."""

    log_id: str
    tree_size: int = Field(ge=0)
    root_hash: str
    anchored_by: str = ""
    anchored_at: AwareDatetime
