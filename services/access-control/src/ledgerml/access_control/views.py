"""Map use-case results onto the API's response bodies."""

from __future__ import annotations

from ledgerml.access_control.decisions import DecisionResult
from ledgerml.access_control.schemas import (
    Conditions,
    DecisionView,
    HistoryEntryView,
    HistoryView,
    LedgerStatus,
    RequestView,
)
from ledgerml.access_control.service import HistoryItem, RequestResult
from ledgerml.shared.ledgerwrites import LedgerWrite


def _ledger(write: LedgerWrite | None) -> LedgerStatus | None:
    return LedgerStatus.model_validate(write.status()) if write is not None else None


def request_view(result: RequestResult) -> RequestView:
    r = result.record
    conditions = None
    if r.expires_at is not None or r.max_jobs is not None:
        conditions = Conditions(expires_at=r.expires_at, max_jobs=r.max_jobs, compute_only=r.compute_only)
    return RequestView(request_id=r.request_id, dataset_id=r.dataset_id, owner_org=r.owner_org,
                       requester_org=r.requester_org, purpose=r.purpose, requested_expiry=r.requested_expiry,
                       algorithm_code_hash=r.algorithm_code_hash, state=r.state, pending_answer=r.pending_answer,
                       conditions=conditions, reason=r.reason, created_at=r.created_at, updated_at=r.updated_at,
                       ledger=_ledger(result.write))


def history_view(result: RequestResult, items: list[HistoryItem]) -> HistoryView:
    entries = [HistoryEntryView(at=i.entry.at, event=i.entry.event, state=i.entry.state, actor=i.entry.actor,
                                tx_id=i.entry.tx_id or (i.write.tx_id if i.write else None),
                                block_number=i.entry.block_number or (i.write.block_number if i.write else None),
                                detail=i.entry.detail, ledger=_ledger(i.write)) for i in items]
    return HistoryView(request=request_view(result), entries=entries)


def decision_view(result: DecisionResult) -> DecisionView:
    d = result.decision
    return DecisionView(allow=d.allow, reason=d.reason, detail=d.detail, grant_id=d.grant_id,
                        request_id=d.request_id, expires_at=d.expires_at, compute_only=d.compute_only,
                        source=result.source, evaluated_at=result.evaluated_at,
                        projection_age_s=result.projection_age_s)
