"""Typed reads of the chaincode's records: service layers call these instead of `json.loads(evaluate(...))`.

The models mirror the Go core's JSON (chaincode/internal/core/*/model.go). Identifying fields are
required; the rest default to empty, and unknown fields are ignored, so records of an older or newer
schema still read. An answer that does not parse is a
`LedgerError` (502): the ledger answered, but not with the record it promised.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError, model_validator

from ledgerml.shared.errors import LedgerError
from ledgerml.shared.identity.principal import Principal
from ledgerml.shared.ledger.contract import Fn
from ledgerml.shared.ledger.port import Ledger


class LedgerRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        """Go writes a nil slice or pointer as null: read it as the field's default."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data


class Balance(LedgerRecord):
    """An organisation's credits; an account never written reads as a zero balance without a tx id."""

    org: str
    balance: int = 0
    updated_at: datetime | None = None
    tx_id: str = ""


class Dataset(LedgerRecord):
    schema_version: int = 0
    id: str
    owner: str
    metadata: str = ""
    terms: str = ""
    price_per_job: int = 0
    created_at: datetime | None = None
    tx_id: str = ""


class DatasetVersion(LedgerRecord):
    schema_version: int = 0
    dataset_id: str
    version: str
    owner: str = ""
    merkle_root: str
    size_bytes: int = 0
    chunk_count: int = 0
    schema_hash: str = ""
    created_at: datetime | None = None
    tx_id: str = ""


class AccessDecision(LedgerRecord):
    """CheckAccess's answer; `reason` is a stable token (OWNER, GRANTED, NO_REQUEST, EXPIRED, ...)."""

    allowed: StrictBool
    reason: str
    request_id: str = ""
    algorithm_code_hash: str = ""
    compute_only: bool = False


class TrainingInput(LedgerRecord):
    dataset_id: str
    version: str
    merkle_root: str = ""
    owner: str = ""
    price: int = 0
    grant_request_id: str = ""


class Algorithm(LedgerRecord):
    name: str
    code_hash: str


class TrainingResult(LedgerRecord):
    model_hash: str
    transcript_root: str
    metrics_hash: str


class TrainingJob(LedgerRecord):
    schema_version: int = 0
    job_id: str
    consumer: str = ""
    owner: str = ""
    inputs: tuple[TrainingInput, ...] = ()
    algorithm: Algorithm | None = None
    hyperparameters_hash: str = ""
    deposit: int = 0
    price: int = 0
    status: str
    deadline: datetime | None = None
    result: TrainingResult | None = None
    failure_reason: str = ""
    requested_at: datetime | None = None
    updated_at: datetime | None = None
    tx_id: str = ""

    def inputs_of(self, dataset_id: str, version: str) -> tuple[TrainingInput, ...]:
        return tuple(i for i in self.inputs if i.dataset_id == dataset_id and i.version == version)


class Lineage(LedgerRecord):
    job_id: str
    inputs: tuple[TrainingInput, ...] = ()
    algorithm: Algorithm | None = None
    hyperparameters_hash: str = ""
    transcript_root: str = ""
    metrics_hash: str = ""


class TrainedModel(LedgerRecord):
    """A trained model's record, keyed by its weights' hash; the consumer holds it."""

    schema_version: int = 0
    model_hash: str
    holder: str
    producer: str
    lineage: Lineage
    created_at: datetime | None = None
    tx_id: str = ""


R = TypeVar("R", bound=LedgerRecord)


def evaluate_as(ledger: Ledger, record: type[R], function: Fn, args: Sequence[str]) -> R:
    """Evaluate `function` and read its answer as `record`; `LedgerRecordNotFound` passes through."""
    raw = ledger.evaluate(function, args)
    try:
        return record.model_validate_json(raw)
    except ValidationError:
        raise LedgerError(f"{function} answered with something that is not a {record.__name__}") from None


def get_balance(ledger: Ledger, org: str) -> Balance:
    return evaluate_as(ledger, Balance, Fn.GET_BALANCE, [org])


def get_dataset(ledger: Ledger, dataset_id: str) -> Dataset:
    return evaluate_as(ledger, Dataset, Fn.GET_DATASET, [dataset_id])


def get_dataset_version(ledger: Ledger, dataset_id: str, version: str) -> DatasetVersion:
    return evaluate_as(ledger, DatasetVersion, Fn.GET_DATASET_VERSION, [dataset_id, version])


def check_access(ledger: Ledger, *, org: str, dataset_id: str, purpose: str) -> AccessDecision:
    """Whether `org` may use `dataset_id` for `purpose` (train, download, evaluate) now; deny by default."""
    return evaluate_as(ledger, AccessDecision, Fn.CHECK_ACCESS, [org, dataset_id, purpose])


def get_training_job(ledger: Ledger, job_id: str) -> TrainingJob:
    return evaluate_as(ledger, TrainingJob, Fn.GET_TRAINING_JOB, [job_id])


def get_model(ledger: Ledger, model_hash: str) -> TrainedModel:
    return evaluate_as(ledger, TrainedModel, Fn.GET_MODEL, [model_hash])


class CheckAccessAuthorizer:
    """`LedgerAuthorizer` over CheckAccess: `action` is the purpose, `resource` the dataset id."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def allows(self, principal: Principal, *, action: str, resource: str) -> bool:
        return check_access(self._ledger, org=principal.org, dataset_id=resource, purpose=action).allowed
