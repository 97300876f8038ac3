"""The registry's integration tests: repository tests on SQLite (the embedded default) and the
stack's PostgreSQL; the API and consumers on PostgreSQL, Kafka and the consortium's real PKI."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledgerml.shared.identity import issue_token, load_identity
from ledgerml.stack.pki import Consortium, create_consortium


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run through `bash stack/with-test-stack.sh` / `make test`", pytrace=False)
    return value


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on the stack's PostgreSQL, dropped afterwards."""
    server = _required("LEDGERML_TEST_POSTGRES_URL")
    name = f"lml_registry_{uuid.uuid4().hex[:10]}"
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
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def kafka_bootstrap() -> str:
    return _required("LEDGERML_KAFKA_BOOTSTRAP")


@pytest.fixture(scope="session")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Consortium:
    return create_consortium(tmp_path_factory.mktemp("crypto"))


Headers = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def auth(consortium: Consortium) -> Headers:
    """`auth("Org2MSP", "Admin")` → headers with a fresh bearer token for the registry."""

    def headers(org: str = "Org1MSP", name: str = "User1", audience: str = "registry") -> dict[str, str]:
        files = consortium.orgs[org].identity(name)
        token = issue_token(load_identity(org, msp_dir=files.msp_dir), audience=audience)
        return {"authorization": f"Bearer {token}"}

    return headers
