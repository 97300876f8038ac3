"""The Merkle log on SQLite: appends match the reference tree, proofs come from stored subtree roots,
heads are signed and enqueued for the ledger, producer gaps are found and closed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select

from ledgerml.audit.adapters.db import entries, nodes, subjects
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.sequences import open_gaps, source_summaries
from ledgerml.audit.adapters.tree_heads import get_tree_head, head_view, latest_tree_head
from ledgerml.audit.adapters.unit import SqlAuditUnit, SqlAuditUnits
from ledgerml.audit.domain import AuditEntry
from ledgerml.audit.service import (
    AuditLog,
    anchor_if_due,
    on_ledger_outcome,
    record_event,
    record_events,
)
from ledgerml.audit.signing import signature_verifies
from ledgerml.shared import merkle
from ledgerml.shared.ledgerwrites import ledger_writes_for
from ledgerml.shared.messaging import Outbox
from ledgerml.shared.persistence import outbox_table
from ledgerml.shared.persistence.tables import ledger_writes_table as lw

from ..story import filler, story
from .conftest import Clock


def _leaves(engine: Engine) -> list[bytes]:
    with engine.connect() as conn:
        return [bytes(r.entry) for r in conn.execute(select(entries).order_by(entries.c.seq))]


def test_appends_build_the_rfc6962_tree_and_prove_from_stored_nodes(
        engine: Engine, audit_log: AuditLog, log_store: LogStore) -> None:
    envelopes = story() + filler(30)
    with engine.begin() as conn:
        for envelope in envelopes:
            record_event(unit=SqlAuditUnit(conn, log_store), envelope=envelope, log=audit_log)
    hashes = [merkle.leaf_hash(leaf) for leaf in _leaves(engine)]
    assert len(hashes) == len(envelopes)
    store = log_store
    with engine.connect() as conn:
        assert store.state(conn).frontier.root() == merkle.root_of(hashes)
        node_rows = conn.execute(select(func.count()).select_from(nodes)).scalar_one()
        assert node_rows == len(hashes) - bin(len(hashes)).count("1")  # one inner node per merge
        for size in (1, 2, 7, 16, len(hashes)):
            assert store.root_at(conn, size) == merkle.root_of(hashes[:size])
            for index in range(size):
                assert store.inclusion_proof(conn, index, size) == merkle.inclusion_proof(index, hashes[:size])
            for old in range(1, size + 1):
                assert store.consistency_proof(conn, old, size) == merkle.consistency_proof(old, hashes[:size])


def test_leaf_is_the_canonical_entry_with_subjects_indexed(
        engine: Engine, audit_log: AuditLog, log_store: LogStore) -> None:
    with engine.begin() as conn:
        for envelope in story():
            record_event(unit=SqlAuditUnit(conn, log_store), envelope=envelope, log=audit_log)
    with engine.connect() as conn:
        row = conn.execute(select(entries).where(entries.c.action == "training.job.requested")).one()
        entry = AuditEntry.from_leaf(bytes(row.entry))
        assert entry.leaf() == bytes(row.entry)
        assert json.loads(row.entry)["subjects"] == {"dataset_id": ["xrays"], "job_id": ["job-1"],
                                                     "version": ["xrays@v1"]}
        assert entry.actor == "Org2MSP" and entry.ledger_tx_id == "tx05"
        kinds = conn.execute(select(subjects.c.kind, subjects.c.value).where(subjects.c.seq == row.seq)).all()
        assert sorted(kinds) == [("dataset_id", "xrays"), ("job_id", "job-1")]  # versions via their dataset


def test_every_n_entries_a_signed_head_is_stored_and_one_anchor_is_in_flight(
        engine: Engine, audit_log: AuditLog, log_store: LogStore) -> None:
    with engine.begin() as conn:
        for envelope in filler(9):
            record_event(unit=SqlAuditUnit(conn, log_store), envelope=envelope, log=audit_log)
    hashes = [merkle.leaf_hash(leaf) for leaf in _leaves(engine)]
    with engine.connect() as conn:
        heads = [get_tree_head(conn, size) for size in (4, 8)]
        assert get_tree_head(conn, 9) is None  # the ninth entry waits for the next head
        for signed in heads:
            assert signed is not None and signature_verifies(signed)
            assert signed.head.root_hash == merkle.root_of(hashes[:signed.head.tree_size])
        writes = ledger_writes_for(conn, "audit-log:org1-audit")
        later = head_view(conn, heads[1])  # type: ignore[arg-type]
    assert [(w.function, w.args, w.state) for w in writes] == [
        ("AnchorAuditRoot", ("org1-audit", "4", merkle.root_of(hashes[:4]).hex()), "pending")]
    assert later["ledger"]["state"] == "pending" and "next one covers this head" in later["ledger"]["error_detail"]


def test_a_settled_anchor_sends_the_next_and_a_committed_one_is_announced(
        engine: Engine, audit_log: AuditLog, log_store: LogStore) -> None:
    with engine.begin() as conn:
        for envelope in filler(9):
            record_event(unit=SqlAuditUnit(conn, log_store), envelope=envelope, log=audit_log)
    with engine.begin() as conn:
        conn.execute(lw.update().values(state="committed", tx_id="tx-anchor", block_number=7))
        [first] = ledger_writes_for(conn, "audit-log:org1-audit")
        outbox = Outbox(org="org1", service="audit")
        on_ledger_outcome(unit=SqlAuditUnit(conn, log_store, outbox=outbox), write=first)
        payload = json.loads(conn.execute(select(outbox_table.c.payload)).scalar_one())
        writes = ledger_writes_for(conn, "audit-log:org1-audit")
        head_8 = get_tree_head(conn, 8)
    assert payload["type"] == "ledgerml.audit.tree-head.anchored.v1"
    assert payload["data"]["tree_size"] == 4 and payload["data"]["ledger_tx_id"] == "tx-anchor"
    writes.sort(key=lambda w: int(w.args[1]))
    assert [(w.args[1], w.state) for w in writes] == [("4", "committed"), ("8", "pending")]
    assert head_8 is not None and head_8.ledger_write_id == writes[1].id


def test_time_based_anchor_covers_the_tail_only_once_due(engine: Engine, audit_log: AuditLog, log_store: LogStore,
                                                         clock: Clock) -> None:
    with engine.begin() as conn:
        for envelope in filler(5):
            record_event(unit=SqlAuditUnit(conn, log_store), envelope=envelope, log=audit_log)
    units = SqlAuditUnits(engine, log_store)
    assert anchor_if_due(units=units, log=audit_log) is None  # the head at 4 was issued just now
    clock.advance(31)
    signed = anchor_if_due(units=units, log=audit_log)
    assert signed is not None and signed.head.tree_size == 5
    clock.advance(31)
    assert anchor_if_due(units=units, log=audit_log) is None  # nothing new to anchor
    with engine.connect() as conn:
        latest = latest_tree_head(conn)
    assert latest is not None and latest.head.tree_size == 5


@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize(("order", "gaps"), [
    ([1, 2, 3, 4], []),
    ([1, 4], [(2, 3)]),
    ([1, 4, 3], [(2, 2)]),
    ([1, 5, 3], [(2, 2), (4, 4)]),
    ([3, 1, 2], []),
    ([2, 6, 4, 3, 5], [(1, 1)]),
    ([1, 2, 2], []),
])
def test_producer_gaps_are_detected_and_late_arrivals_close_them(
        engine: Engine, audit_log: AuditLog, log_store: LogStore, order: list[int], gaps: list[tuple[int, int]],
        batched: bool) -> None:
    pool = {e.sequence: e for e in filler(6)}
    envelopes = [pool[s] if i == order.index(s) else pool[s].model_copy(update={"id": f"again-{i}"})
                 for i, s in enumerate(order)]
    with engine.begin() as conn:
        if batched:
            record_events(unit=SqlAuditUnit(conn, log_store), envelopes=envelopes[:2], log=audit_log)
            record_events(unit=SqlAuditUnit(conn, log_store), envelopes=envelopes[2:], log=audit_log)
        else:
            for envelope in envelopes:
                record_event(unit=SqlAuditUnit(conn, log_store), envelope=envelope, log=audit_log)
    with engine.connect() as conn:
        found = [(g["first_missing"], g["last_missing"]) for g in open_gaps(conn, source="org1/storage")]
        summary = source_summaries(conn)
    assert found == gaps
    assert summary == [{"source": "org1/storage", "last_sequence": max(order), "entries": len(order),
                        "replayed": len(order) - len(set(order))}]
    with engine.connect() as conn:
        assert open_gaps(conn, source="org2/storage") == []
