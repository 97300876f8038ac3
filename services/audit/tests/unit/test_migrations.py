"""The migrations build exactly the tables, columns and indexes the code declares, and go back down."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from ledgerml.audit.adapters.db import MIGRATIONS, metadata
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import downgrade, upgrade


def test_migrations_match_the_declared_tables_and_downgrade(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    upgrade(engine, MIGRATIONS)
    found = inspect(engine)
    for table in metadata.tables.values():
        assert {c["name"] for c in found.get_columns(table.name)} == {c.name for c in table.columns}, table.name
        assert {i.name for i in table.indexes} <= {i["name"] for i in found.get_indexes(table.name)}, table.name
    assert not {"audit_sources", "audit_gaps"} & set(found.get_table_names())
    downgrade(engine, MIGRATIONS, "0003")
    assert {"audit_sources", "audit_gaps"} <= set(inspect(engine).get_table_names())
    downgrade(engine, MIGRATIONS)
    assert "audit_entries" not in inspect(engine).get_table_names()
    engine.dispose()
