"""The projection built from bridge envelopes through the idempotent consumer, on SQLite."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from ledgerml.access_control.adapters import projection as proj
from ledgerml.access_control.adapters import requests as repo
from ledgerml.access_control.adapters.db import reader_for
from ledgerml.access_control.adapters.projection import SqlProjection
from ledgerml.access_control.consumers import ProjectionConsumer
from ledgerml.access_control.domain import PROJECTION, Purpose, Reason, RequestState
from ledgerml.access_control.policy import Tenancy
from ledgerml.access_control.service_decisions import DecisionResult, decide_from_projection
from ledgerml.shared.events import Envelope
from ledgerml.shared.events import schemas as ev
from ledgerml.shared.identity import Principal, Role

from .fakes import T0, Bridge, QueueSource, TestClock

STORAGE = Principal("Org1MSP", Role.CLIENT, "CN=storage@org1.ledgerml.test")
TENANCY = Tenancy("Org1MSP", frozenset({"Org3MSP"}))


class World:
    def __init__(self, engine: Engine, my_org: str = "Org1MSP") -> None:
        self.engine = engine
        self.clock = TestClock(T0)
        self.source = QueueSource()
        self.bridge = Bridge()
        self.consumer = ProjectionConsumer(engine=engine, source=self.source, my_org=my_org, clock=self.clock)

    def deliver(self, *envelopes: Envelope) -> None:
        self.source.add(*envelopes)
        self.consumer.process_batch()

    def decide(self, purpose: Purpose = Purpose.TRAIN, org: str = "Org2MSP",
               dataset: str = "cxr") -> tuple[bool, Reason]:
        with self.engine.connect() as conn:
            d = decide_from_projection(projection=SqlProjection(conn), principal=STORAGE, tenancy=TENANCY,
                                       organisation=org, dataset_id=dataset, purpose=purpose, now=self.clock(),
                                       max_staleness_s=1.0)
        return d.decision.allow, d.decision.reason


def test_grant_then_revoke(engine: Engine) -> None:
    w = World(engine)
    w.deliver(w.bridge.dataset(), w.bridge.requested())
    assert w.decide() == (False, Reason.PENDING)
    w.deliver(w.bridge.granted())
    assert w.decide() == (True, Reason.GRANTED)
    assert w.decide(Purpose.DOWNLOAD) == (False, Reason.NO_REQUEST)
    w.deliver(w.bridge.revoked())
    assert w.decide() == (False, Reason.REVOKED)


def test_owner_unknown_dataset_and_deny(engine: Engine) -> None:
    w = World(engine)
    assert w.decide() == (False, Reason.UNKNOWN_DATASET)
    w.deliver(w.bridge.dataset(), w.bridge.requested(), w.bridge.denied())
    assert w.decide(org="Org1MSP") == (True, Reason.OWNER)
    assert w.decide() == (False, Reason.DENIED)
    assert w.decide(org="Org3MSP") == (False, Reason.NO_REQUEST)


def test_revocation_delivered_before_its_grant_still_denies(engine: Engine) -> None:
    w = World(engine)
    w.deliver(w.bridge.dataset(), w.bridge.revoked(), w.bridge.granted(), w.bridge.requested())
    assert w.decide() == (False, Reason.REVOKED)


def test_redelivered_events_apply_once(engine: Engine) -> None:
    w = World(engine)
    grant = w.bridge.granted()
    w.deliver(w.bridge.dataset(), w.bridge.requested(), grant)
    w.source.add(grant, grant)
    result = w.consumer.process_batch()
    assert (result.applied, result.duplicates) == (0, 2)
    with engine.connect() as conn:
        checkpoint = proj.get_checkpoint(conn, PROJECTION)
    assert checkpoint is not None and (checkpoint.applied, checkpoint.last_event_id) == (3, grant.id)


def test_max_jobs_counts_training_jobs_and_releases(engine: Engine) -> None:
    w = World(engine)
    job = ev.TrainingRequested(job_id="j1", requester_org="Org2MSP", algorithm="a", code_sha256="a" * 64,
                               datasets=(ev.DatasetVersionRef(dataset_id="cxr", version="v1"),), deposit=1,
                               ledger_tx_id="t")
    w.deliver(w.bridge.dataset(), w.bridge.requested(), w.bridge.granted(max_jobs=1), w.bridge.envelope(job, "j1"))
    assert w.decide() == (False, Reason.MAX_JOBS_EXHAUSTED)
    w.deliver(w.bridge.envelope(ev.TrainingFailed(job_id="j1", reason="oom"), "j1"))
    assert w.decide() == (True, Reason.GRANTED)
    w.deliver(w.bridge.envelope(ev.TrainingFailed(job_id="j1", reason="again"), "j1"))
    with engine.connect() as conn:
        assert [r.jobs_used for r in proj.requests_for(conn, "cxr", "Org2MSP")] == [0]


def test_forged_grant_changes_nothing(engine: Engine) -> None:
    w = World(engine)
    w.deliver(w.bridge.dataset(), w.bridge.requested())
    forged = Envelope.wrap(ev.GrantIssued(grant_id="r1", request_id="r1", dataset_id="cxr", grantee_org="Org2MSP",
                                          expires_at=T0.replace(year=2031), max_jobs=1, ledger_tx_id="t"),
                           source="org2/access-control", subject="r1", sequence=9)
    w.deliver(forged)
    assert w.decide() == (False, Reason.PENDING)


def test_owner_sees_incoming_requests_from_ledger_events(engine: Engine) -> None:
    w = World(engine, my_org="Org1MSP")
    w.deliver(w.bridge.requested("r1"), w.bridge.requested("r2", dataset_id="other", org="Org3MSP"))
    w.deliver(w.bridge.dataset(), w.bridge.granted("r1"))
    with engine.connect() as conn:
        record = repo.get_request(conn, "r1")
        assert repo.get_request(conn, "r2") is None  # neither party is Org1: not listed here
        events = [e.event for e in repo.history(conn, "r1")]
    assert record is not None and (record.owner_org, record.state, record.max_jobs) == ("Org1MSP",
                                                                                       RequestState.GRANTED, 2)
    assert events == ["ledger:requested", "ledger:granted"]


def test_requester_sees_its_request_answered(engine: Engine) -> None:
    w = World(engine, my_org="Org2MSP")
    w.deliver(w.bridge.dataset(), w.bridge.requested(), w.bridge.denied())
    with engine.connect() as conn:
        record = repo.get_request(conn, "r1")
    assert record is not None and (record.state, record.reason) == (RequestState.DENIED, "not for resale")


def test_bridge_path_never_moves_the_block_checkpoint(engine: Engine) -> None:
    """Kafka partitions interleave blocks; only an in-order ledger replay may checkpoint a block."""
    w = World(engine)
    w.deliver(w.bridge.envelope(ev.DatasetRegistered(dataset_id="cxr", owner_org="Org1MSP", name="cxr",
                                                     ledger_tx_id="t", block_number=41), "cxr"))
    with engine.connect() as conn:
        checkpoint = proj.get_checkpoint(conn, PROJECTION)
    assert checkpoint is not None and (checkpoint.applied, checkpoint.last_block) == (1, None)


def decide_in(reader: Engine, w: World) -> DecisionResult:
    with reader.connect() as conn:
        return decide_from_projection(projection=SqlProjection(conn), principal=STORAGE, tenancy=TENANCY,
                                      organisation="Org2MSP", dataset_id="cxr", purpose=Purpose.TRAIN, now=w.clock(),
                                      max_staleness_s=1.0)


def test_decisions_read_a_snapshot_without_waiting_for_writers(engine: Engine) -> None:
    w = World(engine)
    w.deliver(w.bridge.dataset(), w.bridge.requested(), w.bridge.granted())
    reader = reader_for(engine)
    try:
        with engine.begin() as conn:  # a consumer transaction holding SQLite's write lock, not yet committed
            proj.update_projected(conn, "r1", state=RequestState.REVOKED)
            started = time.monotonic()
            d = decide_in(reader, w)
            assert time.monotonic() - started < 1.0, "the decision waited for the writer"
            assert (d.decision.allow, d.decision.reason) == (True, Reason.GRANTED)  # the committed state
        d = decide_in(reader, w)
        assert d.decision.reason is Reason.REVOKED
    finally:
        reader.dispose()
