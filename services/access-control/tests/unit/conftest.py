"""Unit fixtures: a migrated SQLite database per test and one throwaway consortium PKI per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledgerml.access_control.adapters.db import MIGRATIONS
from ledgerml.shared.identity import issue_token, load_identity
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.stack.pki import Consortium, create_consortium

TokenFor = Callable[..., dict[str, str]]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    db = create_db_engine(f"sqlite:///{tmp_path / 'access.db'}")
    upgrade(db, MIGRATIONS)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Consortium:
    return create_consortium(tmp_path_factory.mktemp("pki") / "crypto")


@pytest.fixture(scope="session")
def auth(consortium: Consortium) -> TokenFor:
    """`auth("Org2MSP", "User1")` → Authorization header of a fresh token for access-control."""
    identities: dict[tuple[str, str], object] = {}

    def headers(msp_id: str, name: str = "User1", audience: str = "access-control") -> dict[str, str]:
        key = (msp_id, name)
        if key not in identities:
            files = consortium.orgs[msp_id].identity(name)
            identities[key] = load_identity(msp_id, msp_dir=files.msp_dir)
        return {"authorization": f"Bearer {issue_token(identities[key], audience=audience)}"}  # type: ignore[arg-type]

    return headers
