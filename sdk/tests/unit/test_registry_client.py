"""`RegistryClient` against a scripted registry (httpx.MockTransport): paths, bodies, paging, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerml.client import LedgerML
from ledgerml.client.connection import connect
from ledgerml.shared.errors import DependencyUnavailable, NotFound
from ledgerml.shared.web.client import ServiceClient

from .scripted import ScriptedService as ScriptedRegistry
from .scripted import problem

Route = Callable[[httpx.Request], httpx.Response]
DATASET = {"dataset_id": "cxr", "owner_org": "Org1MSP", "name": "Chest X-rays", "description": "",
           "schema": {"label": "categorical"}, "terms": "research", "tags": ["medical"], "price_per_job": 40,
           "created_at": "2026-11-23T12:00:00Z", "versions": [],
           "ledger": {"state": "pending", "tx_id": None, "block_number": None, "error_code": "LML-5004",
                      "error_detail": "no Fabric ledger is configured"}}





def sdk_with(pki: Path, registry: ScriptedRegistry, org: str = "org1") -> LedgerML:
    conn = connect(org, pki_root=pki, endpoints={})
    client = ServiceClient(base_url="http://registry.test", audience="registry", identity=conn.identity,
                           transport=httpx.MockTransport(registry))
    conn._clients[(conn.msp_id, "registry")] = client
    conn._clients[("Org2MSP", "registry")] = client
    return LedgerML(conn)


def test_create_dataset_posts_the_contract_body(pki: Path) -> None:
    registry = ScriptedRegistry({"POST /datasets": lambda r: httpx.Response(202, json=DATASET)})
    created = sdk_with(pki, registry).registry.create_dataset(
        name="Chest X-rays", schema={"label": "categorical"}, terms="research", tags=["medical"], price_per_job=40,
        dataset_id="cxr")
    assert created["ledger"]["state"] == "pending"
    (request,) = registry.seen
    assert json.loads(request.content) == {"dataset_id": "cxr", "name": "Chest X-rays", "description": "",
                                           "schema": {"label": "categorical"}, "terms": "research",
                                           "tags": ["medical"], "price_per_job": 40}
    assert request.headers["authorization"].startswith("Bearer ")


def test_reads_map_problems_to_coded_errors(pki: Path) -> None:
    registry = ScriptedRegistry({"GET /datasets/cxr": lambda r: httpx.Response(200, json=DATASET)})
    sdk = sdk_with(pki, registry)
    assert sdk.registry.get_dataset("cxr")["owner_org"] == "Org1MSP"
    assert sdk.registry.get_dataset("cxr", org="org2")["name"] == "Chest X-rays"
    with pytest.raises(NotFound):
        sdk.registry.get_dataset("nope")


def test_iter_datasets_follows_cursors_with_the_filters(pki: Path) -> None:
    pages = {None: {"items": [{"dataset_id": "a"}, {"dataset_id": "b"}], "next_cursor": "c1"},
             "c1": {"items": [{"dataset_id": "c"}], "next_cursor": None}}

    def page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    registry = ScriptedRegistry({"GET /datasets": page})
    found = [d["dataset_id"] for d in sdk_with(pki, registry).registry.iter_datasets("x-ray", tag="medical",
                                                                                     page_size=2)]
    assert found == ["a", "b", "c"]
    first: dict[str, Any] = dict(registry.seen[0].url.params)
    assert first == {"q": "x-ray", "tag": "medical", "limit": "2"}


def test_models_listing_showing_and_verification(pki: Path) -> None:
    model_id = "ab" * 32
    verification = {"model_id": model_id, "verified": True, "local_checks": [], "ledger_checks": [],
                    "ledger": {"available": True, "error_code": None, "error_detail": None}}
    registry = ScriptedRegistry({
        "GET /models": lambda r: httpx.Response(200, json={"items": [{"model_id": model_id}]}),
        f"GET /models/{model_id}": lambda r: httpx.Response(200, json={"model_id": model_id, "job_id": "j"}),
        f"GET /models/{model_id}/verify": lambda r: httpx.Response(200, json=verification),
    })
    sdk = sdk_with(pki, registry)
    assert sdk.registry.list_models(dataset_id="cxr") == [{"model_id": model_id}]
    assert dict(registry.seen[0].url.params) == {"dataset_id": "cxr", "limit": "50"}
    assert sdk.registry.get_model(model_id)["job_id"] == "j"
    assert sdk.registry.verify_model(model_id)["verified"] is True


def test_verification_without_a_ledger_raises_with_the_local_checks(pki: Path) -> None:
    model_id = "ab" * 32
    detail = "the ledger comparison is unavailable (LML-5004: ...); local checks: 2 match"
    registry = ScriptedRegistry({f"GET /models/{model_id}/verify": lambda r: problem(503, "LML-5004", detail)})
    with pytest.raises(DependencyUnavailable, match="local checks: 2 match"):
        sdk_with(pki, registry).registry.verify_model(model_id)
