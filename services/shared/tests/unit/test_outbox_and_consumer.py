"""Outbox, relay and idempotent consumer on an embedded SQLite database with fake broker ports."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, func, select

from ledgerml.shared.errors import DependencyUnavailable
from ledgerml.shared.events import Envelope, EventType
from ledgerml.shared.messaging import IdempotentConsumer, InboundRecord, Outbox, OutboxRelay
from ledgerml.shared.persistence import create_db_engine, messaging_metadata, outbox_table
from ledgerml.stack.testing.fakes import ListSource, RecordingPublisher

from .samples import SAMPLES

state = MetaData()
jobs = Table("jobs", state, Column("job_id", String(32), primary_key=True))


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'svc.db'}")
    messaging_metadata.create_all(engine)
    state.create_all(engine)
    return engine


def _fail(conn: Connection) -> None:
    raise RuntimeError("state change failed")


def test_outbox_row_commits_and_rolls_back_with_the_state(engine: Engine) -> None:
    outbox = Outbox(org="org1", service="training")
    with engine.begin() as conn:
        conn.execute(jobs.insert().values(job_id="j1"))
        first = outbox.add(conn, SAMPLES[EventType.TRAINING_JOB_FAILED], subject="j1")
    with pytest.raises(RuntimeError), engine.begin() as conn:
        outbox.add(conn, SAMPLES[EventType.TRAINING_JOB_FAILED], subject="j2")
        _fail(conn)
    with engine.begin() as conn:
        second = outbox.add(conn, SAMPLES[EventType.TRAINING_JOB_FAILED], subject="j3")
        assert conn.execute(select(func.count()).select_from(outbox_table)).scalar_one() == 2
    assert (first.sequence, second.sequence) == (1, 2)  # the rolled-back event left no gap


def test_relay_publishes_in_order_and_marks_sent(engine: Engine) -> None:
    outbox, publisher = Outbox(org="org1", service="training"), RecordingPublisher()
    with engine.begin() as conn:
        ids = [outbox.add(conn, SAMPLES[EventType.TRAINING_JOB_FAILED], subject=f"j{i}").id for i in range(3)]
    relay = OutboxRelay(engine=engine, publisher=publisher, batch_size=2)
    assert [relay.publish_pending(), relay.publish_pending(), relay.publish_pending()] == [2, 1, 0]
    assert [Envelope.from_json(r.value).id for r in publisher.published] == ids
    record = publisher.published[0]
    assert record.topic == "org1.training" and record.key == b"j0"
    assert ("ce_id", ids[0].encode()) in record.headers


def test_relay_keeps_rows_when_the_broker_is_down(engine: Engine) -> None:
    outbox, publisher = Outbox(org="org1", service="training"), RecordingPublisher()
    with engine.begin() as conn:
        outbox.add(conn, SAMPLES[EventType.TRAINING_JOB_FAILED], subject="j1")
    publisher.fail = True
    relay = OutboxRelay(engine=engine, publisher=publisher)
    with pytest.raises(DependencyUnavailable):
        relay.publish_pending()
    publisher.fail = False
    assert relay.publish_pending() == 1 and len(publisher.published) == 1


def _records(*envelopes: Envelope) -> list[InboundRecord]:
    return [InboundRecord(topic="org1.training", partition=0, offset=i, key=e.key, value=e.to_json())
            for i, e in enumerate(envelopes)]


def _insert_job(conn: Connection, envelope: Envelope) -> None:
    conn.execute(jobs.insert().values(job_id=envelope.subject))


def test_consumer_applies_each_event_once(engine: Engine) -> None:
    event = Envelope.wrap(SAMPLES[EventType.TRAINING_JOB_FAILED], source="org1/training", subject="j1",
                          sequence=1)
    source = ListSource(_records(event, event, event))  # redelivered twice
    result = IdempotentConsumer(name="audit", engine=engine, source=source, handler=_insert_job).process_batch()
    assert (result.applied, result.duplicates, source.committed) == (1, 2, 3)


def test_failed_effect_is_not_committed_and_comes_back(engine: Engine) -> None:
    good = Envelope.wrap(SAMPLES[EventType.TRAINING_JOB_FAILED], source="org1/training", subject="j1",
                         sequence=1)
    bad = Envelope.wrap(SAMPLES[EventType.TRAINING_JOB_FAILED], source="org1/training", subject="j1",
                        sequence=2)  # same job id: the insert violates the primary key
    source = ListSource(_records(good, bad))
    consumer = IdempotentConsumer(name="audit", engine=engine, source=source, handler=_insert_job)
    with pytest.raises(Exception, match="UNIQUE"):
        consumer.process_batch()
    assert (source.committed, source.position) == (1, 1)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(jobs)).scalar_one() == 1


def test_poison_record_is_skipped_and_committed(engine: Engine) -> None:
    source = ListSource([InboundRecord(topic="t", partition=0, offset=0, key=None, value=b"{}")])
    result = IdempotentConsumer(name="audit", engine=engine, source=source, handler=_insert_job).process_batch()
    assert (result.rejected, source.committed) == (1, 1)
