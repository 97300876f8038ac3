"""Ledger-write outcomes (relay + fake Ledger port) update request states and history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from ledgerml.access_control import service
from ledgerml.access_control.adapters import requests as repo
from ledgerml.access_control.adapters.outboxes import SqlLedgerWrites
from ledgerml.access_control.adapters.projection import SqlProjection
from ledgerml.access_control.consumers import ProjectionConsumer, on_ledger_outcome
from ledgerml.access_control.domain import Answer, Purpose, RequestRecord, RequestState
from ledgerml.access_control.policy import Tenancy
from ledgerml.shared.events.schemas import GrantDenied
from ledgerml.shared.identity import Principal, Role
from ledgerml.shared.ledger import UnconfiguredLedger
from ledgerml.shared.ledgerwrites import LedgerWriteRelay

from .fakes import T0, Bridge, FakeLedger, QueueSource
from .test_projection import World

ORG2 = Principal("Org2MSP", Role.CLIENT, "CN=User1@org2.ledgerml.test")
ORG1 = Principal("Org1MSP", Role.ADMIN, "CN=Admin@org1.ledgerml.test")


def create_request(engine: Engine, **kwargs: Any) -> service.RequestResult:
    with engine.begin() as conn:
        return service.create_request(requests=repo.SqlRequests(conn), projection=SqlProjection(conn),
                                      writes=SqlLedgerWrites(conn), **kwargs)


def answer_request(engine: Engine, **kwargs: Any) -> service.RequestResult:
    with engine.begin() as conn:
        return service.answer_request(requests=repo.SqlRequests(conn), writes=SqlLedgerWrites(conn), **kwargs)


def relay(engine: Engine, ledger: object) -> int:
    return LedgerWriteRelay(engine=engine, ledger=ledger, on_outcome=on_ledger_outcome,  # type: ignore[arg-type]
                            clock=lambda: T0 + timedelta(hours=1)).submit_pending()


def record(engine: Engine, request_id: str) -> RequestRecord:
    with engine.connect() as conn:
        found = repo.get_request(conn, request_id)
    assert found is not None
    return found


def request(engine: Engine) -> str:
    result = create_request(engine, principal=ORG2, tenancy=Tenancy("Org2MSP", frozenset()),
                                    dataset_id="cxr", owner_org="Org1MSP", purpose=Purpose.TRAIN,
                                    requested_expiry=T0 + timedelta(days=7), algorithm_code_hash=None, now=T0,
                                    max_days=30)
    return result.record.request_id


def test_committed_request_keeps_pending_and_records_the_transaction(engine: Engine) -> None:
    rid = request(engine)
    ledger = FakeLedger()
    assert relay(engine, ledger) == 1
    function, args = ledger.submitted[0]
    assert function == "RequestAccess" and f'"request_id": "{rid}"' in args[0]
    with engine.connect() as conn:
        events = [(e.event, e.tx_id, e.block_number) for e in repo.history(conn, rid)]
    assert events == [("requested", None, None), ("request:committed", "tx-1", 11)]
    assert record(engine, rid).state is RequestState.PENDING


def test_rejected_request_becomes_rejected(engine: Engine) -> None:
    rid = request(engine)
    relay(engine, FakeLedger(reject=["RequestAccess"]))
    r = record(engine, rid)
    assert r.state is RequestState.REJECTED and r.reason is not None and "LML-6001" in r.reason


def test_unconfigured_ledger_leaves_writes_pending(engine: Engine) -> None:
    rid = request(engine)
    assert relay(engine, UnconfiguredLedger()) == 0
    assert record(engine, rid).state is RequestState.PENDING


def owner_world(engine: Engine) -> str:
    w = World(engine, my_org="Org1MSP")
    w.deliver(w.bridge.dataset(), w.bridge.requested("r1"))
    return "r1"


def test_committed_grant_settles_the_answer(engine: Engine) -> None:
    rid = owner_world(engine)
    answer_request(engine, principal=ORG1, tenancy=Tenancy("Org1MSP", frozenset()), request_id=rid,
                           answer=Answer.GRANT, now=T0, max_days=365, expires_at=T0 + timedelta(days=3), max_jobs=4)
    assert record(engine, rid).pending_answer is Answer.GRANT
    ledger = FakeLedger()
    relay(engine, ledger)
    assert ledger.submitted[0][0] == "GrantAccess" and ledger.submitted[0][1][0] == rid
    r = record(engine, rid)
    assert (r.state, r.pending_answer, r.max_jobs, r.expires_at) == (RequestState.GRANTED, None, 4,
                                                                     T0 + timedelta(days=3))


def test_rejected_answer_clears_the_pending_answer_only(engine: Engine) -> None:
    rid = owner_world(engine)
    answer_request(engine, principal=ORG1, tenancy=Tenancy("Org1MSP", frozenset()), request_id=rid,
                           answer=Answer.DENY, now=T0, max_days=365, reason="no")
    relay(engine, FakeLedger(reject=["DenyAccess"]))
    r = record(engine, rid)
    assert (r.state, r.pending_answer) == (RequestState.PENDING, None)


def test_the_bridge_event_after_a_commit_changes_nothing_more(engine: Engine) -> None:
    rid = owner_world(engine)
    answer_request(engine, principal=ORG1, tenancy=Tenancy("Org1MSP", frozenset()), request_id=rid,
                           answer=Answer.DENY, now=T0, max_days=365, reason="no")
    relay(engine, FakeLedger())
    source = QueueSource()
    source.add(Bridge("org1").envelope(GrantDenied(request_id=rid, dataset_id="cxr", grantee_org="Org2MSP",
                                                   reason="no", ledger_tx_id="tx-1"), rid, tx="tx-1"))
    ProjectionConsumer(engine=engine, source=source, my_org="Org1MSP").process_batch()
    r = record(engine, rid)
    assert (r.state, r.reason, r.pending_answer) == (RequestState.DENIED, "no", None)
    with engine.connect() as conn:
        events = [e.event for e in repo.history(conn, rid)]
    assert events == ["ledger:requested", "deny", "deny:committed", "ledger:denied"]
