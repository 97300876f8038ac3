"""`python -m ledgerml.registry [serve|relay|consume|migrate|all]`: the API, the outbox and ledger-write
relay (with the ledger-outcome hook), the storage/ledger/training consumers, migrations."""

import sys

from ledgerml.registry.adapters.db import MIGRATIONS
from ledgerml.registry.consumers import build_consumers, ledger_outcome
from ledgerml.registry.main import create_app
from ledgerml.registry.settings import get_settings
from ledgerml.shared.commands import run_command

if __name__ == "__main__":
    run_command(sys.argv[1:], settings=get_settings, app=create_app, migrations=MIGRATIONS,
                consumers=build_consumers, ledger_outcome=ledger_outcome)
