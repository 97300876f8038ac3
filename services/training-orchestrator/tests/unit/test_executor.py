"""The data owner's state machine end to end with fakes: ledger events in, ledger writes out, fake Ray."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine

from ledgerml.shared.events.schemas import DatasetVersionRef, TrainingAccepted, TrainingFailed, TrainingRequested
from ledgerml.shared.ledgerwrites import ledger_writes_for
from ledgerml.training.adapters import db
from ledgerml.training.algorithms import Catalog, hyperparameters_hash, resolve_hyperparameters
from ledgerml.training.domain import Job, JobState
from ledgerml.training.errors import CatalogInvalid, InvalidHyperparameters
from ledgerml.training.executor import ExecutorPorts, tick
from ledgerml.training.ports import RunState, RunStatus

from .conftest import Deliver, Settle
from .fakes import CONSUMER, OWNER, FakeDecisions, FakeDirectory, FakePartners, FakeRunner, FakeStore, make_result

SID = "lml-org1-job-1"


def requested(catalog: Catalog, *, job_id: str = "job-1", code_hash: str | None = None,
              algorithm: str = "tabular_classifier") -> TrainingRequested:
    return TrainingRequested(job_id=job_id, requester_org=CONSUMER, algorithm=algorithm,
                             code_sha256=code_hash or catalog.get("tabular_classifier").code_hash,
                             datasets=(DatasetVersionRef(dataset_id="bc-train", version="v1"),), deposit=10,
                             ledger_tx_id="tx-req")


def owned_request(ports: ExecutorPorts, catalog: Catalog, deliver: Deliver,
                  params: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """Org1 owns bc-train; Org2's service answers the job spec; the request event arrives."""
    assert isinstance(ports.directory, FakeDirectory) and isinstance(ports.partners, FakePartners)
    ports.directory.owners["bc-train"] = OWNER
    given = params if params is not None else {"epochs": 3}
    try:
        resolved = resolve_hyperparameters(catalog.get("tabular_classifier"), given)
    except InvalidHyperparameters:
        resolved = dict(given)  # the requester's service would never have accepted these
    ports.partners.jobs[kwargs.get("job_id", "job-1")] = {"hyperparameters": given,
                                                          "hyperparameters_hash": hyperparameters_hash(resolved)}
    deliver(requested(catalog, **kwargs))
    return resolved


def job(engine: Engine, job_id: str = "job-1") -> Job:
    with engine.connect() as conn:
        found = db.get_job(conn, job_id)
    assert found is not None
    return found


def writes(engine: Engine, job_id: str = "job-1") -> list[tuple[str, str, list[str]]]:
    with engine.connect() as conn:
        return [(w.function, w.state, list(w.args)) for w in ledger_writes_for(conn, job_id)]


def runner(ports: ExecutorPorts) -> FakeRunner:
    assert isinstance(ports.runner, FakeRunner)
    return ports.runner


def test_request_to_result_on_the_ledger(ports: ExecutorPorts, catalog: Catalog, deliver: Deliver,
                                         settle: Settle) -> None:
    resolved = owned_request(ports, catalog, deliver)
    tick(ports)
    assert job(ports.engine).state is JobState.ACCEPTING
    assert isinstance(ports.decisions, FakeDecisions)
    assert ports.decisions.asked == [(CONSUMER, "bc-train", "train")]
    assert not runner(ports).specs  # nothing runs before the ledger commits AcceptTraining
    settle()
    assert job(ports.engine).state is JobState.ACCEPTED
    tick(ports)
    spec = runner(ports).specs[0]
    assert (spec.submission_id, spec.job_id, list(spec.data)) == (SID, "job-1", ["storage:bc-train@v1"])
    assert spec.hyperparameters == resolved and spec.algorithm.code_hash == catalog.get("tabular_classifier").code_hash
    assert "secret-token" not in repr(spec)  # the storage token travels, but is never printed
    assert job(ports.engine).state is JobState.RUNNING
    runner(ports).runs[SID] = RunState(RunStatus.RUNNING)
    runner(ports).progress_by_run[SID] = [{"epoch": 1, "total_epochs": 3, "loss": 0.5, "accuracy": 0.7}]
    tick(ports)
    assert [e["epoch"] for e in job(ports.engine).progress] == [1]
    outputs = make_result(job_id="job-1", code_hash=spec.algorithm.code_hash,
                          hyperparameters_hash=hyperparameters_hash(resolved))
    runner(ports).finish(SID, outputs)
    tick(ports)
    done = job(ports.engine)
    assert done.state is JobState.REPORTING and done.model_sha256 is not None
    assert isinstance(ports.store, FakeStore)
    assert ports.store.models[done.model_sha256] == outputs.weights and "job-1" in ports.store.transcripts
    function, state, args = writes(ports.engine)[-1]
    assert (function, state) == ("SubmitTrainingResult", "pending")
    assert json.loads(args[0]) == {"job_id": "job-1", "model_hash": done.model_sha256,
                                   "transcript_root": done.transcript_root, "metrics_hash": done.metrics_hash}
    assert runner(ports).discarded == [SID]
    settle()
    assert job(ports.engine).state is JobState.SUCCEEDED
    assert [w[0] for w in writes(ports.engine)] == ["AcceptTraining", "SubmitTrainingResult"]


def test_a_request_for_someone_elses_data_is_ignored(ports: ExecutorPorts, catalog: Catalog,
                                                     deliver: Deliver) -> None:
    deliver(requested(catalog))
    tick(ports)
    assert job(ports.engine).state is JobState.NOT_OURS and writes(ports.engine) == []


def test_a_denied_decision_fails_the_job_without_running_ray(ports: ExecutorPorts, catalog: Catalog,
                                                            deliver: Deliver, settle: Settle) -> None:
    assert isinstance(ports.decisions, FakeDecisions)
    ports.decisions.allow, ports.decisions.reason = False, "grant revoked"
    owned_request(ports, catalog, deliver)
    tick(ports)
    assert writes(ports.engine) == [("FailTraining", "pending", ["job-1", "access denied for bc-train: grant revoked"])]
    settle()
    assert job(ports.engine).state is JobState.FAILED and not runner(ports).specs


def test_a_quota_used_up_by_this_very_job_does_not_fail_it(ports: ExecutorPorts, catalog: Catalog,
                                                            deliver: Deliver) -> None:
    # The ledger charged the job to the grant when it accepted RequestTraining: a grant for one job then
    # reads as used up, and the job must still run.
    assert isinstance(ports.decisions, FakeDecisions)
    ports.decisions.allow, ports.decisions.reason = False, "MAX_JOBS_EXHAUSTED"
    owned_request(ports, catalog, deliver)
    tick(ports)
    assert [w[0] for w in writes(ports.engine)] == ["AcceptTraining"]


def test_unknown_code_hash_or_bad_hyperparameters_fail_before_ray(ports: ExecutorPorts, catalog: Catalog,
                                                                 deliver: Deliver) -> None:
    owned_request(ports, catalog, deliver, code_hash="ab" * 32)
    owned_request(ports, catalog, deliver, job_id="job-2", params={"epochs": 0})
    tick(ports)
    assert "LML-7401" in writes(ports.engine)[0][2][1]
    assert "LML-7402" in writes(ports.engine, "job-2")[0][2][1] and "epochs" in writes(ports.engine, "job-2")[0][2][1]
    assert not runner(ports).specs


def test_accept_refused_by_the_ledger_abandons_the_job(ports: ExecutorPorts, catalog: Catalog, deliver: Deliver,
                                                       settle: Settle) -> None:
    owned_request(ports, catalog, deliver)
    tick(ports)
    settle(AcceptTraining="LML-CC-0010 job is CANCELLED")
    assert job(ports.engine).state is JobState.ABANDONED
    tick(ports)
    assert not runner(ports).specs


def test_algorithm_files_changed_since_acceptance_fail_the_job_not_loop(ports: ExecutorPorts, catalog: Catalog,
                                                                         deliver: Deliver, settle: Settle,
                                                                         monkeypatch: Any) -> None:
    owned_request(ports, catalog, deliver)
    tick(ports)
    settle()

    def changed(spec: Any) -> bool:
        raise CatalogInvalid("tabular_classifier: files changed on disk since the catalog was loaded")

    monkeypatch.setattr(runner(ports), "submit", changed)
    tick(ports)
    assert writes(ports.engine)[-1][:2] == ("FailTraining", "pending")
    assert "LML-7409" in writes(ports.engine)[-1][2][1]  # the refund says why; the job is not retried forever


def _running(ports: ExecutorPorts, catalog: Catalog, deliver: Deliver, settle: Settle) -> None:
    owned_request(ports, catalog, deliver)
    tick(ports)
    settle()
    tick(ports)
    assert job(ports.engine).state is JobState.RUNNING


def test_ray_failure_and_lost_runs_are_failed_and_refunded(ports: ExecutorPorts, catalog: Catalog,
                                                           deliver: Deliver, settle: Settle) -> None:
    _running(ports, catalog, deliver, settle)
    runner(ports).runs[SID] = RunState(RunStatus.FAILED, "exit code 3")
    tick(ports)
    assert writes(ports.engine)[-1][:2] == ("FailTraining", "pending")
    assert "ray run failed: exit code 3" in writes(ports.engine)[-1][2][1]
    settle()
    assert job(ports.engine).state is JobState.FAILED


def test_a_run_the_cluster_forgot_is_failed_not_left_dangling(ports: ExecutorPorts, catalog: Catalog,
                                                              deliver: Deliver, settle: Settle) -> None:
    _running(ports, catalog, deliver, settle)
    del runner(ports).runs[SID]  # e.g. the Ray head restarted while we were down
    tick(ports)
    assert writes(ports.engine)[-1][2] == ["job-1", "the Ray run was lost"]


def test_timeout_stops_the_run_and_fails_the_job(ports: ExecutorPorts, catalog: Catalog, deliver: Deliver,
                                                 settle: Settle) -> None:
    _running(ports, catalog, deliver, settle)
    ports.clock.advance(601)  # type: ignore[attr-defined]
    tick(ports)
    assert runner(ports).stopped == [SID] and writes(ports.engine)[-1][2][1].startswith("timed out after")


def test_a_result_that_does_not_verify_is_never_reported(ports: ExecutorPorts, catalog: Catalog,
                                                         deliver: Deliver, settle: Settle) -> None:
    _running(ports, catalog, deliver, settle)
    good = make_result(job_id="job-1", code_hash=job(ports.engine).code_hash,
                       hyperparameters_hash=job(ports.engine).hyperparameters_hash or "")
    runner(ports).finish(SID, type(good)(transcript=good.transcript, weights=b"tampered"))
    tick(ports)
    assert [w[0] for w in writes(ports.engine)] == ["AcceptTraining", "FailTraining"]
    assert "weights are the final checkpoint" in writes(ports.engine)[-1][2][1]
    assert isinstance(ports.store, FakeStore) and ports.store.models == {}


def test_restart_finds_the_run_again_and_never_submits_twice(ports: ExecutorPorts, catalog: Catalog,
                                                             deliver: Deliver, settle: Settle) -> None:
    owned_request(ports, catalog, deliver)
    tick(ports)
    settle()
    with ports.engine.begin() as conn:  # crashed after recording the submission id, Ray had accepted it
        db.transition(conn, "job-1", expect={JobState.ACCEPTED}, to=JobState.SUBMITTING, submission_id=SID,
                      started_at=ports.clock())
    runner(ports).runs[SID] = RunState(RunStatus.RUNNING)
    tick(ports)
    assert job(ports.engine).state is JobState.RUNNING and runner(ports).specs == []
    with ports.engine.begin() as conn:  # crashed before Ray saw it: submitted exactly once on resume
        db.transition(conn, "job-1", expect={JobState.RUNNING}, to=JobState.SUBMITTING)
    del runner(ports).runs[SID]
    tick(ports)
    tick(ports)
    assert len(runner(ports).specs) == 1 and job(ports.engine).state is JobState.RUNNING


def test_the_ledger_ending_a_running_job_stops_ray(ports: ExecutorPorts, catalog: Catalog, deliver: Deliver,
                                                   settle: Settle) -> None:
    _running(ports, catalog, deliver, settle)
    deliver(TrainingFailed(job_id="job-1", reason="expired", ledger_tx_id="tx-exp"))
    assert job(ports.engine).state is JobState.HALTING
    tick(ports)
    assert runner(ports).stopped == [SID] and job(ports.engine).state is JobState.FAILED


def test_duplicate_and_foreign_events_change_nothing(ports: ExecutorPorts, catalog: Catalog, deliver: Deliver) -> None:
    owned_request(ports, catalog, deliver)
    deliver(requested(catalog))  # the same request twice (a replay): still one job
    deliver(TrainingAccepted(job_id="other-job", executor_org="Org9MSP", ledger_tx_id="tx-9"))
    tick(ports)
    assert job(ports.engine).state is JobState.ACCEPTING and len(writes(ports.engine)) == 1


def test_a_spec_the_requester_does_not_serve_fails_the_job(ports: ExecutorPorts, catalog: Catalog,
                                                           deliver: Deliver) -> None:
    assert isinstance(ports.directory, FakeDirectory)
    ports.directory.owners["bc-train"] = OWNER
    deliver(requested(catalog))  # the requester's service has no such job (FakePartners raises)
    tick(ports)
    reason = f"job spec unavailable from {CONSUMER}: LML-1004"
    assert writes(ports.engine) == [("FailTraining", "pending", ["job-1", reason])]
    assert not runner(ports).specs
