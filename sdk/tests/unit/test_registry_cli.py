"""`ledgerml datasets create|list|search|show` and `ledgerml models show|verify`, with the SDK talking
to a scripted registry (httpx.MockTransport)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ledgerml.cli import main as cli_main
from ledgerml.client import LedgerML

from .test_registry_client import DATASET, ScriptedRegistry, problem, sdk_with

MODEL_ID = "ab" * 32
VERSION = {"version": "v1", "merkle_root": "cd" * 32, "size_bytes": 10, "chunk_count": 1, "chunk_size": 10,
           "stored_at": "2026-11-23T12:00:00Z",
           "ledger": {"state": "committed", "tx_id": "tx9", "block_number": 4, "error_code": None,
                      "error_detail": None}}



@pytest.fixture
def run(pki: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    cli_main._register()

    def invoke(registry: ScriptedRegistry, *args: str) -> Any:
        sdk = sdk_with(pki, registry)
        monkeypatch.setattr(LedgerML, "connect", classmethod(lambda cls, org="org1", **kw: sdk))
        return CliRunner().invoke(cli_main.app, list(args))

    return invoke


def test_create_sends_columns_tags_and_price(run: Any) -> None:
    registry = ScriptedRegistry({"POST /datasets": lambda r: httpx.Response(202, json=DATASET)})
    result = run(registry, "--json", "datasets", "create", "Chest X-rays", "-c", "label=categorical", "--terms",
                 "research", "-t", "medical", "--price", "40", "--id", "cxr")
    assert result.exit_code == 0, result.output
    assert json.loads(registry.seen[0].content)["schema"] == {"label": "categorical"}
    assert json.loads(result.output)["dataset_id"] == "cxr"
    bad = run(registry, "datasets", "create", "X", "-c", "label", "--terms", "t")
    assert bad.exit_code != 0 and len(registry.seen) == 1


def test_list_and_search_print_the_catalog(run: Any) -> None:
    page = {"items": [{**DATASET, "dataset_id": "cxr"}, {**DATASET, "dataset_id": "ecg"}], "next_cursor": None}
    registry = ScriptedRegistry({"GET /datasets": lambda r: httpx.Response(200, json=page)})
    listed = run(registry, "datasets", "list", "--owner", "Org1MSP")
    assert listed.exit_code == 0 and "cxr" in listed.output and "ecg" in listed.output
    assert registry.seen[0].url.params["owner"] == "Org1MSP"
    found = run(registry, "--json", "datasets", "search", "x-ray", "--column", "label", "--limit", "1")
    assert [d["dataset_id"] for d in json.loads(found.output)] == ["cxr"]
    assert registry.seen[-1].url.params["q"] == "x-ray" and registry.seen[-1].url.params["column"] == "label"


def test_show_prints_versions_with_their_ledger_transaction(run: Any) -> None:
    registry = ScriptedRegistry({"GET /datasets/cxr": lambda r: httpx.Response(200, json={**DATASET,
                                                                                          "versions": [VERSION]})})
    shown = run(registry, "datasets", "show", "cxr")
    assert shown.exit_code == 0, shown.output
    assert "LML-5004" in shown.output and "tx9" in shown.output and "cd" * 32 in shown.output


def test_models_show_and_verify(run: Any) -> None:
    model = {"model_id": MODEL_ID, "job_id": "job-1", "inputs": [{"dataset_id": "cxr", "version": "v1",
                                                                  "merkle_root": "cd" * 32, "owner_org": "Org1MSP"}],
             "ledger": {"tx_id": "tx5", "block_number": None}}
    mismatch = {"model_id": MODEL_ID, "verified": False, "ledger_checks": [],
                "local_checks": [{"field": "metrics_hash", "status": "mismatch", "expected": "a", "actual": "b"}],
                "ledger": {"available": True, "error_code": None, "error_detail": None}}
    registry = ScriptedRegistry({
        f"GET /models/{MODEL_ID}": lambda r: httpx.Response(200, json=model),
        f"GET /models/{MODEL_ID}/verify": lambda r: httpx.Response(200, json=mismatch)})
    shown = run(registry, "models", "show", MODEL_ID)
    assert shown.exit_code == 0 and "job-1" in shown.output and "cxr@v1" in shown.output
    verified = run(registry, "models", "verify", MODEL_ID)
    assert verified.exit_code == 1 and "NOT verified" in verified.output and "metrics_hash" in verified.output


def test_verify_without_a_ledger_exits_1_with_the_code(pki: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    registry = ScriptedRegistry({f"GET /models/{MODEL_ID}/verify": lambda r: problem(
        503, "LML-5004", "the ledger comparison is unavailable (LML-5004); local checks: 2 match")})
    sdk = sdk_with(pki, registry)
    monkeypatch.setattr(LedgerML, "connect", classmethod(lambda cls, org="org1", **kw: sdk))
    assert cli_main.main(["models", "verify", MODEL_ID]) == 1
    assert "local checks: 2 match" in capsys.readouterr().err
