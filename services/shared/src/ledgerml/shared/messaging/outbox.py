"""Write events in the same database transaction as the state change that caused them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, update

from ledgerml.shared.events import Envelope, EventData, topic_for
from ledgerml.shared.persistence import (
    insert_ignoring_duplicates,
    outbox_table,
    producer_sequences_table,
)
from ledgerml.shared.telemetry.context import current_traceparent


class Outbox:
    """`add` must run inside the caller's transaction; nothing is published here."""

    def __init__(self, *, org: str, service: str) -> None:
        self._org = org
        self._source = f"{org}/{service}"

    @property
    def source(self) -> str:
        return self._source

    def add(self, conn: Connection, data: EventData, *, subject: str) -> Envelope:
        envelope = Envelope.wrap(
            data,
            source=self._source,
            subject=subject,
            sequence=self._next_sequence(conn),
            traceparent=current_traceparent(),
        )
        conn.execute(
            outbox_table.insert().values(
                event_id=envelope.id,
                event_type=str(envelope.type),
                topic=topic_for(self._org, envelope.type.domain),
                record_key=envelope.subject,
                payload=envelope.to_json(),
                traceparent=envelope.traceparent,
                created_at=datetime.now(UTC),
                attempts=0,
            )
        )
        return envelope

    def _next_sequence(self, conn: Connection) -> int:
        # A counter row updated in the caller's transaction: a rollback also rolls the number back, so
        # the sequence has no gaps (a database sequence would leave one per aborted transaction).
        insert_ignoring_duplicates(conn, producer_sequences_table, {"source": self._source, "last_value": 0})
        stmt = (
            update(producer_sequences_table)
            .where(producer_sequences_table.c.source == self._source)
            .values(last_value=producer_sequences_table.c.last_value + 1)
            .returning(producer_sequences_table.c.last_value)
        )
        return int(conn.execute(stmt).scalar_one())
