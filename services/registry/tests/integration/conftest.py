"""The registry's integration tests: repository tests on SQLite (the embedded default) and the stack's
PostgreSQL (the shared plugin's `database_url`, `fresh_postgres`); the API and consumers on PostgreSQL,
Kafka and the consortium's real PKI."""

from __future__ import annotations

import pytest

from ledgerml.stack.pki import Consortium
from ledgerml.stack.testing.plugin import Callers, Headers

__all__ = ["Headers"]


@pytest.fixture(scope="session")
def auth(consortium: Consortium) -> Headers:
    """`auth("Org2MSP", "Admin")` → headers with a fresh bearer token for the registry."""
    return Callers(consortium, "registry")
