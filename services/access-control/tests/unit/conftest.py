"""Unit fixtures: the service's migrations (the shared plugin's `engine` applies them to a SQLite database per
test) and tokens from the plugin's throwaway consortium PKI."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledgerml.access_control.adapters.db import MIGRATIONS
from ledgerml.stack.pki import Consortium
from ledgerml.stack.testing.plugin import Callers

TokenFor = Callable[..., dict[str, str]]


@pytest.fixture
def migrations() -> str:
    return MIGRATIONS


@pytest.fixture(scope="session")
def auth(consortium: Consortium) -> TokenFor:
    """`auth("Org2MSP", "User1")` → Authorization header of a fresh token for access-control."""
    return Callers(consortium, "access-control")
