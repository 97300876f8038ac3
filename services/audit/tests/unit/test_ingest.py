"""The audit consumer: each event appended once with its processed-event record, duplicates dropped by
id, unreadable records skipped, a failed append rolled back and retried, heads anchored on time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from ledgerml.audit import consumers
from ledgerml.audit.adapters.db import entries
from ledgerml.audit.adapters.tree_heads import latest_tree_head
from ledgerml.audit.consumers import AuditConsumer
from ledgerml.audit.ports import AuditUnit
from ledgerml.audit.service import AuditLog, record_events
from ledgerml.audit.settings import AuditSettings
from ledgerml.shared.events import Envelope
from ledgerml.shared.persistence import processed_events_table
from ledgerml.stack.testing.fakes import ListSource, records_of

from ..story import filler, story
from .conftest import Clock


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_duplicates_are_dropped_by_event_id(engine: Engine, audit_log: AuditLog) -> None:
    envelopes = story()
    source = ListSource(records_of([*envelopes, envelopes[2], envelopes[5], b"not json"]))
    result = AuditConsumer(name="audit", engine=engine, source=source, log=audit_log).process_batch()
    assert (result.applied, result.duplicates, result.rejected) == (11, 2, 1)
    assert _count(engine, entries) == 11 == _count(engine, processed_events_table)
    assert source.committed == 14


def test_failed_batch_is_replayed_per_record_and_redelivered(engine: Engine, audit_log: AuditLog,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    batch = filler(3)
    source = ListSource(records_of(batch))
    consumer = AuditConsumer(name="audit", engine=engine, source=source, log=audit_log)
    failures = {"left": 2}  # the batch, then the record itself when replayed alone

    def flaky(*, unit: AuditUnit, envelopes: Sequence[Envelope], log: AuditLog) -> list[Any]:
        appended = record_events(unit=unit, envelopes=envelopes, log=log)
        if failures["left"] and batch[1] in envelopes:
            failures["left"] -= 1
            raise RuntimeError("crash after the append, before commit")
        return appended

    monkeypatch.setattr(consumers, "record_events", flaky)
    with pytest.raises(RuntimeError):
        consumer.process_batch()
    assert _count(engine, entries) == 1 == _count(engine, processed_events_table) and source.committed == 1
    assert consumer.process_batch().applied == 2
    with engine.connect() as conn:
        assert [r.event_id for r in conn.execute(select(entries).order_by(entries.c.seq))] == [e.id for e in batch]


def test_batches_anchor_the_tail_after_the_interval(engine: Engine, audit_log: AuditLog, clock: Clock) -> None:
    source = ListSource(records_of(filler(6)))
    consumer = AuditConsumer(name="audit", engine=engine, source=source, log=audit_log)
    consumer.process_batch()
    with engine.connect() as conn:
        first = latest_tree_head(conn)
    assert first is not None and first.head.tree_size == 4
    clock.advance(audit_log.policy.interval_s)
    consumer.process_batch()  # nothing new arrives, but the tail is now due
    with engine.connect() as conn:
        latest = latest_tree_head(conn)
    assert latest is not None and latest.head.tree_size == 6


def test_settings_name_every_audited_topic() -> None:
    settings = AuditSettings(org="org1", audited_orgs=("org1", "org2"))
    assert settings.topics[:5] == ["org1.storage", "org1.access", "org1.registry", "org1.training", "org1.ledger"]
    assert len(settings.topics) == 10 and settings.effective_log_id == "org1-audit"
    assert settings.effective_consumer_group == "org1-audit"
    assert AuditSettings(org="org2", consumer_group="g").effective_consumer_group == "g"
