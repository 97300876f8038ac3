"""SQLAlchemy 2 persistence: engines (SQLite WAL or PostgreSQL), messaging tables, Alembic helpers."""

from ledgerml.shared.persistence.engine import create_db_engine, insert_ignoring_duplicates
from ledgerml.shared.persistence.tables import (
    messaging_metadata,
    outbox_table,
    processed_events_table,
    producer_sequences_table,
)

__all__ = [
    "create_db_engine",
    "insert_ignoring_duplicates",
    "messaging_metadata",
    "outbox_table",
    "processed_events_table",
    "producer_sequences_table",
]
