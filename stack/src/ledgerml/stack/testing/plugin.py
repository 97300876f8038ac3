"""The shared pytest fixtures. The stack's endpoints come from the environment that
`stack/with-test-stack.sh` (or `make up` + LEDGERML_STACK_RUN_DIR) exports; a missing one fails the test
instead of skipping it, because a silently skipped integration tier proves nothing.

A service's conftest names its migrations (`migrations` fixture) to get a migrated SQLite `engine`."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledgerml.shared.identity import SigningIdentity, issue_token, load_identity
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.stack.pki import Consortium, create_consortium
from ledgerml.stack.testing.postgres import throwaway_database


def required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run through `bash stack/with-test-stack.sh` / `make test-integration`, "
                    "or export the running stack's environment", pytrace=False)
    return value


def throwaway_postgres() -> AbstractContextManager[str]:
    """A fresh database on the stack's PostgreSQL (LEDGERML_TEST_POSTGRES_URL), dropped afterwards."""
    return throwaway_database(required_env("LEDGERML_TEST_POSTGRES_URL"))


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return required_env("LEDGERML_KAFKA_BOOTSTRAP")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The stack's PostgreSQL server (an admin URL): tests make their own databases on it."""
    return required_env("LEDGERML_TEST_POSTGRES_URL")


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    with throwaway_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The same test on the embedded default (SQLite) and on the stack's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'service.db'}"
    return str(request.getfixturevalue("fresh_postgres"))


@pytest.fixture(scope="session")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Consortium:
    """A throwaway consortium PKI on disk (Org1..Org3, the operator), as the stack issues it."""
    return create_consortium(tmp_path_factory.mktemp("pki") / "crypto")


@pytest.fixture
def migrations() -> str:
    pytest.fail("this test needs a migrated database: define a `migrations` fixture in the service's conftest "
                "returning its adapters.db.MIGRATIONS (the Alembic script location)", pytrace=False)


@pytest.fixture
def engine(tmp_path: Path, migrations: str) -> Iterator[Engine]:
    """A SQLite database with the service's real migrations applied, one per test."""
    db = create_db_engine(f"sqlite:///{tmp_path / 'service.db'}")
    upgrade(db, migrations)
    yield db
    db.dispose()


class Callers:
    """Authorization headers for any consortium identity, with a fresh token per call:
    `callers("Org2MSP", "Admin")`; `audience` defaults to the service under test."""

    def __init__(self, consortium: Consortium, audience: str) -> None:
        self._consortium = consortium
        self._audience = audience
        self._identities: dict[tuple[str, str], SigningIdentity] = {}

    def identity(self, msp_id: str, name: str = "User1") -> SigningIdentity:
        if (msp_id, name) not in self._identities:
            files = self._consortium.orgs[msp_id].identity(name)
            self._identities[(msp_id, name)] = load_identity(msp_id, msp_dir=files.msp_dir)
        return self._identities[(msp_id, name)]

    def __call__(self, msp_id: str = "Org1MSP", name: str = "User1", audience: str | None = None) -> dict[str, str]:
        token = issue_token(self.identity(msp_id, name), audience=audience or self._audience)
        return {"Authorization": f"Bearer {token}"}


Headers = Callable[..., dict[str, str]]
