"""Integration fixtures: the stack's real Kafka and PostgreSQL (a throwaway database per test), never
stand-ins; the consortium PKI on disk. Missing stack endpoints fail the tests instead of skipping."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledgerml.stack.pki import Consortium, create_consortium


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run through `bash stack/with-test-stack.sh` / `make test-integration`",
                    pytrace=False)
    return value


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return _required("LEDGERML_KAFKA_BOOTSTRAP")


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def fresh_postgres(unique: str) -> Iterator[str]:
    server = _required("LEDGERML_TEST_POSTGRES_URL")
    name = f"lml_audit_{unique}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.db'}"
    return str(request.getfixturevalue("fresh_postgres"))


@pytest.fixture(scope="session")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Consortium:
    return create_consortium(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def audit_topics(kafka_bootstrap: str) -> Iterator[Callable[[str], list[str]]]:
    """Creates an organisation's audited topics on the real broker; deletes them afterwards."""
    from kafka import KafkaAdminClient

    from ledgerml.audit.settings import AUDITED_DOMAINS
    from ledgerml.shared.messaging.kafka import ensure_topics

    created: list[str] = []

    def create(org: str) -> list[str]:
        topics = [f"{org}.{domain}" for domain in AUDITED_DOMAINS]
        ensure_topics(kafka_bootstrap, topics)
        created.extend(topics)
        return topics

    yield create
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.delete_topics(created)
    finally:
        admin.close()
