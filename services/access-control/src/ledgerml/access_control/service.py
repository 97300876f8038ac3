"""Use cases of the access-control service: access requests and the owner's answers (grant, deny, revoke).

Keyword-only functions over the Protocols of `ports`, bound by the caller to one database transaction:
each write changes the local record and enqueues its ledger transaction together (the ledger-write
outbox); the answer reports the write's honest ledger status, never a commit that has not happened.
Decisions live in `service_decisions`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ledgerml.access_control import policy
from ledgerml.access_control.domain import (
    Answer,
    HistoryEntry,
    Purpose,
    RequestRecord,
    RequestState,
    check_answer,
    check_expiry,
)
from ledgerml.access_control.errors import InvalidExpiry, OwnDataset, OwnerMismatch, RequestNotFound
from ledgerml.access_control.ports import LedgerWrites, ProjectionReader, RequestStore
from ledgerml.shared.identity import Principal
from ledgerml.shared.ledger import Fn
from ledgerml.shared.ledgerwrites import LedgerWrite

Direction = Literal["incoming", "outgoing"]
_FUNCTIONS = {Answer.GRANT: Fn.GRANT_ACCESS, Answer.DENY: Fn.DENY_ACCESS, Answer.REVOKE: Fn.REVOKE_ACCESS}


@dataclass(frozen=True)
class RequestResult:
    record: RequestRecord
    write: LedgerWrite | None  # the latest ledger write about this request (None: learnt from the ledger)


@dataclass(frozen=True)
class HistoryItem:
    entry: HistoryEntry
    write: LedgerWrite | None


def _result(writes: LedgerWrites, record: RequestRecord) -> RequestResult:
    return RequestResult(record, writes.get(record.last_write_id) if record.last_write_id else None)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def create_request(*, requests: RequestStore, projection: ProjectionReader, writes: LedgerWrites,
                   principal: Principal, tenancy: policy.Tenancy, dataset_id: str, owner_org: str, purpose: Purpose,
                   requested_expiry: datetime, algorithm_code_hash: str | None, now: datetime,
                   max_days: int) -> RequestResult:
    policy.require_writer(principal, tenancy)
    if owner_org == principal.org:
        raise OwnDataset(f"{owner_org} owns {dataset_id} and needs no grant")
    expiry = check_expiry(requested_expiry, now=now, max_days=max_days)
    request_id = f"req-{uuid.uuid4().hex}"
    known_owner = projection.dataset_owner(dataset_id)
    if known_owner is not None and known_owner != owner_org:
        raise OwnerMismatch(f"the ledger records {known_owner} as the owner of {dataset_id}, not {owner_org}")
    args = [json.dumps({"request_id": request_id, "dataset_id": dataset_id, "purpose": str(purpose),
                        "algorithm_code_hash": algorithm_code_hash or "", "requested_expiry": _iso(expiry)})]
    write = writes.enqueue(function=Fn.REQUEST_ACCESS, args=args, subject=request_id, now=now)
    record = RequestRecord(request_id, dataset_id, owner_org, principal.org, purpose, expiry, algorithm_code_hash,
                           RequestState.PENDING, None, None, None, None, None, write.id, now, now)
    requests.insert(record)
    requests.add_history(request_id, at=now, event="requested", state=RequestState.PENDING, actor=principal.subject,
                         write_id=write.id)
    return RequestResult(record, write)


def _load(requests: RequestStore, request_id: str) -> RequestRecord:
    record = requests.get(request_id)
    if record is None:
        raise RequestNotFound(f"no access request {request_id} at this organisation")
    return record


def get_request(*, requests: RequestStore, writes: LedgerWrites, principal: Principal, tenancy: policy.Tenancy,
                request_id: str) -> RequestResult:
    policy.require_reader(principal, tenancy)
    record = _load(requests, request_id)
    policy.require_party(principal, tenancy, record)
    return _result(writes, record)


def list_requests(*, requests: RequestStore, writes: LedgerWrites, principal: Principal, tenancy: policy.Tenancy,
                  direction: Direction | None, state: RequestState | None, limit: int,
                  cursor: str | None) -> list[RequestResult]:
    """Incoming: requests for this organisation's datasets; outgoing: requests it sent. Auditors see all."""
    policy.require_reader(principal, tenancy)
    org = None if tenancy.is_auditor(principal) else principal.org
    owner = org if direction in (None, "incoming") else None
    requester = org if direction in (None, "outgoing") else None
    if org is None:  # auditor: every record here, filtered by direction relative to this instance's org
        owner = tenancy.org if direction == "incoming" else None
        requester = tenancy.org if direction == "outgoing" else None
    records = requests.page(owner_org=owner, requester_org=requester, state=state, limit=limit, cursor=cursor)
    return [_result(writes, r) for r in records]


def request_history(*, requests: RequestStore, writes: LedgerWrites, principal: Principal,
                    tenancy: policy.Tenancy, request_id: str) -> tuple[RequestResult, list[HistoryItem]]:
    policy.require_reader(principal, tenancy)
    record = _load(requests, request_id)
    policy.require_party(principal, tenancy, record)
    items = [HistoryItem(e, writes.get(e.write_id) if e.write_id else None) for e in requests.history(request_id)]
    return _result(writes, record), items


def answer_request(*, requests: RequestStore, writes: LedgerWrites, principal: Principal, tenancy: policy.Tenancy,
                   request_id: str, answer: Answer, now: datetime, max_days: int, reason: str | None = None,
                   expires_at: datetime | None = None, max_jobs: int = 1,
                   compute_only: bool = False) -> RequestResult:
    """Grant (with conditions), deny or revoke: owner organisation only, through the ledger-write outbox."""
    policy.require_writer(principal, tenancy)
    record = _load(requests, request_id)
    policy.require_dataset_owner(principal, tenancy, record)
    check_answer(answer=answer, state=record.state, pending=record.pending_answer, purpose=record.purpose,
                 compute_only=compute_only)
    if answer is Answer.GRANT:
        if expires_at is None and record.requested_expiry is None:
            raise InvalidExpiry("expires_at is required: the bridge's AccessRequested event does not carry "
                                "the requested expiry, so this organisation does not know it")
        expiry = check_expiry(expires_at or record.requested_expiry or now, now=now, max_days=max_days,
                              field="expires_at")
        conditions = {"expires_at": _iso(expiry), "max_jobs": max_jobs, "compute_only": compute_only}
        detail: str | None = json.dumps(conditions)
        args = [request_id, json.dumps(conditions)]
    else:
        args, detail = [request_id, reason or ""], reason
    write = writes.enqueue(function=_FUNCTIONS[answer], args=args, subject=request_id, now=now)
    requests.update(request_id, pending_answer=answer, last_write_id=write.id, updated_at=now)
    requests.add_history(request_id, at=now, event=str(answer), state=record.state, actor=principal.subject,
                         write_id=write.id, detail=detail)
    return _result(writes, _load(requests, request_id))
