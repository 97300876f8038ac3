"""Outbox, relay and idempotent consumer against both SQLite (WAL) and PostgreSQL, over real Kafka."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, func, select, text

from ledgerml.shared.errors import DependencyUnavailable
from ledgerml.shared.events import Envelope
from ledgerml.shared.events.schemas import TrainingFailed
from ledgerml.shared.messaging import IdempotentConsumer, Outbox, OutboxRelay
from ledgerml.shared.messaging.kafka import KafkaEventSource, KafkaPublisher, KafkaReadiness, ensure_topics
from ledgerml.shared.persistence import outbox_table, processed_events_table
from ledgerml.shared.web.health import DatabaseReadiness

pytestmark = pytest.mark.integration


@pytest.fixture
def publisher(kafka_bootstrap: str) -> Iterator[KafkaPublisher]:
    publisher = KafkaPublisher(bootstrap=kafka_bootstrap, client_id="it-relay", deadline_s=20)
    yield publisher
    publisher.close()


def _noop(conn: Connection, envelope: Envelope) -> None:
    conn.execute(text("SELECT 1"))


def test_outbox_to_consumer_on_each_database(messaging_engine: Engine, publisher: KafkaPublisher,
                                             kafka_bootstrap: str, unique: str) -> None:
    org = f"db{unique}"
    ensure_topics(kafka_bootstrap, [f"{org}.training"], partitions=2)
    outbox = Outbox(org=org, service="training")
    with messaging_engine.begin() as conn:
        sent = [outbox.add(conn, TrainingFailed(job_id=f"j{i}", reason="x"), subject=f"j{i}") for i in range(3)]
    assert [e.sequence for e in sent] == [1, 2, 3]
    assert OutboxRelay(engine=messaging_engine, publisher=publisher).publish_pending() == 3

    source = KafkaEventSource(bootstrap=kafka_bootstrap, group_id=f"g{unique}", topics=[f"{org}.training"],
                              client_id="it-consumer")
    consumer = IdempotentConsumer(name="audit", engine=messaging_engine, source=source, handler=_noop)
    applied, deadline = 0, time.monotonic() + 60
    while applied < 3 and time.monotonic() < deadline:  # poll
        applied += consumer.process_batch(timeout_s=1.0).applied
    source.close()
    assert applied == 3
    with messaging_engine.connect() as conn:
        ids = set(conn.execute(select(processed_events_table.c.event_id)).scalars())
        unsent = conn.execute(select(func.count()).select_from(outbox_table)
                              .where(outbox_table.c.sent_at.is_(None))).scalar_one()
    assert ids == {e.id for e in sent} and unsent == 0


def test_sequence_has_no_gap_after_rollback(messaging_engine: Engine) -> None:
    outbox = Outbox(org="org1", service="registry")
    with messaging_engine.begin() as conn:
        outbox.add(conn, TrainingFailed(job_id="a", reason="x"), subject="a")
    with pytest.raises(ZeroDivisionError), messaging_engine.begin() as conn:
        outbox.add(conn, TrainingFailed(job_id="b", reason="x"), subject="b")
        _ = 1 / 0
    with messaging_engine.begin() as conn:
        assert outbox.add(conn, TrainingFailed(job_id="c", reason="x"), subject="c").sequence == 2


def test_readiness_checks_real_dependencies(messaging_engine: Engine, kafka_bootstrap: str) -> None:
    DatabaseReadiness(messaging_engine).check()
    ready = KafkaReadiness(bootstrap=kafka_bootstrap)
    ready.check()
    ready.close()
    with pytest.raises(DependencyUnavailable):
        KafkaReadiness(bootstrap="127.0.0.1:1", timeout_s=1).check()
