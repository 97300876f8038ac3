"""Idempotent consumer: the processed event id and the effect commit in one transaction, and the
broker offset is committed only afterwards. At-least-once delivery, exactly-once effect."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from opentelemetry import trace
from prometheus_client import Counter
from sqlalchemy import Connection, Engine

from ledgerml.shared.errors import EventRejected
from ledgerml.shared.events import Envelope
from ledgerml.shared.messaging.ports import EventSource, InboundRecord
from ledgerml.shared.persistence import insert_ignoring_duplicates, processed_events_table
from ledgerml.shared.telemetry.context import extract_context

log = logging.getLogger(__name__)
tracer = trace.get_tracer("ledgerml.shared.messaging")

CONSUMED = Counter("ledgerml_events_consumed_total", "Consumed events by outcome", ["consumer", "outcome"])

EventHandler = Callable[[Connection, Envelope], None]
"""Applies one event's effect using the given connection, inside the consumer's transaction."""


@dataclass
class BatchResult:
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0


class IdempotentConsumer:
    def __init__(self, *, name: str, engine: Engine, source: EventSource, handler: EventHandler) -> None:
        self._name = name
        self._engine = engine
        self._source = source
        self._handler = handler

    def process_batch(self, timeout_s: float = 1.0) -> BatchResult:
        records = self._source.poll(timeout_s)
        result = BatchResult()
        for index, record in enumerate(records):
            try:
                outcome = self._process(record)
            except Exception:
                # Commit what succeeded, then make the failed record come back; no offset skips it.
                self._source.commit(records[:index])
                self._source.rewind(record)
                raise
            setattr(result, outcome, getattr(result, outcome) + 1)
            CONSUMED.labels(self._name, outcome).inc()
        if records:
            self._source.commit(records)
        return result

    def close(self) -> None:
        """Close the source (the Kafka consumer leaves its group promptly)."""
        close = getattr(self._source, "close", None)
        if callable(close):
            close()

    def _process(self, record: InboundRecord) -> str:
        with tracer.start_as_current_span(
            f"{record.topic} process",
            context=extract_context(record.headers),
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": record.topic,
                        "messaging.kafka.offset": record.offset, "messaging.consumer.group.name": self._name},
        ) as span:
            try:
                envelope = Envelope.from_json(record.value)
            except EventRejected as exc:
                # A record that can never parse would block its partition forever; skip it loudly.
                log.error("event rejected", extra={"topic": record.topic, "offset": record.offset,
                                                   "code": exc.code})
                return "rejected"
            span.set_attribute("messaging.message.id", envelope.id)
            with self._engine.begin() as conn:
                first_time = insert_ignoring_duplicates(
                    conn, processed_events_table,
                    {"consumer": self._name, "event_id": envelope.id, "processed_at": datetime.now(UTC)},
                )
                if not first_time:
                    log.info("duplicate event skipped", extra=envelope.describe())
                    return "duplicates"
                self._handler(conn, envelope)
            log.info("event applied", extra=envelope.describe())
            return "applied"

