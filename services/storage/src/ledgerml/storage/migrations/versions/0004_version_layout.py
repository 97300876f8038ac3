"""The sealing layout of each stored version (`ledgerml.storage.sealing`): versions stored before this
revision are layout 1 (objects named by the hash of their bytes, plaintext re-hashed on read).

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
    with op.batch_alter_table("storage_versions") as batch:
        batch.add_column(sa.Column("layout", sa.Integer, nullable=False, server_default=sa.text("1")))


def downgrade() -> None:
    with op.batch_alter_table("storage_versions") as batch:
        batch.drop_column("layout")
