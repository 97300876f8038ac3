"""Tables every service database holds for messaging: outbox, processed events, producer sequences.

They live in their own MetaData; a service's Alembic env targets `[messaging_metadata, its own]`,
and its first revision calls `ledgerml.shared.persistence.migrations.create_messaging_tables_v1`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY, not BIGINT.
AutoId = BigInteger().with_variant(Integer(), "sqlite")

messaging_metadata = MetaData(naming_convention=NAMING_CONVENTION)

outbox_table = Table(
    "lml_outbox",
    messaging_metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("event_type", String(128), nullable=False),
    Column("topic", String(249), nullable=False),
    Column("record_key", String(256), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("traceparent", String(55), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Index("ix_lml_outbox_unsent", "sent_at", "id"),
)

processed_events_table = Table(
    "lml_processed_events",
    messaging_metadata,
    Column("consumer", String(128), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("consumer", "event_id"),
)

producer_sequences_table = Table(
    "lml_producer_sequences",
    messaging_metadata,
    Column("source", String(128), primary_key=True),
    Column("last_value", BigInteger, nullable=False),
)

ledger_writes_table = Table(
    "lml_ledger_writes",
    messaging_metadata,
    Column("id", String(36), primary_key=True),
    Column("function", String(64), nullable=False),
    Column("args", LargeBinary, nullable=False),
    Column("subject", String(256), nullable=False),
    Column("state", String(16), nullable=False),
    Column("tx_id", String(128), nullable=True),
    Column("block_number", BigInteger, nullable=True),
    Column("error_code", String(16), nullable=True),
    Column("error_detail", String(1024), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_lml_ledger_writes_due", "state", "next_attempt_at"),
    Index("ix_lml_ledger_writes_subject", "subject", "created_at"),
)
