"""The access-control service starts on its real dependencies and reports ready."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledgerml.access_control.main import create_app
from ledgerml.access_control.settings import AccessControlSettings
from ledgerml.stack.pki import create_consortium

pytestmark = pytest.mark.integration


def test_ready_on_real_database_and_kafka(tmp_path: Path) -> None:
    bootstrap = os.environ.get("LEDGERML_KAFKA_BOOTSTRAP")
    if not bootstrap:
        pytest.fail("LEDGERML_KAFKA_BOOTSTRAP is not set: run `make up` / `make test`", pytrace=False)
    root = create_consortium(tmp_path / "crypto").root
    settings = AccessControlSettings(database_url=f"sqlite:///{tmp_path / 'svc.db'}", kafka_bootstrap=bootstrap,
                        msp_root=root)
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
        assert response.status_code == 200, response.text
        assert response.json()["checks"] == {"database": "ok", "kafka": "ok"}
