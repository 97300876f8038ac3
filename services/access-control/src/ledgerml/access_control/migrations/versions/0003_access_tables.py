"""Access requests, their history, and the decision projection (frozen copy at this revision).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from ledgerml.shared.persistence.tables import AutoId

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ac_requests",
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("dataset_id", sa.String(128), nullable=False),
        sa.Column("owner_org", sa.String(64), nullable=True),
        sa.Column("requester_org", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("requested_expiry", TZ, nullable=True),
        sa.Column("algorithm_code_hash", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("pending_answer", sa.String(16), nullable=True),
        sa.Column("expires_at", TZ, nullable=True),
        sa.Column("max_jobs", sa.Integer, nullable=True),
        sa.Column("compute_only", sa.Boolean, nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("last_write_id", sa.String(36), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_ac_requests"),
    )
    op.create_index("ix_ac_requests_owner", "ac_requests", ["owner_org", "created_at"])
    op.create_index("ix_ac_requests_requester", "ac_requests", ["requester_org", "created_at"])
    op.create_table(
        "ac_request_history",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("write_id", sa.String(36), nullable=True),
        sa.Column("tx_id", sa.String(128), nullable=True),
        sa.Column("block_number", sa.BigInteger, nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ac_request_history"),
    )
    op.create_index("ix_ac_request_history_request", "ac_request_history", ["request_id", "id"])
    op.create_table(
        "ac_proj_datasets",
        sa.Column("dataset_id", sa.String(128), nullable=False),
        sa.Column("owner_org", sa.String(64), nullable=False),
        sa.Column("tx_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", name="pk_ac_proj_datasets"),
    )
    op.create_table(
        "ac_proj_requests",
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("dataset_id", sa.String(128), nullable=False),
        sa.Column("requester_org", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("expires_at", TZ, nullable=True),
        sa.Column("max_jobs", sa.Integer, nullable=False),
        sa.Column("jobs_used", sa.Integer, nullable=False),
        sa.Column("compute_only", sa.Boolean, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("tx_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_ac_proj_requests"),
    )
    op.create_index("ix_ac_proj_requests_lookup", "ac_proj_requests", ["dataset_id", "requester_org"])
    op.create_table(
        "ac_proj_jobs",
        sa.Column("job_id", sa.String(128), nullable=False),
        sa.Column("request_ids", sa.Text, nullable=False),
        sa.Column("released", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("job_id", name="pk_ac_proj_jobs"),
    )
    op.create_table(
        "ac_proj_checkpoint",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("last_event_id", sa.String(256), nullable=True),
        sa.Column("last_tx_id", sa.String(128), nullable=True),
        sa.Column("last_block", sa.BigInteger, nullable=True),
        sa.Column("last_index", sa.Integer, nullable=True),
        sa.Column("applied", sa.BigInteger, nullable=False),
        sa.Column("polled_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_ac_proj_checkpoint"),
    )


def downgrade() -> None:
    for table in ("ac_proj_checkpoint", "ac_proj_jobs", "ac_proj_requests", "ac_proj_datasets"):
        op.drop_table(table)
    op.drop_index("ix_ac_request_history_request", table_name="ac_request_history")
    op.drop_table("ac_request_history")
    op.drop_index("ix_ac_requests_requester", table_name="ac_requests")
    op.drop_index("ix_ac_requests_owner", table_name="ac_requests")
    op.drop_table("ac_requests")
