"""Unit fixtures: a migrated SQLite database per test, the real ray_jobs catalog, the executor wired to
hand-written fakes, and helpers that deliver ledger events and settle queued ledger writes."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledgerml.shared.events import Envelope, EventData
from ledgerml.shared.ledgerwrites import LedgerWriteRelay
from ledgerml.training.adapters.catalog import load_catalog
from ledgerml.training.adapters.db import MIGRATIONS
from ledgerml.training.algorithms import Catalog
from ledgerml.training.consumers import make_ledger_event_handler, on_ledger_outcome
from ledgerml.training.executor import ExecutorPorts

from .fakes import (
    OWNER,
    Clock,
    FakeDecisions,
    FakeDirectory,
    FakeLedger,
    FakePartners,
    FakeRunner,
    FakeStore,
)

REPO = Path(__file__).resolve().parents[4]
_tx = itertools.count(1)


@pytest.fixture
def migrations() -> str:
    return MIGRATIONS


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(REPO / "ray_jobs")


@pytest.fixture
def ports(engine: Engine, catalog: Catalog) -> ExecutorPorts:
    """The data owner (Org1) side, every port a fake; the test reaches them through `ports.<name>`."""
    return ExecutorPorts(engine=engine, msp_id=OWNER, org="org1", catalog=catalog, runner=FakeRunner(),
                         store=FakeStore(), directory=FakeDirectory(), decisions=FakeDecisions(),
                         partners=FakePartners(), data_source=lambda d: f"storage:{d.dataset_id}@{d.version}",
                         secret_env=lambda: {"LEDGERML_JOB_STORAGE_TOKEN": "secret-token"},
                         job_timeout_s=600, clock=Clock())


Deliver = Callable[[EventData], None]


@pytest.fixture
def deliver(engine: Engine) -> Deliver:
    """Hand one chaincode event to an organisation's handler (default Org1), as the ledger→Kafka bridge
    would deliver it (id = tx:index)."""

    def send(data: EventData, org: str = OWNER) -> None:
        envelope = Envelope.wrap(data, source="org1/ledger-bridge", subject=str(getattr(data, "job_id", "x")),
                                 sequence=1, event_id=f"tx-{next(_tx)}:0")
        with engine.begin() as conn:
            make_ledger_event_handler(org=org)(conn, envelope)

    return send


Settle = Callable[..., FakeLedger]


@pytest.fixture
def settle(engine: Engine) -> Settle:
    """Submit every queued ledger write to a fake ledger; `refuse={"AcceptTraining": "..."}` rejects."""

    def run(**refuse: str) -> FakeLedger:
        ledger = FakeLedger(refuse=dict(refuse))
        relay = LedgerWriteRelay(engine=engine, ledger=ledger, on_outcome=on_ledger_outcome)
        while relay.submit_pending():
            pass
        return ledger

    return run
