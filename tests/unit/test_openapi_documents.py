"""Each service's OpenAPI document tells a client generator the truth (issue 17): the security schemes
the server accepts, and on every operation the problem+json answers it can give, with one schema; a
405 names every method the path serves."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

SERVICES = {"registry": "RegistrySettings", "access_control": "AccessControlSettings", "storage": "StorageSettings",
            "training": "TrainingSettings", "audit": "AuditSettings"}
PUBLIC = {"/healthz", "/readyz", "/metrics"}
PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _app(package: str, tmp_path: Path) -> FastAPI:
    settings_type = getattr(importlib.import_module(f"ledgerml.{package}.settings"), SERVICES[package])
    app: FastAPI = importlib.import_module(f"ledgerml.{package}.main").create_app(
        settings_type(database_url=f"sqlite:///{tmp_path / 'svc.db'}", msp_root=tmp_path))
    return app


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


@pytest.mark.parametrize("package", sorted(SERVICES))
def test_security_schemes_are_declared(package: str, tmp_path: Path) -> None:
    document = _app(package, tmp_path).openapi()
    schemes = document["components"]["securitySchemes"]
    assert schemes["mutualTLS"]["type"] == "mutualTLS"
    assert (schemes["consortiumToken"]["type"], schemes["consortiumToken"]["scheme"]) == ("http", "bearer")
    for method, path, operation in _operations(document):
        expected = [] if path in PUBLIC else [{"mutualTLS": []}, {"consortiumToken": []}]
        assert operation.get("security") == expected, f"{method} {path}"


@pytest.mark.parametrize("package", sorted(SERVICES))
def test_every_operation_documents_its_problems(package: str, tmp_path: Path) -> None:
    document = _app(package, tmp_path).openapi()
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])
    guarded = [(m, p, op) for m, p, op in _operations(document) if p not in PUBLIC]
    assert len(guarded) >= 3
    wrong: list[str] = []
    for method, path, operation in guarded:
        responses = operation["responses"]
        wanted = {"401", "403", "503"} | ({"404"} if "{" in path else set())
        wanted |= {"422"} if operation.get("parameters") or operation.get("requestBody") else set()
        wanted |= {"400"} if operation.get("requestBody") else set()
        wanted |= {"409"} if method in ("post", "put") and not operation.get("x-ledgerml-read-only") else set()
        missing = wanted - set(responses)
        if missing:
            wrong.append(f"{method.upper()} {path}: no {sorted(missing)}")
        for status, response in responses.items():
            if int(status) >= 400 and response.get("content") != {"application/problem+json": {"schema": PROBLEM}}:
                wrong.append(f"{method.upper()} {path} {status}: not the shared problem schema")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", sorted(SERVICES))
def test_405_names_every_method_of_the_path(package: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(package, tmp_path)
    monkeypatch.setattr("ledgerml.shared.runtime.load_trust_store", lambda root: None)
    served: dict[str, set[str]] = {}
    for method, path, _ in _operations(app.openapi()):
        served.setdefault(path.replace("{", "x").replace("}", ""), set()).add(method.upper())
    with TestClient(app) as client:
        for path, methods in served.items():
            unserved = next(m for m in ("DELETE", "PATCH", "PUT", "POST") if m not in methods)
            response = client.request(unserved, path)
            assert response.status_code == 405, f"{unserved} {path}: {response.status_code}"
            assert set(response.headers["allow"].split(", ")) == methods, f"{unserved} {path}"
            assert response.json()["code"] == "LML-1005"


def test_an_undecodable_body_is_a_documented_coded_400(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FastAPI answers 400 for a JSON body that is not UTF-8; the document says so and the code is registered."""
    app = _app("registry", tmp_path)
    monkeypatch.setattr("ledgerml.shared.runtime.load_trust_store", lambda root: None)
    assert "400" in app.openapi()["paths"]["/datasets"]["post"]["responses"]
    with TestClient(app) as client:
        response = client.post("/datasets", content=b"\xff\xfe{", headers={"content-type": "application/json"})
    assert (response.status_code, response.json()["code"]) == (400, "LML-1400")
    assert response.headers["content-type"] == "application/problem+json"
    errors_md = (Path(__file__).parents[2] / "services/shared/ERRORS.md").read_text()
    assert "| `LML-1400` | 400 |" in errors_md


def test_audit_documents_what_its_export_and_consistency_answer(tmp_path: Path) -> None:
    paths = _app("audit", tmp_path).openapi()["paths"]
    assert set(paths["/export"]["get"]["responses"]["200"]["content"]) == {"application/x-ndjson", "text/csv"}
    assert "404" in paths["/consistency"]["get"]["responses"]
