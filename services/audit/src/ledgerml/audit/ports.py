"""What the audit log's use cases need from the outside, as small Protocols.

One `AuditUnit` is bound to one database transaction (the consumer's, or a route's read): the append,
its signed heads, the anchor it queues and the events it stages commit or roll back together.
`AuditUnits` opens such units, for a use case that reads before it decides to write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ledgerml.audit.domain import AuditEntry, SignedTreeHead
from ledgerml.audit.merkle_log import Frontier
from ledgerml.shared.events import EventData


@dataclass(frozen=True)
class LogState:
    size: int
    frontier: Frontier
    last_head_size: int
    last_head_at: datetime | None


@dataclass(frozen=True)
class Appended:
    seq: int
    leaf_hash: bytes
    size: int


class AppendOnlyLog(Protocol):
    """The Merkle log of entries, O(log n) per append, proofs from stored subtree roots."""

    @property
    def log_id(self) -> str: ...

    def state(self, *, lock: bool = False, now: datetime | None = None) -> LogState: ...

    def append(self, batch: Iterable[AuditEntry], *, now: datetime,
               head_every: int | None = None) -> tuple[list[Appended], LogState, list[tuple[int, bytes]]]:
        """Append in order (`batch` may be lazy); returns the entries, the new state and the (size, root)
        of every point where `head_every` entries accumulated since the last head."""
        ...

    def mark_head(self, *, size: int, at: datetime) -> None: ...

    def inclusion_proof(self, index: int, size: int) -> list[bytes]: ...

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]: ...


class EntryStore(Protocol):
    def entry(self, seq: int) -> dict[str, Any] | None:
        """The entry at `seq` as the API shows it (seq, leaf_hash, entry), or None."""
        ...


class TreeHeadStore(Protocol):
    def add(self, signed: SignedTreeHead) -> None: ...

    def get(self, tree_size: int) -> SignedTreeHead | None: ...

    def latest(self) -> SignedTreeHead | None: ...

    def set_ledger_write(self, *, tree_size: int, write_id: str) -> None: ...

    def view(self, signed: SignedTreeHead) -> dict[str, Any]:
        """The head as the API shows it, with its anchor's ledger status."""
        ...


class AnchorWrites(Protocol):
    def pending(self, subject: str) -> bool:
        """Whether a ledger write of `subject` is still waiting for the ledger."""
        ...

    def enqueue(self, *, function: str, subject: str, args: Sequence[str], now: datetime) -> str:
        """Queue a ledger transaction in this unit's transaction; returns the write id."""
        ...


class EventSink(Protocol):
    def add(self, data: EventData, *, subject: str) -> None:
        """Stage an event in the outbox of the current transaction."""
        ...


class AuditUnit(Protocol):
    """The ports of one transaction."""

    @property
    def log(self) -> AppendOnlyLog: ...

    @property
    def entries(self) -> EntryStore: ...

    @property
    def heads(self) -> TreeHeadStore: ...

    @property
    def anchors(self) -> AnchorWrites: ...

    @property
    def events(self) -> EventSink: ...


class AuditUnits(Protocol):
    def reading(self) -> AbstractContextManager[AuditUnit]:
        """A unit that only reads (nothing to commit)."""
        ...

    def writing(self) -> AbstractContextManager[AuditUnit]:
        """A unit whose transaction commits when the block ends without an error."""
        ...
