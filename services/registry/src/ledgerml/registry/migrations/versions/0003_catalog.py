"""Catalog tables: datasets (own and mirrored), their tags, schema columns and versions, and the
events the registry refused to apply.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ledger_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("ledger_write_id", sa.String(36), nullable=True),
        sa.Column("ledger_state", sa.String(16), nullable=False),
        sa.Column("tx_id", sa.String(128), nullable=True),
        sa.Column("block_number", sa.BigInteger, nullable=True),
        sa.Column("error_code", sa.String(16), nullable=True),
        sa.Column("error_detail", sa.String(1024), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "registry_datasets",
        sa.Column("dataset_id", sa.String(128), nullable=False),
        sa.Column("owner_org", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("schema_json", sa.Text, nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("tags_json", sa.Text, nullable=False),
        sa.Column("price_per_job", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        *_ledger_columns(),
        sa.PrimaryKeyConstraint("dataset_id", name="pk_registry_datasets"),
    )
    op.create_index("ix_registry_datasets_owner_org", "registry_datasets", ["owner_org"])
    op.create_index("ix_registry_datasets_ledger_write_id", "registry_datasets", ["ledger_write_id"])
    op.create_table(
        "registry_dataset_tags",
        sa.Column("dataset_id", sa.String(128), nullable=False),
        sa.Column("tag", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", "tag", name="pk_registry_dataset_tags"),
    )
    op.create_index("ix_registry_dataset_tags_tag", "registry_dataset_tags", ["tag"])
    op.create_table(
        "registry_dataset_columns",
        sa.Column("dataset_id", sa.String(128), nullable=False),
        sa.Column("column_name", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", "column_name", name="pk_registry_dataset_columns"),
    )
    op.create_index("ix_registry_dataset_columns_column_name", "registry_dataset_columns", ["column_name"])
    op.create_table(
        "registry_versions",
        sa.Column("dataset_id", sa.String(128), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("merkle_root", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("chunk_count", sa.BigInteger, nullable=False),
        sa.Column("chunk_size", sa.BigInteger, nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        *_ledger_columns(),
        sa.PrimaryKeyConstraint("dataset_id", "version", name="pk_registry_versions"),
    )
    op.create_index("ix_registry_versions_ledger_write_id", "registry_versions", ["ledger_write_id"])
    op.create_table(
        "registry_rejected_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False, autoincrement=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(1024), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_registry_rejected_events"),
    )


def downgrade() -> None:
    op.drop_table("registry_rejected_events")
    op.drop_index("ix_registry_versions_ledger_write_id", table_name="registry_versions")
    op.drop_table("registry_versions")
    op.drop_index("ix_registry_dataset_columns_column_name", table_name="registry_dataset_columns")
    op.drop_table("registry_dataset_columns")
    op.drop_index("ix_registry_dataset_tags_tag", table_name="registry_dataset_tags")
    op.drop_table("registry_dataset_tags")
    op.drop_index("ix_registry_datasets_ledger_write_id", table_name="registry_datasets")
    op.drop_index("ix_registry_datasets_owner_org", table_name="registry_datasets")
    op.drop_table("registry_datasets")
