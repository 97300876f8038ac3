"""The ledger-write outbox (`ledgerml.shared.ledgerwrites`) bound to the use case's connection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from ledgerml.shared.ledgerwrites import LedgerWrite, enqueue_ledger_write, get_ledger_write


class SqlLedgerWrites:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def enqueue(self, *, function: str, args: Sequence[str], subject: str, now: datetime) -> LedgerWrite:
        return enqueue_ledger_write(self._conn, function=function, args=args, subject=subject, now=now)

    def get(self, write_id: str) -> LedgerWrite | None:
        return get_ledger_write(self._conn, write_id)
