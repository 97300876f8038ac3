"""Alembic environment of the registry service; run via `python -m ledgerml.registry migrate`."""

from ledgerml.registry.adapters.db import metadata
from ledgerml.shared.persistence import messaging_metadata
from ledgerml.shared.persistence.migrations import run_env

run_env([messaging_metadata, metadata])
