"""Batched appends on the real databases (PostgreSQL: COPY streams and an array-parameter lookup;
SQLite: executemany): batches across head boundaries, a rolled-back batch and a restart build the
RFC 6962 tree entry for entry, and every proof read from the stored subtree roots verifies."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ledgerml.audit.adapters.bulk import among, write_rows
from ledgerml.audit.adapters.db import MIGRATIONS, entries
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.tree_heads import iter_tree_heads
from ledgerml.audit.adapters.unit import SqlAuditUnit
from ledgerml.audit.domain import AuditEntry
from ledgerml.audit.service import AnchorPolicy, AuditLog, record_events
from ledgerml.audit.signing import IdentitySigner
from ledgerml.shared import merkle
from ledgerml.shared.events import schemas as s
from ledgerml.shared.identity import load_identity
from ledgerml.shared.persistence import create_db_engine, processed_events_table
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.stack.pki import Consortium

from ..story import Producer, filler, minutes, story

pytestmark = pytest.mark.integration


def _log(consortium: Consortium) -> AuditLog:
    identity = load_identity("Org1MSP", msp_dir=consortium.orgs["Org1MSP"].identity("audit").msp_dir)
    return AuditLog(log_id="org1-audit", signer=IdentitySigner(identity),
                    policy=AnchorPolicy(every_entries=8, interval_s=30))


def test_batched_appends_build_the_reference_tree(database_url: str, consortium: Consortium) -> None:
    awkward = Producer("org1/registry", minutes()).emit(s.DatasetRegistered(  # COPY's escapes must round-trip
        dataset_id="odd", owner_org="Org1MSP", name="tab\there\nnewline \\N back\\slash é 😀", ledger_tx_id="tx"),
        "odd")
    envelopes = [awkward, *story(), *filler(40)]
    engine = create_db_engine(database_url)
    upgrade(engine, MIGRATIONS)
    log, store = _log(consortium), LogStore("org1-audit")
    try:
        with engine.begin() as conn:
            record_events(unit=SqlAuditUnit(conn, store), envelopes=envelopes[:13], log=log)
        with pytest.raises(RuntimeError), engine.begin() as conn:
            record_events(unit=SqlAuditUnit(conn, store), envelopes=filler(5, dataset="lost"), log=log)
            raise RuntimeError("the batch's transaction fails after the append")
        with engine.begin() as conn:
            record_events(unit=SqlAuditUnit(conn, store), envelopes=envelopes[13:30], log=log)
        restarted = LogStore("org1-audit")  # a new process: nothing in memory
        with engine.begin() as conn:
            record_events(unit=SqlAuditUnit(conn, restarted), envelopes=envelopes[30:], log=_log(consortium))
        with engine.connect() as conn:
            rows = conn.execute(select(entries.c.seq, entries.c.event_id, entries.c.entry)
                                .order_by(entries.c.seq)).all()
            heads = list(iter_tree_heads(conn))
            hashes = [merkle.leaf_hash(bytes(r.entry)) for r in rows]
            for head in heads:
                size = head.head.tree_size
                assert head.head.root_hash == merkle.root_of(hashes[:size])
                for index in range(0, size, 3):
                    proof = restarted.inclusion_proof(conn, index, size)
                    assert merkle.verify_inclusion(hashes[index], index, size, proof, head.head.root_hash)
                assert restarted.consistency_proof(conn, 1, size) == merkle.consistency_proof(1, hashes[:size])
    finally:
        engine.dispose()
    assert [r.event_id for r in rows] == [e.id for e in envelopes]
    assert [r.seq for r in rows] == list(range(len(envelopes)))
    assert AuditEntry.from_leaf(bytes(rows[0].entry)).data["name"] == "tab\there\nnewline \\N back\\slash é 😀"
    assert [h.head.tree_size for h in heads] == [8, 16, 24, 32, 40, 48]


def test_present_ids_are_found_by_one_lookup(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade(engine, MIGRATIONS)
    now = dt.datetime.now(dt.UTC)
    try:
        with engine.begin() as conn:
            assert write_rows(conn, processed_events_table, ("consumer", "event_id", "processed_at"),
                              [("audit", f"e{i}", now) for i in range(600)]) == 600
        wanted = [f"e{i}" for i in range(0, 1200, 2)]
        with engine.connect() as conn:
            found = set(conn.execute(select(processed_events_table.c.event_id).where(
                among(conn, processed_events_table.c.event_id, wanted))).scalars())
    finally:
        engine.dispose()
    assert found == {f"e{i}" for i in range(0, 600, 2)}
