"""The registry service starts on its real dependencies and reports ready."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerml.registry.main import create_app
from ledgerml.registry.settings import RegistrySettings
from ledgerml.stack.testing.readiness import assert_ready, settings_on_stack

pytestmark = pytest.mark.integration


def test_ready_on_real_database_and_kafka(tmp_path: Path) -> None:
    assert_ready(create_app(settings_on_stack(RegistrySettings, tmp_path)), {"database": "ok", "kafka": "ok"})
