"""Lineage, access history, exports, HTML reports and integrity sweeps over HTTP."""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
import re

from ledgerml.audit.adapters.peers import RegistryAdapter, StorageAdapter, audit_peers
from ledgerml.shared.identity import load_identity

from .conftest import Api
from .fakes import FakeLedger, FakeRegistry, FakeStorage

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_model_lineage(api: Api) -> None:
    lineage = api.get("/lineage/models/model-1", as_=("Org3MSP", "User1")).json()
    assert lineage["job"]["job_id"] == "job-1" and lineage["job"]["status"] == "completed"
    assert [(d["dataset_id"], d["version"]) for d in lineage["datasets"]] == [("xrays", "v1")]
    assert [(g["grant_id"], g["in_force"]) for g in lineage["grants"]] == [("grant-1", True)]
    assert api.get("/lineage/models/nope").json()["code"] == "LML-7507"


def test_access_history_lists_requests_grants_reads_and_jobs(api: Api) -> None:
    body = api.get("/datasets/xrays/access-history").json()
    assert [i["entry"]["action"] for i in body["items"]] == [
        "access.request.created", "access.grant.issued", "training.job.requested", "storage.chunk.read",
        "access.grant.revoked"]
    assert api.get("/datasets/bulk/access-history", limit=3).json()["next_cursor"] == "13"


def test_export_jsonl_and_csv_stream_the_query(api: Api) -> None:
    lines = api.get("/export", format="jsonl", dataset_id="xrays").text.splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [0, 1, 2, 3, 4, 5, 7, 10]
    response = api.get("/export", format="csv", action="storage.chunk.read")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 11 and rows[0]["actor"] == "Org1MSP" and rows[0]["job_id"] == "job-1"
    assert api.get("/export", format="xml").status_code == 422
    assert api.get("/export", since="2026-03-02T00:00:00Z", until="2026-03-01T00:00:00Z").json()["code"] == "LML-7512"


def _png(html: str) -> bytes:
    match = re.search(r'src="data:image/png;base64,([^"]+)"', html)
    assert match, "no embedded PNG"
    return base64.b64decode(match.group(1))


def test_html_reports_embed_the_lineage_graph(api: Api) -> None:
    model = api.get("/reports/models/model-1.html")
    assert model.headers["content-type"].startswith("text/html")
    assert "Model model-1" in model.text and "grant-1" in model.text and "xrays" in model.text
    assert _png(model.text).startswith(PNG_MAGIC)
    dataset = api.get("/reports/datasets/xrays.html", as_=("Org3MSP", "User1")).text
    assert "Access history" in dataset and "model-1" in dataset and _png(dataset).startswith(PNG_MAGIC)
    assert api.get("/reports/datasets/none.html").json()["code"] == "LML-7507"


def test_sweep_reports_each_version(api: Api) -> None:
    context = api.client.app.state.audit  # type: ignore[attr-defined]
    good = {"merkle_root_manifest": "aa" * 32, "merkle_root_recomputed": "aa" * 32, "chunks_ok": 2,
            "chunks_failed": [], "ok": True}
    api.client.app.state.audit = dataclasses.replace(  # type: ignore[attr-defined]
        context, registry=FakeRegistry({"v1": "aa" * 32}), storage=FakeStorage({"v1": good}))
    body = api.get("/sweeps/xrays", owner_org="Org1MSP").json()
    [version] = body["versions"]
    assert version["verdict"] == "consistent-off-ledger" and version["ledger_root"] is None
    assert version["ledger"].startswith("ledger root unavailable (LML-5004)")
    assert body["ok"] is False
    api.client.app.state.audit = dataclasses.replace(context, ledger=FakeLedger({}), registry=None)  # type: ignore[attr-defined]
    assert api.get("/sweeps/xrays", owner_org="Org1MSP").json()["code"] == "LML-7509"
    assert api.get("/sweeps/xrays", owner_org="not an org!").status_code == 422


def test_sweep_of_an_unknown_organisation_is_bad_input_not_an_outage(api: Api) -> None:
    """Issue 17: `owner_org=<typo>` answered 503 LML-7509 ("retry later"); it is the caller's mistake."""
    context = api.client.app.state.audit  # type: ignore[attr-defined]
    files = api.consortium.orgs["Org3MSP"].identity("audit")
    identity = load_identity("Org3MSP", msp_dir=files.msp_dir)
    peers = audit_peers(identity=identity, endpoints={"Org1MSP": {"registry": "http://127.0.0.1:9/"},
                                                      "Org2MSP": {"registry": "http://127.0.0.1:9/"}})
    api.client.app.state.audit = dataclasses.replace(  # type: ignore[attr-defined]
        context, registry=RegistryAdapter(peers), storage=StorageAdapter(peers))
    refused = api.get("/sweeps/xrays", owner_org="Org9MSP")
    assert (refused.status_code, refused.json()["code"]) == (422, "LML-7513")
    assert refused.json()["detail"] == ("Org9MSP is not an organisation of this consortium; use one of: Org1MSP, "
                                        "Org2MSP")
    missing = audit_peers(identity=identity, endpoints={"Org1MSP": {"storage": "http://127.0.0.1:9/"}})
    api.client.app.state.audit = dataclasses.replace(  # type: ignore[attr-defined]
        context, registry=RegistryAdapter(missing), storage=StorageAdapter(missing))
    assert api.get("/sweeps/xrays", owner_org="Org1MSP").json()["code"] == "LML-7509"  # a known org, unset endpoint
