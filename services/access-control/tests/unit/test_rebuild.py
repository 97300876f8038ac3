"""Rebuild after data loss (replay from block 0) and resume from the checkpoint, with a fake Ledger port."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledgerml.access_control.adapters import projection as proj
from ledgerml.access_control.adapters.db import MIGRATIONS
from ledgerml.access_control.consumers import follow_ledger, rebuild_projection
from ledgerml.access_control.domain import PROJECTION, RequestState
from ledgerml.shared.errors import LedgerNotConfigured
from ledgerml.shared.ledger import UnconfiguredLedger
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade

from .fakes import T0, FakeLedger, cc_dataset, cc_request, chaincode

GRANT = {"expires_at": (T0 + timedelta(days=30)).isoformat(), "max_jobs": 0, "compute_only": False}


def history() -> list:  # type: ignore[type-arg]
    return [
        chaincode("DatasetRegistered", cc_dataset(), block=1),
        chaincode("AccessRequested", cc_request("r1"), block=2),
        chaincode("AccessGranted", cc_request("r1", status="GRANTED", conditions=GRANT), block=3),
        chaincode("AccessRequested", cc_request("r2", purpose="evaluate"), block=3, index=1),
    ]


def states(engine: Engine) -> dict[str, RequestState]:
    with engine.connect() as conn:
        return {r.request.request_id: r.request.state for r in proj.requests_on(conn, "cxr")}


def test_rebuild_replays_from_block_zero(engine: Engine) -> None:
    ledger = FakeLedger(history())
    assert rebuild_projection(engine, ledger, my_org="Org1MSP") == 4
    assert ledger.starts == [0]
    assert states(engine) == {"r1": RequestState.GRANTED, "r2": RequestState.PENDING}
    with engine.connect() as conn:
        checkpoint = proj.get_checkpoint(conn, PROJECTION)
    assert checkpoint is not None and (checkpoint.last_block, checkpoint.last_index, checkpoint.last_tx_id) == (
        3, 1, "b3i1")


def test_rebuild_forgets_what_the_ledger_does_not_say(engine: Engine) -> None:
    rebuild_projection(engine, FakeLedger(history()), my_org="Org1MSP")
    rebuild_projection(engine, FakeLedger(history()[:2]), my_org="Org1MSP")  # e.g. a corrupted local copy
    assert states(engine) == {"r1": RequestState.PENDING}


def test_resume_after_restart_starts_at_the_checkpoint(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    first = create_db_engine(url)
    upgrade(first, MIGRATIONS)
    events = history()
    follow_ledger(first, FakeLedger(events[:3]), my_org="Org1MSP")
    first.dispose()

    restarted = create_db_engine(url)  # a new process on the same database
    revoke = chaincode("AccessRevoked", cc_request("r1", status="REVOKED", conditions=GRANT), block=4)
    ledger = FakeLedger([*events, revoke])
    assert follow_ledger(restarted, ledger, my_org="Org1MSP") == 2  # block 3 index 1 and block 4 only
    assert ledger.starts == [3]
    assert states(restarted)["r1"] is RequestState.REVOKED
    with restarted.connect() as conn:
        checkpoint = proj.get_checkpoint(conn, PROJECTION)
    assert checkpoint is not None and checkpoint.applied == 5
    restarted.dispose()


def test_events_already_applied_from_kafka_are_not_applied_twice(engine: Engine) -> None:
    events = history()
    follow_ledger(engine, FakeLedger(events), my_org="Org1MSP")
    with engine.begin() as conn:  # lose the checkpoint, keep the processed ids
        conn.execute(proj.cp.delete())
    follow_ledger(engine, FakeLedger(events), my_org="Org1MSP")
    with engine.connect() as conn:
        checkpoint = proj.get_checkpoint(conn, PROJECTION)
    assert checkpoint is None  # nothing new was applied


def test_rebuild_without_a_ledger_fails_closed_and_keeps_the_projection(engine: Engine) -> None:
    rebuild_projection(engine, FakeLedger(history()), my_org="Org1MSP")
    with pytest.raises(LedgerNotConfigured):
        rebuild_projection(engine, UnconfiguredLedger(), my_org="Org1MSP")
    assert states(engine)["r1"] is RequestState.GRANTED
