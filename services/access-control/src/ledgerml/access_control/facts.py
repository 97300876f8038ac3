"""Ledger facts the projection is built from, whichever way they arrive (pure dataclasses).

Chaincode events reach this service two ways: as envelopes from the ledger→Kafka bridge (the normal
path) and straight from the `Ledger` port's `events()` when the projection is rebuilt. Both are first
turned into these facts (`ledger_events`), so the projection has one set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledgerml.access_control.domain import Purpose, RequestState


@dataclass(frozen=True)
class LedgerRef:
    """Where a fact sits on the ledger. `block_number`/`index` are known on the ledger path; the bridge
    envelope carries only `tx_id:index` as its id, so they may be None there."""

    event_id: str
    tx_id: str
    block_number: int | None
    index: int | None
    at: datetime


@dataclass(frozen=True)
class DatasetKnown:
    ref: LedgerRef
    dataset_id: str
    owner_org: str


@dataclass(frozen=True)
class RequestSeen:
    ref: LedgerRef
    request_id: str
    dataset_id: str
    requester_org: str
    purpose: Purpose | None
    owner_org: str | None = None
    requested_expiry: datetime | None = None
    algorithm_code_hash: str | None = None


@dataclass(frozen=True)
class Answered:
    """A grant, denial or revocation committed by the dataset owner."""

    ref: LedgerRef
    request_id: str
    dataset_id: str
    requester_org: str
    state: RequestState
    expires_at: datetime | None = None
    max_jobs: int = 0
    compute_only: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class JobCharged:
    """A training job charged to grants: (dataset id, grant request id or None when not told which)."""

    ref: LedgerRef
    job_id: str
    requester_org: str
    inputs: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class JobReleased:
    ref: LedgerRef
    job_id: str


Fact = DatasetKnown | RequestSeen | Answered | JobCharged | JobReleased
