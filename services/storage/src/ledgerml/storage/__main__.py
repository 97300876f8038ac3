"""`python -m ledgerml.storage` serves the API; `… relay` publishes the outbox; `… migrate` migrates."""

import sys

from ledgerml.shared.runtime import run_command
from ledgerml.storage.adapters.db import MIGRATIONS
from ledgerml.storage.main import create_app
from ledgerml.storage.settings import get_settings

if __name__ == "__main__":
    run_command(sys.argv[1:], settings=get_settings, app=create_app, migrations=MIGRATIONS)
