"""The audit service's database: the Merkle log (entries with leaf hashes, stored subtree roots, the
frontier) and signed tree heads, beside the shared messaging tables.

Migrations (`migrations/versions/0003_*`, `0004_*`) freeze these shapes; change both together.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from ledgerml.shared.persistence.tables import NAMING_CONVENTION

MIGRATIONS = "ledgerml.audit:migrations"

metadata = MetaData(naming_convention=NAMING_CONVENTION)

log_state = Table(
    "audit_log",
    metadata,
    Column("log_id", String(128), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("frontier", LargeBinary, nullable=False),
    Column("last_head_size", BigInteger, nullable=False),
    Column("last_head_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

entries = Table(
    "audit_entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("leaf_hash", LargeBinary, nullable=False),
    Column("entry", LargeBinary, nullable=False),
    Column("source", String(128), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("action", String(128), nullable=False),
    Column("org", String(64), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("trace_id", String(32), nullable=True),
    Column("ledger_tx_id", String(128), nullable=True),
    Column("ledger_block", BigInteger, nullable=True),
    Index("ix_audit_entries_org_seq", "org", "seq"),
    Index("ix_audit_entries_actor_seq", "actor", "seq"),
    Index("ix_audit_entries_action_seq", "action", "seq"),
    Index("ix_audit_entries_time", "time"),
    Index("ix_audit_entries_source_sequence", "source", "sequence"),
)

subjects = Table(
    "audit_subjects",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("value", String(256), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Index("ix_audit_subjects_seq", "seq"),
)

nodes = Table(
    "audit_nodes",
    metadata,
    Column("node_key", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
)

tree_heads = Table(
    "audit_tree_heads",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("log_id", String(128), nullable=False),
    Column("root_hash", String(64), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("signature", Text, nullable=False),
    Column("certificate", Text, nullable=False),
    Column("ledger_write_id", String(36), nullable=True),
)
