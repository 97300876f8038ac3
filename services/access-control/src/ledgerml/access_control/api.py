"""HTTP routes of the access-control service: parse, call one use case, map the result.

Both routers are mounted by `build_app` behind authentication and the shared caller guard.
`decisions_router` holds `POST /decisions`, marked read-only so that auditors may call it;
`service_decisions` then authorises every caller itself (this org or an auditor). Each route binds the
adapters to one database transaction (a connection for reads) and calls one use case.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPBearer
from sqlalchemy import Engine

from ledgerml.access_control import service, service_decisions
from ledgerml.access_control.adapters.outboxes import SqlLedgerWrites
from ledgerml.access_control.adapters.projection import SqlProjection
from ledgerml.access_control.adapters.requests import SqlRequests, encode_cursor
from ledgerml.access_control.domain import Answer
from ledgerml.access_control.policy import Tenancy
from ledgerml.access_control.schemas import (
    CreateRequestBody,
    DecisionBody,
    DecisionView,
    GrantBody,
    HistoryView,
    LedgerId,
    ListQuery,
    ProjectionStatus,
    ReasonBody,
    RequestPage,
    RequestView,
    decision_view,
    history_view,
    problem_responses,
    request_view,
)
from ledgerml.access_control.settings import SettingsDep
from ledgerml.shared.ledger import Ledger
from ledgerml.shared.web.auth import READ_ONLY_OPERATION, CurrentPrincipal

# Documents the credential in the OpenAPI schema; the shared `authenticate` dependency verifies it.
_bearer = HTTPBearer(auto_error=False, scheme_name="consortiumToken",
                     description="ES256 token signed by the caller's MSP identity (audience access-control)")
router = APIRouter(tags=["access-control"], dependencies=[Depends(_bearer)])
decisions_router = APIRouter(tags=["decisions"], dependencies=[Depends(_bearer)])

READ_ERRORS = problem_responses(401, 403, 404, 422)
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)


# The dependencies below do no I/O: `async def` keeps them on the event loop (a sync dependency costs a
# thread-pool hop each, which dominated the latency of a decision).
async def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


async def _now() -> datetime:
    """The clock; tests override it with `app.dependency_overrides[api._now]`."""
    return datetime.now(UTC)


async def _tenancy(settings: SettingsDep) -> Tenancy:
    return Tenancy(settings.msp_id, frozenset(settings.auditor_orgs))


async def _reader(request: Request) -> Engine:
    reader: Engine = request.app.state.reader
    return reader


EngineDep = Annotated[Engine, Depends(_engine)]
ReaderDep = Annotated[Engine, Depends(_reader)]
Now = Annotated[datetime, Depends(_now)]
TenancyDep = Annotated[Tenancy, Depends(_tenancy)]


@router.post("/requests", status_code=202, response_model=RequestView, responses=WRITE_ERRORS)
def create_request(body: CreateRequestBody, principal: CurrentPrincipal, engine: EngineDep, tenancy: TenancyDep,
                   settings: SettingsDep, now: Now) -> RequestView:
    """Ask a dataset's owner for access; the `RequestAccess` ledger write is queued (see `ledger`)."""
    with engine.begin() as conn:
        result = service.create_request(
            requests=SqlRequests(conn), projection=SqlProjection(conn), writes=SqlLedgerWrites(conn),
            principal=principal, tenancy=tenancy, dataset_id=body.dataset_id, owner_org=body.owner_org,
            purpose=body.purpose, requested_expiry=body.requested_expiry,
            algorithm_code_hash=body.algorithm_code_hash, now=now, max_days=settings.max_expiry_days)
    return request_view(result)


@router.get("/requests", response_model=RequestPage, responses=READ_ERRORS)
def list_requests(query: Annotated[ListQuery, Query()], principal: CurrentPrincipal, engine: EngineDep,
                  tenancy: TenancyDep) -> RequestPage:
    """Incoming (for this organisation's datasets) and/or outgoing (sent by it) requests, oldest first."""
    with engine.connect() as conn:
        results = service.list_requests(requests=SqlRequests(conn), writes=SqlLedgerWrites(conn),
                                        principal=principal, tenancy=tenancy, direction=query.direction,
                                        state=query.state, limit=query.limit, cursor=query.cursor)
    next_cursor = encode_cursor(results[-1].record) if len(results) == query.limit else None
    return RequestPage(items=[request_view(r) for r in results], next_cursor=next_cursor)


@router.get("/requests/{request_id}", response_model=RequestView, responses=READ_ERRORS)
def get_request(request_id: LedgerId, principal: CurrentPrincipal, engine: EngineDep,
                tenancy: TenancyDep) -> RequestView:
    with engine.connect() as conn:
        result = service.get_request(requests=SqlRequests(conn), writes=SqlLedgerWrites(conn), principal=principal,
                                     tenancy=tenancy, request_id=request_id)
    return request_view(result)


@router.get("/requests/{request_id}/history", response_model=HistoryView, responses=READ_ERRORS)
def get_history(request_id: LedgerId, principal: CurrentPrincipal, engine: EngineDep,
                tenancy: TenancyDep) -> HistoryView:
    """Every state transition of the request, each with its ledger status."""
    with engine.connect() as conn:
        result, items = service.request_history(requests=SqlRequests(conn), writes=SqlLedgerWrites(conn),
                                                principal=principal, tenancy=tenancy, request_id=request_id)
    return history_view(result, items)


@router.post("/requests/{request_id}/grant", status_code=202, response_model=RequestView, responses=WRITE_ERRORS)
def grant(request_id: LedgerId, body: GrantBody, principal: CurrentPrincipal, engine: EngineDep,
          tenancy: TenancyDep, settings: SettingsDep, now: Now) -> RequestView:
    """Dataset owner only: grant with conditions; the `GrantAccess` ledger write is queued."""
    with engine.begin() as conn:
        result = service.answer_request(
            requests=SqlRequests(conn), writes=SqlLedgerWrites(conn), principal=principal, tenancy=tenancy,
            request_id=request_id, answer=Answer.GRANT, now=now, max_days=settings.max_expiry_days,
            expires_at=body.expires_at, max_jobs=body.max_jobs, compute_only=body.compute_only)
    return request_view(result)


@router.post("/requests/{request_id}/deny", status_code=202, response_model=RequestView, responses=WRITE_ERRORS)
def deny(request_id: LedgerId, body: ReasonBody, principal: CurrentPrincipal, engine: EngineDep,
         tenancy: TenancyDep, settings: SettingsDep, now: Now) -> RequestView:
    """Dataset owner only: deny with a reason shown to the requester."""
    with engine.begin() as conn:
        result = service.answer_request(requests=SqlRequests(conn), writes=SqlLedgerWrites(conn), principal=principal,
                                        tenancy=tenancy, request_id=request_id, answer=Answer.DENY, now=now,
                                        max_days=settings.max_expiry_days, reason=body.reason)
    return request_view(result)


@router.post("/grants/{grant_id}/revoke", status_code=202, response_model=RequestView, responses=WRITE_ERRORS)
def revoke(grant_id: LedgerId, body: ReasonBody, principal: CurrentPrincipal, engine: EngineDep,
           tenancy: TenancyDep, settings: SettingsDep, now: Now) -> RequestView:
    """Dataset owner only: end a grant (grant id = its request id, as on the chaincode)."""
    with engine.begin() as conn:
        result = service.answer_request(requests=SqlRequests(conn), writes=SqlLedgerWrites(conn), principal=principal,
                                        tenancy=tenancy, request_id=grant_id, answer=Answer.REVOKE, now=now,
                                        max_days=settings.max_expiry_days, reason=body.reason)
    return request_view(result)


@decisions_router.post("/decisions", response_model=DecisionView, openapi_extra={READ_ONLY_OPERATION: True},
                       responses=problem_responses(400, 401, 403, 422, 503))
def decide(body: DecisionBody, request: Request, principal: CurrentPrincipal, reader: ReaderDep,
           tenancy: TenancyDep, settings: SettingsDep, now: Now) -> DecisionView:
    """May `organisation` use `dataset_id` for `purpose` now? Deny by default; `strong` asks the ledger."""
    with reader.connect() as conn:
        result = service_decisions.decide_access(
            projection=SqlProjection(conn), ledger=_ledger(request), consistency=body.consistency,
            principal=principal, tenancy=tenancy, organisation=body.organisation, dataset_id=body.dataset_id,
            purpose=body.purpose, now=now, max_staleness_s=settings.projection_max_staleness_s)
    return decision_view(result)


@router.get("/projection", response_model=ProjectionStatus, responses=problem_responses(401, 403))
def projection(principal: CurrentPrincipal, engine: EngineDep, tenancy: TenancyDep) -> ProjectionStatus:
    """The decision projection's checkpoint: last applied ledger event and last poll of the ledger topic."""
    with engine.connect() as conn:
        c = service_decisions.projection_status(projection=SqlProjection(conn), principal=principal, tenancy=tenancy)
    return ProjectionStatus(last_event_id=c.last_event_id, last_tx_id=c.last_tx_id, last_block=c.last_block,
                            applied=c.applied, polled_at=c.polled_at)
