"""Producer gaps are read from the entries: index (source, sequence); drop the per-event bookkeeping
tables (`audit_sources`, `audit_gaps`), which churned under out-of-order partitions.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_index("ix_audit_entries_source_sequence", "audit_entries", ["source", "sequence"])
    op.drop_index("ix_audit_gaps_source", table_name="audit_gaps")
    op.drop_table("audit_gaps")
    op.drop_table("audit_sources")


def downgrade() -> None:
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
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_gaps"),
    )
    op.create_index("ix_audit_gaps_source", "audit_gaps", ["source", "first_missing"])
    op.drop_index("ix_audit_entries_source_sequence", table_name="audit_entries")
