"""The access-control service's database: local request records and their history, and the decision
projection fed only by ledger events (never by local, uncommitted answers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

from ledgerml.shared.persistence.tables import NAMING_CONVENTION, AutoId

MIGRATIONS = "ledgerml.access_control:migrations"

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# This organisation's view of requests it sent (outgoing) or received (incoming).
requests_table = Table(
    "ac_requests",
    metadata,
    Column("request_id", String(64), primary_key=True),
    Column("dataset_id", String(128), nullable=False),
    Column("owner_org", String(64), nullable=True),  # unknown until the dataset's registration is seen
    Column("requester_org", String(64), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("requested_expiry", DateTime(timezone=True), nullable=True),
    Column("algorithm_code_hash", String(64), nullable=True),
    Column("state", String(16), nullable=False),
    Column("pending_answer", String(16), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("max_jobs", Integer, nullable=True),
    Column("compute_only", Boolean, nullable=True),
    Column("reason", String(500), nullable=True),
    Column("last_write_id", String(36), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_ac_requests_owner", "owner_org", "created_at"),
    Index("ix_ac_requests_requester", "requester_org", "created_at"),
)

history_table = Table(
    "ac_request_history",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(32), nullable=False),  # requested, grant, deny, revoke, ledger:<state>, rejected
    Column("state", String(16), nullable=False),  # the request's state after this entry
    Column("actor", String(256), nullable=False),
    Column("write_id", String(36), nullable=True),  # ledger-write outbox row, for its live status
    Column("tx_id", String(128), nullable=True),
    Column("block_number", BigInteger, nullable=True),
    Column("detail", Text, nullable=True),
    Index("ix_ac_request_history_request", "request_id", "id"),
)

# The decision projection: what the ledger's events say, nothing else.
proj_datasets_table = Table(
    "ac_proj_datasets",
    metadata,
    Column("dataset_id", String(128), primary_key=True),
    Column("owner_org", String(64), nullable=False),
    Column("tx_id", String(128), nullable=False),
)

proj_requests_table = Table(
    "ac_proj_requests",
    metadata,
    Column("request_id", String(128), primary_key=True),
    Column("dataset_id", String(128), nullable=False),
    Column("requester_org", String(64), nullable=False),
    Column("purpose", String(16), nullable=True),
    Column("state", String(16), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("max_jobs", Integer, nullable=False),
    Column("jobs_used", Integer, nullable=False),
    Column("compute_only", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("tx_id", String(128), nullable=False),
    Index("ix_ac_proj_requests_lookup", "dataset_id", "requester_org"),
)

proj_jobs_table = Table(
    "ac_proj_jobs",
    metadata,
    Column("job_id", String(128), primary_key=True),
    Column("request_ids", Text, nullable=False),  # JSON list of grants charged
    Column("released", Boolean, nullable=False),
)

# One row per projection consumer: the last applied ledger event and when the source was last polled.
proj_checkpoint_table = Table(
    "ac_proj_checkpoint",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("last_event_id", String(256), nullable=True),
    Column("last_tx_id", String(128), nullable=True),
    Column("last_block", BigInteger, nullable=True),
    Column("last_index", Integer, nullable=True),
    Column("applied", BigInteger, nullable=False),
    Column("polled_at", DateTime(timezone=True), nullable=True),
)


def reader_for(engine: Engine) -> Engine:
    """An engine for the decision path's reads. The shared SQLite engine begins every transaction
    IMMEDIATE (the write lock), so a decision would queue behind the consumer's writes; this one opens
    the same file read-only with deferred transactions: a WAL snapshot that never waits for a writer.
    Other databases (PostgreSQL, MVCC) use the shared engine as it is."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return engine
    reader = create_engine(f"sqlite:///file:{database}?mode=ro&uri=true", connect_args={"timeout": 10})

    @event.listens_for(reader, "connect")
    def _autocommit_driver(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy, not the driver, says where transactions begin

    @event.listens_for(reader, "begin")
    def _deferred(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")  # one consistent snapshot for the decision's reads

    return reader
