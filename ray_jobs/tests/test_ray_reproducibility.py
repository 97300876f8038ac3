"""Through the real Ray Jobs API: the entrypoint runs twice from the same seed on the test stack's Ray
(CPU, no GPU there, so it must not wait for one) and produces identical checkpoint hashes and a model
well above chance on the held-out split."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from pathlib import Path

import pytest

from ray_jobs.data import HELDOUT_FILE, TRAIN_FILE, write_breast_cancer
from ray_jobs.tabular_classifier.sources import parse_tables
from ray_jobs.tabular_classifier.train import evaluate

pytestmark = pytest.mark.integration
ALGORITHM = Path(__file__).resolve().parents[1] / "tabular_classifier"
TERMINAL = {"SUCCEEDED", "FAILED", "STOPPED"}


def submit_and_wait(client: object, *, data: Path, out: Path, timeout_s: float = 150) -> str:
    from ray.job_submission import JobSubmissionClient

    assert isinstance(client, JobSubmissionClient)
    params = base64.b64encode(json.dumps({"epochs": 5, "seed": 3}).encode()).decode()
    sid = f"lml-test-repro-{uuid.uuid4().hex[:12]}"
    client.submit_job(
        submission_id=sid, entrypoint_num_cpus=1, runtime_env={"py_modules": [str(ALGORITHM)]},
        entrypoint=(f"python -m tabular_classifier train --job-id job-repro --code-hash {'c0' * 32} "
                    f"--hyperparameters-b64 {params} --data file:{data / TRAIN_FILE} --output-dir {out} "
                    "--runtime ray"))
    deadline = time.monotonic() + timeout_s
    while (status := str(client.get_job_status(sid).value)) not in TERMINAL:
        if time.monotonic() > deadline:
            client.stop_job(sid)
            pytest.fail(f"Ray run {sid} did not finish within {timeout_s} s")
        time.sleep(0.5)  # poll
    assert status == "SUCCEEDED", client.get_job_logs(sid)[-3000:]
    return str(client.get_job_logs(sid))


def test_two_runs_through_the_jobs_api_agree(stack_env: dict[str, str], tmp_path: Path) -> None:
    from ray.job_submission import JobSubmissionClient

    client = JobSubmissionClient(os.environ["LEDGERML_RAY_ADDRESS"])
    write_breast_cancer(tmp_path / "data")
    logs = [submit_and_wait(client, data=tmp_path / "data", out=tmp_path / run) for run in ("a", "b")]
    documents = [json.loads((tmp_path / run / "transcript.json").read_bytes()) for run in ("a", "b")]
    hashes = [[r["checkpoint_sha256"] for r in d["records"] if r["kind"] == "epoch"] for d in documents]
    assert len(hashes[0]) == 5 and hashes[0] == hashes[1]
    assert documents[0]["merkle_root"] == documents[1]["merkle_root"]
    assert documents[0]["records"][0]["device"] == "cpu" and "LMLPROGRESS" in logs[0]
    weights = (tmp_path / "a" / "weights.bin").read_bytes()
    held = evaluate(weights, [parse_tables([(tmp_path / "data" / HELDOUT_FILE).read_bytes()], target="target")])
    assert held["accuracy"] > 0.9
