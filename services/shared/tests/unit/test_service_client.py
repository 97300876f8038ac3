"""The peer-service client: tokens for the callee's audience, problems back to coded errors."""

from __future__ import annotations

import httpx
import pytest

from ledgerml.shared.errors import (
    DependencyUnavailable,
    GrantMissing,
    LedgerNotConfigured,
    NotFound,
    PeerServiceError,
)
from ledgerml.shared.identity.principal import Principal, Role
from ledgerml.shared.ledger import UnconfiguredLedger
from ledgerml.shared.web.client import ServiceClient

from .pki_helpers import make_ca

IDENTITY = make_ca("Org1MSP", "org1.ledgerml.test").issue("storage")


def _client(handler) -> ServiceClient:  # type: ignore[no-untyped-def]
    return ServiceClient(base_url="http://peer", audience="access-control", identity=IDENTITY,
                         transport=httpx.MockTransport(handler))


def test_sends_a_bearer_token_and_returns_success() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"ok": True})

    assert _client(handler).request("GET", "/x").json() == {"ok": True}
    assert seen[0].startswith("Bearer ey")


@pytest.mark.parametrize(("status", "code", "expected"), [
    (403, "LML-3003", GrantMissing),
    (404, "LML-1004", NotFound),
    (503, "LML-5004", LedgerNotConfigured),
    (503, "LML-5003", DependencyUnavailable),
    (500, "LML-0000", PeerServiceError),
    (502, "", PeerServiceError),
])
def test_problems_become_the_callees_coded_error(status, code, expected) -> None:  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"code": code, "detail": "because"})

    with pytest.raises(expected) as info:
        _client(handler).request("POST", "/decisions")
    assert "because" in str(info.value) or not code


def test_unreachable_peer_is_a_dependency_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(DependencyUnavailable):
        _client(handler).request("GET", "/x")


def test_unconfigured_ledger_refuses_every_call_with_a_503() -> None:
    ledger = UnconfiguredLedger()
    principal = Principal(org="Org2MSP", role=Role.CLIENT, subject="CN=User1")
    for call in (lambda: ledger.submit("GrantAccess", []), lambda: ledger.evaluate("CheckAccess", []),
                 lambda: ledger.allows(principal, action="download", resource="d1"),
                 lambda: next(iter(ledger.events(start_block=0)))):
        with pytest.raises(LedgerNotConfigured) as info:
            call()
        assert info.value.status == 503 and info.value.code == "LML-5004"


def test_another_services_code_keeps_its_code_and_family() -> None:
    from ledgerml.shared.errors import PermissionDenied

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"code": "LML-7999", "title": "Not yours", "detail": "ask the owner"})

    with pytest.raises(PermissionDenied) as info:
        _client(handler).request("GET", "/x")
    assert info.value.code == "LML-7999" and info.value.status == 403 and "ask the owner" in info.value.detail


def test_caller_headers_are_sent_and_the_token_always_wins() -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json={})

    _client(handler).request("GET", "/x", headers={"range": "bytes=0-9", "authorization": "Bearer forged"})
    assert seen[0]["range"] == "bytes=0-9" and seen[0]["authorization"] != "Bearer forged"
