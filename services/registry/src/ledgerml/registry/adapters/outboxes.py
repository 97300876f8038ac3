"""The two outboxes a registry transaction writes to, bound to its connection: ledger writes
(`ledgerml.shared.ledgerwrites`) and events (`ledgerml.shared.messaging.Outbox`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from ledgerml.registry import SERVICE
from ledgerml.shared.events import EventData
from ledgerml.shared.ledgerwrites import enqueue_ledger_write
from ledgerml.shared.messaging import Outbox


class SqlLedgerWrites:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def enqueue(self, *, function: str, args: Sequence[str], subject: str) -> str:
        return enqueue_ledger_write(self._conn, function=function, args=args, subject=subject).id


class SqlEvents:
    def __init__(self, conn: Connection, *, org: str) -> None:
        self._conn = conn
        self._outbox = Outbox(org=org, service=SERVICE)

    def add(self, data: EventData, *, subject: str) -> None:
        self._outbox.add(self._conn, data, subject=subject)
