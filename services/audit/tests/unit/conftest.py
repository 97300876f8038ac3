"""Unit fixtures: an embedded SQLite audit database (real migrations), the local consortium PKI on
disk (no network), and an audit log signed by Org1's audit identity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledgerml.audit.adapters.db import MIGRATIONS
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.service import AnchorPolicy, AuditLog
from ledgerml.audit.signing import IdentitySigner
from ledgerml.shared.identity import load_identity
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.stack.pki import Consortium, create_consortium


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture(scope="session")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Consortium:
    return create_consortium(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    upgrade(engine, MIGRATIONS)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def audit_log(consortium: Consortium, clock: Clock) -> AuditLog:
    identity = load_identity("Org1MSP", msp_dir=consortium.orgs["Org1MSP"].identity("audit").msp_dir)
    return AuditLog(store=LogStore("org1-audit"), signer=IdentitySigner(identity),
                    policy=AnchorPolicy(every_entries=4, interval_s=30), clock=clock)
