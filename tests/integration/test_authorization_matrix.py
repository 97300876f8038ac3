"""OWASP API1 (broken object level authorisation) matrix across the services, over real HTTP with real
consortium tokens: every endpoint x every organisation/role that must be refused is refused, with the
stable code that says why. Each service runs as its real app under uvicorn on the test stack's Kafka.

Roles: Org1 and Org2 are members (Admin, User1 and service identities are `client`/`admin`; peer0 is a
`peer`), Org3 is the consortium's auditor organisation (read-only everywhere). A few allowed calls are
checked too, so a refusal here never comes from a broken fixture.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from kafka import KafkaAdminClient

from ledgerml.access_control.consumer import ProjectionConsumer
from ledgerml.access_control.ledger_events import bridge_envelope
from ledgerml.access_control.main import create_app as access_app
from ledgerml.access_control.settings import AccessControlSettings
from ledgerml.shared.events import EventData
from ledgerml.shared.events import schemas as ev
from ledgerml.shared.identity import SigningIdentity, issue_token, load_identity
from ledgerml.shared.messaging import InboundRecord
from ledgerml.stack.pki import Consortium, create_consortium
from ledgerml.stack.serving import serve_app

pytestmark = pytest.mark.integration
SOON = (datetime.now(UTC) + timedelta(days=20)).isoformat()
ANONYMOUS, WRONG_AUDIENCE = "anonymous", "wrong-audience"


@dataclass(frozen=True)
class Call:
    service: str
    at: str  # whose instance
    method: str
    path: str  # may name fixture objects: {r_in}, {r_granted}, {out1}, {o2}
    body: dict[str, Any] | None = None

    def label(self) -> str:
        return f"{self.at}:{self.service} {self.method} {self.path}"


@dataclass
class World:
    consortium: Consortium
    urls: dict[tuple[str, str], str]
    ids: dict[str, str] = field(default_factory=dict)
    _identities: dict[tuple[str, str], SigningIdentity] = field(default_factory=dict)

    def headers(self, caller: str, audience: str) -> dict[str, str]:
        if caller == ANONYMOUS:
            return {}
        msp_id, name = ("Org1MSP", "Admin") if caller == WRONG_AUDIENCE else caller.split("/")
        if (msp_id, name) not in self._identities:
            files = self.consortium.orgs[msp_id].identity(name)
            self._identities[(msp_id, name)] = load_identity(msp_id, msp_dir=files.msp_dir)
        wrong = "registry" if audience != "registry" else "audit"
        token = issue_token(self._identities[(msp_id, name)], audience=wrong if caller == WRONG_AUDIENCE else audience)
        return {"Authorization": f"Bearer {token}"}

    def send(self, call: Call, caller: str) -> httpx.Response:
        url = self.urls[(call.at, call.service)] + call.path.format(**self.ids)
        return httpx.request(call.method, url, json=call.body, headers=self.headers(caller, call.service), timeout=10)


def _feed(engine: Any, my_org: str, events: list[tuple[EventData, str]]) -> None:
    """Apply ledger-bridge envelopes to an instance's projection (as its consumer would from Kafka)."""
    records = [InboundRecord("t", 0, i, None, bridge_envelope(data, org="m", tx_id=f"tx-{uuid.uuid4().hex}", index=0,
                                                              sequence=i + 1, subject=subject).to_json())
               for i, (data, subject) in enumerate(events)]

    class Source:
        def poll(self, timeout_s: float) -> list[InboundRecord]:
            out, records[:] = list(records), []
            return out

        def commit(self, _: object) -> None: ...

        def rewind(self, _: object) -> None: ...

    ProjectionConsumer(engine=engine, source=Source(), my_org=my_org).process_batch()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, stack_env: dict[str, str]) -> Iterator[World]:
    bootstrap = stack_env["LEDGERML_KAFKA_BOOTSTRAP"]
    consortium = create_consortium(tmp_path_factory.mktemp("pki") / "crypto")
    prefix = f"am{uuid.uuid4().hex[:8]}"
    urls: dict[tuple[str, str], str] = {}
    engines: dict[str, Any] = {}
    with ExitStack() as stack:
        for msp_id in ("Org1MSP", "Org2MSP"):
            settings = AccessControlSettings(
                database_url=f"sqlite:///{tmp_path_factory.mktemp('ac') / 'access.db'}", msp_id=msp_id,
                org=f"{prefix}{msp_id[3]}", msp_root=consortium.root, kafka_bootstrap=bootstrap)
            app = access_app(settings)
            urls[(msp_id, "access-control")] = stack.enter_context(serve_app(app))
            engines[msp_id] = app.state.engine
        w = World(consortium, urls)
        _seed_access_control(w, engines)
        yield w
    _remove_topics(bootstrap, prefix)


def _seed_access_control(w: World, engines: dict[str, Any]) -> None:
    until = datetime.now(UTC) + timedelta(days=5)
    w.ids |= {"r_in": f"r-in-{uuid.uuid4().hex[:6]}", "r_granted": f"r-gr-{uuid.uuid4().hex[:6]}"}
    _feed(engines["Org1MSP"], "Org1MSP", [
        (ev.DatasetRegistered(dataset_id="cxr", owner_org="Org1MSP", name="cxr", ledger_tx_id="t"), "cxr"),
        (ev.AccessRequested(request_id=w.ids["r_in"], dataset_id="cxr", requester_org="Org2MSP", purpose="train",
                            ledger_tx_id="t"), w.ids["r_in"]),
        (ev.AccessRequested(request_id=w.ids["r_granted"], dataset_id="cxr", requester_org="Org2MSP",
                            purpose="evaluate", ledger_tx_id="t"), w.ids["r_granted"]),
        (ev.GrantIssued(grant_id=w.ids["r_granted"], request_id=w.ids["r_granted"], dataset_id="cxr",
                        grantee_org="Org2MSP", expires_at=until, max_jobs=1, ledger_tx_id="t"), w.ids["r_granted"]),
    ])
    for key, at, owner in (("out1", "Org1MSP", "Org2MSP"), ("o2", "Org2MSP", "Org1MSP")):
        body = {"dataset_id": "shared-ds", "owner_org": owner, "purpose": "train", "requested_expiry": SOON}
        created = w.send(Call("access-control", at, "POST", "/requests", body), f"{at}/User1")
        assert created.status_code == 202, created.text
        w.ids[key] = created.json()["request_id"]


def _remove_topics(bootstrap: str, prefix: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine)
    finally:
        admin.close()


# ---- access-control -------------------------------------------------------------------------------
AC = "access-control"
REQUEST_BODY = {"dataset_id": "cxr2", "owner_org": "Org2MSP", "purpose": "train", "requested_expiry": SOON}
DECISION_BODY = {"organisation": "Org2MSP", "dataset_id": "cxr", "purpose": "train"}
AC_READS = [Call(AC, "Org1MSP", "GET", "/requests"), Call(AC, "Org1MSP", "GET", "/requests/{r_in}"),
            Call(AC, "Org1MSP", "GET", "/requests/{r_in}/history"), Call(AC, "Org1MSP", "GET", "/projection"),
            Call(AC, "Org1MSP", "POST", "/decisions", DECISION_BODY)]
AC_WRITES = [Call(AC, "Org1MSP", "POST", "/requests", REQUEST_BODY),
             Call(AC, "Org1MSP", "POST", "/requests/{r_in}/grant", {"expires_at": SOON}),
             Call(AC, "Org1MSP", "POST", "/requests/{r_in}/deny", {"reason": "no"}),
             Call(AC, "Org1MSP", "POST", "/grants/{r_granted}/revoke", {"reason": "breach"})]
MEMBERS_OF_ORG2 = ("Org2MSP/User1", "Org2MSP/Admin", "Org2MSP/access-control")
AUDITORS = ("Org3MSP/User1", "Org3MSP/Admin")


def _access_control_refusals() -> list[tuple[Call, str, int, str]]:
    cases: list[tuple[Call, str, int, str]] = []
    for call in AC_READS + AC_WRITES:
        cases += [(call, ANONYMOUS, 401, "LML-2000"), (call, WRONG_AUDIENCE, 401, "LML-2003")]
        cases += [(call, who, 403, "LML-7301") for who in MEMBERS_OF_ORG2]  # another member's instance
    for call in AC_WRITES:
        cases += [(call, who, 403, "LML-3002") for who in AUDITORS]  # auditors never write
        cases.append((call, "Org1MSP/peer0.org1.ledgerml.test", 403, "LML-3004"))  # a peer is no actor
    # Org1 answering or revoking a request for Org2's dataset (its own outgoing one): owner only.
    for path, body in (("/requests/{out1}/grant", {"expires_at": SOON}), ("/requests/{out1}/deny", {"reason": "x"}),
                       ("/grants/{out1}/revoke", {"reason": "x"})):
        cases += [(Call(AC, "Org1MSP", "POST", path, body), who, 403, "LML-7302")
                  for who in ("Org1MSP/Admin", "Org1MSP/User1")]
        # Org2 answering Org1's request (for Org1's dataset) at Org2's own instance.
        cases.append((Call(AC, "Org2MSP", "POST", path.replace("out1", "o2"), body), "Org2MSP/Admin", 403,
                      "LML-7302"))
    # A consumer reading another consumer's requests: Org1 at Org2's instance.
    for path in ("/requests", "/requests/{o2}", "/requests/{o2}/history"):
        cases.append((Call(AC, "Org2MSP", "GET", path), "Org1MSP/User1", 403, "LML-7301"))
    cases.append((Call(AC, "Org2MSP", "POST", "/requests", REQUEST_BODY), "Org3MSP/User1", 403, "LML-3002"))
    return cases


REFUSALS = _access_control_refusals()


@pytest.mark.parametrize(("call", "caller", "status", "code"), REFUSALS,
                         ids=[f"{c.label()} as {who}" for c, who, _, _ in REFUSALS])
def test_refused(world: World, call: Call, caller: str, status: int, code: str) -> None:
    response = world.send(call, caller)
    assert (response.status_code, response.json().get("code")) == (status, code), response.text


ALLOWED = [(Call(AC, "Org1MSP", "GET", "/requests/{r_in}"), "Org1MSP/User1", 200),
           (Call(AC, "Org1MSP", "GET", "/requests/{r_in}/history"), "Org3MSP/User1", 200),
           (Call(AC, "Org1MSP", "POST", "/decisions", DECISION_BODY), "Org1MSP/storage", 200),
           (Call(AC, "Org1MSP", "POST", "/decisions", DECISION_BODY), "Org3MSP/Admin", 200),
           (Call(AC, "Org2MSP", "GET", "/requests/{o2}"), "Org2MSP/User1", 200)]


@pytest.mark.parametrize(("call", "caller", "status"), ALLOWED,
                         ids=[f"{c.label()} as {who}" for c, who, _ in ALLOWED])
def test_allowed_controls(world: World, call: Call, caller: str, status: int) -> None:
    assert world.send(call, caller).status_code == status


def test_refusals_changed_nothing(world: World) -> None:
    seen = world.send(Call(AC, "Org1MSP", "GET", "/requests/{r_in}"), "Org1MSP/Admin").json()
    assert (seen["state"], seen["pending_answer"]) == ("pending", None)
    granted = world.send(Call(AC, "Org1MSP", "GET", "/requests/{r_granted}"), "Org1MSP/Admin").json()
    assert (granted["state"], granted["pending_answer"]) == ("granted", None)
    mine = world.send(Call(AC, "Org1MSP", "GET", "/requests?direction=outgoing"), "Org1MSP/Admin").json()["items"]
    assert [r["request_id"] for r in mine] == [world.ids["out1"]], "no refused POST /requests was recorded"
