"""OWASP API1 (broken object level authorisation) matrix across the services, over real HTTP with real
consortium tokens: every route of every service refuses a missing or misaddressed token, and every
organisation/role that must not act on an object is refused with the stable code that says why.

Deployed on the test stack (Kafka, MinIO): access-control of Org1 and Org2, registry, storage and audit
of Org1, the training orchestrator of Org2, each its real app under uvicorn. Org1 and Org2 are members
(Admin, User1 and the service identities are `admin`/`client`; peer0 is a `peer`), Org3 is the
consortium's auditor organisation. Allowed controls prove no refusal comes from a broken fixture;
peer and orderer identities are refused everywhere (the shared guard, LML-3004), and so is the operator's
organisation, OrdererMSP (LML-3005).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from kafka import KafkaAdminClient
from minio import Minio

from ledgerml.access_control.consumers import ProjectionConsumer
from ledgerml.access_control.main import create_app as access_app
from ledgerml.access_control.settings import AccessControlSettings
from ledgerml.audit.main import create_app as audit_app
from ledgerml.audit.settings import AuditSettings
from ledgerml.registry.main import create_app as registry_app
from ledgerml.registry.settings import RegistrySettings
from ledgerml.shared.events import EventData
from ledgerml.shared.events import schemas as ev
from ledgerml.shared.events.bridged import bridge_envelope
from ledgerml.shared.identity import SigningIdentity, issue_token, load_identity
from ledgerml.shared.messaging import InboundRecord
from ledgerml.stack.pki import Consortium, create_consortium
from ledgerml.stack.serving import serve_app
from ledgerml.storage.main import create_app as storage_app
from ledgerml.storage.settings import StorageSettings
from ledgerml.training.main import create_app as training_app
from ledgerml.training.settings import TrainingSettings

pytestmark = pytest.mark.integration
SOON = (datetime.now(UTC) + timedelta(days=20)).isoformat()
ANONYMOUS, WRONG_AUDIENCE = "anonymous", "wrong-audience"
AC, REG, ST, TR, AU = "access-control", "registry", "storage", "training-orchestrator", "audit"
PUBLIC = {"/healthz", "/readyz"}


@dataclass(frozen=True)
class Call:
    service: str
    at: str  # whose instance
    method: str
    path: str  # names fixture objects: {r_in}, {r_granted}, {out1}, {o2}, {dataset_id}, {job_id}, ...
    body: dict[str, Any] | None = None
    content: bytes | None = None

    def label(self) -> str:
        return f"{self.at}:{self.service} {self.method} {self.path}"


@dataclass
class World:
    consortium: Consortium
    urls: dict[tuple[str, str], str] = field(default_factory=dict)
    apps: dict[tuple[str, str], FastAPI] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    _identities: dict[tuple[str, str], SigningIdentity] = field(default_factory=dict)

    def headers(self, caller: str, audience: str) -> dict[str, str]:
        if caller == ANONYMOUS:
            return {}
        msp_id, name = ("Org1MSP", "Admin") if caller == WRONG_AUDIENCE else caller.split("/")
        if (msp_id, name) not in self._identities:
            files = self.consortium.orgs[msp_id].identity(name)
            self._identities[(msp_id, name)] = load_identity(msp_id, msp_dir=files.msp_dir)
        wrong = AU if audience != AU else REG
        token = issue_token(self._identities[(msp_id, name)], audience=wrong if caller == WRONG_AUDIENCE else audience)
        return {"Authorization": f"Bearer {token}"}

    def send(self, call: Call, caller: str) -> httpx.Response:
        url = self.urls[(call.at, call.service)] + call.path.format(**self.ids)
        headers = self.headers(caller, call.service)
        if call.content is not None:
            headers["content-type"] = "application/octet-stream"
        return httpx.request(call.method, url, json=call.body, content=call.content, headers=headers, timeout=20)


def _feed(engine: Any, my_org: str, events: list[tuple[EventData, str]]) -> None:
    """Apply ledger-bridge envelopes to an access-control projection, as its consumer would from Kafka."""
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
    root = tmp_path_factory.mktemp("matrix")
    w = World(create_consortium(root / "crypto"))
    prefix, bucket = f"am{uuid.uuid4().hex[:8]}", f"lml-am-{uuid.uuid4().hex[:12]}"
    s3 = Minio(stack_env["LEDGERML_S3_ENDPOINT"], access_key=stack_env["LEDGERML_S3_ACCESS_KEY"],
               secret_key=stack_env["LEDGERML_S3_SECRET_KEY"], secure=False)
    with ExitStack() as stack:
        for key, make in _deployments(w, root, prefix, bucket, stack_env):
            w.apps[key] = make()
            w.urls[key] = stack.enter_context(serve_app(w.apps[key]))
        _seed(w)
        yield w
    _cleanup(s3, bucket, stack_env["LEDGERML_KAFKA_BOOTSTRAP"], prefix)


def _deployments(w: World, root: Path, prefix: str, bucket: str, env: dict[str, str]) -> list[tuple[Any, Any]]:
    def common(msp_id: str, name: str) -> dict[str, Any]:
        return {"database_url": f"sqlite:///{root / f'{name}-{msp_id}.db'}", "msp_id": msp_id,
                "org": f"{prefix}{msp_id[3]}", "msp_root": w.consortium.root,
                "kafka_bootstrap": env["LEDGERML_KAFKA_BOOTSTRAP"]}

    (root / "org1.key").write_text(uuid.uuid4().hex * 2)
    storage = lambda: storage_app(StorageSettings(  # noqa: E731 - built once the peers' URLs are known
        **common("Org1MSP", ST), s3_endpoint=env["LEDGERML_S3_ENDPOINT"], s3_access_key=env["LEDGERML_S3_ACCESS_KEY"],
        s3_secret_key=env["LEDGERML_S3_SECRET_KEY"], bucket=bucket, org_key_file=root / "org1.key",
        registry_url=w.urls[("Org1MSP", REG)], access_control_url=w.urls[("Org1MSP", AC)], chunk_size_bytes=4096,
        identity_msp_dir=w.consortium.orgs["Org1MSP"].identity("storage").msp_dir))
    return [(("Org1MSP", AC), lambda: access_app(AccessControlSettings(**common("Org1MSP", AC)))),
            (("Org2MSP", AC), lambda: access_app(AccessControlSettings(**common("Org2MSP", AC)))),
            (("Org1MSP", REG), lambda: registry_app(RegistrySettings(**common("Org1MSP", REG)))),
            (("Org1MSP", AU), lambda: audit_app(AuditSettings(**common("Org1MSP", AU)))),
            (("Org2MSP", TR), lambda: training_app(TrainingSettings(**common("Org2MSP", TR), worker_enabled=False))),
            (("Org1MSP", ST), storage)]


def _seed(w: World) -> None:
    until = datetime.now(UTC) + timedelta(days=5)
    w.ids |= {"r_in": f"r-in-{uuid.uuid4().hex[:6]}", "r_granted": f"r-gr-{uuid.uuid4().hex[:6]}",
              "dataset_id": f"cxr-{uuid.uuid4().hex[:6]}", "version": "v1", "model_id": "a" * 64, "seq": "1",
              "org": "Org2MSP"}
    w.ids |= {"request_id": w.ids["r_in"], "grant_id": w.ids["r_granted"]}
    _feed(w.apps[("Org1MSP", AC)].state.engine, "Org1MSP", [
        (ev.DatasetRegistered(dataset_id="cxr", owner_org="Org1MSP", name="cxr", ledger_tx_id="t"), "cxr"),
        (ev.AccessRequested(request_id=w.ids["r_in"], dataset_id="cxr", requester_org="Org2MSP", purpose="train",
                            ledger_tx_id="t"), w.ids["r_in"]),
        (ev.AccessRequested(request_id=w.ids["r_granted"], dataset_id="cxr", requester_org="Org2MSP",
                            purpose="evaluate", ledger_tx_id="t"), w.ids["r_granted"]),
        (ev.GrantIssued(grant_id=w.ids["r_granted"], request_id=w.ids["r_granted"], dataset_id="cxr",
                        grantee_org="Org2MSP", expires_at=until, max_jobs=1, ledger_tx_id="t"), w.ids["r_granted"]),
    ])
    made = [(Call(AC, at, "POST", "/requests", {"dataset_id": "shared-ds", "owner_org": owner, "purpose": "train",
                                                "requested_expiry": SOON}), f"{at}/User1", key)
            for key, at, owner in (("out1", "Org1MSP", "Org2MSP"), ("o2", "Org2MSP", "Org1MSP"))]
    made += [(Call(REG, "Org1MSP", "POST", "/datasets", _dataset(w.ids["dataset_id"])), "Org1MSP/User1", ""),
             (Call(ST, "Org1MSP", "PUT", "/datasets/{dataset_id}/versions/v1", content=b"a,b\n1,2\n" * 600),
              "Org1MSP/User1", ""),
             (Call(TR, "Org2MSP", "POST", "/jobs", JOB), "Org2MSP/User1", "job_id"),
             (Call(TR, "Org2MSP", "POST", "/jobs", JOB), "Org2MSP/User1", "gap_job")]  # the gap cases may change it
    for call, caller, key in made:
        response = w.send(call, caller)
        assert response.status_code in (201, 202), f"{call.label()}: {response.text}"
        if key:
            w.ids[key] = response.json()["request_id" if call.service == AC else "job_id"]


def _dataset(dataset_id: str) -> dict[str, Any]:
    return {"dataset_id": dataset_id, "name": "matrix", "schema": {"a": "integer"}, "terms": "tests only"}


JOB = {"datasets": [{"dataset_id": "cxr-matrix", "version": "v1", "owner_org": "Org1MSP"}],
       "algorithm": "tabular_classifier", "hyperparameters": {}, "deposit": 1}


def _cleanup(s3: Minio, bucket: str, bootstrap: str, prefix: str) -> None:
    if s3.bucket_exists(bucket):
        for obj in s3.list_objects(bucket, recursive=True):
            s3.remove_object(bucket, obj.object_name or "")
        s3.remove_bucket(bucket)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine)
    finally:
        admin.close()


# ---- authentication: every route of every deployed service ----------------------------------------
DEPLOYED = [("Org1MSP", AC), ("Org2MSP", AC), ("Org1MSP", REG), ("Org1MSP", ST), ("Org2MSP", TR), ("Org1MSP", AU)]


@pytest.mark.parametrize("deployed", DEPLOYED, ids=[f"{o}:{s}" for o, s in DEPLOYED])
def test_every_route_refuses_missing_or_misaddressed_tokens(world: World, deployed: tuple[str, str]) -> None:
    at, service = deployed
    routes = [(m.upper(), p) for p, ops in world.apps[deployed].openapi()["paths"].items() if p not in PUBLIC
              for m in ops]
    assert len(routes) >= 3, routes
    wrong: list[str] = []
    for method, path in routes:
        for caller, code in ((ANONYMOUS, "LML-2000"), (WRONG_AUDIENCE, "LML-2003")):
            r = world.send(Call(service, at, method, path, {} if method in ("POST", "PUT") else None), caller)
            if (r.status_code, r.headers.get("content-type", "").startswith("application/problem+json") and
                    r.json().get("code")) != (401, code):
                wrong.append(f"{method} {path} as {caller}: {r.status_code} {r.text[:120]}")
    assert not wrong, "\n".join(wrong)


# ---- organisation / role / object refusals ----------------------------------------------------------
REQUEST_BODY = {"dataset_id": "cxr2", "owner_org": "Org2MSP", "purpose": "train", "requested_expiry": SOON}
DECISION_BODY = {"organisation": "Org2MSP", "dataset_id": "cxr", "purpose": "train"}
AC_READS = [Call(AC, "Org1MSP", "GET", "/requests"), Call(AC, "Org1MSP", "GET", "/requests/{r_in}"),
            Call(AC, "Org1MSP", "GET", "/requests/{r_in}/history"), Call(AC, "Org1MSP", "GET", "/projection"),
            Call(AC, "Org1MSP", "POST", "/decisions", DECISION_BODY)]
AC_WRITES = [Call(AC, "Org1MSP", "POST", "/requests", REQUEST_BODY),
             Call(AC, "Org1MSP", "POST", "/requests/{r_in}/grant", {"expires_at": SOON}),
             Call(AC, "Org1MSP", "POST", "/requests/{r_in}/deny", {"reason": "no"}),
             Call(AC, "Org1MSP", "POST", "/grants/{r_granted}/revoke", {"reason": "breach"})]
ORG2 = ("Org2MSP/User1", "Org2MSP/Admin", "Org2MSP/access-control")
AUDITORS = ("Org3MSP/User1", "Org3MSP/Admin")
PEER1, PEER2 = "Org1MSP/peer0.org1.ledgerml.test", "Org2MSP/peer0.org2.ledgerml.test"
Case = tuple[Call, str, int, str]


def _access_control() -> list[Case]:
    cases: list[Case] = []
    for call in AC_READS + AC_WRITES:
        cases += [(call, who, 403, "LML-7301") for who in ORG2]  # another member's instance
    for call in AC_WRITES:
        cases += [(call, who, 403, "LML-3002") for who in AUDITORS] + [(call, PEER1, 403, "LML-3004")]
    for path, body in (("/requests/{out1}/grant", {"expires_at": SOON}), ("/requests/{out1}/deny", {"reason": "x"}),
                       ("/grants/{out1}/revoke", {"reason": "x"})):  # Org1 answering a request for Org2's data
        cases += [(Call(AC, "Org1MSP", "POST", path, body), who, 403, "LML-7302")
                  for who in ("Org1MSP/Admin", "Org1MSP/User1")]
        # Org2 answering Org1's request (for Org1's dataset) at its own instance.
        cases.append((Call(AC, "Org2MSP", "POST", path.replace("out1", "o2"), body), "Org2MSP/Admin", 403, "LML-7302"))
    for path in ("/requests", "/requests/{o2}", "/requests/{o2}/history"):  # a consumer reading another's requests
        cases.append((Call(AC, "Org2MSP", "GET", path), "Org1MSP/User1", 403, "LML-7301"))
    return cases


VERSION = "/datasets/{dataset_id}/versions/v1"
AUDIT_READS = ["/entries", "/entries/1/proof", "/tree-heads", "/gaps", "/log/verify", "/export?format=jsonl",
               "/datasets/{dataset_id}/access-history", "/sweeps/{dataset_id}", "/reports/datasets/{dataset_id}.html"]


def _other_services() -> list[Case]:
    dataset = _dataset("cxr-other")
    cases: list[Case] = [(Call(REG, "Org1MSP", "POST", "/datasets", dataset), who, 403, "LML-7208") for who in ORG2]
    cases += [(Call(REG, "Org1MSP", "POST", "/datasets", dataset), who, 403, "LML-3002") for who in AUDITORS]
    cases += [(Call(REG, "Org1MSP", m, p, dataset if m == "POST" else None), PEER1, 403, "LML-3004")
              for m, p in (("POST", "/datasets"), ("GET", "/datasets/{dataset_id}"))]
    put = Call(ST, "Org1MSP", "PUT", "/datasets/{dataset_id}/versions/v2", content=b"x,y\n1,2\n")
    cases += [(put, "Org2MSP/User1", 403, "LML-7116"), (put, "Org3MSP/User1", 403, "LML-3002")]
    for path in (VERSION, VERSION + "/integrity"):  # manifests and integrity: owner and auditors only
        cases += [(Call(ST, "Org1MSP", "GET", path), "Org2MSP/User1", 403, "LML-7116"),
                  (Call(ST, "Org1MSP", "GET", path), PEER2, 403, "LML-3004")]
    # Content: other organisations only when access-control (here: no grant) allows a download.
    cases += [(Call(ST, "Org1MSP", "GET", VERSION + "/content"), who, 403, "LML-7113")
              for who in ("Org2MSP/User1", "Org3MSP/User1")]
    internal = Call(ST, "Org1MSP", "GET", "/internal/jobs/j1" + VERSION + "/content")
    cases += [(internal, who, 403, "LML-7114") for who in ("Org1MSP/User1", "Org1MSP/Admin", "Org2MSP/training")]
    cases += [(Call(TR, "Org2MSP", "POST", "/jobs", JOB), "Org1MSP/User1", 403, "LML-3000"),
              (Call(TR, "Org2MSP", "POST", "/jobs", JOB), "Org3MSP/User1", 403, "LML-3002"),
              (Call(TR, "Org2MSP", "POST", "/jobs/{job_id}/cancel"), "Org1MSP/Admin", 403, "LML-3000"),
              (Call(TR, "Org2MSP", "POST", "/jobs/{job_id}/cancel"), "Org3MSP/User1", 403, "LML-3002"),
              (Call(TR, "Org2MSP", "GET", "/jobs/{job_id}/model"), "Org3MSP/User1", 403, "LML-3000"),
              (Call(TR, "Org2MSP", "GET", "/credits/Org1MSP"), "Org2MSP/User1", 403, "LML-3000")]
    cases += [(Call(AU, "Org1MSP", "GET", p), who, 403, "LML-7506") for p in AUDIT_READS for who in ORG2[:2]]
    return cases


REFUSALS = _access_control() + _other_services()


@pytest.mark.parametrize(("call", "caller", "status", "code"), REFUSALS,
                         ids=[f"{c.label()} as {who}" for c, who, _, _ in REFUSALS])
def test_refused(world: World, call: Call, caller: str, status: int, code: str) -> None:
    response = world.send(call, caller)
    assert (response.status_code, response.json().get("code")) == (status, code), response.text


ORDERER, OPERATOR = "OrdererMSP/orderer.orderer.ledgerml.test", "OrdererMSP/Admin"
PEER_CALLS = [(Call(TR, "Org2MSP", "POST", "/jobs", JOB), PEER2, "LML-3004", "a peer identity cannot request jobs"),
              (Call(TR, "Org2MSP", "POST", "/jobs/{gap_job}/cancel"), PEER2, "LML-3004",
               "a peer identity cannot cancel jobs"),
              (Call(AU, "Org1MSP", "GET", "/entries"), PEER1, "LML-3004", "a peer identity cannot read the audit log"),
              (Call(AC, "Org1MSP", "POST", "/decisions", DECISION_BODY), PEER1, "LML-3004",
               "a peer identity cannot ask for decisions"),
              (Call(AC, "Org1MSP", "POST", "/decisions", DECISION_BODY), ORDERER, "LML-3004",
               "an orderer identity cannot ask for decisions"),
              (Call(AC, "Org1MSP", "POST", "/decisions", DECISION_BODY), OPERATOR, "LML-3005",
               "the operator's admin cannot ask for decisions"),
              (Call(REG, "Org1MSP", "GET", "/datasets"), OPERATOR, "LML-3005",
               "the operator's admin cannot read Org1's catalog"),
              (Call(REG, "Org1MSP", "GET", "/datasets/{dataset_id}"), OPERATOR, "LML-3005",
               "the operator's admin cannot read Org1's datasets"),
              (Call(ST, "Org1MSP", "GET", VERSION), OPERATOR, "LML-3005", "the operator's admin cannot read manifests"),
              (Call(TR, "Org2MSP", "GET", "/jobs/{job_id}"), OPERATOR, "LML-3005",
               "the operator's admin cannot read jobs"),
              (Call(AU, "Org1MSP", "GET", "/entries"), OPERATOR, "LML-3005",
               "the operator's admin cannot read the audit log")]


@pytest.mark.parametrize(("call", "caller", "code", "why"), PEER_CALLS, ids=[g for _, _, _, g in PEER_CALLS])
def test_network_node_and_operator_identities_are_refused(world: World, call: Call, caller: str, code: str,
                                                          why: str) -> None:
    """Found by this matrix and issue 17 (training and audit let peers act, POST /decisions skipped the role
    guard, the operator's admin read catalogs); closed by the shared guard (LML-3004, LML-3005)."""
    response = world.send(call, caller)
    assert (response.status_code, response.json()["code"]) == (403, code), why


def test_auditors_may_verify_a_proof(world: World) -> None:
    """POST /verify changes nothing; auditors are who it is for (an empty body is simply invalid: 422)."""
    assert world.send(Call(AU, "Org1MSP", "POST", "/verify", {}), "Org3MSP/User1").status_code == 422


ALLOWED = [(Call(AC, "Org1MSP", "GET", "/requests/{r_in}"), "Org1MSP/User1", 200),
           (Call(AC, "Org1MSP", "GET", "/requests/{r_in}/history"), "Org3MSP/User1", 200),
           (Call(AC, "Org1MSP", "POST", "/decisions", DECISION_BODY), "Org1MSP/storage", 200),
           (Call(AC, "Org1MSP", "POST", "/decisions", DECISION_BODY), "Org3MSP/Admin", 200),
           (Call(AC, "Org2MSP", "GET", "/requests/{o2}"), "Org2MSP/User1", 200),
           (Call(REG, "Org1MSP", "GET", "/datasets/{dataset_id}"), "Org2MSP/User1", 200),
           (Call(ST, "Org1MSP", "GET", VERSION), "Org3MSP/User1", 200),
           (Call(ST, "Org1MSP", "GET", VERSION + "/content"), "Org1MSP/User1", 200),
           (Call(TR, "Org2MSP", "GET", "/jobs/{job_id}"), "Org3MSP/User1", 200),
           (Call(AU, "Org1MSP", "GET", "/entries"), "Org3MSP/User1", 200)]


@pytest.mark.parametrize(("call", "caller", "status"), ALLOWED, ids=[f"{c.label()} as {who}" for c, who, _ in ALLOWED])
def test_allowed_controls(world: World, call: Call, caller: str, status: int) -> None:
    assert world.send(call, caller).status_code == status


def test_refusals_changed_nothing(world: World) -> None:
    seen = world.send(Call(AC, "Org1MSP", "GET", "/requests/{r_in}"), "Org1MSP/Admin").json()
    assert (seen["state"], seen["pending_answer"]) == ("pending", None)
    granted = world.send(Call(AC, "Org1MSP", "GET", "/requests/{r_granted}"), "Org1MSP/Admin").json()
    assert (granted["state"], granted["pending_answer"]) == ("granted", None)
    mine = world.send(Call(AC, "Org1MSP", "GET", "/requests?direction=outgoing"), "Org1MSP/Admin").json()["items"]
    assert [r["request_id"] for r in mine] == [world.ids["out1"]], "no refused POST /requests was recorded"
    job = world.send(Call(TR, "Org2MSP", "GET", "/jobs/{job_id}"), "Org2MSP/User1").json()
    assert job["state"] == "requested", "no refused cancel reached the job"
    missing = world.send(Call(ST, "Org1MSP", "GET", "/datasets/{dataset_id}/versions/v2"), "Org1MSP/User1")
    assert missing.status_code == 404, "no refused upload was stored"
