"""End-to-end tests drive the three organisations' real service processes over HTTP through the SDK.

The session starts the consortium on the test stack (each service as `python -m ledgerml.<svc> all`)
unless it already runs, and stops it afterwards only if it started it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerml.client import LedgerML, connect
from ledgerml.client.connection import load_endpoints
from ledgerml.stack.config import StackConfig
from ledgerml.stack.consortium import Consortium


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Crash tests last: they kill and restart components, which the other tests should never meet."""
    items.sort(key=lambda item: item.get_closest_marker("chaos") is not None)


@pytest.fixture(scope="session")
def consortium(stack_env: dict[str, str]) -> Iterator[dict[str, dict[str, str]]]:
    cfg = StackConfig.for_profile(stack_env.get("LEDGERML_STACK_PROFILE", "test"))
    services = Consortium(cfg)
    already = all(ready for *_, ready in services.status())
    if not already:
        services.up()
    try:
        yield load_endpoints(cfg.run_dir / "endpoints.json")
    finally:
        if not already:
            services.down()


@pytest.fixture(scope="session")
def pki_root(stack_env: dict[str, str]) -> Path:
    return Path(stack_env["LEDGERML_PKI_ROOT"])


@pytest.fixture(scope="session")
def as_org(consortium: dict[str, dict[str, str]], pki_root: Path):  # type: ignore[no-untyped-def]
    """`as_org("org2")` → an SDK client acting as User1 of Org2 (or `user=` another identity)."""
    opened: list[LedgerML] = []

    def factory(org: str, *, user: str = "User1") -> LedgerML:
        client = LedgerML(connect(org, user=user, pki_root=pki_root, endpoints=consortium))
        opened.append(client)
        return client

    yield factory
    for client in opened:
        client.close()
