"""Checking a finished run's transcript and weights, and reading progress lines from job logs."""

from __future__ import annotations

import json

import pytest

from ledgerml.training.errors import ResultRejected
from ledgerml.training.transcripts import parse_error, parse_progress, verify_result

from .fakes import make_result

CODE, HP = "c0" * 32, "f0" * 32


def test_a_consistent_result_verifies() -> None:
    outputs = make_result(job_id="job-1", code_hash=CODE, hyperparameters_hash=HP)
    result = verify_result(outputs.transcript, outputs.weights, job_id="job-1", code_hash=CODE,
                           hyperparameters_hash=HP)
    assert result.transcript_root == json.loads(outputs.transcript)["merkle_root"]
    assert [p["epoch"] for p in result.progress] == [1, 2, 3] and result.metrics["epochs"] == 3


@pytest.mark.parametrize(("change", "reason"), [
    ({"job_id": "job-2"}, "job id matches"),
    ({"code_hash": "d0" * 32}, "code hash matches the catalog"),
    ({"hyperparameters_hash": "e0" * 32}, "hyperparameters hash matches"),
])
def test_a_result_from_another_job_code_or_parameters_is_rejected(change: dict[str, str], reason: str) -> None:
    outputs = make_result(job_id="job-1", code_hash=CODE, hyperparameters_hash=HP)
    expected = {"job_id": "job-1", "code_hash": CODE, "hyperparameters_hash": HP} | change
    with pytest.raises(ResultRejected, match=reason):
        verify_result(outputs.transcript, outputs.weights, **expected)


def test_an_edited_record_breaks_the_root() -> None:
    outputs = make_result(job_id="job-1", code_hash=CODE, hyperparameters_hash=HP)
    document = json.loads(outputs.transcript)
    document["records"][1]["loss"] = 0.0001  # a nicer loss curve, after the fact
    with pytest.raises(ResultRejected, match="transcript root recomputes"):
        verify_result(json.dumps(document).encode(), outputs.weights, job_id="job-1", code_hash=CODE,
                      hyperparameters_hash=HP)
    with pytest.raises(ResultRejected, match=r"not a ledgerml\.transcript\.v1"):
        verify_result(b"{}", outputs.weights, job_id="job-1", code_hash=CODE, hyperparameters_hash=HP)


def test_progress_lines_are_read_from_logs_skipping_noise() -> None:
    logs = "\n".join([
        "2026-01-01 INFO worker.py -- Connecting to existing Ray cluster",
        'LMLPROGRESS {"epoch":1,"total_epochs":2,"loss":0.5,"accuracy":0.8}',
        "LMLPROGRESS {not json",
        '(train pid=12) LMLPROGRESS {"epoch":2,"total_epochs":2,"loss":0.25,"accuracy":0.9}',
    ])
    assert parse_progress(logs) == [
        {"epoch": 1, "total_epochs": 2, "loss": 0.5, "accuracy": 0.8, "validation_loss": None,
         "validation_accuracy": None},
        {"epoch": 2, "total_epochs": 2, "loss": 0.25, "accuracy": 0.9, "validation_loss": None,
         "validation_accuracy": None}]


def test_the_algorithms_own_failure_reason_is_read_from_its_logs() -> None:
    logs = ("Traceback (most recent call last):\nLMLERROR data source: first\nnoise\n"
            "LMLERROR   data source:   target column 'nope' not in the CSV header  \n")
    assert parse_error(logs) == "data source: target column 'nope' not in the CSV header"
    assert parse_error("Job entrypoint command failed with exit code 1\nLMLERROR \n") is None
    assert len(parse_error("LMLERROR " + "x" * 500) or "") == 200
