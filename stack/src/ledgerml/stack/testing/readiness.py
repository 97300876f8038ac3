"""One readiness check for every service: the app built on its real dependencies (a SQLite database,
the stack's Kafka, a consortium PKI on disk) answers `/readyz` 200 with each check ok."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ledgerml.stack.pki import create_consortium
from ledgerml.stack.testing.plugin import required_env


def settings_on_stack(settings_class: Callable[..., Any], tmp_path: Path, **extra: Any) -> Any:
    """The service's settings on a fresh SQLite file, the stack's Kafka and a fresh consortium PKI."""
    return settings_class(database_url=f"sqlite:///{tmp_path / 'svc.db'}",
                          kafka_bootstrap=required_env("LEDGERML_KAFKA_BOOTSTRAP"),
                          msp_root=create_consortium(tmp_path / "crypto").root, **extra)


def assert_ready(app: FastAPI, checks: dict[str, str]) -> None:
    with TestClient(app) as client:
        response = client.get("/readyz")
        assert response.status_code == 200, response.text
        assert response.json()["checks"] == checks
