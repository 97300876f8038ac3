"""Alembic helpers shared by every service: the frozen v1 messaging tables, env.py body, and upgrade."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import Engine, MetaData

from ledgerml.shared.persistence.tables import AutoId


def create_messaging_tables_v1() -> None:
    """Frozen copy of the messaging tables at v1; later changes get their own function, never edits."""
    op.create_table(
        "lml_outbox",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("record_key", sa.String(256), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("traceparent", sa.String(55), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lml_outbox"),
        sa.UniqueConstraint("event_id", name="uq_lml_outbox_event_id"),
    )
    op.create_index("ix_lml_outbox_unsent", "lml_outbox", ["sent_at", "id"])
    op.create_table(
        "lml_processed_events",
        sa.Column("consumer", sa.String(128), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_lml_processed_events"),
    )
    op.create_table(
        "lml_producer_sequences",
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("last_value", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_lml_producer_sequences"),
    )


def drop_messaging_tables_v1() -> None:
    op.drop_table("lml_producer_sequences")
    op.drop_table("lml_processed_events")
    op.drop_index("ix_lml_outbox_unsent", table_name="lml_outbox")
    op.drop_table("lml_outbox")


def create_ledger_writes_table_v1() -> None:
    """Frozen v1 of the ledger-write outbox (`ledgerml.shared.ledgerwrites`)."""
    op.create_table(
        "lml_ledger_writes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("function", sa.String(64), nullable=False),
        sa.Column("args", sa.LargeBinary, nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("tx_id", sa.String(128), nullable=True),
        sa.Column("block_number", sa.BigInteger, nullable=True),
        sa.Column("error_code", sa.String(16), nullable=True),
        sa.Column("error_detail", sa.String(1024), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lml_ledger_writes"),
    )
    op.create_index("ix_lml_ledger_writes_due", "lml_ledger_writes", ["state", "next_attempt_at"])
    op.create_index("ix_lml_ledger_writes_subject", "lml_ledger_writes", ["subject", "created_at"])


def drop_ledger_writes_table_v1() -> None:
    op.drop_index("ix_lml_ledger_writes_subject", table_name="lml_ledger_writes")
    op.drop_index("ix_lml_ledger_writes_due", table_name="lml_ledger_writes")
    op.drop_table("lml_ledger_writes")


def run_env(target_metadata: Sequence[MetaData]) -> None:
    """The whole body of a service's `migrations/env.py`: online only, on the engine we were handed."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through ledgerml.shared.persistence.migrations.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=list(target_metadata),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _config(script_location: str) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location)
    return config


def upgrade(engine: Engine, script_location: str, revision: str = "head") -> None:
    """Apply a service's migrations, e.g. `upgrade(engine, "ledgerml.registry:migrations")`."""
    config = _config(script_location)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, script_location: str, revision: str = "base") -> None:
    config = _config(script_location)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
