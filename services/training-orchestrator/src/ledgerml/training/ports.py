"""What the training use cases need from the outside world, named for the domain. Adapters in
`adapters/` implement them over Ray, MinIO and peer services; unit tests use hand-written fakes."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from ledgerml.shared.ledgerwrites import LedgerWrite
from ledgerml.shared.peers import Decision
from ledgerml.training.algorithms import Algorithm
from ledgerml.training.domain import Job, JobState

__all__ = ["AccessDecisions", "DatasetDirectory", "Decision", "JobStore", "LedgerWrites", "ModelStore",
           "PartnerOrchestrators", "RunOutputs", "RunSpec", "RunState", "RunStatus", "TrainingRunner"]


class RunStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"
    MISSING = "MISSING"  # the cluster has no run with this submission id


@dataclass(frozen=True)
class RunState:
    status: RunStatus
    message: str = ""


@dataclass(frozen=True)
class RunSpec:
    submission_id: str
    job_id: str
    algorithm: Algorithm
    hyperparameters: Mapping[str, Any]
    data: Sequence[str]  # "storage:<dataset>@<version>" or "file:<path>"
    secret_env: Mapping[str, str] = field(default_factory=dict, repr=False)  # never logged


@dataclass(frozen=True)
class RunOutputs:
    transcript: bytes
    weights: bytes


class TrainingRunner(Protocol):
    def submit(self, spec: RunSpec) -> bool:
        """Start the run unless one with this submission id exists; True when it started one now."""
        ...

    def state(self, submission_id: str) -> RunState: ...

    def progress(self, submission_id: str) -> list[dict[str, Any]]: ...

    def collect(self, submission_id: str) -> RunOutputs:
        """The finished run's transcript and weights; raises ResultRejected when they are missing."""
        ...

    def stop(self, submission_id: str) -> None: ...

    def discard(self, submission_id: str) -> None:
        """Forget the run's local outputs once they are safely stored."""
        ...


class ModelStore(Protocol):
    def put_model(self, weights: bytes) -> str:
        """Store by content address; returns the SHA-256 hex. Idempotent."""
        ...

    def get_model(self, sha256: str) -> bytes: ...

    def put_transcript(self, job_id: str, transcript: bytes) -> None: ...


class DatasetDirectory(Protocol):
    def owner_of(self, dataset_id: str) -> str | None:
        """The owner organisation per this organisation's registry; None when unknown."""
        ...


class AccessDecisions(Protocol):
    def decide(self, *, organisation: str, dataset_id: str, purpose: str) -> Decision: ...


class JobStore(Protocol):
    """This organisation's training jobs, bound to the use case's database transaction."""

    def insert(self, job: Job) -> bool:
        """False when a job with this id exists already (it is left untouched)."""
        ...

    def get(self, job_id: str) -> Job | None: ...

    def transition(self, job_id: str, *, expect: Collection[JobState], to: JobState) -> bool:
        """Move the job to `to` only if it is in one of `expect`; True when it moved."""
        ...


class LedgerWrites(Protocol):
    def enqueue(self, *, function: str, args: Sequence[str], subject: str) -> LedgerWrite:
        """Queue a ledger transaction with the current transaction's changes."""
        ...

    def about(self, subject: str) -> list[LedgerWrite]:
        """Every ledger write queued about `subject`, oldest first."""
        ...


class PartnerOrchestrators(Protocol):
    """The training service of another organisation, called as this organisation's service identity."""

    def job(self, org: str, job_id: str) -> dict[str, Any]: ...

    def progress(self, org: str, job_id: str) -> dict[str, Any]: ...

    def model(self, org: str, job_id: str) -> bytes: ...
