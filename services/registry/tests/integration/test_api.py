"""The registry API over real HTTP (uvicorn on a free port), PostgreSQL, and consortium tokens."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine

from ledgerml.registry.adapters.model_store import SqlModels
from ledgerml.registry.lineage import ModelInput, ModelRecord
from ledgerml.registry.main import create_app
from ledgerml.registry.settings import RegistrySettings
from ledgerml.stack.pki import Consortium
from ledgerml.stack.serving import serve_app
from ledgerml.stack.testing.plugin import Headers, throwaway_postgres

pytestmark = pytest.mark.integration
MODEL = "ab" * 32


@pytest.fixture(scope="module")
def registry(consortium: Consortium) -> Iterator[tuple[str, str]]:
    """Org1's registry: (base URL, database URL)."""
    with throwaway_postgres() as url:
        settings = RegistrySettings(database_url=url, msp_root=consortium.root, msp_id="Org1MSP",
                                    kafka_bootstrap=os.environ.get("LEDGERML_KAFKA_BOOTSTRAP", "127.0.0.1:9"))
        with serve_app(create_app(settings)) as base_url:
            yield base_url, url


@pytest.fixture
def http(registry: tuple[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=registry[0], timeout=10) as client:
        yield client


def body(dataset_id: str | None = None, **changes: Any) -> dict[str, Any]:
    return {"dataset_id": dataset_id or f"ds-{uuid.uuid4().hex[:10]}", "name": "Chest X-rays",
            "description": "frontal views", "schema": {"image": "image", "label": "categorical"},
            "terms": "research only", "tags": ["medical"], "price_per_job": 40, **changes}


def test_create_then_read_from_another_organisation(http: httpx.Client, auth: Headers) -> None:
    created = http.post("/datasets", json=body("cxr-api"), headers=auth("Org1MSP"))
    assert created.status_code == 202, created.text
    view = created.json()
    assert (view["owner_org"], view["ledger"]["state"], view["ledger"]["tx_id"], view["versions"]) == (
        "Org1MSP", "pending", None, [])
    read = http.get("/datasets/cxr-api", headers=auth("Org2MSP"))
    assert read.status_code == 200 and read.json()["schema"] == {"image": "image", "label": "categorical"}
    assert http.get("/datasets/cxr-api", headers=auth("Org3MSP")).status_code == 200


def test_conflict_not_found_and_invalid_input(http: httpx.Client, auth: Headers) -> None:
    assert http.post("/datasets", json=body("dup-api"), headers=auth()).status_code == 202
    again = http.post("/datasets", json=body("dup-api", name="other"), headers=auth("Org1MSP", "Admin"))
    assert (again.status_code, again.json()["code"]) == (409, "LML-7202")
    missing = http.get("/datasets/no-such-dataset", headers=auth())
    assert (missing.status_code, missing.json()["code"]) == (404, "LML-1004")
    bad = http.post("/datasets", json=body("Bad_Slug", price_per_job=-1), headers=auth())
    assert (bad.status_code, bad.json()["code"]) == (422, "LML-1000")
    assert {e["field"] for e in bad.json()["errors"]} == {"body.dataset_id", "body.price_per_job"}
    repeated = http.post("/datasets", json=body(tags=["a", "a"]), headers=auth())
    assert (repeated.status_code, repeated.json()["code"]) == (422, "LML-7204")


def test_writes_are_refused_to_auditors_partners_and_anonymous_callers(http: httpx.Client, auth: Headers) -> None:
    auditor = http.post("/datasets", json=body(), headers=auth("Org3MSP", "Admin"))
    assert (auditor.status_code, auditor.json()["code"]) == (403, "LML-3002")
    partner = http.post("/datasets", json=body(), headers=auth("Org2MSP"))
    assert (partner.status_code, partner.json()["code"]) == (403, "LML-7208")
    in_their_name = http.post("/datasets", json=body(owner_org="Org1MSP"), headers=auth("Org2MSP"))
    assert in_their_name.status_code == 422  # there is no owner field to forge
    assert http.post("/datasets", json=body()).status_code == 401
    assert http.post("/datasets", json=body(), headers=auth(audience="storage")).status_code == 401


def test_search_and_paginate(http: httpx.Client, auth: Headers) -> None:
    tag = f"t{uuid.uuid4().hex[:8]}"
    for i in range(5):
        schema = {"label": "categorical", f"col{i}": "float"}
        created = http.post("/datasets", json=body(f"page-{tag}-{i}", name=f"Series {i}", tags=[tag], schema=schema),
                            headers=auth())
        assert created.status_code == 202
    seen: list[str] = []
    params: dict[str, Any] = {"tag": tag, "limit": 2}
    while True:
        page = http.get("/datasets", params=params, headers=auth("Org2MSP")).json()
        assert len(page["items"]) <= 2 and "versions" not in page["items"][0]
        seen += [d["dataset_id"] for d in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [f"page-{tag}-{i}" for i in range(5)]
    found = http.get("/datasets", params={"tag": tag, "column": "col3", "q": "series", "owner": "Org1MSP"},
                     headers=auth("Org3MSP")).json()
    assert [d["dataset_id"] for d in found["items"]] == [f"page-{tag}-3"]
    assert http.get("/datasets", params={"tag": tag, "owner": "Org2MSP"}, headers=auth()).json()["items"] == []
    forged = http.get("/datasets", params={"cursor": "Zm9yZ2Vk"}, headers=auth())
    assert (forged.status_code, forged.json()["code"]) == (422, "LML-7207")


def test_model_reads_and_verify_fail_closed_without_a_ledger(registry: tuple[str, str], http: httpx.Client,
                                                             auth: Headers) -> None:
    engine = create_engine(registry[1])
    with engine.begin() as conn:
        SqlModels(conn).add_model(ModelRecord(
            MODEL, "job-api", "Org1MSP", "Org2MSP", "logreg", "c" * 64, None,
            (ModelInput("cxr-api", "v1", None, None),), "d" * 64, (("acc", 0.5),), "e" * 64, "tx", None,
            datetime.now(UTC)))
    engine.dispose()
    assert http.get(f"/models/{MODEL}", headers=auth("Org2MSP")).json()["job_id"] == "job-api"
    listed = http.get("/models", params={"dataset_id": "cxr-api"}, headers=auth("Org3MSP")).json()["items"]
    assert [m["model_id"] for m in listed] == [MODEL]
    verify = http.get(f"/models/{MODEL}/verify", headers=auth("Org2MSP"))
    problem = verify.json()
    assert (verify.status_code, problem["code"], problem["verified"]) == (503, "LML-5004", False)
    assert problem["ledger"]["available"] is False and verify.headers["retry-after"]
    assert {c["field"]: c["status"] for c in problem["local_checks"]}["metrics_hash"] == "mismatch"
    assert "local checks" in problem["detail"]
    assert http.get(f"/models/{'0' * 64}", headers=auth()).status_code == 404
