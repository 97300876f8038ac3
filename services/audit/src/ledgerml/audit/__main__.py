"""`python -m ledgerml.audit` serves the API; `… relay` publishes the outbox; `… migrate` migrates."""

import sys

from ledgerml.audit.adapters.db import MIGRATIONS
from ledgerml.audit.main import create_app
from ledgerml.audit.settings import get_settings
from ledgerml.shared.runtime import run_command

if __name__ == "__main__":
    run_command(sys.argv[1:], settings=get_settings, app=create_app, migrations=MIGRATIONS)
