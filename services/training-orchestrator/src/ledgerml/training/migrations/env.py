"""Alembic environment of the training service; run via `python -m ledgerml.training migrate`."""

from ledgerml.shared.persistence import messaging_metadata
from ledgerml.shared.persistence.migrations import run_env
from ledgerml.training.adapters.db import metadata

run_env([messaging_metadata, metadata])
