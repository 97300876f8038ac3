"""The batched append path: one bulk write per table per batch, the frontier kept in memory between
batches. Whatever the batching, duplicates, restarts or rolled-back batches, the log is the one a
one-entry-at-a-time append builds: same entries, subtree roots, tree heads and anchors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from ledgerml.audit.adapters.bulk import write_rows
from ledgerml.audit.adapters.db import MIGRATIONS, entries, nodes, subjects, tree_heads
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.unit import SqlAuditUnit
from ledgerml.audit.consumers import AuditConsumer
from ledgerml.audit.service import AuditLog, record_event, record_events
from ledgerml.shared import merkle
from ledgerml.shared.events import Envelope
from ledgerml.shared.ledgerwrites import ledger_writes_for
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.stack.testing.fakes import ListSource, records_of

from ..story import filler, story


def _fresh_store(audit_log: AuditLog) -> LogStore:
    """The same log with a new `LogStore`: what a restarted process holds (nothing in memory)."""
    return LogStore(audit_log.log_id)


def _snapshot(engine: Engine) -> dict[str, Any]:
    """Everything the append writes, in a comparable form (signatures aside: ECDSA signs with fresh nonces)."""
    with engine.connect() as conn:
        return {
            "entries": conn.execute(select(entries.c.seq, entries.c.event_id, entries.c.leaf_hash, entries.c.entry)
                                    .order_by(entries.c.seq)).all(),
            "subjects": sorted(conn.execute(select(subjects)).all()),
            "nodes": sorted(conn.execute(select(nodes)).all()),
            "heads": conn.execute(select(tree_heads.c.tree_size, tree_heads.c.root_hash)
                                  .order_by(tree_heads.c.tree_size)).all(),
            "anchors": [w.args for w in ledger_writes_for(conn, "audit-log:org1-audit")],
        }


@pytest.fixture
def one_by_one(tmp_path: Path, audit_log: AuditLog) -> Any:
    """A second database filled the reference way: one `record_event` per envelope."""
    def build(envelopes: list[Envelope]) -> dict[str, Any]:
        engine = create_db_engine(f"sqlite:///{tmp_path / 'reference.db'}")
        upgrade(engine, MIGRATIONS)
        store = _fresh_store(audit_log)
        with engine.begin() as conn:
            for envelope in envelopes:
                record_event(unit=SqlAuditUnit(conn, store), envelope=envelope, log=audit_log)
        snapshot = _snapshot(engine)
        engine.dispose()
        return snapshot
    return build


def test_a_batch_spanning_head_boundaries_equals_appending_one_by_one(engine: Engine, audit_log: AuditLog,
                                                                      one_by_one: Any) -> None:
    envelopes = story() + filler(10)  # 21 entries: heads due at 4, 8, 12, 16 and 20, all inside one batch
    result = AuditConsumer(name="audit", engine=engine, source=ListSource(records_of(envelopes)),
                           log=audit_log).process_batch()
    assert result.applied == 21
    batched = _snapshot(engine)
    assert batched == one_by_one(envelopes)
    hashes = [merkle.leaf_hash(bytes(row.entry)) for row in batched["entries"]]
    assert [(size, bytes.fromhex(root)) for size, root in batched["heads"]] == [
        (size, merkle.root_of(hashes[:size])) for size in (4, 8, 12, 16, 20)]
    assert batched["anchors"] == [("org1-audit", "4", merkle.root_of(hashes[:4]).hex())]  # one in flight


def test_a_duplicate_in_a_batch_and_a_redelivered_batch_are_stored_once(engine: Engine, audit_log: AuditLog,
                                                                       one_by_one: Any) -> None:
    envelopes = filler(9)
    records = records_of([*envelopes[:5], envelopes[2], *envelopes[5:]])  # the duplicate straddles the head at 4
    consumer = AuditConsumer(name="audit", engine=engine, source=ListSource(records), log=audit_log)
    first = consumer.process_batch()
    assert (first.applied, first.duplicates) == (9, 1)
    # At-least-once: the process died before committing the offsets, so the broker delivers it all again,
    # to a restarted consumer that holds nothing in memory.
    again = AuditConsumer(name="audit", engine=engine, source=ListSource(records), log=audit_log,
                           store=_fresh_store(audit_log))
    second = again.process_batch()
    assert (second.applied, second.duplicates) == (0, 10)
    assert _snapshot(engine) == one_by_one(envelopes)


@pytest.mark.parametrize("split", [1, 4, 7, 13])
def test_a_restart_rebuilds_the_frontier_from_the_database(engine: Engine, audit_log: AuditLog, log_store: LogStore,
                                                           one_by_one: Any, split: int) -> None:
    envelopes = story() + filler(9)
    with engine.begin() as conn:
        record_events(unit=SqlAuditUnit(conn, log_store), envelopes=envelopes[:split], log=audit_log)
    restarted = _fresh_store(audit_log)
    with engine.begin() as conn:
        record_events(unit=SqlAuditUnit(conn, restarted), envelopes=envelopes[split:], log=audit_log)
    snapshot = _snapshot(engine)
    assert snapshot == one_by_one(envelopes)
    with engine.connect() as conn:
        root = restarted.state(conn).frontier.root()
    assert root == merkle.root_of([merkle.leaf_hash(bytes(r.entry)) for r in snapshot["entries"]])


def test_a_rolled_back_batch_or_another_appender_is_not_trusted_from_memory(
        engine: Engine, audit_log: AuditLog, log_store: LogStore, one_by_one: Any) -> None:
    envelopes = filler(12)
    with engine.begin() as conn:
        record_events(unit=SqlAuditUnit(conn, log_store), envelopes=envelopes[:3], log=audit_log)
    with pytest.raises(RuntimeError), engine.begin() as conn:  # appended, then the transaction fails
        record_events(unit=SqlAuditUnit(conn, log_store), envelopes=[*filler(2, dataset="lost")], log=audit_log)
        raise RuntimeError("crash before commit")
    with engine.begin() as conn:
        record_events(unit=SqlAuditUnit(conn, log_store), envelopes=envelopes[3:6], log=audit_log)
    with engine.begin() as conn:  # another appender of the same log (a second process)
        other = SqlAuditUnit(conn, _fresh_store(audit_log))
        record_events(unit=other, envelopes=envelopes[6:9], log=audit_log)
    with engine.begin() as conn:
        record_events(unit=SqlAuditUnit(conn, log_store), envelopes=envelopes[9:], log=audit_log)
    assert _snapshot(engine) == one_by_one(envelopes)


def test_bulk_rows_name_only_the_tables_columns(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(ValueError, match="no column"):
        write_rows(conn, nodes, ("node_key", "hash); DROP TABLE audit_nodes; --"), [(1, b"x")])
