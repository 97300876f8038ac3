"""Integration fixtures: the real Kafka and PostgreSQL of the local stack, never stand-ins.

The stack exports LEDGERML_KAFKA_BOOTSTRAP and LEDGERML_TEST_POSTGRES_URL; without them these tests
fail (not skip), because a silently skipped integration tier proves nothing. `kafka_bootstrap`,
`database_url` (SQLite and a throwaway PostgreSQL database) and `unique` come from the shared plugin.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from ledgerml.shared.persistence import create_db_engine, messaging_metadata


@pytest.fixture
def messaging_engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    messaging_metadata.create_all(engine)
    yield engine
    engine.dispose()
