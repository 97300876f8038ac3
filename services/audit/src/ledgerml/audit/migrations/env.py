"""Alembic environment of the audit service; run via `python -m ledgerml.audit migrate`."""

from ledgerml.audit.adapters.db import metadata
from ledgerml.shared.persistence import messaging_metadata
from ledgerml.shared.persistence.migrations import run_env

run_env([messaging_metadata, metadata])
