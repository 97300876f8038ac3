"""Unit fixtures: the registry's migrations, applied by the shared plugin's `engine` to a SQLite database per
test."""

from __future__ import annotations

import pytest

from ledgerml.registry.adapters.db import MIGRATIONS


@pytest.fixture
def migrations() -> str:
    return MIGRATIONS
