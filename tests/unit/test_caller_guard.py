"""Authorisation matrix, unit tier: on every API route of all five services, network node identities
(peer, orderer), the consortium operator's organisation and organisations of no declared kind are
refused with a coded 403 problem before any route logic runs (deny by default). The integration matrix
(tests/integration/test_authorization_matrix.py) covers the object-level refusals over real HTTP."""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ledgerml.shared.identity import OrgKind, TrustStore, issue_token, load_identity, load_trust_store
from ledgerml.stack.pki import DEFAULT_ORGS, Consortium, OrgSpec, create_consortium

REPO = Path(__file__).resolve().parents[2]
SERVICES = {  # package -> (settings class, token audience, identity of the service itself)
    "registry": ("RegistrySettings", "registry", "registry"),
    "access_control": ("AccessControlSettings", "access-control", "access-control"),
    "storage": ("StorageSettings", "storage", "storage"),
    "training": ("TrainingSettings", "training-orchestrator", "training"),
    "audit": ("AuditSettings", "audit", "audit"),
}
PUBLIC = {"/healthz", "/readyz", "/metrics"}
STRANGER = "Org9MSP"  # chains to a trusted CA, but nobody declared what the organisation is
REFUSED = {  # caller (MSP id, identity name) -> the code that says why
    ("Org1MSP", "peer0.org1.ledgerml.test"): "LML-3004",
    ("OrdererMSP", "orderer.orderer.ledgerml.test"): "LML-3004",
    ("OrdererMSP", "Admin"): "LML-3005",
    (STRANGER, "Admin"): "LML-3005",
    (STRANGER, "User1"): "LML-3005",
}
CONTROL = {  # one cheap route per service that a member's user may call: the refusals are not a broken fixture
    "registry": ("GET", "/datasets", 200), "access_control": ("GET", "/requests", 200),
    "storage": ("GET", "/datasets/X/versions/v1", 422), "training": ("GET", "/algorithms", 200),  # 422: past the guard
    "audit": ("GET", "/tree-heads", 200),
}


@pytest.fixture(scope="module")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Consortium:
    stranger = OrgSpec(STRANGER, "org9.ledgerml.test", "peer")
    return create_consortium(tmp_path_factory.mktemp("guard") / "crypto", (*DEFAULT_ORGS, stranger))


def _trust_with_a_stranger(root: Path) -> TrustStore:
    trust = load_trust_store(root)
    return TrustStore({**trust.orgs, STRANGER: dataclasses.replace(trust.orgs[STRANGER], kind=OrgKind.UNKNOWN)})


def _app(package: str, consortium: Consortium, tmp_path: Path) -> FastAPI:
    settings_class, _, identity = SERVICES[package]
    settings_type = getattr(importlib.import_module(f"ledgerml.{package}.settings"), settings_class)
    extra: dict[str, Any] = {"storage": {"org_key_file": tmp_path / "org.key"},
                             "training": {"catalog_dir": REPO / "ray_jobs"}}.get(package, {})
    settings = settings_type(database_url=f"sqlite:///{tmp_path / 'svc.db'}", msp_root=consortium.root,
                             kafka_bootstrap="127.0.0.1:1",
                             identity_msp_dir=consortium.orgs["Org1MSP"].identity(identity).msp_dir, **extra)
    app: FastAPI = importlib.import_module(f"ledgerml.{package}.main").create_app(settings)
    return app


@pytest.fixture(params=sorted(SERVICES))
def service(request: pytest.FixtureRequest, consortium: Consortium, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, FastAPI, TestClient]]:
    monkeypatch.setattr("ledgerml.shared.runtime.load_trust_store", _trust_with_a_stranger)
    (tmp_path / "org.key").write_text("ab" * 32)
    app = _app(request.param, consortium, tmp_path)
    with TestClient(app) as client:
        yield request.param, app, client


def _headers(consortium: Consortium, msp_id: str, name: str, audience: str) -> dict[str, str]:
    identity = load_identity(msp_id, msp_dir=consortium.orgs[msp_id].identity(name).msp_dir)
    return {"authorization": f"Bearer {issue_token(identity, audience=audience)}"}


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every operation the app serves, from its OpenAPI document (included routers do not show up in
    `app.routes` as `APIRoute`s)."""
    return [(method.upper(), re.sub(r"\{[^}]+\}", "x1", path)) for path, operations in app.openapi()["paths"].items()
            if path not in PUBLIC for method in operations]


def test_every_route_refuses_node_operator_and_unknown_identities(service: tuple[str, FastAPI, TestClient],
                                                                  consortium: Consortium) -> None:
    package, app, client = service
    audience = SERVICES[package][1]
    routes = _routes(app)
    assert len(routes) >= 3, routes
    wrong: list[str] = []
    for (msp_id, name), code in REFUSED.items():
        headers = _headers(consortium, msp_id, name, audience)
        for method, path in routes:
            body = {} if method in ("POST", "PUT", "PATCH") else None
            response = client.request(method, path, json=body, headers=headers)
            problem = response.json() if response.headers.get("content-type") == "application/problem+json" else {}
            if (response.status_code, problem.get("code")) != (403, code):
                wrong.append(f"{method} {path} as {name} of {msp_id}: {response.status_code} {response.text[:100]}")
    assert not wrong, "\n".join(wrong)


def test_a_member_user_passes_the_guard(service: tuple[str, FastAPI, TestClient], consortium: Consortium) -> None:
    package, _, client = service
    method, path, status = CONTROL[package]
    response = client.request(method, path, headers=_headers(consortium, "Org1MSP", "User1", SERVICES[package][1]))
    assert response.status_code == status, response.text
