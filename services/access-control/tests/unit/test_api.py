"""The HTTP API in-process (TestClient, real tokens from a throwaway consortium, SQLite, no network)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledgerml.access_control.consumers import ProjectionConsumer
from ledgerml.access_control.main import create_app
from ledgerml.access_control.settings import AccessControlSettings
from ledgerml.stack.pki import Consortium

from .conftest import TokenFor
from .fakes import Bridge, QueueSource

SOON = (datetime.now(UTC) + timedelta(days=30)).isoformat()


def app_for(msp_id: str, tmp_path: Path, consortium: Consortium) -> TestClient:
    settings = AccessControlSettings(database_url=f"sqlite:///{tmp_path / f'{msp_id}.db'}", msp_id=msp_id,
                                     msp_root=consortium.root, kafka_bootstrap="127.0.0.1:9")
    return TestClient(create_app(settings))


@pytest.fixture
def org1(tmp_path: Path, consortium: Consortium) -> Iterator[TestClient]:
    with app_for("Org1MSP", tmp_path, consortium) as client:
        yield client


def incoming(client: TestClient, *envelopes: object) -> None:
    """Deliver bridge envelopes to this instance's projection, as its consumer would."""
    source = QueueSource()
    source.add(*envelopes)  # type: ignore[arg-type]
    ProjectionConsumer(engine=client.app.state.engine, source=source,  # type: ignore[attr-defined]
                       my_org="Org1MSP").process_batch()


def test_create_request_is_accepted_with_a_pending_ledger_write(org1: TestClient, auth: TokenFor) -> None:
    body = {"dataset_id": "mnist", "owner_org": "Org2MSP", "purpose": "train", "requested_expiry": SOON}
    r = org1.post("/requests", json=body, headers=auth("Org1MSP"))
    assert r.status_code == 202, r.text
    view = r.json()
    assert (view["state"], view["requester_org"], view["ledger"]["state"]) == ("pending", "Org1MSP", "pending")
    listed = org1.get("/requests", params={"direction": "outgoing"}, headers=auth("Org1MSP")).json()
    assert [i["request_id"] for i in listed["items"]] == [view["request_id"]]
    assert org1.get("/requests", params={"direction": "incoming"}, headers=auth("Org1MSP")).json()["items"] == []
    history = org1.get(f"/requests/{view['request_id']}/history", headers=auth("Org3MSP")).json()
    assert [(e["event"], e["ledger"]["state"]) for e in history["entries"]] == [("requested", "pending")]


@pytest.mark.parametrize(("body", "code"), [
    ({"owner_org": "Org1MSP"}, "LML-7309"),
    ({"requested_expiry": "2001-01-01T00:00:00Z"}, "LML-7308"),
    ({"requested_expiry": "2999-01-01T00:00:00Z"}, "LML-7308"),
    ({"requested_expiry": "2030-01-01T00:00:00"}, "LML-1000"),
    ({"purpose": "resell"}, "LML-1000"),
    ({"dataset_id": "../etc"}, "LML-1000"),
])
def test_bad_requests_get_a_stable_4xx(org1: TestClient, auth: TokenFor, body: dict[str, str], code: str) -> None:
    full = {"dataset_id": "mnist", "owner_org": "Org2MSP", "purpose": "train", "requested_expiry": SOON, **body}
    r = org1.post("/requests", json=full, headers=auth("Org1MSP"))
    assert (r.status_code, r.json()["code"]) == (422, code)


def test_owner_answers_incoming_requests(org1: TestClient, auth: TokenFor) -> None:
    b = Bridge()
    incoming(org1, b.dataset(), b.requested("r1"), b.requested("r2"))
    items = org1.get("/requests", params={"direction": "incoming"}, headers=auth("Org1MSP", "Admin")).json()["items"]
    assert {i["request_id"] for i in items} == {"r1", "r2"}
    r = org1.post("/requests/r1/grant", json={"max_jobs": 3, "expires_at": SOON}, headers=auth("Org1MSP", "Admin"))
    assert r.status_code == 202, r.text
    assert (r.json()["state"], r.json()["pending_answer"], r.json()["ledger"]["state"]) == ("pending", "grant",
                                                                                           "pending")
    again = org1.post("/requests/r1/deny", json={"reason": "changed my mind"}, headers=auth("Org1MSP", "Admin"))
    assert (again.status_code, again.json()["code"]) == (409, "LML-7307")
    assert org1.post("/requests/r2/deny", json={"reason": "no"}, headers=auth("Org1MSP")).status_code == 202
    revoke = org1.post("/grants/r2/revoke", json={"reason": "x"}, headers=auth("Org1MSP"))
    assert (revoke.status_code, revoke.json()["code"]) == (409, "LML-7307")


def test_revoke_needs_a_granted_request(org1: TestClient, auth: TokenFor) -> None:
    b = Bridge()
    incoming(org1, b.dataset(), b.requested("r1"))
    r = org1.post("/grants/r1/revoke", json={"reason": "breach"}, headers=auth("Org1MSP"))
    assert (r.status_code, r.json()["code"]) == (409, "LML-7306")
    incoming(org1, b.granted("r1"))
    assert org1.post("/grants/r1/revoke", json={"reason": "breach"}, headers=auth("Org1MSP")).status_code == 202


def test_decisions_from_the_projection_and_strong_fails_closed(org1: TestClient, auth: TokenFor) -> None:
    body = {"organisation": "Org2MSP", "dataset_id": "cxr", "purpose": "train"}
    d = org1.post("/decisions", json=body, headers=auth("Org1MSP", "storage"))
    assert d.status_code == 200, d.text
    assert (d.json()["allow"], d.json()["reason"], d.json()["source"]) == (False, "UNKNOWN_DATASET", "projection")
    audited = org1.post("/decisions", json=body, headers=auth("Org3MSP"))
    assert audited.status_code == 200, "auditors may ask for decisions"
    strong = org1.post("/decisions", json={**body, "consistency": "strong"}, headers=auth("Org1MSP", "storage"))
    assert (strong.status_code, strong.json()["code"]) == (503, "LML-5004")
    assert "Retry-After" in strong.headers


def test_unknown_request_and_bad_cursor(org1: TestClient, auth: TokenFor) -> None:
    r = org1.get("/requests/nope", headers=auth("Org1MSP"))
    assert (r.status_code, r.json()["code"]) == (404, "LML-7304")
    r = org1.get("/requests", params={"cursor": "%%%"}, headers=auth("Org1MSP"))
    assert (r.status_code, r.json()["code"]) == (422, "LML-7305")


def test_pages_follow_the_cursor(org1: TestClient, auth: TokenFor) -> None:
    body = {"dataset_id": "mnist", "owner_org": "Org2MSP", "purpose": "train", "requested_expiry": SOON}
    made = [org1.post("/requests", json=body, headers=auth("Org1MSP")).json()["request_id"] for _ in range(3)]
    first = org1.get("/requests", params={"limit": 2}, headers=auth("Org1MSP")).json()
    second = org1.get("/requests", params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth("Org1MSP")).json()
    assert [r["request_id"] for r in first["items"] + second["items"]] == sorted(made, key=made.index)
    assert second["next_cursor"] is None
    unknown = org1.get("/requests", params={"directon": "incoming"}, headers=auth("Org1MSP"))
    assert (unknown.status_code, unknown.json()["code"]) == (422, "LML-1000"), "a misspelt filter is refused"
