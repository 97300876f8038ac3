"""`python -m ledgerml.audit` serves the API; `… consume` ingests every audited topic into the log;
`… relay` publishes the outbox and submits anchors to the ledger; `… migrate` migrates."""

import sys

from sqlalchemy import Connection

from ledgerml.audit.adapters.db import MIGRATIONS
from ledgerml.audit.consumers import build_consumers, ledger_outcome_hook
from ledgerml.audit.main import create_app
from ledgerml.audit.settings import get_settings
from ledgerml.shared.commands import run_command
from ledgerml.shared.ledgerwrites import LedgerWrite


def _ledger_outcome(conn: Connection, write: LedgerWrite) -> None:
    ledger_outcome_hook(get_settings())(conn, write)


if __name__ == "__main__":
    run_command(sys.argv[1:], settings=get_settings, app=create_app, migrations=MIGRATIONS,
                consumers=build_consumers, ledger_outcome=_ledger_outcome)
