"""Restart mid-ingest on real Kafka + PostgreSQL: the consumer process is SIGKILLed part-way and
restarted; no entry is lost, none is doubled, and the log's root equals a fresh rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ledgerml.audit.adapters.db import entries
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.sequences import open_gaps
from ledgerml.audit.signing import trusted_signer
from ledgerml.audit.verification import verify_log
from ledgerml.shared import merkle
from ledgerml.shared.events import Envelope
from ledgerml.shared.identity import load_trust_store
from ledgerml.shared.messaging import OutboundRecord
from ledgerml.shared.messaging.kafka import KafkaPublisher
from ledgerml.shared.persistence import create_db_engine, processed_events_table
from ledgerml.stack.pki import Consortium

from ..story import filler, story

pytestmark = pytest.mark.integration
CHILD = Path(__file__).with_name("crash_child.py")
DEADLINE_S = 120
BULK = 500


class Child:
    def __init__(self, *, db: str, bootstrap: str, org: str, msp_dir: Path, expect: int) -> None:
        args = [sys.executable, str(CHILD), "--db", db, "--bootstrap", bootstrap, "--org", org,
                "--msp-dir", str(msp_dir), "--expect", str(expect)]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)

    def wait_for(self, predicate: str, at_least: int = 0) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:  # poll the child's output
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"child exited with {self.proc.wait()} before {predicate}")
            if line.startswith(predicate) and (not at_least or int(line.split()[1]) >= at_least):
                return line.strip()
        raise AssertionError(f"no {predicate} within {DEADLINE_S} s")


def _publish(bootstrap: str, org: str) -> list[Envelope]:
    envelopes = story(org) + filler(BULK, source=f"{org}/storage", start_sequence=3)
    for i, envelope in enumerate(envelopes[len(story(org)):]):  # spread bulk reads over partitions
        envelopes[len(story(org)) + i] = envelope.model_copy(update={"subject": f"ds-{i % 7}"})
    publisher = KafkaPublisher(bootstrap=bootstrap, client_id="audit-restart-test")
    try:
        publisher.publish([OutboundRecord(topic=f"{org}.{e.type.domain}", key=e.key, value=e.to_json())
                           for e in envelopes])
    finally:
        publisher.close()
    return envelopes


def test_killed_mid_ingest_then_restarted(fresh_postgres: str, kafka_bootstrap: str, unique: str,
                                          consortium: Consortium, audit_topics: Callable[[str], list[str]]) -> None:
    org = f"rs{unique}"
    audit_topics(org)
    published = _publish(kafka_bootstrap, org)
    total = len(published)
    msp_dir = consortium.orgs["Org1MSP"].identity("audit").msp_dir
    common = {"db": fresh_postgres, "bootstrap": kafka_bootstrap, "org": org, "msp_dir": msp_dir, "expect": total}

    first = Child(**common)  # type: ignore[arg-type]
    first.wait_for("PROGRESS", at_least=total // 4)
    first.proc.send_signal(signal.SIGKILL)
    assert first.proc.wait(timeout=DEADLINE_S) == -signal.SIGKILL

    engine = create_db_engine(fresh_postgres)
    with engine.connect() as conn:
        partial = conn.execute(select(func.count()).select_from(entries)).scalar_one()
    assert 0 < partial < total, "the kill must land mid-ingest"

    second = Child(**common)  # type: ignore[arg-type]
    second.wait_for("DONE")
    assert second.proc.wait(timeout=DEADLINE_S) == 0

    store = LogStore(f"{org}-audit")
    with engine.connect() as conn:
        rows = conn.execute(select(entries.c.seq, entries.c.event_id, entries.c.entry).order_by(entries.c.seq)).all()
        processed = conn.execute(select(func.count()).select_from(processed_events_table)).scalar_one()
        state = store.state(conn)
        gaps = open_gaps(conn)
        check = trusted_signer(load_trust_store(consortium.root), msp_id="Org1MSP", signer_name="audit")
        verification = verify_log(conn, store=store, signer_check=check)
    engine.dispose()
    assert [r.seq for r in rows] == list(range(total))  # none lost, contiguous
    assert sorted(r.event_id for r in rows) == sorted(e.id for e in published)  # none twice, none foreign
    assert processed == total
    assert state.size == total and state.frontier.root() == merkle.root_of_entries(bytes(r.entry) for r in rows)
    assert gaps == []  # every producer's sequence arrived, in whatever partition order
    assert verification.ok and verification.tree_heads_checked >= total // 50, verification.problems
