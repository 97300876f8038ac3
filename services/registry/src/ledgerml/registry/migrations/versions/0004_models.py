"""Model records with their lineage, and the training requests whose lineage they complete.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_models",
        sa.Column("model_id", sa.String(64), nullable=False),
        sa.Column("job_id", sa.String(128), nullable=False),
        sa.Column("producer_org", sa.String(64), nullable=False),
        sa.Column("holder_org", sa.String(64), nullable=True),
        sa.Column("algorithm", sa.String(128), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("hyperparameters_hash", sa.String(64), nullable=True),
        sa.Column("transcript_root", sa.String(64), nullable=False),
        sa.Column("metrics_json", sa.Text, nullable=False),
        sa.Column("metrics_hash", sa.String(64), nullable=False),
        sa.Column("lineage_complete", sa.Boolean, nullable=False),
        sa.Column("tx_id", sa.String(128), nullable=True),
        sa.Column("block_number", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("model_id", name="pk_registry_models"),
    )
    op.create_index("ix_registry_models_job_id", "registry_models", ["job_id"])
    op.create_table(
        "registry_model_inputs",
        sa.Column("model_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("dataset_id", sa.String(128), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("merkle_root", sa.String(64), nullable=True),
        sa.Column("owner_org", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("model_id", "position", name="pk_registry_model_inputs"),
    )
    op.create_index("ix_registry_model_inputs_dataset_id", "registry_model_inputs", ["dataset_id"])
    op.create_table(
        "registry_training_jobs",
        sa.Column("job_id", sa.String(128), nullable=False),
        sa.Column("requester_org", sa.String(64), nullable=False),
        sa.Column("algorithm", sa.String(128), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("hyperparameters_hash", sa.String(64), nullable=True),
        sa.Column("datasets_json", sa.Text, nullable=False),
        sa.Column("requested_tx_id", sa.String(128), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name="pk_registry_training_jobs"),
    )


def downgrade() -> None:
    op.drop_table("registry_training_jobs")
    op.drop_index("ix_registry_model_inputs_dataset_id", table_name="registry_model_inputs")
    op.drop_table("registry_model_inputs")
    op.drop_index("ix_registry_models_job_id", table_name="registry_models")
    op.drop_table("registry_models")
