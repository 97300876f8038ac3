"""Alembic environment of the access-control service; run via `python -m ledgerml.access_control migrate`."""

from ledgerml.access_control.adapters.db import metadata
from ledgerml.shared.persistence import messaging_metadata
from ledgerml.shared.persistence.migrations import run_env

run_env([messaging_metadata, metadata])
