"""Integration fixtures: the real Kafka and PostgreSQL of the local stack, never stand-ins.

The stack exports LEDGERML_KAFKA_BOOTSTRAP and LEDGERML_TEST_POSTGRES_URL; without them these tests
fail (not skip), because a silently skipped integration tier proves nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from ledgerml.shared.persistence import create_db_engine, messaging_metadata


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: start the local stack with `make up` (or run `make test`), "
                    "which exports it for the integration tests", pytrace=False)
    return value


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return _required("LEDGERML_KAFKA_BOOTSTRAP")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return _required("LEDGERML_TEST_POSTGRES_URL")


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def fresh_postgres(postgres_url: str, unique: str) -> Iterator[str]:
    """A throwaway database on the stack's PostgreSQL server, dropped afterwards."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"lml_test_{unique}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'service.db'}"
    return str(request.getfixturevalue("fresh_postgres"))


@pytest.fixture
def messaging_engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    messaging_metadata.create_all(engine)
    yield engine
    engine.dispose()
