"""Pure domain model of the access-control service: access requests, the owner's answers (grant, deny,
revoke) and the access decision. Imports no FastAPI, Kafka, SQLAlchemy, MinIO, Ray or gRPC.

The decision rules mirror the chaincode's `CheckAccess` (chaincode/internal/core/access/check.go), so a
projection answer and a ledger answer agree: deny by default, owner always, only an unexpired,
unrevoked grant for the same purpose (with jobs left, for training) allows. "Deny wins" means a denial
or revocation of a request is final: no grant event, in whatever order it arrives, revives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ledgerml.access_control.errors import AnswerInFlight, ComputeOnlyDownload, InvalidExpiry, InvalidTransition

PROJECTION = "access-control-projection"  # the projection consumer's name: its checkpoint and freshness stamp


class Purpose(StrEnum):
    TRAIN = "train"
    DOWNLOAD = "download"
    EVALUATE = "evaluate"


class RequestState(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    DENIED = "denied"
    REVOKED = "revoked"
    REJECTED = "rejected"  # the ledger refused the RequestAccess transaction itself


class Answer(StrEnum):
    GRANT = "grant"
    DENY = "deny"
    REVOKE = "revoke"


class Reason(StrEnum):
    """Stable tokens; the first ten are the chaincode's `CheckAccess` reasons."""

    OWNER = "OWNER"
    GRANTED = "GRANTED"
    NO_REQUEST = "NO_REQUEST"
    PENDING = "PENDING"
    DENIED = "DENIED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    MAX_JOBS_EXHAUSTED = "MAX_JOBS_EXHAUSTED"
    COMPUTE_ONLY = "COMPUTE_ONLY"
    ALGORITHM_MISMATCH = "ALGORITHM_MISMATCH"
    UNKNOWN_DATASET = "UNKNOWN_DATASET"
    PROJECTION_STALE = "PROJECTION_STALE"


_EXPLAINED = {
    Reason.OWNER: "the organisation owns the dataset",
    Reason.GRANTED: "a live ledger grant covers this purpose",
    Reason.NO_REQUEST: "no ledger grant exists for this organisation, dataset and purpose (deny by default)",
    Reason.PENDING: "the request has not been answered on the ledger",
    Reason.DENIED: "the owner denied the request",
    Reason.REVOKED: "the owner revoked the grant",
    Reason.EXPIRED: "the grant has expired",
    Reason.MAX_JOBS_EXHAUSTED: "the grant's training jobs are used up",
    Reason.COMPUTE_ONLY: "the grant is compute-only and does not allow downloads",
    Reason.ALGORITHM_MISMATCH: "the grant pins another algorithm",
    Reason.UNKNOWN_DATASET: "no such dataset is registered on the ledger",
    Reason.PROJECTION_STALE: "the ledger projection has not been refreshed within its staleness bound",
}

# Once denied or revoked, a request never allows again ("deny wins"); granted outranks pending.
_RANK = {RequestState.PENDING: 0, RequestState.GRANTED: 1, RequestState.DENIED: 2, RequestState.REVOKED: 2}


def merged_state(current: RequestState | None, incoming: RequestState) -> RequestState:
    """The state a projected request takes when a ledger event arrives, whatever the delivery order."""
    if current is None or _RANK.get(incoming, 0) > _RANK.get(current, 0):
        return incoming
    return current


def check_expiry(expiry: datetime, *, now: datetime, max_days: int, field: str = "requested_expiry") -> datetime:
    if expiry.tzinfo is None:
        raise InvalidExpiry(f"{field} must carry a time zone (e.g. 2030-01-01T00:00:00Z)")
    if expiry <= now:
        raise InvalidExpiry(f"{field} {expiry.isoformat()} is not in the future")
    if expiry > now + timedelta(days=max_days):
        raise InvalidExpiry(f"{field} may be at most {max_days} days ahead")
    return expiry


def check_answer(*, answer: Answer, state: RequestState, pending: Answer | None, purpose: Purpose,
                 compute_only: bool = False) -> None:
    """Only a pending request may be granted or denied, only a granted one revoked, one answer at a time."""
    if pending is not None:
        raise AnswerInFlight(f"a {pending} of this request is still being written to the ledger; retry later")
    wanted = RequestState.GRANTED if answer is Answer.REVOKE else RequestState.PENDING
    if state is not wanted:
        raise InvalidTransition(f"cannot {answer} a request that is {state}; it must be {wanted}")
    if answer is Answer.GRANT and compute_only and purpose is Purpose.DOWNLOAD:
        raise ComputeOnlyDownload("set compute_only=false to grant a download request, or deny it")


@dataclass(frozen=True)
class ProjectedRequest:
    """What the ledger says about one request, as seen through its events."""

    request_id: str
    purpose: Purpose | None  # None until the AccessRequested event arrives: never allows
    state: RequestState
    expires_at: datetime | None
    max_jobs: int  # 0 means unlimited, as on the chaincode
    jobs_used: int
    compute_only: bool
    updated_at: datetime


@dataclass(frozen=True)
class Decision:
    allow: bool
    reason: Reason
    request_id: str | None = None
    grant_id: str | None = None
    expires_at: datetime | None = None
    compute_only: bool = False

    @property
    def detail(self) -> str:
        return _EXPLAINED[self.reason]


def _evaluate(r: ProjectedRequest, now: datetime) -> Reason:
    if r.state is RequestState.PENDING:
        return Reason.PENDING
    if r.state is RequestState.DENIED:
        return Reason.DENIED
    if r.state is RequestState.REVOKED:
        return Reason.REVOKED
    if r.state is not RequestState.GRANTED or r.expires_at is None or now >= r.expires_at:
        return Reason.EXPIRED
    if r.purpose is Purpose.DOWNLOAD and r.compute_only:
        return Reason.COMPUTE_ONLY
    if r.purpose is Purpose.TRAIN and r.max_jobs > 0 and r.jobs_used >= r.max_jobs:
        return Reason.MAX_JOBS_EXHAUSTED
    return Reason.GRANTED


def decide(*, org: str, purpose: Purpose, owner_org: str | None, requests: Sequence[ProjectedRequest],
           now: datetime, fresh: bool) -> Decision:
    """Deny by default. `requests` are the projected requests of `org` on the dataset; `fresh` says the
    projection was refreshed within its staleness bound (a grant is trusted only then)."""
    if owner_org is None:
        return Decision(False, Reason.UNKNOWN_DATASET)
    if org == owner_org:
        return Decision(True, Reason.OWNER)
    reported: Decision = Decision(False, Reason.NO_REQUEST)
    latest: datetime | None = None
    for r in requests:
        if r.purpose is not purpose:
            continue
        reason = _evaluate(r, now)
        was_granted = r.state in (RequestState.GRANTED, RequestState.REVOKED)
        grant_id = r.request_id if was_granted else None
        if reason is Reason.GRANTED:
            if not fresh:
                return Decision(False, Reason.PROJECTION_STALE, r.request_id, grant_id, r.expires_at, r.compute_only)
            return Decision(True, reason, r.request_id, grant_id, r.expires_at, r.compute_only)
        # Report the most recently changed request, as the chaincode does.
        if latest is None or r.updated_at >= latest:
            latest = r.updated_at
            reported = Decision(False, reason, r.request_id, grant_id, r.expires_at, r.compute_only)
    return reported


# Records this organisation keeps: its requests (both directions), their history, the projection's checkpoint.


@dataclass(frozen=True)
class RequestRecord:
    request_id: str
    dataset_id: str
    owner_org: str | None
    requester_org: str
    purpose: Purpose
    requested_expiry: datetime | None
    algorithm_code_hash: str | None
    state: RequestState
    pending_answer: Answer | None
    expires_at: datetime | None
    max_jobs: int | None
    compute_only: bool | None
    reason: str | None
    last_write_id: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    event: str
    state: RequestState
    actor: str
    write_id: str | None
    tx_id: str | None
    block_number: int | None
    detail: str | None


@dataclass(frozen=True)
class Checkpoint:
    name: str
    last_event_id: str | None
    last_tx_id: str | None
    last_block: int | None
    last_index: int | None
    applied: int
    polled_at: datetime | None
