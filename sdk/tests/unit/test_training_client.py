"""`TrainingClient` against a scripted training service (httpx.MockTransport): bodies, coded errors, the
model hash check, following progress, credits."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerml.client import LedgerML
from ledgerml.client.connection import connect
from ledgerml.client.training import ModelHashMismatch, dataset_ref
from ledgerml.shared.errors import DependencyUnavailable, LedgerMLError
from ledgerml.shared.web.client import ServiceClient

from .scripted import ScriptedService as ScriptedTraining
from .scripted import problem

Route = Callable[[httpx.Request], httpx.Response]
WEIGHTS = b"LMLW1\nweights"
DIGEST = hashlib.sha256(WEIGHTS).hexdigest()
LEDGER = {"state": "pending", "tx_id": None, "block_number": None, "error_code": "LML-5004", "error_detail": "x"}
JOB: dict[str, Any] = {
    "job_id": "job-1", "role": "consumer", "state": "requested", "note": "a ledger write is pending (LML-5004)",
    "requester_org": "Org2MSP", "owner_org": "Org1MSP",
    "datasets": [{"dataset_id": "bc-train", "version": "v1", "owner_org": "Org1MSP"}],
    "algorithm": {"name": "tabular_classifier", "code_hash": "c0" * 32}, "hyperparameters": {"epochs": 3},
    "hyperparameters_hash": "f0" * 32, "deposit": 10, "submission_id": None, "progress": {"epochs_done": 0},
    "model": None, "failure_reason": None, "ledger_tx_id": None, "created_at": "2030-01-01T00:00:00+00:00",
    "updated_at": "2030-01-01T00:00:00+00:00", "ledger": LEDGER, "ledger_writes": [{"function": "RequestTraining",
                                                                                     **LEDGER}]}
SUCCEEDED = JOB | {"state": "succeeded", "model": {"sha256": DIGEST, "transcript_root": "ab" * 32,
                                                   "metrics": {"validation_accuracy": 0.96}, "metrics_hash": "cd" * 32}}





def sdk_with(pki: Path, service: ScriptedTraining) -> LedgerML:
    conn = connect("org2", pki_root=pki, endpoints={})
    conn._clients[("Org2MSP", "training-orchestrator")] = ServiceClient(
        base_url="http://org2msp.test", audience="training-orchestrator", identity=conn.identity,
        transport=httpx.MockTransport(service))
    return LedgerML(conn)


def test_submit_posts_the_contract_body(pki: Path) -> None:
    service = ScriptedTraining({"POST /jobs": lambda r: httpx.Response(202, json=JOB)})
    job = sdk_with(pki, service).training.submit(datasets=[dataset_ref("bc-train@v1:org1")],
                                                 algorithm="tabular_classifier", deposit=10,
                                                 hyperparameters={"epochs": 3}, job_id="job-1")
    assert job["ledger"]["error_code"] == "LML-5004"
    assert json.loads(service.seen[0].content) == {
        "datasets": [{"dataset_id": "bc-train", "version": "v1", "owner_org": "Org1MSP"}],
        "algorithm": "tabular_classifier", "deposit": 10, "hyperparameters": {"epochs": 3}, "job_id": "job-1"}
    assert service.seen[0].headers["authorization"].startswith("Bearer ")


def test_training_errors_keep_their_code(pki: Path) -> None:
    service = ScriptedTraining({"POST /jobs": lambda r: problem(422, "LML-7402", "epochs: must be >= 1"),
                                "GET /credits/Org2MSP": lambda r: problem(503, "LML-5004", "no ledger")})
    sdk = sdk_with(pki, service)
    with pytest.raises(LedgerMLError) as refused:
        sdk.training.submit(datasets=[dataset_ref("bc-train@v1:org1")], algorithm="tabular_classifier", deposit=1)
    assert refused.value.code == "LML-7402" and "epochs" in refused.value.detail
    with pytest.raises(DependencyUnavailable):
        sdk.training.credits()
    with pytest.raises(LedgerMLError, match="DATASET@VERSION:OWNER"):
        dataset_ref("bc-train:org1")


def test_fetch_model_checks_the_recorded_hash(pki: Path) -> None:
    answer = {"body": WEIGHTS}
    service = ScriptedTraining({
        "GET /jobs/job-1": lambda r: httpx.Response(200, json=SUCCEEDED),
        "GET /jobs/job-1/model": lambda r: httpx.Response(200, content=answer["body"],
                                                          headers={"x-ledgerml-model-sha256": DIGEST})})
    sdk = sdk_with(pki, service)
    assert sdk.training.fetch_model("job-1") == (WEIGHTS, DIGEST)
    answer["body"] = b"LMLW1\nother weights"
    with pytest.raises(ModelHashMismatch):
        sdk.training.fetch_model("job-1")


def test_wait_follows_progress_to_a_final_state(pki: Path) -> None:
    states = iter(["accepted", "accepted", "succeeded"])

    def progress(_: httpx.Request) -> httpx.Response:
        current = next(states)
        epochs = [{"epoch": 1, "loss": 0.4, "accuracy": 0.9}] if current != "accepted" else []
        return httpx.Response(200, json={"job_id": "job-1", "state": current, "epochs": epochs,
                                         "epochs_done": len(epochs), "total_epochs": 1})

    seen: list[str] = []
    sdk = sdk_with(pki, ScriptedTraining({"GET /jobs/job-1/progress": progress}))
    last = sdk.training.wait("job-1", on_progress=lambda p: seen.append(p["state"]), poll_s=0)
    assert seen == ["accepted", "accepted", "succeeded"] and last["epochs_done"] == 1


def test_algorithms_curve_and_credits_paths(pki: Path) -> None:
    service = ScriptedTraining({
        "GET /algorithms": lambda r: httpx.Response(200, json={"items": [{"name": "tabular_classifier"}]}),
        "GET /jobs/job-1/curve.png": lambda r: httpx.Response(200, content=b"\x89PNG..."),
        "GET /credits/Org1MSP": lambda r: httpx.Response(200, json={"org": "Org1MSP", "balance": 5})})
    sdk = sdk_with(pki, service)
    assert sdk.training.algorithms() == [{"name": "tabular_classifier"}]
    assert sdk.training.curve("job-1").startswith(b"\x89PNG")
    assert sdk.training.credits("org1") == {"org": "Org1MSP", "balance": 5}
