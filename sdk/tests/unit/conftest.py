"""What every SDK/CLI unit test shares: one consortium PKI per session, and scripted services."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerml.stack.pki import create_consortium


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_consortium(tmp_path_factory.mktemp("pki")).root
