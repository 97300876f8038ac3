"""Wrapped data keys, uploads, chunk records and committed manifests (frozen copy at this revision).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
ACTIVE = sa.text("state = 'uploading'")


def upgrade() -> None:
    op.create_table(
        "storage_dataset_keys",
        sa.Column("dataset_id", sa.String(128), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", name="pk_storage_dataset_keys"),
    )
    op.create_table(
        "storage_uploads",
        sa.Column("upload_id", sa.String(36), nullable=False),
        sa.Column("dataset_id", sa.String(128), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("uploader", sa.String(256), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("upload_id", name="pk_storage_uploads"),
    )
    op.create_index("ux_storage_uploads_active", "storage_uploads", ["dataset_id", "version"], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_index("ix_storage_uploads_state", "storage_uploads", ["state", "updated_at"])
    op.create_table(
        "storage_chunks",
        sa.Column("upload_id", sa.String(36), nullable=False),
        sa.Column("chunk_index", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("object_key", sa.String(128), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("nonce", sa.String(24), nullable=False),
        sa.PrimaryKeyConstraint("upload_id", "chunk_index", name="pk_storage_chunks"),
    )
    op.create_index("ix_storage_chunks_object_key", "storage_chunks", ["object_key"])
    op.create_table(
        "storage_versions",
        sa.Column("dataset_id", sa.String(128), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("upload_id", sa.String(36), nullable=False),
        sa.Column("merkle_root", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("chunk_count", sa.Integer, nullable=False),
        sa.Column("chunk_size", sa.Integer, nullable=False),
        sa.Column("uploader", sa.String(256), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", "version", name="pk_storage_versions"),
        sa.UniqueConstraint("upload_id", name="uq_storage_versions_upload_id"),
    )


def downgrade() -> None:
    op.drop_table("storage_versions")
    op.drop_index("ix_storage_chunks_object_key", table_name="storage_chunks")
    op.drop_table("storage_chunks")
    op.drop_index("ix_storage_uploads_state", table_name="storage_uploads")
    op.drop_index("ux_storage_uploads_active", table_name="storage_uploads")
    op.drop_table("storage_uploads")
    op.drop_table("storage_dataset_keys")
