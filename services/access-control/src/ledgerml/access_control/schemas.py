"""Request and response bodies of the access-control API (the HTTP contract in /work/shared briefs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ledgerml.access_control.domain import Answer, Purpose, Reason, RequestState
from ledgerml.access_control.service import HistoryItem, RequestResult
from ledgerml.access_control.service_decisions import DecisionResult
from ledgerml.shared.ledgerwrites import LedgerWrite

LedgerId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$",
                                description="ledger identifier (letters, digits, . _ : -; at most 128)")]
MspId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$", description="MSP id, e.g. Org1MSP")]
Reason500 = Annotated[str, Field(min_length=1, max_length=500, pattern=r"\S")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateRequestBody(_Body):
    dataset_id: LedgerId
    owner_org: MspId
    purpose: Purpose
    requested_expiry: AwareDatetime
    algorithm_code_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None


class GrantBody(_Body):
    expires_at: AwareDatetime | None = Field(default=None, description="default: the requested expiry")
    max_jobs: int = Field(default=1, ge=1, le=1_000_000, description="training jobs allowed under this grant")
    compute_only: bool = Field(default=False, description="data may be used by jobs next to it, never downloaded")


class ReasonBody(_Body):
    reason: Reason500


class DecisionBody(_Body):
    organisation: MspId
    dataset_id: LedgerId
    purpose: Purpose
    consistency: Literal["projection", "strong"] = "projection"


class ListQuery(_Body):
    """Query of `GET /requests`; unknown parameters are refused (a misspelt filter must not widen a list)."""

    direction: Literal["incoming", "outgoing"] | None = None
    state: RequestState | None = None
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=512)


class LedgerStatus(BaseModel):
    state: Literal["pending", "committed", "rejected"]
    tx_id: str | None
    block_number: int | None
    error_code: str | None
    error_detail: str | None


class Conditions(BaseModel):
    expires_at: datetime | None
    max_jobs: int | None
    compute_only: bool | None


class RequestView(BaseModel):
    request_id: str
    dataset_id: str
    owner_org: str | None
    requester_org: str
    purpose: Purpose
    requested_expiry: datetime | None
    algorithm_code_hash: str | None
    state: RequestState
    pending_answer: Answer | None = Field(description="an answer written locally, not yet on the ledger")
    conditions: Conditions | None
    reason: str | None
    created_at: datetime
    updated_at: datetime
    ledger: LedgerStatus | None = Field(description="the latest ledger write about this request, if this "
                                        "organisation made one")


class RequestPage(BaseModel):
    items: list[RequestView]
    next_cursor: str | None


class HistoryEntryView(BaseModel):
    at: datetime
    event: str
    state: RequestState
    actor: str
    tx_id: str | None
    block_number: int | None
    detail: str | None
    ledger: LedgerStatus | None


class HistoryView(BaseModel):
    request: RequestView
    entries: list[HistoryEntryView]


class DecisionView(BaseModel):
    allow: bool
    reason: Reason
    detail: str
    grant_id: str | None
    request_id: str | None
    expires_at: datetime | None
    compute_only: bool
    source: Literal["projection", "ledger"]
    evaluated_at: datetime
    projection_age_s: float | None


class ProjectionStatus(BaseModel):
    last_event_id: str | None
    last_tx_id: str | None
    last_block: int | None
    applied: int
    polled_at: datetime | None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: its error statuses, described (the shared OpenAPI step gives each the one
    problem+json schema)."""
    described = {400: "Body is not valid JSON",
                 401: "Not authenticated", 403: "Not allowed", 404: "Not found", 409: "Conflicting state",
                 422: "Invalid request", 503: "Dependency (ledger) unavailable"}
    return {s: {"description": described[s]} for s in statuses}


# Use-case results → response bodies.


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
