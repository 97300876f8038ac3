"""Alembic environment of the storage service; run via `python -m ledgerml.storage migrate`."""

from ledgerml.shared.persistence import messaging_metadata
from ledgerml.shared.persistence.migrations import run_env
from ledgerml.storage.adapters.db import metadata

run_env([messaging_metadata, metadata])
