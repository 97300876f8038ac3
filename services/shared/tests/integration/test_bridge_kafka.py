"""The bridge killed with SIGKILL mid-stream on real Kafka: after a restart every chaincode event is
applied exactly once by an idempotent consumer, none is missing, and the sequence has no gap.

The chain is scripted (`bridge_child.py`), so this runs wherever Kafka does; `test_bridge_ledger.py`
does the same against the real validators.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerml.shared.bridge.checkpoint import Checkpoint
from ledgerml.shared.bridge.status import CHECKPOINT_FILE

from .bridge_check import BridgeProcess, LedgerTopic, delete_topic
from .bridge_child import PER_BLOCK, chain_event

CHILD = Path(__file__).with_name("bridge_child.py")
FIRST_HEIGHT, FINAL_HEIGHT = 300, 400  # 900 events before the kill, 1200 in all; batches of 4


@pytest.fixture
def org(kafka_bootstrap: str, unique: str) -> Iterator[str]:
    name = f"bridge{unique}"
    yield name
    delete_topic(kafka_bootstrap, f"{name}.ledger")


def _child(tmp_path: Path, kafka_bootstrap: str, org: str) -> BridgeProcess:
    argv = [sys.executable, str(CHILD), "--data", str(tmp_path / "bridge"), "--bootstrap", kafka_bootstrap,
            "--org", org]
    return BridgeProcess(argv, env={}, data_dir=tmp_path / "bridge", log=tmp_path / "bridge.log")


def _commit(bridge: BridgeProcess, height: int) -> None:
    assert bridge.proc.stdin is not None
    bridge.proc.stdin.write(f"{height}\n".encode())
    bridge.proc.stdin.flush()


@pytest.mark.integration
def test_killed_mid_stream_then_restarted_publishes_every_event_once_after_dedup(
        tmp_path: Path, kafka_bootstrap: str, org: str, record_property: pytest.RecordProperty) -> None:
    expected = [chain_event(b, i).event_id for b in range(1, FINAL_HEIGHT + 1) for i in range(PER_BLOCK)]
    topic = LedgerTopic(bootstrap=kafka_bootstrap, topic=f"{org}.ledger", db=tmp_path / "consumer.db")
    first = second = _child(tmp_path, kafka_bootstrap, org)
    try:
        first.wait_ready()
        _commit(first, FIRST_HEIGHT)
        topic.read_until(lambda t: len(t.applied) >= 20, what="the first events")
        first.kill()  # mid-stream: more blocks were committed than it had published
        at_kill = Checkpoint(tmp_path / "bridge" / CHECKPOINT_FILE).load()
        assert at_kill.sequence < FIRST_HEIGHT * PER_BLOCK, "killed after it had finished: not mid-stream"

        second = _child(tmp_path, kafka_bootstrap, org)
        _commit(second, FINAL_HEIGHT)
        topic.read_until(lambda t: len(t.applied) >= len(expected), what="every event")
        topic.read_until(lambda _: (second.status() or {}).get("sequence") == len(expected),
                         what="the final checkpoint")
        assert second.terminate() == 0
    finally:
        topic.close()
        first.close()
        second.close()

    applied = [e.id for e in topic.applied]
    assert sorted(applied) == sorted(expected), "every event once, none missing, none extra"
    assert sorted(e.sequence for e in topic.applied) == list(range(1, len(expected) + 1)), "a gapless sequence"
    assert {e.source for e in topic.applied} == {f"{org}/ledger-bridge"}
    record_property("events", len(expected))
    record_property("checkpoint_at_kill", at_kill.sequence)
    record_property("raw_duplicates", topic.duplicates)
    print(f"bridge crash test: {len(expected)} events, killed at checkpoint sequence {at_kill.sequence}, "
          f"{topic.duplicates} raw duplicate(s) dropped by id")
