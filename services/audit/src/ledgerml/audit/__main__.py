"""`python -m ledgerml.audit` serves the API; `… consume` ingests every audited topic into the log;
`… relay` publishes the outbox and submits anchors to the ledger; `… migrate` migrates."""

import sys

from sqlalchemy import Connection

from ledgerml.audit.adapters.db import MIGRATIONS
from ledgerml.audit.ingest import build_consumers
from ledgerml.audit.main import create_app
from ledgerml.audit.service import on_ledger_outcome
from ledgerml.audit.settings import get_settings
from ledgerml.shared.commands import run_command
from ledgerml.shared.ledgerwrites import LedgerWrite
from ledgerml.shared.messaging import Outbox


def _ledger_outcome(conn: Connection, write: LedgerWrite) -> None:
    on_ledger_outcome(conn, write, outbox=Outbox(org=get_settings().org, service="audit"))


if __name__ == "__main__":
    run_command(sys.argv[1:], settings=get_settings, app=create_app, migrations=MIGRATIONS,
                consumers=build_consumers, ledger_outcome=_ledger_outcome)
