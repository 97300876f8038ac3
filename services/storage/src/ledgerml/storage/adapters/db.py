"""The storage service's database: its own tables (none yet) beside the shared messaging tables."""

from __future__ import annotations

from sqlalchemy import MetaData

from ledgerml.shared.persistence.tables import NAMING_CONVENTION

MIGRATIONS = "ledgerml.storage:migrations"

metadata = MetaData(naming_convention=NAMING_CONVENTION)
