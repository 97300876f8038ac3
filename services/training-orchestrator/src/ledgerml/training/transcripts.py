"""Checking what a finished run hands back before anything about it reaches the ledger, and reading the
per-epoch progress lines a run prints (format: `ray_jobs/README.md`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledgerml.shared.merkle import root_of_entries
from ledgerml.training.domain import canonical_json, sha256_hex
from ledgerml.training.errors import ResultRejected

PROGRESS_PREFIX = "LMLPROGRESS "
ERROR_PREFIX = "LMLERROR "  # the algorithm's one-line reason for failing, written to be published
PROGRESS_FIELDS = ("epoch", "total_epochs", "loss", "accuracy", "validation_loss", "validation_accuracy")


@dataclass(frozen=True)
class VerifiedResult:
    model_sha256: str
    transcript_root: str
    metrics: dict[str, Any]
    metrics_hash: str
    progress: list[dict[str, Any]]


def verify_result(transcript: bytes, weights: bytes, *, job_id: str, code_hash: str,
                  hyperparameters_hash: str) -> VerifiedResult:
    """The transcript's root recomputes from its records, it was produced by this job with this code and
    these hyperparameters, and the weights are the final checkpoint it names."""
    try:
        document = json.loads(transcript)
        records: list[dict[str, Any]] = list(document["records"])
        claimed = str(document["merkle_root"])
        header, final = records[0], records[-1]
    except (ValueError, KeyError, IndexError, TypeError):
        raise ResultRejected("transcript is not a ledgerml.transcript.v1 document") from None
    root = root_of_entries(canonical_json(r) for r in records).hex()
    checks = {
        "transcript root recomputes": root == claimed,
        "header first, final last": header.get("kind") == "header" and final.get("kind") == "final",
        "job id matches": header.get("job_id") == job_id,
        "code hash matches the catalog": header.get("code_hash") == code_hash,
        "hyperparameters hash matches": header.get("hyperparameters_sha256") == hyperparameters_hash,
        "weights are the final checkpoint": sha256_hex(weights) == final.get("model_sha256"),
    }
    epochs = [r for r in records if r.get("kind") == "epoch"]
    if epochs:
        checks["last checkpoint is the model"] = epochs[-1].get("checkpoint_sha256") == final.get("model_sha256")
    metrics = final.get("metrics")
    checks["metrics hash matches"] = (isinstance(metrics, dict)
                                      and sha256_hex(canonical_json(metrics)) == final.get("metrics_sha256"))
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise ResultRejected("run result failed verification: " + ", ".join(failed))
    assert isinstance(metrics, dict)
    return VerifiedResult(model_sha256=sha256_hex(weights), transcript_root=root, metrics=metrics,
                          metrics_hash=sha256_hex(canonical_json(metrics)),
                          progress=[_progress(r) for r in epochs])


def _progress(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in PROGRESS_FIELDS}


def parse_progress(logs: str) -> list[dict[str, Any]]:
    """Epoch records from job logs; malformed or foreign lines are skipped, later epochs win."""
    by_epoch: dict[int, dict[str, Any]] = {}
    for line in logs.splitlines():
        _, found, payload = line.partition(PROGRESS_PREFIX)
        if not found:
            continue
        try:
            record = json.loads(payload)
            epoch = int(record["epoch"])
        except (ValueError, KeyError, TypeError):
            continue
        by_epoch[epoch] = _progress(record)
    return [by_epoch[e] for e in sorted(by_epoch)]


def parse_error(logs: str) -> str | None:
    """The last reason the algorithm gave for failing (`LMLERROR <text>`), one line, at most 200 characters."""
    found = [line.partition(ERROR_PREFIX)[2].strip() for line in logs.splitlines() if ERROR_PREFIX in line]
    reasons = [r for r in found if r]
    return " ".join(reasons[-1].split())[:200] if reasons else None
