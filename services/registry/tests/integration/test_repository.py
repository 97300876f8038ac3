"""Registry migrations and its outbox on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from ledgerml.registry import SERVICE
from ledgerml.registry.adapters.db import MIGRATIONS
from ledgerml.shared.events.schemas import DatasetRegistered
from ledgerml.shared.messaging import Outbox
from ledgerml.shared.persistence import create_db_engine, outbox_table
from ledgerml.shared.persistence.migrations import downgrade, upgrade

pytestmark = pytest.mark.integration
MESSAGING = {"lml_outbox", "lml_processed_events", "lml_producer_sequences", "lml_ledger_writes"}
REGISTRY = {"registry_datasets", "registry_dataset_tags", "registry_dataset_columns", "registry_versions",
            "registry_rejected_events", "registry_models", "registry_model_inputs", "registry_training_jobs"}


def test_migrations_upgrade_and_downgrade(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade(engine, MIGRATIONS)
    upgrade(engine, MIGRATIONS)  # idempotent: already at head
    assert MESSAGING | REGISTRY <= set(inspect(engine).get_table_names())
    downgrade(engine, MIGRATIONS)
    assert not (MESSAGING | REGISTRY) & set(inspect(engine).get_table_names())
    engine.dispose()


def test_registry_outbox_writes_in_the_callers_transaction(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade(engine, MIGRATIONS)
    outbox = Outbox(org="org1", service=SERVICE)
    event = DatasetRegistered(dataset_id="d1", owner_org="Org1MSP", name="x-rays", ledger_tx_id="tx1")
    with pytest.raises(RuntimeError), engine.begin() as conn:
        outbox.add(conn, event, subject="d1")
        raise RuntimeError("registration failed after the event was staged")
    with engine.begin() as conn:
        envelope = outbox.add(conn, event, subject="d1")
    with engine.connect() as conn:
        rows = conn.execute(select(outbox_table.c.event_id, outbox_table.c.topic)).all()
        assert conn.execute(select(func.count()).select_from(outbox_table)).scalar_one() == 1
    assert rows == [(envelope.id, "org1.registry")] and envelope.sequence == 1
    assert envelope.source == "org1/registry"
    engine.dispose()
