from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledgerml.shared.errors import DependencyUnavailable
from ledgerml.shared.web.auth import authenticate
from ledgerml.storage.main import create_app
from ledgerml.storage.settings import StorageSettings


class Answers:
    def __init__(self, name: str, *, up: bool) -> None:
        self.name, self._up = name, up

    def check(self) -> None:
        if not self._up:
            raise DependencyUnavailable(dependency=self.name)


def test_settings_use_the_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERML_STORAGE_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    settings = StorageSettings()
    assert settings.service_name == "storage" and settings.kafka_bootstrap == "127.0.0.1:19092"


def test_operational_routes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(StorageSettings(database_url=f"sqlite:///{tmp_path / 'svc.db'}", msp_root=tmp_path))
    monkeypatch.setattr("ledgerml.shared.runtime.load_trust_store", lambda root: None)
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert "ledgerml_http_requests_total" in client.get("/metrics").text
        app.state.readiness_checks = [Answers("database", up=True), Answers("kafka", up=False)]
        refused = client.get("/readyz")
        assert refused.status_code == 503 and refused.headers["retry-after"]
        assert refused.json()["code"] == "LML-5003"
        app.state.readiness_checks = [Answers("database", up=True), Answers("kafka", up=True)]
        assert client.get("/readyz").json()["status"] == "ready"


def test_every_api_route_requires_authentication(tmp_path: Path) -> None:
    app = create_app(StorageSettings(database_url=f"sqlite:///{tmp_path / 'svc.db'}"))
    public = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
    for route in app.routes:
        path = getattr(route, "path", "")
        dependant = getattr(route, "dependant", None)
        if path in public or dependant is None:
            continue
        calls = [d.call for d in dependant.dependencies]
        assert authenticate in calls, f"{path} is reachable without authentication"
