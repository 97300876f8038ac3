"""The audit service starts on its real dependencies and reports ready."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerml.audit.main import create_app
from ledgerml.audit.settings import AuditSettings
from ledgerml.stack.testing.readiness import assert_ready, settings_on_stack

pytestmark = pytest.mark.integration


def test_ready_on_real_database_and_kafka(tmp_path: Path) -> None:
    assert_ready(create_app(settings_on_stack(AuditSettings, tmp_path)), {"database": "ok", "kafka": "ok"})
