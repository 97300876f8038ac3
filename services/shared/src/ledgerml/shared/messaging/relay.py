"""Publish committed outbox rows and mark them sent: at-least-once, in outbox order."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from prometheus_client import Counter
from sqlalchemy import Engine, select, update

from ledgerml.shared.errors import LedgerMLError
from ledgerml.shared.messaging.ports import EventPublisher, OutboundRecord
from ledgerml.shared.persistence import outbox_table

log = logging.getLogger(__name__)

PUBLISHED = Counter("ledgerml_outbox_published_total", "Outbox events published and marked sent")
FAILURES = Counter("ledgerml_outbox_publish_failures_total", "Relay batches that failed to publish")


class OutboxRelay:
    """A crash after the broker acknowledged but before `sent_at` is written republishes the batch on
    restart; consumers drop the duplicate by event id. That is the price of never losing one."""

    def __init__(self, *, engine: Engine, publisher: EventPublisher, batch_size: int = 100) -> None:
        self._engine = engine
        self._publisher = publisher
        self._batch_size = batch_size

    def publish_pending(self) -> int:
        """Publish one batch; returns how many events were sent."""
        t = outbox_table
        with self._engine.begin() as conn:
            # SKIP LOCKED lets several relays share one PostgreSQL outbox; SQLite ignores it.
            rows = conn.execute(
                select(t.c.id, t.c.event_id, t.c.topic, t.c.record_key, t.c.payload, t.c.traceparent)
                .where(t.c.sent_at.is_(None))
                .order_by(t.c.id)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            records = [_record(r.topic, r.record_key, r.payload, r.event_id, r.traceparent) for r in rows]
            self._publisher.publish(records)
            conn.execute(
                update(t).where(t.c.id.in_([r.id for r in rows]))
                .values(sent_at=datetime.now(UTC), attempts=t.c.attempts + 1)
            )
        PUBLISHED.inc(len(rows))
        log.info("outbox batch published", extra={"count": len(rows)})
        return len(rows)

    def run(self, stop: threading.Event, *, idle_wait_s: float = 0.5) -> None:
        """Loop until `stop` is set; waits on the event (not a sleep) when idle or after a failure."""
        while not stop.is_set():
            try:
                sent = self.publish_pending()
            except LedgerMLError as exc:
                FAILURES.inc()
                log.warning("outbox publish failed", extra={"code": exc.code})
                sent = 0
            if sent == 0:
                stop.wait(idle_wait_s)  # poll


def _record(topic: str, key: str, payload: bytes, event_id: str, traceparent: str | None) -> OutboundRecord:
    headers = [("ce_id", event_id.encode()), ("content-type", b"application/cloudevents+json")]
    if traceparent:
        headers.append(("traceparent", traceparent.encode()))
    return OutboundRecord(topic=topic, key=key.encode(), value=bytes(payload), headers=headers)
