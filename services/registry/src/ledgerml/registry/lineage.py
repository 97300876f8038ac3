"""Pure model lineage: what a trained model was made from, and how each field is checked.

A model's id is the SHA-256 of its weights, as the chaincode keys it (`GetModel(model_hash)`).
Verification recomputes what can be recomputed locally (the metrics hash, each input's Merkle root
against this catalog) and compares every lineage field with the ledger's record of the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ledgerml.registry.domain import canonical_json, sha256_hex
from ledgerml.shared.ledger.queries import TrainedModel

CheckStatus = Literal["match", "mismatch", "missing"]


@dataclass(frozen=True)
class ModelInput:
    dataset_id: str
    version: str
    merkle_root: str | None
    owner_org: str | None


@dataclass(frozen=True)
class TrainingRequest:
    """The lineage a training job fixed when it was requested; completed by its result."""

    job_id: str
    requester_org: str
    algorithm: str
    code_hash: str
    hyperparameters_hash: str | None
    datasets: tuple[tuple[str, str], ...]
    requested_tx_id: str
    seen_at: datetime


@dataclass(frozen=True)
class ModelRecord:
    model_id: str
    job_id: str
    producer_org: str
    holder_org: str | None
    algorithm: str | None
    code_hash: str | None
    hyperparameters_hash: str | None
    inputs: tuple[ModelInput, ...]
    transcript_root: str
    metrics: tuple[tuple[str, float], ...]
    metrics_hash: str
    tx_id: str | None
    block_number: int | None
    created_at: datetime

    @property
    def lineage_complete(self) -> bool:
        known = (self.holder_org, self.algorithm, self.code_hash, self.hyperparameters_hash)
        return all(v is not None for v in known) and bool(self.inputs) and all(
            i.merkle_root is not None for i in self.inputs)


@dataclass(frozen=True)
class Check:
    field: str
    status: CheckStatus
    expected: str | None
    actual: str | None


@dataclass(frozen=True)
class Verification:
    model_id: str
    local: tuple[Check, ...]
    ledger: tuple[Check, ...]
    ledger_available: bool
    ledger_error_code: str | None = None
    ledger_error_detail: str | None = None

    @property
    def verified(self) -> bool:
        """True only when the ledger was consulted and every local and ledger check matched."""
        checks = self.local + self.ledger
        return self.ledger_available and bool(self.ledger) and all(c.status == "match" for c in checks)


def metrics_hash(metrics: Mapping[str, float]) -> str:
    """SHA-256 of the canonical JSON of the metrics (sorted keys, no whitespace)."""
    return sha256_hex(canonical_json(dict(metrics)))


def _check(field: str, expected: str | None, actual: str | None) -> Check:
    if expected is None or actual is None:
        return Check(field, "missing", expected, actual)
    return Check(field, "match" if expected == actual else "mismatch", expected, actual)


def local_checks(model: ModelRecord, *, catalog_roots: Mapping[tuple[str, str], str]) -> tuple[Check, ...]:
    """Recompute the metrics hash (when the metrics themselves were reported; a record made from a ledger
    event holds only their hash, which the ledger check compares); compare each input's root with this
    catalog's version root."""
    checks = [_check("metrics_hash", model.metrics_hash, metrics_hash(dict(model.metrics)))] if model.metrics else []
    for i, item in enumerate(model.inputs):
        checks.append(_check(f"inputs[{i}].merkle_root", item.merkle_root,
                             catalog_roots.get((item.dataset_id, item.version))))
    for field in ("holder_org", "algorithm", "code_hash", "hyperparameters_hash"):
        if getattr(model, field) is None:
            checks.append(Check(field, "missing", None, None))
    return tuple(checks)


def ledger_checks(model: ModelRecord, record: TrainedModel) -> tuple[Check, ...]:
    """Compare every lineage field of the local record (expected) with the ledger's (actual)."""
    lineage, algorithm = record.lineage, record.lineage.algorithm
    checks = [
        _check("model_hash", model.model_id, record.model_hash),
        _check("holder_org", model.holder_org, record.holder),
        _check("producer_org", model.producer_org, record.producer),
        _check("job_id", model.job_id, lineage.job_id),
        _check("algorithm", model.algorithm, algorithm.name if algorithm else None),
        _check("code_hash", model.code_hash, algorithm.code_hash if algorithm else None),
        _check("hyperparameters_hash", model.hyperparameters_hash, lineage.hyperparameters_hash or None),
        _check("transcript_root", model.transcript_root, lineage.transcript_root or None),
        _check("metrics_hash", model.metrics_hash, lineage.metrics_hash or None),
    ]
    checks.append(_check("inputs.count", str(len(model.inputs)), str(len(lineage.inputs))))
    for i, (mine, theirs) in enumerate(zip(model.inputs, lineage.inputs, strict=False)):
        checks.append(_check(f"inputs[{i}].dataset", f"{mine.dataset_id}@{mine.version}",
                             f"{theirs.dataset_id}@{theirs.version}"))
        checks.append(_check(f"inputs[{i}].merkle_root", mine.merkle_root, theirs.merkle_root or None))
    return tuple(checks)
