"""The ledger-write outbox: a service records the ledger transaction it needs in the same database
transaction as its own state change, and a relay submits it through the `Ledger` port.

Why: a request handler that submitted to the ledger directly could commit its local state and crash
before the ledger call, or commit on the ledger and lose the local record. Here nothing is lost, the
API answers 202 with the write's honest state (pending / committed with tx id and block / rejected
with the chaincode's error code), and writes about one subject are submitted in the order they were
made (a revoke never overtakes its grant). A crash between the ledger's commit and the row update, or a
commit not confirmed in time, resubmits that write with its id as the idempotency key: the ledger
recognises the same signed transaction (same nonce) and answers with the first commit's receipt, so a
write is never applied twice.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from prometheus_client import Counter
from sqlalchemy import Connection, Engine, and_, exists, insert, select, update
from sqlalchemy.orm import aliased

from ledgerml.shared.errors import DependencyUnavailable, LedgerError
from ledgerml.shared.ledger import Fn, Ledger
from ledgerml.shared.persistence.tables import ledger_writes_table as t

log = logging.getLogger(__name__)
OUTCOMES = Counter("ledgerml_ledger_writes_total", "Ledger writes by outcome", ["function", "outcome"])

WriteState = Literal["pending", "committed", "rejected"]
MAX_BACKOFF_S = 60


@dataclass(frozen=True)
class LedgerWrite:
    id: str
    function: str
    args: tuple[str, ...]
    subject: str
    state: WriteState
    tx_id: str | None
    block_number: int | None
    error_code: str | None
    error_detail: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime

    def status(self) -> dict[str, object]:
        """The `ledger` block of API views."""
        return {"state": self.state, "tx_id": self.tx_id, "block_number": self.block_number,
                "error_code": self.error_code, "error_detail": self.error_detail}


def _row_to_write(row: object) -> LedgerWrite:
    m = row._mapping  # type: ignore[attr-defined]
    return LedgerWrite(m["id"], m["function"], tuple(json.loads(m["args"])), m["subject"], m["state"], m["tx_id"],
                       m["block_number"], m["error_code"], m["error_detail"], m["attempts"], m["created_at"],
                       m["updated_at"])


def enqueue_ledger_write(conn: Connection, *, function: Fn | str, args: Sequence[str], subject: str,
                         now: datetime | None = None) -> LedgerWrite:
    """Record a ledger transaction to submit; call inside the transaction that changes local state."""
    at = now or datetime.now(UTC)
    function = str(function)
    write = LedgerWrite(str(uuid.uuid4()), function, tuple(args), subject, "pending", None, None, None, None, 0,
                        at, at)
    conn.execute(insert(t).values(id=write.id, function=function, args=json.dumps(list(args)).encode(),
                                  subject=subject, state="pending", attempts=0, next_attempt_at=at,
                                  created_at=at, updated_at=at))
    return write


def get_ledger_write(conn: Connection, write_id: str) -> LedgerWrite | None:
    row = conn.execute(select(t).where(t.c.id == write_id)).first()
    return _row_to_write(row) if row else None


def ledger_writes_for(conn: Connection, subject: str) -> list[LedgerWrite]:
    rows = conn.execute(select(t).where(t.c.subject == subject).order_by(t.c.created_at, t.c.id)).all()
    return [_row_to_write(r) for r in rows]


OutcomeHook = Callable[[Connection, LedgerWrite], None]


class LedgerWriteRelay:
    """Submits due pending writes, oldest first, one subject at a time in order."""

    def __init__(self, *, engine: Engine, ledger: Ledger, on_outcome: OutcomeHook | None = None,
                 batch_size: int = 20, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._engine = engine
        self._ledger = ledger
        self._on_outcome = on_outcome
        self._batch_size = batch_size
        self._clock = clock

    def _due(self, conn: Connection) -> list[LedgerWrite]:
        earlier = aliased(t)
        blocked = exists().where(and_(earlier.c.subject == t.c.subject, earlier.c.state == "pending",
                                      earlier.c.created_at < t.c.created_at))
        rows = conn.execute(select(t).where(t.c.state == "pending", t.c.next_attempt_at <= self._clock(), ~blocked)
                            .order_by(t.c.created_at, t.c.id).limit(self._batch_size)).all()
        return [_row_to_write(r) for r in rows]

    def submit_pending(self) -> int:
        """Submit one batch; returns how many writes reached a final state (committed or rejected)."""
        with self._engine.connect() as conn:
            due = self._due(conn)
        settled = 0
        for write in due:
            settled += self._submit(write)
        return settled

    def _submit(self, write: LedgerWrite) -> int:
        now = self._clock()
        changes: dict[str, object] = {"attempts": write.attempts + 1, "updated_at": now}
        try:
            receipt = self._ledger.submit(write.function, list(write.args), idempotency_key=write.id)
            changes |= {"state": "committed", "tx_id": receipt.tx_id, "block_number": receipt.block_number,
                        "error_code": None, "error_detail": None}
            outcome = "committed"
        except DependencyUnavailable as exc:
            backoff = min(MAX_BACKOFF_S, 2 ** min(write.attempts, 6))
            changes |= {"error_code": exc.code, "error_detail": exc.detail[:1024],
                        "next_attempt_at": now + timedelta(seconds=backoff)}
            if isinstance(exc, LedgerError) and exc.tx_id:  # broadcast, commit not yet confirmed
                changes["tx_id"] = exc.tx_id
            outcome = "retry"
        except LedgerError as exc:
            changes |= {"state": "rejected", "tx_id": exc.tx_id, "error_code": exc.code,
                        "error_detail": exc.detail[:1024]}
            outcome = "rejected"
        with self._engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == write.id).values(**changes))
            updated = get_ledger_write(conn, write.id)
            if updated is not None and outcome != "retry" and self._on_outcome is not None:
                self._on_outcome(conn, updated)
        OUTCOMES.labels(write.function, outcome).inc()
        log.info("ledger write", extra={"function": write.function, "outcome": outcome,
                                        "code": changes.get("error_code")})
        return 0 if outcome == "retry" else 1

    def run(self, stop: threading.Event, *, idle_wait_s: float = 1.0) -> None:
        while not stop.is_set():
            if self.submit_pending() == 0:
                stop.wait(idle_wait_s)  # poll
