"""Every service keeps the template's shape: prefixed settings, operational routes, auth on every route."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledgerml.shared.errors import DependencyUnavailable

SERVICES = [  # (package, settings class, env prefix, service name)
    ("registry", "RegistrySettings", "LEDGERML_REGISTRY_", "registry"),
    ("access_control", "AccessControlSettings", "LEDGERML_ACCESS_CONTROL_", "access-control"),
    ("storage", "StorageSettings", "LEDGERML_STORAGE_", "storage"),
    ("training", "TrainingSettings", "LEDGERML_TRAINING_", "training"),
    ("audit", "AuditSettings", "LEDGERML_AUDIT_", "audit"),
]
PUBLIC = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _service(package: str, settings_class: str) -> tuple[Any, Any]:
    main = importlib.import_module(f"ledgerml.{package}.main")
    settings = importlib.import_module(f"ledgerml.{package}.settings")
    return main.create_app, getattr(settings, settings_class)


class Answers:
    def __init__(self, name: str, *, up: bool) -> None:
        self.name, self._up = name, up

    def check(self) -> None:
        if not self._up:
            raise DependencyUnavailable(dependency=self.name)


@pytest.mark.parametrize(("package", "settings_class", "prefix", "name"), SERVICES)
def test_settings_use_the_service_prefix(package: str, settings_class: str, prefix: str, name: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _, settings_type = _service(package, settings_class)
    monkeypatch.setenv(f"{prefix}KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    settings = settings_type()
    assert settings.service_name == name and settings.kafka_bootstrap == "127.0.0.1:19092"


@pytest.mark.parametrize(("package", "settings_class", "prefix", "name"), SERVICES)
def test_operational_routes(package: str, settings_class: str, prefix: str, name: str, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    create_app, settings_type = _service(package, settings_class)
    app = create_app(settings_type(database_url=f"sqlite:///{tmp_path / 'svc.db'}", msp_root=tmp_path))
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


@pytest.mark.parametrize(("package", "settings_class", "prefix", "name"), SERVICES)
def test_every_api_route_requires_authentication(package: str, settings_class: str, prefix: str, name: str,
                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Asked of every operation the app serves (its OpenAPI paths: routers included with FastAPI >= 0.165
    are not `APIRoute`s in `app.routes`, so walking those found nothing to check)."""
    create_app, settings_type = _service(package, settings_class)
    app = create_app(settings_type(database_url=f"sqlite:///{tmp_path / 'svc.db'}", msp_root=tmp_path))
    monkeypatch.setattr("ledgerml.shared.runtime.load_trust_store", lambda root: None)
    operations = [(method.upper(), path.replace("{", "").replace("}", ""))
                  for path, ops in app.openapi()["paths"].items() if path not in PUBLIC for method in ops]
    assert len(operations) >= 3, operations
    with TestClient(app) as client:
        for method, path in operations:
            response = client.request(method, path, json={} if method in ("POST", "PUT") else None)
            assert (response.status_code, response.json().get("code")) == (401, "LML-2000"), f"{method} {path}"
