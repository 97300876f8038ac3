"""Hand-written fakes of the training service's ports (no MagicMock), and a valid run result."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ledgerml.shared.errors import LedgerError, NotFound
from ledgerml.shared.ledger import ChaincodeEvent, TxReceipt
from ledgerml.shared.merkle import root_of_entries
from ledgerml.training.domain import canonical_json, sha256_hex
from ledgerml.training.ports import Decision, RunOutputs, RunSpec, RunState, RunStatus

OWNER, CONSUMER, AUDITOR = "Org1MSP", "Org2MSP", "Org3MSP"


def make_result(*, job_id: str, code_hash: str, hyperparameters_hash: str, epochs: int = 3,
                weights: bytes = b"final-weights") -> RunOutputs:
    """A transcript shaped like ray_jobs/tabular_classifier writes it, over `weights` as the final model."""
    model = sha256_hex(weights)
    records: list[dict[str, Any]] = [{"kind": "header", "job_id": job_id, "code_hash": code_hash,
                                      "hyperparameters_sha256": hyperparameters_hash, "seed": 0}]
    for epoch in range(1, epochs + 1):
        checkpoint = model if epoch == epochs else sha256_hex(b"ckpt-%d" % epoch)
        records.append({"kind": "epoch", "epoch": epoch, "total_epochs": epochs, "loss": 1.0 / epoch,
                        "accuracy": 0.5 + epoch / 10, "validation_loss": None, "validation_accuracy": None,
                        "checkpoint_sha256": checkpoint, "batch_order_sha256": sha256_hex(b"order-%d" % epoch)})
    metrics = {"train_accuracy": 0.8, "epochs": epochs}
    records.append({"kind": "final", "model_sha256": model, "metrics": metrics,
                    "metrics_sha256": sha256_hex(canonical_json(metrics)), "batch_order_sha256": "0" * 64})
    root = root_of_entries(canonical_json(r) for r in records).hex()
    return RunOutputs(transcript=canonical_json({"records": records, "merkle_root": root}), weights=weights)


@dataclass
class FakeRunner:
    """A Ray cluster in a dict: runs move only when the test says so."""

    runs: dict[str, RunState] = field(default_factory=dict)
    specs: list[RunSpec] = field(default_factory=list)
    outputs: dict[str, RunOutputs] = field(default_factory=dict)
    progress_by_run: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stopped: list[str] = field(default_factory=list)
    discarded: list[str] = field(default_factory=list)

    def submit(self, spec: RunSpec) -> bool:
        if spec.submission_id in self.runs:
            return False
        self.specs.append(spec)
        self.runs[spec.submission_id] = RunState(RunStatus.PENDING)
        return True

    def state(self, submission_id: str) -> RunState:
        return self.runs.get(submission_id, RunState(RunStatus.MISSING))

    def progress(self, submission_id: str) -> list[dict[str, Any]]:
        return list(self.progress_by_run.get(submission_id, []))

    def collect(self, submission_id: str) -> RunOutputs:
        return self.outputs[submission_id]

    def stop(self, submission_id: str) -> None:
        self.stopped.append(submission_id)
        if submission_id in self.runs:
            self.runs[submission_id] = RunState(RunStatus.STOPPED, "stopped")

    def discard(self, submission_id: str) -> None:
        self.discarded.append(submission_id)

    def finish(self, submission_id: str, outputs: RunOutputs) -> None:
        self.runs[submission_id] = RunState(RunStatus.SUCCEEDED, "done")
        self.outputs[submission_id] = outputs


@dataclass
class FakeStore:
    models: dict[str, bytes] = field(default_factory=dict)
    transcripts: dict[str, bytes] = field(default_factory=dict)

    def put_model(self, weights: bytes) -> str:
        digest = hashlib.sha256(weights).hexdigest()
        self.models[digest] = weights
        return digest

    def get_model(self, sha256: str) -> bytes:
        return self.models[sha256]

    def put_transcript(self, job_id: str, transcript: bytes) -> None:
        self.transcripts[job_id] = transcript


@dataclass
class FakeDirectory:
    owners: dict[str, str] = field(default_factory=dict)

    def owner_of(self, dataset_id: str) -> str | None:
        return self.owners.get(dataset_id)


@dataclass
class FakeDecisions:
    allow: bool = True
    reason: str = "grant g-1 allows train"
    asked: list[tuple[str, str, str]] = field(default_factory=list)

    def decide(self, *, organisation: str, dataset_id: str, purpose: str) -> Decision:
        self.asked.append((organisation, dataset_id, purpose))
        return Decision(self.allow, self.reason)


@dataclass
class FakePartners:
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress_by_job: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, bytes] = field(default_factory=dict)

    def job(self, org: str, job_id: str) -> dict[str, Any]:
        if job_id not in self.jobs:
            raise NotFound(f"training-orchestrator: no training job {job_id!r} here")
        return self.jobs[job_id]

    def progress(self, org: str, job_id: str) -> dict[str, Any]:
        return self.progress_by_job[job_id]

    def model(self, org: str, job_id: str) -> bytes:
        return self.models[job_id]


@dataclass
class FakeLedger:
    """The `Ledger` port for unit tests: commits every write, or refuses the functions in `refuse`."""

    refuse: dict[str, str] = field(default_factory=dict)  # function -> chaincode error text
    submitted: list[tuple[str, list[str]]] = field(default_factory=list)
    balances: dict[str, int] = field(default_factory=dict)

    def submit(self, function: str, args: Sequence[str], *,
               idempotency_key: str | None = None) -> TxReceipt:
        self.submitted.append((function, list(args)))
        if function in self.refuse:
            raise LedgerError(self.refuse[function], tx_id=f"tx-{len(self.submitted)}")
        return TxReceipt(tx_id=f"tx-{len(self.submitted)}", block_number=len(self.submitted))

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        return canonical_json({"org": args[0], "balance": self.balances.get(args[0], 0)})

    def events(self, *, start_block: int) -> Any:
        return iter(list[ChaincodeEvent]())


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
