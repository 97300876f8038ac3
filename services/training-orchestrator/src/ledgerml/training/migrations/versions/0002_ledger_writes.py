"""The ledger-write outbox table (`ledgerml.shared.ledgerwrites`).

Revision ID: 0002
Revises: 0001
"""

from ledgerml.shared.persistence.migrations import create_ledger_writes_table_v1, drop_ledger_writes_table_v1

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_ledger_writes_table_v1()


def downgrade() -> None:
    drop_ledger_writes_table_v1()
