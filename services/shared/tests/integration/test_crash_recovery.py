"""Exactly-once effect over at-least-once delivery, proven with real processes killed by SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ledgerml.shared.messaging.kafka import ensure_topics
from ledgerml.shared.persistence import create_db_engine, outbox_table

CHILD = Path(__file__).with_name("crash_child.py")
DEADLINE_S = 90


class Child:
    def __init__(self, mode: str, *, db: str, bootstrap: str, org: str, **extra: str) -> None:
        args = [sys.executable, str(CHILD), mode, "--db", db, "--bootstrap", bootstrap, "--org", org]
        for key, value in extra.items():
            args += [f"--{key}", value]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def wait_for(self, marker: str) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:  # poll
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"child exited with {self.proc.wait()} before printing {marker}")
            if line.startswith(marker):
                return line.strip()
        raise AssertionError(f"no {marker} within {DEADLINE_S} s")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=DEADLINE_S) == -signal.SIGKILL

    def finish(self, marker: str) -> str:
        line = self.wait_for(marker)
        assert self.proc.wait(timeout=DEADLINE_S) == 0
        return line


def _unsent(db: str) -> int:
    engine = create_db_engine(db)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(outbox_table)
                             .where(outbox_table.c.sent_at.is_(None))).scalar_one()
    engine.dispose()
    return int(count)


@pytest.fixture
def org(kafka_bootstrap: str, unique: str) -> str:
    name = f"crash{unique}"
    ensure_topics(kafka_bootstrap, [f"{name}.training"], partitions=1)
    return name


@pytest.mark.integration
def test_killed_between_commit_and_publish_then_restarted(tmp_path: Path, kafka_bootstrap: str,
                                                          org: str) -> None:
    db = f"sqlite:///{tmp_path / 'training.db'}"
    common = {"db": db, "bootstrap": kafka_bootstrap, "org": org}

    writer = Child("write", **common)
    writer.wait_for("COMMITTED")
    writer.kill()  # state and outbox row are committed; nothing was published
    assert _unsent(db) == 1

    relay = Child("relay-stall", **common)
    relay.wait_for("PUBLISHED")
    relay.kill()  # Kafka acknowledged, but the row was never marked sent
    assert _unsent(db) == 1

    Child("relay", **common).finish("DONE")  # the restarted relay publishes the event again
    assert _unsent(db) == 0

    result = json.loads(Child("consume", **common, expect="2").finish("{"))
    assert result == {"applied": 1, "duplicates": 1, "effects": 1}


@pytest.mark.integration
def test_consumer_killed_after_effect_before_offset_commit(tmp_path: Path, kafka_bootstrap: str,
                                                           org: str) -> None:
    producer_db = f"sqlite:///{tmp_path / 'training.db'}"
    consumer_db = f"sqlite:///{tmp_path / 'audit.db'}"
    produce = {"db": producer_db, "bootstrap": kafka_bootstrap, "org": org}
    consume = {"db": consumer_db, "bootstrap": kafka_bootstrap, "org": org}

    writer = Child("write", **produce)
    writer.wait_for("COMMITTED")
    writer.kill()
    Child("relay", **produce).finish("DONE")

    stalled = Child("consume-stall", **consume)
    stalled.wait_for("EFFECT_COMMITTED")
    stalled.kill()  # effect + processed id committed; offset not

    result = json.loads(Child("consume", **consume, expect="1").finish("{"))
    assert result == {"applied": 0, "duplicates": 1, "effects": 1}  # redelivered, not re-applied
