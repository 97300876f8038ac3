"""What access-control's use cases need from the outside, as small Protocols.

Each is bound to one database transaction (adapters/ implements them on its connection): a request's
record, its history entry and the ledger write it enqueues commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from ledgerml.access_control.domain import Checkpoint, HistoryEntry, ProjectedRequest, RequestRecord, RequestState
from ledgerml.shared.ledgerwrites import LedgerWrite


class RequestStore(Protocol):
    """This organisation's access requests (both directions) and their history."""

    def get(self, request_id: str) -> RequestRecord | None: ...

    def insert(self, record: RequestRecord) -> None: ...

    def update(self, request_id: str, **changes: Any) -> None: ...

    def page(self, *, owner_org: str | None, requester_org: str | None, state: RequestState | None, limit: int,
             cursor: str | None) -> list[RequestRecord]:
        """Requests where `owner_org` owns the dataset or `requester_org` asked (None = any), oldest first."""
        ...

    def add_history(self, request_id: str, *, at: datetime, event: str, state: RequestState, actor: str,
                    write_id: str | None = None, detail: str | None = None) -> None: ...

    def history(self, request_id: str) -> list[HistoryEntry]: ...


class ProjectionReader(Protocol):
    """The decision projection fed by ledger events: owners, requests as the ledger sees them, freshness."""

    def dataset_owner(self, dataset_id: str) -> str | None: ...

    def requests_for(self, dataset_id: str, org: str) -> list[ProjectedRequest]: ...

    def last_polled(self, consumer: str) -> datetime | None: ...

    def checkpoint(self, consumer: str) -> Checkpoint | None: ...


class LedgerWrites(Protocol):
    def enqueue(self, *, function: str, args: Sequence[str], subject: str, now: datetime) -> LedgerWrite:
        """Record a ledger transaction to submit with the current transaction's changes."""
        ...

    def get(self, write_id: str) -> LedgerWrite | None: ...
