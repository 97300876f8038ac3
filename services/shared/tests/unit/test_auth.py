from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from ledgerml.shared.identity import OrgKind, Principal, Role, issue_token
from ledgerml.shared.web.app import build_app
from ledgerml.shared.web.auth import (
    READ_ONLY_OPERATION,
    Authenticator,
    CurrentPrincipal,
    also_callable_by,
    require_ledger_grant,
    require_owner_org,
)

from .pki_helpers import make_ca, trust_store

ORG1 = make_ca("Org1MSP", "org1.ledgerml.test")
ORG3 = make_ca("Org3MSP", "org3.ledgerml.test")
OPERATOR = make_ca("OrdererMSP", "orderer.ledgerml.test")
STRANGER = make_ca("Org9MSP", "org9.ledgerml.test")  # trusted, but of no declared kind
USER1, AUDITOR = ORG1.issue("User1"), ORG3.issue("User1")


class OnlyOrg2Grants:
    def allows(self, principal: Principal, *, action: str, resource: str) -> bool:
        return principal.org == "Org2MSP" and action == "read"


router = APIRouter()


@router.get("/whoami")
def whoami(principal: CurrentPrincipal) -> dict[str, str]:
    return {"org": principal.org, "role": principal.role, "subject": principal.subject}


@router.post("/datasets/{owner}")
def change(owner: str, principal: CurrentPrincipal) -> dict[str, str]:
    require_owner_org(principal, owner)
    return {"ok": "changed"}


@router.post("/check", openapi_extra={READ_ONLY_OPERATION: True})
def check(principal: CurrentPrincipal) -> dict[str, str]:
    return {"ok": "checked"}


@router.get("/network", openapi_extra=also_callable_by(roles=[Role.PEER], kinds=[OrgKind.OPERATOR]))
def network(principal: CurrentPrincipal) -> dict[str, str]:
    return {"ok": str(principal.role)}


@router.get("/granted")
def granted(principal: CurrentPrincipal) -> dict[str, str]:
    require_ledger_grant(OnlyOrg2Grants(), principal, action="read", resource="d1")
    return {"ok": "granted"}


def _app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        trust = trust_store(ORG1, ORG3, OPERATOR, STRANGER,
                            kinds={"OrdererMSP": OrgKind.OPERATOR, "Org9MSP": OrgKind.UNKNOWN})
        app.state.authenticator = Authenticator(trust=trust, audience="registry")
        yield

    return build_app(service="registry", version="0", lifespan=lifespan, routers=[router])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_routes_deny_anonymous_callers() -> None:
    with TestClient(_app()) as client:
        response = client.get("/whoami")
        assert response.status_code == 401 and response.json()["code"] == "LML-2000"
        assert client.get("/whoami", headers={"Authorization": "Basic x"}).json()["code"] == "LML-2001"


def test_forwarded_certificate_headers_are_ignored() -> None:
    pem = USER1.certificate.public_bytes(serialization.Encoding.PEM).decode().replace("\n", "")
    with TestClient(_app()) as client:
        response = client.get("/whoami", headers={"X-Client-Cert": pem, "X-SSL-Client-Cert": pem})
        assert response.status_code == 401


def test_bearer_token_authenticates() -> None:
    with TestClient(_app()) as client:
        response = client.get("/whoami", headers=_bearer(issue_token(USER1, audience="registry")))
        assert response.json() == {"org": "Org1MSP", "role": "client", "subject": "User1@org1.ledgerml.test"}


def test_health_and_metrics_are_public() -> None:
    with TestClient(_app()) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200
        assert client.get("/readyz").status_code == 503  # no checks registered: not ready


def test_owner_org_only() -> None:
    with TestClient(_app()) as client:
        headers = _bearer(issue_token(USER1, audience="registry"))
        assert client.post("/datasets/Org1MSP", headers=headers).status_code == 200
        refused = client.post("/datasets/Org2MSP", headers=headers)
        assert refused.status_code == 403 and refused.json()["code"] == "LML-3001"


def test_auditor_org_reads_but_never_writes() -> None:
    with TestClient(_app()) as client:
        headers = _bearer(issue_token(AUDITOR, audience="registry"))
        assert client.get("/whoami", headers=headers).status_code == 200
        refused = client.post("/datasets/Org3MSP", headers=headers)
        assert refused.status_code == 403 and refused.json()["code"] == "LML-3002"


def test_auditors_may_call_a_post_marked_read_only() -> None:
    with TestClient(_app()) as client:
        headers = _bearer(issue_token(AUDITOR, audience="registry"))
        assert client.post("/check", headers=headers).status_code == 200


def test_peer_identities_cannot_call_apis() -> None:
    peer = ORG1.issue("peer0.org1.ledgerml.test", role="peer")
    with TestClient(_app()) as client:
        refused = client.get("/whoami", headers=_bearer(issue_token(peer, audience="registry")))
        assert refused.status_code == 403 and refused.json()["code"] == "LML-3004"


def _code(response: object) -> tuple[int, str]:
    return response.status_code, response.json()["code"]  # type: ignore[attr-defined]


def test_node_operator_and_unknown_identities_are_refused_by_default() -> None:
    callers = {"orderer node": (OPERATOR.issue("orderer.orderer.ledgerml.test", role="orderer"), "LML-3004"),
               "operator admin": (OPERATOR.issue("Admin", role="admin"), "LML-3005"),
               "operator client": (OPERATOR.issue("User1"), "LML-3005"),
               "unknown org": (STRANGER.issue("Admin", role="admin"), "LML-3005")}
    with TestClient(_app()) as client:
        for who, (identity, code) in callers.items():
            headers = _bearer(issue_token(identity, audience="registry"))
            for method, path in (("GET", "/whoami"), ("POST", "/check"), ("POST", "/datasets/OrdererMSP")):
                refused = client.request(method, path, headers=headers)
                assert _code(refused) == (403, code), f"{who} {method} {path}: {refused.text}"
                assert "member organisation" in refused.json()["detail"]


def test_a_route_may_name_node_and_operator_callers() -> None:
    peer = ORG1.issue("peer0.org1.ledgerml.test", role="peer")
    operator = OPERATOR.issue("Admin", role="admin")
    with TestClient(_app()) as client:
        for identity in (peer, operator, USER1):
            allowed = client.get("/network", headers=_bearer(issue_token(identity, audience="registry")))
            assert allowed.status_code == 200, allowed.text
        stranger = client.get("/network", headers=_bearer(issue_token(STRANGER.issue("A", "admin"),
                                                                      audience="registry")))
        assert _code(stranger) == (403, "LML-3005")


def test_ledger_grant_helper_refuses_without_grant() -> None:
    with TestClient(_app()) as client:
        refused = client.get("/granted", headers=_bearer(issue_token(USER1, audience="registry")))
        assert refused.status_code == 403 and refused.json()["code"] == "LML-3003"


def test_mtls_principal_comes_from_the_tls_extension() -> None:
    authenticator = Authenticator(trust=trust_store(ORG1), audience="registry")
    pem = USER1.certificate.public_bytes(serialization.Encoding.PEM).decode()
    scope = {"extensions": {"tls": {"client_cert_chain": [pem]}}}
    assert authenticator.authenticate(scope, None) == Principal("Org1MSP", Role.CLIENT,
                                                                "User1@org1.ledgerml.test", OrgKind.MEMBER)
