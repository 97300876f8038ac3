"""Access decisions: from the local projection (fast, bounded staleness) or on the ledger (`strong`).

The projection answer is two indexed reads and no ledger call. Its staleness is bounded: the consumer
stamps the checkpoint each time it polls the ledger topic, and a grant is trusted only while that
stamp is younger than `max_staleness_s`; if the consumer stops, allows stop with it (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ledgerml.access_control import policy
from ledgerml.access_control.domain import PROJECTION, Checkpoint, Decision, Purpose, Reason, decide
from ledgerml.access_control.ports import ProjectionReader
from ledgerml.shared.errors import LedgerError, LedgerRecordNotFound
from ledgerml.shared.identity import Principal
from ledgerml.shared.ledger import Ledger
from ledgerml.shared.ledger.queries import check_access

Source = Literal["projection", "ledger"]


@dataclass(frozen=True)
class DecisionResult:
    decision: Decision
    source: Source
    evaluated_at: datetime
    projection_age_s: float | None = None


def decide_from_projection(*, projection: ProjectionReader, principal: Principal, tenancy: policy.Tenancy,
                           organisation: str, dataset_id: str, purpose: Purpose, now: datetime,
                           max_staleness_s: float, consumer: str = PROJECTION) -> DecisionResult:
    policy.require_reader(principal, tenancy)
    owner = projection.dataset_owner(dataset_id)
    requests = projection.requests_for(dataset_id, organisation) if owner is not None else []
    polled = projection.last_polled(consumer)
    age = (now - polled).total_seconds() if polled is not None else None
    fresh = age is not None and timedelta(seconds=age) <= timedelta(seconds=max_staleness_s)
    decision = decide(org=organisation, purpose=purpose, owner_org=owner, requests=requests, now=now, fresh=fresh)
    return DecisionResult(decision, "projection", now, age)


def decide_on_ledger(*, ledger: Ledger, principal: Principal, tenancy: policy.Tenancy, organisation: str,
                     dataset_id: str, purpose: Purpose, now: datetime) -> DecisionResult:
    """`CheckAccess` evaluated on this organisation's validator (fails closed: 503 when it cannot answer).
    A dataset the ledger does not know is denied, as the projection denies it, not a 404."""
    policy.require_reader(principal, tenancy)
    try:
        answer = check_access(ledger, org=organisation, dataset_id=dataset_id, purpose=str(purpose))
    except LedgerRecordNotFound:  # CheckAccess's only NOT_FOUND is the dataset's
        return DecisionResult(Decision(False, Reason.UNKNOWN_DATASET), "ledger", now)
    try:
        reason = Reason(answer.reason)
    except ValueError:
        raise LedgerError(f"CheckAccess answered with an unknown reason {answer.reason[:40]!r}") from None
    request_id = answer.request_id or None
    grant_id = request_id if reason in (Reason.GRANTED, Reason.REVOKED, Reason.EXPIRED, Reason.MAX_JOBS_EXHAUSTED) \
        else None
    decision = Decision(answer.allowed, reason, request_id, grant_id, None, answer.compute_only)
    return DecisionResult(decision, "ledger", now)


def decide_access(*, projection: ProjectionReader, ledger: Ledger, consistency: Literal["projection", "strong"],
                  principal: Principal, tenancy: policy.Tenancy, organisation: str, dataset_id: str,
                  purpose: Purpose, now: datetime, max_staleness_s: float) -> DecisionResult:
    """`POST /decisions`: the projection's answer, or the ledger's (`strong`)."""
    if consistency == "strong":
        return decide_on_ledger(ledger=ledger, principal=principal, tenancy=tenancy, organisation=organisation,
                                dataset_id=dataset_id, purpose=purpose, now=now)
    return decide_from_projection(projection=projection, principal=principal, tenancy=tenancy,
                                  organisation=organisation, dataset_id=dataset_id, purpose=purpose, now=now,
                                  max_staleness_s=max_staleness_s)


def projection_status(*, projection: ProjectionReader, principal: Principal, tenancy: policy.Tenancy,
                      consumer: str = PROJECTION) -> Checkpoint:
    policy.require_reader(principal, tenancy)
    return projection.checkpoint(consumer) or Checkpoint(consumer, None, None, None, None, 0, None)
