"""`AccessClient` against a scripted access-control (httpx.MockTransport): paths, bodies, paging, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ledgerml.access_control.errors import NotDatasetOwner
from ledgerml.client import LedgerML
from ledgerml.client.connection import connect
from ledgerml.shared.errors import DependencyUnavailable
from ledgerml.shared.web.client import ServiceClient

from .scripted import problem

Route = Callable[[httpx.Request], httpx.Response]
LEDGER = {"state": "pending", "tx_id": None, "block_number": None, "error_code": "LML-5004", "error_detail": "x"}
REQUEST = {"request_id": "req-1", "dataset_id": "cxr", "owner_org": "Org1MSP", "requester_org": "Org2MSP",
           "purpose": "train", "requested_expiry": "2030-01-01T00:00:00Z", "algorithm_code_hash": None,
           "state": "pending", "pending_answer": None, "conditions": None, "reason": None,
           "created_at": "2029-12-01T00:00:00Z", "updated_at": "2029-12-01T00:00:00Z", "ledger": LEDGER}
DECISION = {"allow": False, "reason": "REVOKED", "detail": "the owner revoked the grant", "grant_id": "req-1",
            "request_id": "req-1", "expires_at": None, "compute_only": False, "source": "projection",
            "evaluated_at": "2030-01-01T00:00:00Z", "projection_age_s": 0.1}



class ScriptedAccess:
    """Answers by `METHOD path`; records every request (and which organisation's instance got it)."""

    def __init__(self, routes: dict[str, Route], name: str = "Org2MSP") -> None:
        self.routes = routes
        self.name = name
        self.seen: list[tuple[str, httpx.Request]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.url.host, request))
        route = self.routes.get(f"{request.method} {request.url.path}")
        return route(request) if route else problem(404, "LML-1004", f"no route {request.url.path}")

    def body(self, index: int = -1) -> dict[str, object]:
        loaded: dict[str, object] = json.loads(self.seen[index][1].content)
        return loaded



def sdk_with(pki: Path, service: ScriptedAccess, org: str = "org2") -> LedgerML:
    conn = connect(org, pki_root=pki, endpoints={})
    for msp_id in ("Org1MSP", "Org2MSP"):
        conn._clients[(msp_id, "access-control")] = ServiceClient(
            base_url=f"http://{msp_id.lower()}.test", audience="access-control", identity=conn.identity,
            transport=httpx.MockTransport(service))
    return LedgerML(conn)


def test_request_posts_the_contract_body(pki: Path) -> None:
    service = ScriptedAccess({"POST /requests": lambda r: httpx.Response(202, json=REQUEST)})
    sdk = sdk_with(pki, service)
    created = sdk.access.request(dataset_id="cxr", owner_org="Org1MSP", purpose="train",
                                 requested_expiry=datetime(2030, 1, 1, tzinfo=UTC))
    assert created["request_id"] == "req-1"
    assert service.body() == {"dataset_id": "cxr", "owner_org": "Org1MSP", "purpose": "train",
                              "requested_expiry": "2030-01-01T00:00:00+00:00"}
    assert service.seen[0][0] == "org2msp.test", "requests go to the caller's own instance"
    assert service.seen[0][1].headers["authorization"].startswith("Bearer ")


def test_listing_follows_cursors(pki: Path) -> None:
    pages = {None: {"items": [REQUEST], "next_cursor": "c1"}, "c1": {"items": [REQUEST], "next_cursor": None}}
    service = ScriptedAccess({"GET /requests": lambda r: httpx.Response(
        200, json=pages[r.url.params.get("cursor")])})
    assert len(sdk_with(pki, service).access.incoming()) == 2
    params = [dict(req.url.params) for _, req in service.seen]
    assert params == [{"direction": "incoming", "limit": "50"}, {"direction": "incoming", "limit": "50",
                                                                 "cursor": "c1"}]


def test_answers_hit_their_routes(pki: Path) -> None:
    routes = {f"POST {p}": (lambda r: httpx.Response(202, json=REQUEST)) for p in (
        "/requests/req-1/grant", "/requests/req-1/deny", "/grants/req-1/revoke")}
    service = ScriptedAccess(routes)
    access = sdk_with(pki, service).access
    access.grant("req-1", expires_at="2030-01-01T00:00:00Z", max_jobs=3, compute_only=True)
    assert service.body() == {"expires_at": "2030-01-01T00:00:00Z", "max_jobs": 3, "compute_only": True}
    access.deny("req-1", reason="no")
    assert service.body() == {"reason": "no"}
    access.revoke("req-1", reason="breach")
    assert service.seen[-1][1].url.path == "/grants/req-1/revoke"


def test_decide_asks_the_owner_instance(pki: Path) -> None:
    service = ScriptedAccess({"POST /decisions": lambda r: httpx.Response(200, json=DECISION)})
    answer = sdk_with(pki, service).access.decide(organisation="Org2MSP", dataset_id="cxr", purpose="train",
                                                  strong=True, org="Org1MSP")
    assert answer["reason"] == "REVOKED"
    assert service.seen[0][0] == "org1msp.test"
    assert service.body()["consistency"] == "strong"


def test_history(pki: Path) -> None:
    service = ScriptedAccess({"GET /requests/req-1/history": lambda r: httpx.Response(
        200, json={"request": REQUEST, "entries": []})})
    assert sdk_with(pki, service).access.history("req-1")["request"]["request_id"] == "req-1"


def test_coded_errors_come_back_as_the_same_classes(pki: Path) -> None:
    service = ScriptedAccess({
        "POST /requests/req-1/grant": lambda r: problem(403, "LML-7302", "answered by Org1MSP"),
        "POST /decisions": lambda r: problem(503, "LML-5004", "no ledger"),
    })
    access = sdk_with(pki, service).access
    with pytest.raises(NotDatasetOwner, match="answered by Org1MSP"):
        access.grant("req-1")
    with pytest.raises(DependencyUnavailable):
        access.decide(organisation="Org2MSP", dataset_id="cxr", purpose="train", strong=True)
