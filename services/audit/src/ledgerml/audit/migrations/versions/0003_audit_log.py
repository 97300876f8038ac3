"""The Merkle audit log: entries, subjects, subtree roots, frontier, tree heads, sequences and gaps.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Tz = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("log_id", sa.String(128), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("frontier", sa.LargeBinary, nullable=False),
        sa.Column("last_head_size", sa.BigInteger, nullable=False),
        sa.Column("last_head_at", Tz, nullable=True),
        sa.Column("updated_at", Tz, nullable=False),
        sa.PrimaryKeyConstraint("log_id", name="pk_audit_log"),
    )
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
        sa.Column("entry", sa.LargeBinary, nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("action", sa.String(128), nullable=False),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("time", Tz, nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=True),
        sa.Column("ledger_tx_id", sa.String(128), nullable=True),
        sa.Column("ledger_block", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_entries"),
        sa.UniqueConstraint("event_id", name="uq_audit_entries_event_id"),
    )
    for name, column in (("org", "org"), ("actor", "actor"), ("action", "action")):
        op.create_index(f"ix_audit_entries_{name}_seq", "audit_entries", [column, "seq"])
    op.create_index("ix_audit_entries_time", "audit_entries", ["time"])
    op.create_table(
        "audit_subjects",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("kind", "value", "seq", name="pk_audit_subjects"),
    )
    op.create_index("ix_audit_subjects_seq", "audit_subjects", ["seq"])
    op.create_table(
        "audit_nodes",
        sa.Column("node_key", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("node_key", name="pk_audit_nodes"),
    )
    op.create_table(
        "audit_tree_heads",
        sa.Column("tree_size", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("log_id", sa.String(128), nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", Tz, nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("certificate", sa.Text, nullable=False),
        sa.Column("ledger_write_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("tree_size", name="pk_audit_tree_heads"),
    )
    op.create_table(
        "audit_sources",
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("last_sequence", sa.BigInteger, nullable=False),
        sa.Column("entries", sa.BigInteger, nullable=False),
        sa.Column("replayed", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_audit_sources"),
    )
    op.create_table(
        "audit_gaps",
        sa.Column("id", AutoId, nullable=False, autoincrement=True),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("first_missing", sa.BigInteger, nullable=False),
        sa.Column("last_missing", sa.BigInteger, nullable=False),
        sa.Column("detected_at", Tz, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_gaps"),
    )
    op.create_index("ix_audit_gaps_source", "audit_gaps", ["source", "first_missing"])


def downgrade() -> None:
    op.drop_index("ix_audit_gaps_source", table_name="audit_gaps")
    for table in ("audit_gaps", "audit_sources", "audit_tree_heads", "audit_nodes"):
        op.drop_table(table)
    op.drop_index("ix_audit_subjects_seq", table_name="audit_subjects")
    op.drop_table("audit_subjects")
    op.drop_index("ix_audit_entries_time", table_name="audit_entries")
    for name in ("org", "actor", "action"):
        op.drop_index(f"ix_audit_entries_{name}_seq", table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_table("audit_log")
