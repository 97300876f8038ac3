"""Pure domain model of the training service: training jobs, their states and their ledger arguments.

One table of jobs serves both sides of compute-to-data: `consumer` jobs were requested here and run at
the data owner; `executor` jobs are requests seen on the ledger for datasets this organisation owns,
run here on Ray. Imports no FastAPI, Kafka, SQLAlchemy, MinIO, Ray or gRPC.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ledgerml.training.errors import InvalidDatasets, InvalidDeposit, InvalidJobId

JOB_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
MAX_DATASETS = 16  # the chaincode's MaxDatasets
MAX_AMOUNT = 2**63 - 1  # the chaincode's credits.MaxAmount
LEDGER_NOT_CONFIGURED = "LML-5004"


def canonical_json(value: Any) -> bytes:
    """The bytes every hash in LedgerML's training is taken over (same as the ray_jobs entrypoint)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class JobRole(StrEnum):
    CONSUMER = "consumer"  # we asked for training on another organisation's data
    EXECUTOR = "executor"  # another organisation asked; we own the data and run it


class JobState(StrEnum):
    # consumer side
    REQUESTED = "requested"  # RequestTraining queued or committed; waiting for the owner
    REJECTED = "rejected"  # the ledger refused RequestTraining
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    # executor side
    RECEIVED = "received"  # TrainingRequested seen; ownership, spec and grant not checked yet
    NOT_OURS = "not_ours"  # none of its datasets is ours: nothing to do
    ACCEPTING = "accepting"  # AcceptTraining queued
    SUBMITTING = "submitting"  # submission id recorded; Ray submission in flight
    RUNNING = "running"
    REPORTING = "reporting"  # SubmitTrainingResult queued
    FAILING = "failing"  # FailTraining queued (refund)
    HALTING = "halting"  # the ledger ended the job while Ray may still run it: stop it
    ABANDONED = "abandoned"  # the ledger refused our AcceptTraining (cancelled or expired first)
    # both
    ACCEPTED = "accepted"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINAL = frozenset({JobState.REJECTED, JobState.CANCELLED, JobState.NOT_OURS, JobState.ABANDONED,
                   JobState.SUCCEEDED, JobState.FAILED})
EXECUTOR_OPEN = frozenset({JobState.RECEIVED, JobState.ACCEPTING, JobState.ACCEPTED, JobState.SUBMITTING,
                           JobState.RUNNING})
RAY_MAY_RUN = frozenset({JobState.SUBMITTING, JobState.RUNNING})


@dataclass(frozen=True)
class DatasetRef:
    dataset_id: str
    version: str
    owner_org: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"dataset_id": self.dataset_id, "version": self.version, "owner_org": self.owner_org}


@dataclass(frozen=True)
class Job:
    job_id: str
    role: JobRole
    state: JobState
    requester_org: str
    owner_org: str | None
    algorithm: str
    code_hash: str
    datasets: tuple[DatasetRef, ...]
    deposit: int
    created_at: datetime
    updated_at: datetime
    hyperparameters: Mapping[str, Any] | None = None
    hyperparameters_hash: str | None = None
    submission_id: str | None = None
    started_at: datetime | None = None
    model_sha256: str | None = None
    transcript_root: str | None = None
    metrics: Mapping[str, Any] | None = None
    metrics_hash: str | None = None
    progress: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    failure_reason: str | None = None
    ledger_tx_id: str | None = None


def check_job_id(job_id: str) -> str:
    if not JOB_ID.match(job_id):
        raise InvalidJobId(f"job_id {job_id!r} must match {JOB_ID.pattern} (lower-case letters, digits, '-')")
    return job_id


def check_deposit(deposit: int) -> int:
    if isinstance(deposit, bool) or not isinstance(deposit, int) or deposit <= 0:
        raise InvalidDeposit(f"deposit must be a positive integer number of credits, got {deposit!r}")
    if deposit > MAX_AMOUNT:
        raise InvalidDeposit(f"deposit must not exceed {MAX_AMOUNT}")
    return deposit


def check_datasets(datasets: Sequence[DatasetRef], *, requester_org: str) -> str:
    """Returns the single owner organisation; the chaincode refuses multi-owner jobs for now."""
    if not 1 <= len(datasets) <= MAX_DATASETS:
        raise InvalidDatasets(f"a job needs 1 to {MAX_DATASETS} datasets, got {len(datasets)}")
    ids = [d.dataset_id for d in datasets]
    if len(set(ids)) != len(ids):
        raise InvalidDatasets("a dataset is listed twice; list each dataset once")
    owners = {d.owner_org for d in datasets}
    if len(owners) != 1 or None in owners:
        raise InvalidDatasets("all datasets of one job must name the same owner_org (multi-owner jobs are "
                              f"not supported yet), got {sorted(str(o) for o in owners)}")
    owner = str(owners.pop())
    if owner == requester_org:
        raise InvalidDatasets(f"{owner} owns these datasets; training on your own data needs no job")
    return owner


def submission_id_for(org: str, job_id: str) -> str:
    """Deterministic Ray submission id: a restarted orchestrator finds the same run, never a second one."""
    return f"lml-{org}-{job_id}"


# Ledger arguments (chaincode/internal/core/training: RequestInput, ResultInput; plain ids otherwise).
def request_training_args(job: Job) -> list[str]:
    payload = {"job_id": job.job_id, "datasets": [{"dataset_id": d.dataset_id, "version": d.version}
                                                  for d in job.datasets],
               "algorithm": {"name": job.algorithm, "code_hash": job.code_hash},
               "hyperparameters_hash": job.hyperparameters_hash, "deposit": job.deposit}
    return [canonical_json(payload).decode()]


def result_args(job_id: str, *, model_sha256: str, transcript_root: str, metrics_hash: str) -> list[str]:
    return [canonical_json({"job_id": job_id, "model_hash": model_sha256, "transcript_root": transcript_root,
                            "metrics_hash": metrics_hash}).decode()]


def fail_reason(text: str) -> str:
    """FailTraining reasons are public on the channel: short, one line, no payloads."""
    return " ".join(text.split())[:300] or "training failed"


def status_note(job: Job, pending_code: str | None) -> str | None:
    """What a user should know that the state alone does not say."""
    if pending_code == LEDGER_NOT_CONFIGURED:
        return ("a ledger write for this job is pending: no ledger endpoint is configured for this service "
                "(LML-5004); the job cannot move on until the write commits")
    if job.state is JobState.REQUESTED:
        return "waiting for the data owner to accept the job on the ledger"
    return None
