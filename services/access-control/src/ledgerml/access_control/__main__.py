"""`python -m ledgerml.access_control` serves the API; `… relay` publishes the outbox; `… migrate` migrates."""

import sys

from ledgerml.access_control.adapters.db import MIGRATIONS
from ledgerml.access_control.main import create_app
from ledgerml.access_control.settings import get_settings
from ledgerml.shared.runtime import run_command

if __name__ == "__main__":
    run_command(sys.argv[1:], settings=get_settings, app=create_app, migrations=MIGRATIONS)
