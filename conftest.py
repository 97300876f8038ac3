"""Repository-wide pytest wiring: the running stack's endpoints for integration tests, and the shared
fixtures of `ledgerml.stack.testing` (throwaway PostgreSQL, migrated SQLite, the consortium PKI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["ledgerml.stack.testing.plugin"]


def _stack_env() -> dict[str, str]:
    run_dir = os.environ.get("LEDGERML_STACK_RUN_DIR")
    if not run_dir:
        return {}
    env_file = Path(run_dir) / "stack.env"
    if not env_file.exists():
        return {}
    return dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)


@pytest.fixture(scope="session")
def stack_env() -> dict[str, str]:
    """Endpoints of the stack that `make test` (or `make up`) started; fails loudly when none runs."""
    env = _stack_env()
    if not env:
        pytest.fail("no running stack: run integration tests through `make test-integration` (it starts "
                    "the test stack) or export LEDGERML_STACK_RUN_DIR=.run/dev after `make up`")
    for key, value in env.items():
        if key.startswith(("RAY_", "LEDGERML_")):
            os.environ.setdefault(key, value)
    return env
