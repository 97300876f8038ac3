"""Requests over real HTTP with real tokens: create, list both directions, history, owner answers; the
ledger writes stay pending (no Fabric), and strong decisions fail closed. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ledgerml.access_control.consumers import ProjectionConsumer
from ledgerml.shared.events import Envelope
from ledgerml.shared.events import schemas as ev
from ledgerml.shared.events.bridged import bridge_envelope
from ledgerml.shared.messaging import InboundRecord

from .conftest import Callers, Launch

pytestmark = pytest.mark.integration
SOON = (datetime.now(UTC) + timedelta(days=10)).isoformat()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None: the instance's own SQLite file; else a throwaway database on the stack's PostgreSQL."""
    return None if request.param == "sqlite" else str(request.getfixturevalue("fresh_postgres"))


class ListSource:
    def __init__(self, envelopes: list[Envelope]) -> None:
        self.records = [InboundRecord("t", 0, i, None, e.to_json()) for i, e in enumerate(envelopes)]

    def poll(self, timeout_s: float) -> list[InboundRecord]:
        out, self.records = self.records, []
        return out

    def commit(self, records: object) -> None:
        pass

    def rewind(self, record: object) -> None:
        raise AssertionError("no record should fail")


def test_request_lifecycle_over_http(launch: Launch, callers: Callers, database_url: str | None) -> None:
    org1, org2 = launch("Org1MSP", database_url=database_url), launch("Org2MSP")
    body = {"dataset_id": "cxr", "owner_org": "Org1MSP", "purpose": "train", "requested_expiry": SOON}
    created = httpx.post(f"{org2.url}/requests", json=body, headers=callers("Org2MSP"), timeout=10)
    assert created.status_code == 202, created.text
    view = created.json()
    assert (view["state"], view["ledger"]["state"], view["ledger"]["error_code"]) == ("pending", "pending", None)
    outgoing = httpx.get(f"{org2.url}/requests", params={"direction": "outgoing"}, headers=callers("Org2MSP"))
    assert [r["request_id"] for r in outgoing.json()["items"]] == [view["request_id"]]

    # The owner learns of the request from the ledger; here its envelopes are applied to its projection.
    rid = view["request_id"]
    envelopes = [bridge_envelope(ev.DatasetRegistered(dataset_id="cxr", owner_org="Org1MSP", name="cxr",
                                                      ledger_tx_id="t1"), org="x", tx_id="t1", index=0, sequence=1,
                                 subject="cxr"),
                 bridge_envelope(ev.AccessRequested(request_id=rid, dataset_id="cxr", requester_org="Org2MSP",
                                                    purpose="train", ledger_tx_id="t2"), org="x", tx_id="t2",
                                 index=0, sequence=2, subject=rid)]
    ProjectionConsumer(engine=org1.engine, source=ListSource(envelopes), my_org="Org1MSP").process_batch()
    incoming = httpx.get(f"{org1.url}/requests", params={"direction": "incoming"}, headers=callers("Org1MSP"))
    assert [r["request_id"] for r in incoming.json()["items"]] == [rid]
    no_expiry = httpx.post(f"{org1.url}/requests/{rid}/grant", json={}, headers=callers("Org1MSP", "Admin"))
    assert (no_expiry.status_code, no_expiry.json()["code"]) == (422, "LML-7308")
    grant = {"max_jobs": 2, "compute_only": True, "expires_at": SOON}
    granted = httpx.post(f"{org1.url}/requests/{rid}/grant", json=grant, headers=callers("Org1MSP", "Admin"))
    assert granted.status_code == 202, granted.text
    assert (granted.json()["state"], granted.json()["pending_answer"]) == ("pending", "grant")
    history = httpx.get(f"{org1.url}/requests/{rid}/history", headers=callers("Org3MSP")).json()
    assert [(e["event"], (e["ledger"] or {}).get("state")) for e in history["entries"]] == [
        ("ledger:requested", None), ("grant", "pending")]

    decision = {"organisation": "Org2MSP", "dataset_id": "cxr", "purpose": "train"}
    d = httpx.post(f"{org1.url}/decisions", json=decision, headers=callers("Org1MSP", "storage"))
    assert (d.json()["allow"], d.json()["reason"]) == (False, "PENDING"), "a local, uncommitted grant never allows"
    strong = httpx.post(f"{org1.url}/decisions", json={**decision, "consistency": "strong"},
                        headers=callers("Org1MSP", "training"))
    assert (strong.status_code, strong.json()["code"]) == (503, "LML-5004")
