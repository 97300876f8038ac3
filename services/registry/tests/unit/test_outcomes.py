"""Ledger-write outcomes reach the catalog: the shared relay submits, the registry's hook shows the
result on the dataset and version (SQLite, a scripted ledger port; no network)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from ledgerml.registry import service
from ledgerml.registry.adapters.catalog_store import SqlCatalog
from ledgerml.registry.adapters.db import MIGRATIONS
from ledgerml.registry.adapters.outboxes import SqlLedgerWrites
from ledgerml.registry.consumers import ledger_outcome
from ledgerml.registry.domain import Dataset
from ledgerml.shared.errors import LedgerEndorsementFailed
from ledgerml.shared.events import Envelope
from ledgerml.shared.events.schemas import DatasetRegistered, DatasetVersionRegistered, VersionStored
from ledgerml.shared.ledger import TxReceipt, UnconfiguredLedger
from ledgerml.shared.ledgerwrites import LedgerWriteRelay
from ledgerml.shared.persistence import create_db_engine, outbox_table
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.stack.testing.fakes import ScriptedLedger

from .fakes import AUDITORS, ORG1_USER, T0

ROOT = "ab" * 32


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'registry.db'}")
    upgrade(engine, MIGRATIONS)
    with engine.begin() as conn:
        service.register_dataset(store=SqlCatalog(conn), writes=SqlLedgerWrites(conn), principal=ORG1_USER,
                                 registry_org="Org1MSP", auditor_orgs=AUDITORS, dataset_id="cxr", name="Chest X-rays",
                                 description="", schema={"label": "string"}, terms="t", tags=[], price_per_job=1)
        service.record_stored_version(store=SqlCatalog(conn), writes=SqlLedgerWrites(conn), registry_org="Org1MSP",
                                      event_id="e1", now=T0, stored=VersionStored(
                                          dataset_id="cxr", version="v1", merkle_root=ROOT, size_bytes=10,
                                          chunk_count=1, chunk_size=16))
    yield engine
    engine.dispose()


def dataset(engine: Engine) -> Dataset:
    with engine.connect() as conn:
        found = SqlCatalog(conn).dataset("cxr")
    assert found is not None
    return found


def test_without_a_ledger_both_writes_stay_pending_and_say_why(engine: Engine) -> None:
    relay = LedgerWriteRelay(engine=engine, ledger=UnconfiguredLedger(), on_outcome=ledger_outcome)
    assert relay.submit_pending() == 0
    shown = dataset(engine)
    assert (shown.ledger.state, shown.ledger.error_code, shown.ledger.tx_id) == ("pending", "LML-5004", None)
    # The version waits behind its dataset (same subject): not even attempted yet.
    assert (shown.versions[0].ledger.state, shown.versions[0].ledger.error_code) == ("pending", None)


def test_commits_show_tx_and_block_and_are_announced_in_order(engine: Engine) -> None:
    ledger = ScriptedLedger(TxReceipt("tx-d", 11), TxReceipt("tx-v", 12))
    relay = LedgerWriteRelay(engine=engine, ledger=ledger, on_outcome=ledger_outcome)
    assert relay.submit_pending() + relay.submit_pending() == 2
    assert [f for f, _ in ledger.calls] == ["RegisterDataset", "RegisterDatasetVersion"]
    shown = dataset(engine)
    assert (shown.ledger.state, shown.ledger.tx_id, shown.ledger.block_number) == ("committed", "tx-d", 11)
    assert (shown.versions[0].ledger.tx_id, shown.versions[0].ledger.block_number) == ("tx-v", 12)
    with engine.connect() as conn:
        payloads = conn.execute(select(outbox_table.c.payload).order_by(outbox_table.c.id)).scalars().all()
    events = [Envelope.from_json(p).data for p in payloads]
    assert isinstance(events[0], DatasetRegistered) and events[0].ledger_tx_id == "tx-d"
    assert isinstance(events[1], DatasetVersionRegistered) and events[1].merkle_root == ROOT


def test_a_rejection_shows_the_chaincode_error(engine: Engine) -> None:
    refused = LedgerEndorsementFailed("LML-CC-0003 dataset cxr exists", tx_id="tx-r")
    relay = LedgerWriteRelay(engine=engine, ledger=ScriptedLedger(refused), on_outcome=ledger_outcome)
    relay.submit_pending()
    shown = dataset(engine)
    assert (shown.ledger.state, shown.ledger.error_code, shown.ledger.tx_id) == ("rejected", "LML-6001", "tx-r")
    assert "LML-CC-0003" in (shown.ledger.error_detail or "")
