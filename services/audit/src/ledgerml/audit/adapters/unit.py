"""The audit log's ports bound to one database transaction (`AuditUnit`), and the engine that opens
them (`SqlAuditUnits`). The `LogStore` is shared by every unit of a process: it keeps the frontier of
its last append in memory, so a batch does not re-read it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from ledgerml.audit.adapters.db import entries
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.queries import entry_view
from ledgerml.audit.adapters.tree_heads import (
    get_tree_head,
    head_view,
    latest_tree_head,
    set_ledger_write,
    store_tree_head,
)
from ledgerml.audit.domain import AuditEntry, SignedTreeHead
from ledgerml.audit.ports import Appended, LogState
from ledgerml.shared.events import EventData
from ledgerml.shared.ledgerwrites import enqueue_ledger_write
from ledgerml.shared.messaging import Outbox
from ledgerml.shared.persistence.tables import ledger_writes_table


class SqlLog:
    def __init__(self, conn: Connection, store: LogStore) -> None:
        self._conn, self._store = conn, store

    @property
    def log_id(self) -> str:
        return self._store.log_id

    def state(self, *, lock: bool = False, now: datetime | None = None) -> LogState:
        return self._store.state(self._conn, lock=lock, now=now)

    def append(self, batch: Iterable[AuditEntry], *, now: datetime,
               head_every: int | None = None) -> tuple[list[Appended], LogState, list[tuple[int, bytes]]]:
        return self._store.append(self._conn, batch, now=now, head_every=head_every)

    def mark_head(self, *, size: int, at: datetime) -> None:
        self._store.mark_head(self._conn, size=size, at=at)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return self._store.inclusion_proof(self._conn, index, size)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        return self._store.consistency_proof(self._conn, old_size, new_size)


class SqlEntries:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def entry(self, seq: int) -> dict[str, Any] | None:
        row = self._conn.execute(select(entries).where(entries.c.seq == seq)).first()
        return entry_view(row) if row is not None else None


class SqlTreeHeads:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, signed: SignedTreeHead) -> None:
        store_tree_head(self._conn, signed)

    def get(self, tree_size: int) -> SignedTreeHead | None:
        return get_tree_head(self._conn, tree_size)

    def latest(self) -> SignedTreeHead | None:
        return latest_tree_head(self._conn)

    def set_ledger_write(self, *, tree_size: int, write_id: str) -> None:
        set_ledger_write(self._conn, tree_size=tree_size, write_id=write_id)

    def view(self, signed: SignedTreeHead) -> dict[str, Any]:
        return head_view(self._conn, signed)


class SqlAnchors:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def pending(self, subject: str) -> bool:
        table = ledger_writes_table
        found = self._conn.execute(select(table.c.id).where(table.c.subject == subject,
                                                            table.c.state == "pending").limit(1))
        return found.first() is not None

    def enqueue(self, *, function: str, subject: str, args: Sequence[str], now: datetime) -> str:
        return enqueue_ledger_write(self._conn, function=function, subject=subject, args=list(args), now=now).id


class SqlEvents:
    def __init__(self, conn: Connection, outbox: Outbox | None) -> None:
        self._conn, self._outbox = conn, outbox

    def add(self, data: EventData, *, subject: str) -> None:
        if self._outbox is None:  # the consumer's units announce nothing; the relay hook's carry the outbox
            raise RuntimeError("this unit was bound without an outbox: it stages no events")
        self._outbox.add(self._conn, data, subject=subject)


class SqlAuditUnit:
    """Every port of the audit log on `conn` (its transaction)."""

    def __init__(self, conn: Connection, store: LogStore, *, outbox: Outbox | None = None) -> None:
        self.log = SqlLog(conn, store)
        self.entries = SqlEntries(conn)
        self.heads = SqlTreeHeads(conn)
        self.anchors = SqlAnchors(conn)
        self.events = SqlEvents(conn, outbox)


class SqlAuditUnits:
    def __init__(self, engine: Engine, store: LogStore) -> None:
        self.engine, self.store = engine, store

    @contextmanager
    def reading(self) -> Iterator[SqlAuditUnit]:
        with self.engine.connect() as conn:
            yield SqlAuditUnit(conn, self.store)

    @contextmanager
    def writing(self) -> Iterator[SqlAuditUnit]:
        with self.engine.begin() as conn:
            yield SqlAuditUnit(conn, self.store)
