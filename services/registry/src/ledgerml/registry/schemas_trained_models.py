"""Response bodies of the registry's model routes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from ledgerml.registry.lineage import Check, ModelRecord, Verification


class ModelInputView(BaseModel):
    dataset_id: str
    version: str
    merkle_root: str | None
    owner_org: str | None


class ModelLedgerView(BaseModel):
    tx_id: str | None
    block_number: int | None


class ModelView(BaseModel):
    model_id: str
    job_id: str
    producer_org: str
    holder_org: str | None
    algorithm: str | None
    code_hash: str | None
    hyperparameters_hash: str | None
    inputs: list[ModelInputView]
    transcript_root: str
    metrics: dict[str, float]
    metrics_hash: str
    lineage_complete: bool
    created_at: datetime
    ledger: ModelLedgerView

    @classmethod
    def of(cls, m: ModelRecord) -> ModelView:
        return cls(model_id=m.model_id, job_id=m.job_id, producer_org=m.producer_org, holder_org=m.holder_org,
                   algorithm=m.algorithm, code_hash=m.code_hash, hyperparameters_hash=m.hyperparameters_hash,
                   inputs=[ModelInputView(dataset_id=i.dataset_id, version=i.version, merkle_root=i.merkle_root,
                                          owner_org=i.owner_org) for i in m.inputs],
                   transcript_root=m.transcript_root, metrics=dict(m.metrics), metrics_hash=m.metrics_hash,
                   lineage_complete=m.lineage_complete, created_at=m.created_at,
                   ledger=ModelLedgerView(tx_id=m.tx_id, block_number=m.block_number))


class ModelList(BaseModel):
    items: list[ModelView]


class CheckView(BaseModel):
    field: str
    status: Literal["match", "mismatch", "missing"]
    expected: str | None
    actual: str | None


class LedgerComparisonView(BaseModel):
    available: bool
    error_code: str | None
    error_detail: str | None


class VerificationView(BaseModel):
    model_id: str
    verified: bool
    local_checks: list[CheckView]
    ledger_checks: list[CheckView]
    ledger: LedgerComparisonView

    @classmethod
    def of(cls, v: Verification) -> VerificationView:
        def views(checks: Sequence[Check]) -> list[CheckView]:
            return [CheckView(field=c.field, status=c.status, expected=c.expected, actual=c.actual) for c in checks]

        return cls(model_id=v.model_id, verified=v.verified, local_checks=views(v.local),
                   ledger_checks=views(v.ledger),
                   ledger=LedgerComparisonView(available=v.ledger_available, error_code=v.ledger_error_code,
                                               error_detail=v.ledger_error_detail))


def checks_summary(checks: Sequence[Check]) -> str:
    """`3 match, 1 missing (hyperparameters_hash)` — for a problem's detail line."""
    counts = Counter(c.status for c in checks)
    parts = [f"{counts[s]} {s}" for s in ("match", "mismatch", "missing") if counts[s]]
    odd = [c.field for c in checks if c.status != "match"]
    return (", ".join(parts) or "none") + (f" ({', '.join(odd)})" if odd else "")
