"""`ledgerml training ...` and `ledgerml credits balance` through typer's CliRunner, the SDK talking to a
scripted training service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ledgerml.cli import main as cli_main
from ledgerml.client import LedgerML
from ledgerml.shared.errors import DependencyUnavailable

from .test_training_client import DIGEST, JOB, SUCCEEDED, WEIGHTS, ScriptedTraining, problem, sdk_with


@pytest.fixture
def run(pki: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    cli_main._register()
    monkeypatch.setattr("ledgerml.cli.training_cmds.FOLLOW_POLL_S", 0)

    def invoke(service: ScriptedTraining, *args: str) -> Any:
        sdk = sdk_with(pki, service)
        monkeypatch.setattr(LedgerML, "connect", classmethod(lambda cls, org="org1", **kw: sdk))
        return CliRunner().invoke(cli_main.app, list(args))

    return invoke


def test_submit_parses_datasets_and_params(run: Any) -> None:
    service = ScriptedTraining({"POST /jobs": lambda r: httpx.Response(202, json=JOB)})
    result = run(service, "training", "submit", "-d", "bc-train@v1:org1", "--algorithm", "tabular_classifier",
                 "--deposit", "10", "-p", "epochs=3", "-p", "learning_rate=0.05", "--params", '{"seed": 7}')
    assert result.exit_code == 0, result.output
    body = json.loads(service.seen[0].content)
    assert body["hyperparameters"] == {"seed": 7, "epochs": 3, "learning_rate": 0.05}
    assert body["datasets"][0]["owner_org"] == "Org1MSP"
    assert "requested" in result.output and "LML-5004" in result.output


def test_status_follow_shows_epochs_until_done(run: Any) -> None:
    states = iter(["accepted", "succeeded"])

    def progress(_: httpx.Request) -> httpx.Response:
        epochs = [{"epoch": e, "loss": 1 / e, "accuracy": 0.9} for e in (1, 2)]
        return httpx.Response(200, json={"job_id": "job-1", "state": next(states), "epochs": epochs,
                                         "epochs_done": 2, "total_epochs": 2})

    service = ScriptedTraining({"GET /jobs/job-1/progress": progress,
                                "GET /jobs/job-1": lambda r: httpx.Response(200, json=SUCCEEDED)})
    result = run(service, "training", "status", "job-1", "--follow")
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.output and DIGEST in result.output
    assert [r.url.path for r in service.seen].count("/jobs/job-1/progress") == 2


def test_fetch_model_writes_verified_weights(run: Any, tmp_path: Path) -> None:
    service = ScriptedTraining({"GET /jobs/job-1": lambda r: httpx.Response(200, json=SUCCEEDED),
                                "GET /jobs/job-1/model": lambda r: httpx.Response(200, content=WEIGHTS)})
    result = run(service, "--json", "training", "fetch-model", "job-1", "--out", str(tmp_path / "w.bin"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["sha256"] == DIGEST and (tmp_path / "w.bin").read_bytes() == WEIGHTS


def test_a_mismatching_model_is_not_written_and_exits_1(pki: Path, monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    service = ScriptedTraining({"GET /jobs/job-1": lambda r: httpx.Response(200, json=SUCCEEDED),
                                "GET /jobs/job-1/model": lambda r: httpx.Response(200, content=b"tampered")})
    sdk = sdk_with(pki, service)
    monkeypatch.setattr(LedgerML, "connect", classmethod(lambda cls, org="org1", **kw: sdk))
    assert cli_main.main(["training", "fetch-model", "job-1", "--out", str(tmp_path / "w.bin")]) == 1
    assert "LML-7414" in capsys.readouterr().err and not (tmp_path / "w.bin").exists()


def test_cancel_algorithms_and_credits(run: Any) -> None:
    service = ScriptedTraining({
        "POST /jobs/job-1/cancel": lambda r: httpx.Response(202, json=JOB | {"state": "cancelling"}),
        "GET /algorithms": lambda r: httpx.Response(200, json={"items": [{
            "name": "tabular_classifier", "version": "1.0.0", "code_hash": "c0" * 32, "description": "MLP",
            "parameters": {"properties": {"epochs": {"default": 20}}}}]}),
        "GET /credits/Org2MSP": lambda r: problem(503, "LML-5004", "no Fabric ledger is configured")})
    assert "cancelling" in run(service, "training", "cancel", "job-1").output
    listed = run(service, "training", "algorithms")
    assert "c0" * 32 in listed.output and "epochs=20" in listed.output
    balance = run(service, "credits", "balance")
    assert balance.exit_code != 0 and isinstance(balance.exception, DependencyUnavailable)
    assert "no Fabric ledger" in balance.exception.detail
