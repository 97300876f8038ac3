"""Tamper detection on the real PostgreSQL and on SQLite: an edited entry, a deleted entry and a
replaced tree head each make `GET /log/verify` fail, naming the first bad index or tree head."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ledgerml.audit.adapters.db import MIGRATIONS
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.unit import SqlAuditUnit
from ledgerml.audit.consumers import build_audit_log
from ledgerml.audit.main import create_app
from ledgerml.audit.service import AnchorPolicy, record_event
from ledgerml.audit.settings import AuditSettings
from ledgerml.audit.signing import IdentitySigner
from ledgerml.shared.identity import issue_token, load_identity
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.stack.pki import Consortium

from ..story import filler, story
from ..tamper import delete_entry, edit_entry, replace_head

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(database_url: str, consortium: Consortium, kafka_bootstrap: str) -> AuditSettings:
    return AuditSettings(database_url=database_url, msp_root=consortium.root, kafka_bootstrap=kafka_bootstrap,
                         identity_msp_dir=consortium.orgs["Org1MSP"].identity("audit").msp_dir,
                         anchor_every_entries=5)


@pytest.fixture
def engine(settings: AuditSettings) -> Iterator[Engine]:
    engine = create_db_engine(settings.database_url_value)
    upgrade(engine, MIGRATIONS)
    log, store = build_audit_log(settings), LogStore(settings.effective_log_id)
    assert log.policy == AnchorPolicy(every_entries=5, interval_s=30.0)
    with engine.begin() as conn:
        for envelope in story() + filler(9):  # 20 entries, heads at 5, 10, 15, 20
            record_event(unit=SqlAuditUnit(conn, store), envelope=envelope, log=log)
    yield engine
    engine.dispose()


def _verify(settings: AuditSettings, consortium: Consortium) -> dict[str, object]:
    auditor = load_identity("Org3MSP", msp_dir=consortium.orgs["Org3MSP"].identity("User1").msp_dir)
    with TestClient(create_app(settings)) as client:
        token = issue_token(auditor, audience="audit")
        response = client.get("/log/verify", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def test_intact_log_verifies(engine: Engine, settings: AuditSettings, consortium: Consortium) -> None:
    result = _verify(settings, consortium)
    assert result["ok"] is True and result["entries_checked"] == 20 and result["tree_heads_checked"] == 4


def test_entry_edited_in_the_database(engine: Engine, settings: AuditSettings, consortium: Consortium) -> None:
    edit_entry(engine, 7)
    result = _verify(settings, consortium)
    assert result["ok"] is False and result["first_bad_index"] == 7 and result["first_bad_tree_head"] == 10
    assert "entry 7 does not match its stored leaf hash" in str(result["reason"])


def test_entry_deleted(engine: Engine, settings: AuditSettings, consortium: Consortium) -> None:
    delete_entry(engine, 11)
    result = _verify(settings, consortium)
    assert result["ok"] is False and result["first_bad_index"] == 11
    assert "entry 11 is missing" in str(result["reason"])


Signer = Callable[[Consortium], IdentitySigner | None]


@pytest.mark.parametrize(("signer", "reason"), [
    (lambda c: None, "signature does not verify"),
    (lambda c: IdentitySigner(load_identity("Org1MSP", msp_dir=c.orgs["Org1MSP"].identity("Admin").msp_dir)),
     "not by the audit identity"),
])
def test_tree_head_replaced(engine: Engine, settings: AuditSettings, consortium: Consortium, signer: Signer,
                            reason: str) -> None:
    replace_head(engine, 15, signer=signer(consortium))
    result = _verify(settings, consortium)
    assert result["ok"] is False and result["first_bad_tree_head"] == 15 and result["first_bad_index"] is None
    assert reason in str(result["reason"])
