"""Training jobs of both roles (consumer and executor).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_jobs",
        sa.Column("job_id", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("requester_org", sa.String(64), nullable=False),
        sa.Column("owner_org", sa.String(64), nullable=True),
        sa.Column("algorithm", sa.String(128), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("datasets", sa.LargeBinary, nullable=False),
        sa.Column("deposit", sa.BigInteger, nullable=False),
        sa.Column("hyperparameters", sa.LargeBinary, nullable=True),
        sa.Column("hyperparameters_hash", sa.String(64), nullable=True),
        sa.Column("submission_id", sa.String(256), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("model_sha256", sa.String(64), nullable=True),
        sa.Column("transcript_root", sa.String(64), nullable=True),
        sa.Column("metrics", sa.LargeBinary, nullable=True),
        sa.Column("metrics_hash", sa.String(64), nullable=True),
        sa.Column("progress", sa.LargeBinary, nullable=False),
        sa.Column("failure_reason", sa.String(500), nullable=True),
        sa.Column("ledger_tx_id", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name="pk_training_jobs"),
    )
    op.create_index("ix_training_jobs_role_state", "training_jobs", ["role", "state"])


def downgrade() -> None:
    op.drop_index("ix_training_jobs_role_state", table_name="training_jobs")
    op.drop_table("training_jobs")
