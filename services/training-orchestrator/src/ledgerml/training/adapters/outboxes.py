"""The ledger-write outbox (`ledgerml.shared.ledgerwrites`) bound to the use case's connection."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from ledgerml.shared.ledgerwrites import LedgerWrite, enqueue_ledger_write, ledger_writes_for


class SqlLedgerWrites:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def enqueue(self, *, function: str, args: Sequence[str], subject: str) -> LedgerWrite:
        return enqueue_ledger_write(self._conn, function=function, args=args, subject=subject)

    def about(self, subject: str) -> list[LedgerWrite]:
        return ledger_writes_for(self._conn, subject)
