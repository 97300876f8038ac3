"""The requesting organisation's side: validation before any ledger write, then ledger facts move the job."""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine

from ledgerml.shared.errors import PermissionDenied
from ledgerml.shared.events.schemas import TrainingAccepted, TrainingCompleted, TrainingFailed, TrainingRequested
from ledgerml.shared.identity import Principal, Role
from ledgerml.shared.ledgerwrites import ledger_writes_for
from ledgerml.training import service
from ledgerml.training.adapters.db import SqlJobs
from ledgerml.training.adapters.outboxes import SqlLedgerWrites
from ledgerml.training.algorithms import Catalog
from ledgerml.training.domain import DatasetRef, JobState
from ledgerml.training.errors import (
    AlgorithmCodeHashMismatch,
    InvalidDatasets,
    InvalidDeposit,
    InvalidHyperparameters,
    JobExists,
    JobNotCancellable,
    ModelIntegrityFailed,
    ModelNotReady,
    UnknownAlgorithm,
)

from .conftest import Deliver, Settle
from .fakes import CONSUMER, OWNER, FakeLedger, FakePartners, FakeStore

USER = Principal(org=CONSUMER, role=Role.CLIENT, subject="CN=User1@org2.ledgerml.test")
DATASETS = [DatasetRef("bc-train", "v1", OWNER)]
T = TypeVar("T")


def bound(use_case: Callable[..., T], engine: Engine, **kwargs: Any) -> T:
    """Call a use case as a route does: its adapters bound to one database transaction."""
    wanted = inspect.signature(use_case).parameters
    with engine.begin() as conn:
        ports = {"jobs": SqlJobs(conn), "writes": SqlLedgerWrites(conn)}
        return use_case(**{k: v for k, v in ports.items() if k in wanted}, **kwargs)


def submit(engine: Engine, catalog: Catalog, **overrides: Any) -> service.JobDetails:
    args: dict[str, Any] = {"catalog": catalog, "principal": USER, "org": CONSUMER,
                            "job_id": "job-1", "datasets": DATASETS, "algorithm": "tabular_classifier",
                            "algorithm_code_hash": None, "hyperparameters": {"epochs": 5}, "deposit": 10}
    return bound(service.submit_job, engine, **(args | overrides))


def count_writes(engine: Engine, job_id: str = "job-1") -> int:
    with engine.connect() as conn:
        return len(ledger_writes_for(conn, job_id))


def test_a_request_is_recorded_with_a_pending_request_training(engine: Engine, catalog: Catalog) -> None:
    details = submit(engine, catalog)
    assert details.job.state is JobState.REQUESTED and details.job.owner_org == OWNER
    assert details.job.hyperparameters is not None and details.job.hyperparameters["epochs"] == 5
    assert details.job.hyperparameters["batch_size"] == 32  # schema defaults are part of what is hashed
    (write,) = details.writes
    assert (write.function, write.state) == ("RequestTraining", "pending")
    assert json.loads(write.args[0]) == {
        "job_id": "job-1", "datasets": [{"dataset_id": "bc-train", "version": "v1"}],
        "algorithm": {"name": "tabular_classifier", "code_hash": catalog.get("tabular_classifier").code_hash},
        "hyperparameters_hash": details.job.hyperparameters_hash, "deposit": 10}


@pytest.mark.parametrize(("overrides", "error"), [
    ({"algorithm": "gpt-9"}, UnknownAlgorithm),
    ({"algorithm_code_hash": "ab" * 32}, AlgorithmCodeHashMismatch),
    ({"hyperparameters": {"epochs": 0}}, InvalidHyperparameters),
    ({"hyperparameters": {"epoch": 3}}, InvalidHyperparameters),
    ({"hyperparameters": {"learning_rate": "fast"}}, InvalidHyperparameters),
    ({"deposit": 0}, InvalidDeposit),
    ({"deposit": -5}, InvalidDeposit),
    ({"datasets": [DatasetRef("bc-train", "v1", CONSUMER)]}, InvalidDatasets),
    ({"datasets": [DatasetRef("a-1", "v1", OWNER), DatasetRef("b-1", "v1", "Org3MSP")]}, InvalidDatasets),
    ({"datasets": []}, InvalidDatasets),
])
def test_bad_requests_are_refused_before_any_ledger_write(engine: Engine, catalog: Catalog,
                                                          overrides: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        submit(engine, catalog, **overrides)
    assert count_writes(engine) == 0


def test_job_ids_are_unique_and_requests_come_from_our_own_org(engine: Engine, catalog: Catalog) -> None:
    submit(engine, catalog)
    with pytest.raises(JobExists):
        submit(engine, catalog)
    with pytest.raises(PermissionDenied):
        submit(engine, catalog, job_id="job-2", principal=Principal(OWNER, Role.CLIENT, "CN=x"))


def test_cancel_before_acceptance_queues_cancel_training(engine: Engine, catalog: Catalog, settle: Settle) -> None:
    submit(engine, catalog)
    details = bound(service.cancel_job, engine, principal=USER, org=CONSUMER, job_id="job-1")
    assert details.job.state is JobState.CANCELLING
    assert [w.function for w in details.writes] == ["RequestTraining", "CancelTraining"]
    with pytest.raises(JobNotCancellable):
        bound(service.cancel_job, engine, principal=USER, org=CONSUMER, job_id="job-1")
    settle()
    assert bound(service.get_job, engine, principal=USER, job_id="job-1", auditor_orgs=()).job.state \
        is JobState.CANCELLED


def test_refused_request_is_shown_as_rejected(engine: Engine, catalog: Catalog, settle: Settle) -> None:
    submit(engine, catalog)
    settle(RequestTraining="LML-CC-0007 no live grant")
    job = bound(service.get_job, engine, principal=USER, job_id="job-1", auditor_orgs=()).job
    assert job.state is JobState.REJECTED and "no live grant" in (job.failure_reason or "")


def test_ledger_events_drive_the_consumer_job(engine: Engine, catalog: Catalog, deliver: Deliver) -> None:
    job = submit(engine, catalog).job
    code = job.code_hash
    deliver(TrainingRequested(job_id="job-1", requester_org=CONSUMER, algorithm="tabular_classifier",
                              code_sha256=code, datasets=({"dataset_id": "bc-train", "version": "v1"},), deposit=10,
                              ledger_tx_id="tx-req"), org=CONSUMER)
    deliver(TrainingAccepted(job_id="job-1", executor_org=OWNER, ledger_tx_id="tx-acc"), org=CONSUMER)
    with pytest.raises(JobNotCancellable):
        bound(service.cancel_job, engine, principal=USER, org=CONSUMER, job_id="job-1")
    deliver(TrainingCompleted(job_id="job-1", model_sha256="cd" * 32, transcript_root="ef" * 32,
                              metrics={"validation_accuracy": 0.95}, ledger_tx_id="tx-ok"), org=CONSUMER)
    done = bound(service.get_job, engine, principal=USER, job_id="job-1", auditor_orgs=()).job
    assert (done.state, done.model_sha256, done.ledger_tx_id) == (JobState.SUCCEEDED, "cd" * 32, "tx-req")
    assert done.metrics == {"validation_accuracy": 0.95}


def test_failed_event_marks_the_job_failed(engine: Engine, catalog: Catalog, deliver: Deliver) -> None:
    submit(engine, catalog)
    deliver(TrainingFailed(job_id="job-1", reason="access denied for bc-train", ledger_tx_id="tx-f"), org=CONSUMER)
    job = bound(service.get_job, engine, principal=USER, job_id="job-1", auditor_orgs=()).job
    assert job.state is JobState.FAILED and job.failure_reason == "access denied for bc-train"


def test_model_download_checks_the_hash_on_record(engine: Engine, catalog: Catalog, deliver: Deliver) -> None:
    submit(engine, catalog)
    partners, store = FakePartners(models={"job-1": b"weights"}), FakeStore()
    with pytest.raises(ModelNotReady):
        bound(service.job_model, engine, store=store, partners=partners, principal=USER, org=CONSUMER, job_id="job-1")
    digest = hashlib.sha256(b"weights").hexdigest()
    deliver(TrainingCompleted(job_id="job-1", model_sha256=digest, transcript_root="ef" * 32, ledger_tx_id="t"),
            org=CONSUMER)
    assert bound(service.job_model, engine, store=store, partners=partners, principal=USER, org=CONSUMER,
                             job_id="job-1") == (b"weights", digest)
    partners.models["job-1"] = b"swapped"
    with pytest.raises(ModelIntegrityFailed):
        bound(service.job_model, engine, store=store, partners=partners, principal=USER, org=CONSUMER, job_id="job-1")


def test_credits_come_from_the_ledger_and_only_for_your_own_org() -> None:
    ledger = FakeLedger(balances={CONSUMER: 90})
    balance = service.credits_balance(ledger=ledger, principal=USER, org=CONSUMER, auditor_orgs=())
    assert (balance.org, balance.balance) == (CONSUMER, 90)
    with pytest.raises(PermissionDenied):
        service.credits_balance(ledger=ledger, principal=USER, org=OWNER, auditor_orgs=())
