"""Unit fixtures: an embedded SQLite audit database (real migrations), the local consortium PKI on
disk (no network), and an audit log signed by Org1's audit identity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ledgerml.audit.adapters.db import MIGRATIONS
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.main import create_app
from ledgerml.audit.service import AnchorPolicy, AuditLog
from ledgerml.audit.settings import AuditSettings
from ledgerml.audit.signing import IdentitySigner
from ledgerml.shared.identity import issue_token, load_identity
from ledgerml.stack.pki import Consortium


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def migrations() -> str:
    return MIGRATIONS


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def audit_log(consortium: Consortium, clock: Clock) -> AuditLog:
    identity = load_identity("Org1MSP", msp_dir=consortium.orgs["Org1MSP"].identity("audit").msp_dir)
    return AuditLog(log_id="org1-audit", signer=IdentitySigner(identity),
                    policy=AnchorPolicy(every_entries=4, interval_s=30), clock=clock)


@pytest.fixture
def log_store() -> LogStore:
    """The log's store as one process holds it (its frontier in memory between appends)."""
    return LogStore("org1-audit")


@pytest.fixture
def filled_engine(engine: Engine, audit_log: AuditLog, log_store: LogStore, clock: Clock) -> Engine:
    """The story plus 10 bulk reads (21 entries), heads every 4 and one for the tail."""
    from ledgerml.audit.adapters.unit import SqlAuditUnit, SqlAuditUnits
    from ledgerml.audit.service import anchor_if_due, record_event

    from ..story import filler, story

    with engine.begin() as conn:
        for envelope in story() + filler(10):
            record_event(unit=SqlAuditUnit(conn, log_store), envelope=envelope, log=audit_log)
    clock.advance(60)
    assert anchor_if_due(units=SqlAuditUnits(engine, log_store), log=audit_log) is not None
    return engine


class Api:
    """A TestClient of the audit app on the filled SQLite log, speaking as any consortium identity."""

    def __init__(self, client: TestClient, consortium: Consortium) -> None:
        self.client = client
        self.consortium = consortium

    def headers(self, msp: str = "Org1MSP", name: str = "User1") -> dict[str, str]:
        identity = load_identity(msp, msp_dir=self.consortium.orgs[msp].identity(name).msp_dir)
        return {"authorization": f"Bearer {issue_token(identity, audience='audit')}"}

    def get(self, path: str, *, as_: tuple[str, str] = ("Org1MSP", "User1"), **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.headers(*as_))


@pytest.fixture
def api(filled_engine: Engine, consortium: Consortium, tmp_path: Path) -> Iterator[Api]:
    url = str(filled_engine.url)
    settings = AuditSettings(database_url=url, msp_root=consortium.root, kafka_bootstrap="127.0.0.1:1",
                             identity_msp_dir=consortium.orgs["Org1MSP"].identity("audit").msp_dir)
    with TestClient(create_app(settings)) as client:
        yield Api(client, consortium)
