"""The bridge checkpoints only what Kafka acknowledged, resumes without a gap, and outlives failures."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from ledgerml.shared.bridge.bridge import LedgerBridge
from ledgerml.shared.bridge.checkpoint import Checkpoint, Position
from ledgerml.shared.bridge.status import CHECKPOINT_FILE, STATUS_FILE, StatusFile, read_status
from ledgerml.shared.errors import DependencyUnavailable, EventPublishFailed
from ledgerml.shared.ledger import ChaincodeEvent

from . import chaincode_payloads as cc
from .bridge_fakes import WAIT_S, FollowedLedger, ScannedLedger, Topic, dedup


def requests(blocks: range, per_block: int = 2) -> list[ChaincodeEvent]:
    return [cc.event("AccessRequested", cc.request(f"r{b}-{i}"), block=b, index=i)
            for b in blocks for i in range(per_block)]


@pytest.fixture
def ledger() -> Iterator[FollowedLedger]:
    followed = FollowedLedger()
    yield followed
    followed.close()  # ends the followers' threads


def make_bridge(data: Path, ledger: FollowedLedger, topic: Topic, *, head: int | None = None) -> LedgerBridge:
    return LedgerBridge(org="org1", ledger=ledger, publishers=topic.producer,
                        checkpoint=Checkpoint(data / CHECKPOINT_FILE), status=StatusFile(data / STATUS_FILE),
                        head=(lambda: head) if head is not None else None, batch_max=3, retry_max_s=0.01,
                        status_every_s=0.05)


def test_the_checkpoint_moves_only_after_kafka_acknowledged(tmp_path: Path, ledger: FollowedLedger) -> None:
    topic = Topic()
    bridge = make_bridge(tmp_path, ledger, topic)
    events = requests(range(1, 3))
    topic.refuse = 1
    with pytest.raises(DependencyUnavailable):
        bridge.publish(events)
    assert Checkpoint(tmp_path / CHECKPOINT_FILE).load() == Position() == bridge.position
    assert bridge.publish(events) == 4
    assert Checkpoint(tmp_path / CHECKPOINT_FILE).load() == Position(block=2, index=1, sequence=4)
    envelopes = topic.envelopes()
    assert [e.id for e in envelopes] == [e.event_id for e in events]
    assert [e.sequence for e in envelopes] == [1, 2, 3, 4]
    assert {e.source for e in envelopes} == {"org1/ledger-bridge"}
    assert {r.topic for r in topic.records} == {"org1.ledger"}
    assert [r.key for r in topic.records] == [e.subject.encode() for e in envelopes]


def test_a_lost_ack_republishes_only_that_batch_with_the_same_ids_and_sequences(tmp_path: Path,
                                                                                 ledger: FollowedLedger) -> None:
    topic = Topic()
    events = requests(range(1, 6))  # 10 events
    first = make_bridge(tmp_path, ledger, topic)
    first.publish(events[:4])
    topic.lose_acks = 1
    with pytest.raises(EventPublishFailed):
        first.publish(events[4:7])  # in Kafka, but the bridge never heard so: a crash here loses the ack
    restarted = make_bridge(tmp_path, ledger, topic)  # a new process: only the checkpoint survives
    assert restarted.position == Position(block=2, index=1, sequence=4)
    restarted.publish(events)
    raw = topic.envelopes()
    duplicates = [e.id for e in raw if raw.count(e) > 1]
    assert sorted(set(duplicates)) == sorted(e.event_id for e in events[4:7])
    applied = dedup(raw)
    assert [e.id for e in applied] == [e.event_id for e in events]
    assert [e.sequence for e in applied] == list(range(1, 11))
    assert all(a == b for a in raw for b in raw if a.id == b.id), "a re-published copy is identical"


def test_events_without_a_kafka_type_advance_the_checkpoint_but_no_sequence(tmp_path: Path,
                                                                            ledger: FollowedLedger) -> None:
    before = REGISTRY.get_sample_value("ledgerml_bridge_events_skipped_total", {"reason": "unknown"}) or 0.0
    topic = Topic()
    bridge = make_bridge(tmp_path, ledger, topic)
    events = [cc.event("DatasetRegistered", cc.dataset(), block=1),
              cc.event("CreditsMinted", cc.minted(), block=1, index=1),
              cc.event("FutureThing", {"x": 1}, block=2),
              cc.event("AccessGranted", b"{broken", block=2, index=1),
              cc.event("DatasetVersionRegistered", cc.version(), block=3)]
    assert bridge.publish(events) == 2
    assert [(e.id, e.sequence) for e in topic.envelopes()] == [(events[0].event_id, 1), (events[4].event_id, 2)]
    assert bridge.position == Position(block=3, index=0, sequence=2)
    assert bridge.status.skipped == {"unmapped": 1, "unknown": 1, "malformed": 1}
    after = REGISTRY.get_sample_value("ledgerml_bridge_events_skipped_total", {"reason": "unknown"})
    assert after == before + 1


def test_the_checkpoint_never_moves_back(tmp_path: Path) -> None:
    checkpoint = Checkpoint(tmp_path / CHECKPOINT_FILE)
    checkpoint.save(Position(block=4, index=1, sequence=9))
    with pytest.raises(ValueError, match="move back"):
        checkpoint.save(Position(block=4, index=0, sequence=9))


def test_a_new_chain_under_the_same_name_restarts_the_position_but_not_the_sequence(tmp_path: Path) -> None:
    checkpoint = Checkpoint(tmp_path / CHECKPOINT_FILE)
    assert checkpoint.bind("ledgerml-dev/AAAA") is False
    checkpoint.save(Position(block=143, index=-1, sequence=120))
    assert checkpoint.bind("ledgerml-dev/AAAA") is False and checkpoint.load().block == 143
    assert checkpoint.bind("ledgerml-dev/BBBB") is True  # `make clean` and a fresh network
    assert checkpoint.load() == Position(block=0, index=-1, sequence=120)
    assert Checkpoint(tmp_path / CHECKPOINT_FILE).bind("ledgerml-dev/BBBB") is False


def _run(bridge: LedgerBridge) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=bridge.run, args=(stop,), daemon=True)
    thread.start()
    return stop, thread


def test_following_outlives_ledger_and_kafka_failures_and_reports_its_lag(tmp_path: Path,
                                                                          ledger: FollowedLedger) -> None:
    topic = Topic()
    events = requests(range(1, 7))  # 12 events in blocks 1..6
    ledger.commit(*events[:6])
    ledger.fail_after = 4  # the validator goes away mid-follow
    topic.refuse = 1  # and the broker refuses the first batch
    bridge = make_bridge(tmp_path, ledger, topic, head=9)
    stop, thread = _run(bridge)
    try:
        topic.wait_for(lambda: len(set(topic.ids())) == 6)
        ledger.commit(*events[6:])  # new blocks while following
        topic.wait_for(lambda: len(set(topic.ids())) == 12)
    finally:
        stop.set()
        thread.join(WAIT_S)
    assert not thread.is_alive()
    applied = dedup(topic.envelopes())
    assert [e.id for e in applied] == [e.event_id for e in events]
    assert [e.sequence for e in applied] == list(range(1, 13))
    assert ledger.starts[0] == 1 and ledger.starts[1] > 1, "after the failure it resumed at its checkpoint"
    assert topic.producers >= 2, "the refused producer was replaced"
    status = read_status(tmp_path / STATUS_FILE)
    assert status is not None
    assert (status["state"], status["ready"], status["height"], status["sequence"]) == ("stopped", False, 6, 12)
    assert (status["head"], status["lag"], status["published"]) == (9, 3, 12)


def test_a_restart_resumes_from_the_checkpoint_without_a_gap(tmp_path: Path, ledger: FollowedLedger) -> None:
    topic = Topic()
    events = requests(range(1, 9))
    ledger.commit(*events[:7])
    stop, thread = _run(make_bridge(tmp_path, ledger, topic))
    topic.wait_for(lambda: len(topic.records) == 7)
    status = read_status(tmp_path / STATUS_FILE)
    assert status is not None and status["ready"] is True and status["state"] == "following"
    stop.set()
    thread.join(WAIT_S)
    ledger.commit(*events[7:])  # committed while the bridge was down
    restarted = make_bridge(tmp_path, ledger, topic)
    stop, thread = _run(restarted)
    try:
        topic.wait_for(lambda: len(topic.records) >= len(events))
    finally:
        stop.set()
        thread.join(WAIT_S)
    assert ledger.starts[-1] == events[6].block_number, "the second follow starts at the checkpoint's block"
    assert topic.ids() == [e.event_id for e in events], "nothing missing, nothing twice"
    assert [e.sequence for e in topic.envelopes()] == list(range(1, len(events) + 1))


def test_a_feed_that_knows_block_ends_checkpoints_whole_blocks_and_reports_no_lag(tmp_path: Path) -> None:
    chain = ScannedLedger()
    topic = Topic()
    first, second, third, fourth = (cc.event("AccessRequested", cc.request(f"r{n}"), block=b, index=i)
                                    for n, (b, i) in enumerate([(1, 0), (1, 1), (3, 0), (6, 0)]))
    chain.commit_block(1, first, second)
    chain.commit_block(2)
    chain.commit_block(3, third)
    chain.commit_block(4)
    chain.commit_block(5)
    try:
        bridge = make_bridge(tmp_path, chain, topic, head=5)
        stop, thread = _run(bridge)
        deadline = time.monotonic() + WAIT_S
        while bridge.position != Position(block=6, index=-1, sequence=3):
            assert time.monotonic() < deadline, f"stuck at {bridge.position}"
            stop.wait(0.01)  # poll: the bridge's thread moves the position
        stop.set()
        thread.join(WAIT_S)
        status = read_status(tmp_path / STATUS_FILE)
        assert status is not None and (status["height"], status["index"], status["lag"]) == (5, -1, 0)

        chain.commit_block(6, fourth)
        stop, thread = _run(make_bridge(tmp_path, chain, topic))
        topic.wait_for(lambda: len(topic.records) == 4)
        stop.set()
        thread.join(WAIT_S)
    finally:
        chain.close()
    assert chain.starts == [1, 6], "the restart begins after the last whole block, not at its last event"
    assert topic.ids() == [e.event_id for e in (first, second, third, fourth)]
