"""The data owner's side of a training job, as a persisted state machine advanced by the worker:

    received ─(ours? spec valid? grant allows train?)─► accepting ─(AcceptTraining commits)─► accepted
    accepted ─► submitting ─(Ray submission, id = f(org, job))─► running ─(Ray SUCCEEDED, result verified,
    weights stored)─► reporting ─(SubmitTrainingResult commits)─► succeeded
    any refusal / Ray failure / timeout / lost run ─► failing ─(FailTraining: refund)─► failed

Every step reads the job, talks to one system outside a transaction, then records the outcome with a
conditional transition; a crash at any point leaves a state the next tick resumes from. A restarted
worker finds its Ray run by the deterministic submission id, so no request ever runs twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from ledgerml.shared.errors import DependencyUnavailable, LedgerMLError
from ledgerml.shared.ledger import Fn
from ledgerml.shared.ledgerwrites import enqueue_ledger_write
from ledgerml.training.adapters import db
from ledgerml.training.algorithms import Catalog, hyperparameters_hash, resolve_hyperparameters
from ledgerml.training.consumers import enqueue_fail_training
from ledgerml.training.domain import DatasetRef, Job, JobRole, JobState, result_args, submission_id_for
from ledgerml.training.errors import CatalogInvalid, ResultRejected
from ledgerml.training.ports import (
    AccessDecisions,
    DatasetDirectory,
    PartnerOrchestrators,
    RunSpec,
    RunStatus,
    TrainingRunner,
)
from ledgerml.training.ports import ModelStore as ModelStorePort
from ledgerml.training.transcripts import verify_result

log = logging.getLogger(__name__)
QUOTA_SPENT_BY_THIS_JOB = "MAX_JOBS_EXHAUSTED"  # the access-control decision reason


@dataclass
class ExecutorPorts:
    engine: Engine
    msp_id: str
    org: str  # topic/bucket prefix, part of the Ray submission id
    catalog: Catalog
    runner: TrainingRunner
    store: ModelStorePort
    directory: DatasetDirectory
    decisions: AccessDecisions
    partners: PartnerOrchestrators
    data_source: Callable[[DatasetRef], str]
    secret_env: Callable[[], Mapping[str, str]] = field(default=lambda: {})
    job_timeout_s: float = 3600.0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def _fail(p: ExecutorPorts, job: Job, *, expect: set[JobState], reason: str) -> None:
    with p.engine.begin() as conn:
        if db.transition(conn, job.job_id, expect=expect, to=JobState.FAILING, failure_reason=reason[:500]):
            enqueue_fail_training(conn, job.job_id, reason=reason)
    log.info("training job failing", extra={"job_id": job.job_id})


def screen(p: ExecutorPorts, job: Job) -> None:
    """A requested job: is it ours, is its spec what the ledger says, does the grant still allow it?"""
    owners = {p.directory.owner_of(d.dataset_id) for d in job.datasets}
    if p.msp_id not in owners:
        with p.engine.begin() as conn:
            db.transition(conn, job.job_id, expect={JobState.RECEIVED}, to=JobState.NOT_OURS)
        return
    received = {JobState.RECEIVED}
    if owners != {p.msp_id}:
        return _fail(p, job, expect=received, reason="datasets of several owners; only single-owner jobs run")
    try:
        spec = p.partners.job(job.requester_org, job.job_id)
    except DependencyUnavailable:
        raise  # the requester's service is down: try again next round
    except LedgerMLError as exc:  # it does not know the job or refuses us: nothing to run
        return _fail(p, job, expect=received, reason=f"job spec unavailable from {job.requester_org}: {exc.code}")
    try:
        algorithm = p.catalog.check(job.algorithm, job.code_hash)
        params = resolve_hyperparameters(algorithm, dict(spec.get("hyperparameters") or {}))
    except LedgerMLError as exc:
        return _fail(p, job, expect=received, reason=f"{exc.code} {exc.detail}")
    if hyperparameters_hash(params) != spec.get("hyperparameters_hash"):
        return _fail(p, job, expect=received, reason="hyperparameters do not match their recorded hash")
    for dataset in job.datasets:
        decision = p.decisions.decide(organisation=job.requester_org, dataset_id=dataset.dataset_id, purpose="train")
        # The ledger enforced the job quota when it accepted RequestTraining and charged this job to the grant,
        # so "used up" here counts this very job; the re-check is for revocation, expiry and denial.
        if not decision.allow and decision.reason != QUOTA_SPENT_BY_THIS_JOB:
            why = decision.reason[:200]  # a peer's word, bounded before it reaches the ledger
            return _fail(p, job, expect=received, reason=f"access denied for {dataset.dataset_id}: {why}")
    with p.engine.begin() as conn:
        if db.transition(conn, job.job_id, expect=received, to=JobState.ACCEPTING, owner_org=p.msp_id,
                         hyperparameters=params, hyperparameters_hash=hyperparameters_hash(params)):
            enqueue_ledger_write(conn, function=Fn.ACCEPT_TRAINING, args=[job.job_id], subject=job.job_id)


def start(p: ExecutorPorts, job: Job) -> None:
    """Accepted on the ledger: record the submission id first, then submit (resumable either way)."""
    sid = submission_id_for(p.org, job.job_id)
    with p.engine.begin() as conn:
        if not db.transition(conn, job.job_id, expect={JobState.ACCEPTED}, to=JobState.SUBMITTING,
                             submission_id=sid, started_at=p.clock()):
            return
    _submit(p, job, sid)


def _submit(p: ExecutorPorts, job: Job, sid: str) -> None:
    try:
        algorithm = p.catalog.check(job.algorithm, job.code_hash)
    except LedgerMLError as exc:
        return _fail(p, job, expect={JobState.SUBMITTING}, reason=f"{exc.code} {exc.detail}")
    spec = RunSpec(submission_id=sid, job_id=job.job_id, algorithm=algorithm,
                   hyperparameters=dict(job.hyperparameters or {}),
                   data=[p.data_source(d) for d in job.datasets], secret_env=p.secret_env())
    try:
        started = p.runner.submit(spec)
    except CatalogInvalid as exc:  # the algorithm's files changed since acceptance: it can never run as agreed
        return _fail(p, job, expect={JobState.SUBMITTING}, reason=f"{exc.code} {exc.detail}")
    with p.engine.begin() as conn:
        db.transition(conn, job.job_id, expect={JobState.SUBMITTING}, to=JobState.RUNNING)
    log.info("ray run submitted" if started else "ray run found again", extra={"job_id": job.job_id})


def resume_submitting(p: ExecutorPorts, job: Job) -> None:
    """Crashed between recording the id and Ray's answer: adopt the run if Ray has it, else submit."""
    assert job.submission_id is not None
    if p.runner.state(job.submission_id).status is RunStatus.MISSING:
        return _submit(p, job, job.submission_id)
    with p.engine.begin() as conn:
        db.transition(conn, job.job_id, expect={JobState.SUBMITTING}, to=JobState.RUNNING)


def follow(p: ExecutorPorts, job: Job) -> None:
    assert job.submission_id is not None
    sid, running = job.submission_id, {JobState.RUNNING}
    state = p.runner.state(sid)
    if state.status in (RunStatus.PENDING, RunStatus.RUNNING):
        elapsed = (p.clock() - (job.started_at or p.clock())).total_seconds()
        if elapsed > p.job_timeout_s:
            p.runner.stop(sid)
            return _fail(p, job, expect=running, reason=f"timed out after {int(elapsed)} s")
        progress = p.runner.progress(sid)
        if progress != list(job.progress):
            with p.engine.begin() as conn:
                db.record(conn, job.job_id, progress=progress)
        return
    if state.status is not RunStatus.SUCCEEDED:
        reason = "the Ray run was lost" if state.status is RunStatus.MISSING else \
            f"ray run {state.status.lower()}: {state.message}"
        return _fail(p, job, expect=running, reason=reason)
    try:
        outputs = p.runner.collect(sid)
        result = verify_result(outputs.transcript, outputs.weights, job_id=job.job_id, code_hash=job.code_hash,
                               hyperparameters_hash=job.hyperparameters_hash or "")
    except ResultRejected as exc:
        return _fail(p, job, expect=running, reason=exc.detail)
    p.store.put_model(outputs.weights)
    p.store.put_transcript(job.job_id, outputs.transcript)
    with p.engine.begin() as conn:
        if db.transition(conn, job.job_id, expect=running, to=JobState.REPORTING, model_sha256=result.model_sha256,
                         transcript_root=result.transcript_root, metrics=result.metrics,
                         metrics_hash=result.metrics_hash, progress=result.progress):
            enqueue_ledger_write(conn, function=Fn.SUBMIT_TRAINING_RESULT, subject=job.job_id, args=result_args(
                job.job_id, model_sha256=result.model_sha256, transcript_root=result.transcript_root,
                metrics_hash=result.metrics_hash))
    p.runner.discard(sid)


def halt(p: ExecutorPorts, job: Job) -> None:
    """The ledger already ended the job (expired, failed): make sure Ray is not still running it."""
    if job.submission_id:
        p.runner.stop(job.submission_id)
    with p.engine.begin() as conn:
        db.transition(conn, job.job_id, expect={JobState.HALTING}, to=JobState.FAILED)


STEPS: tuple[tuple[JobState, Callable[[ExecutorPorts, Job], None]], ...] = (
    (JobState.HALTING, halt), (JobState.RUNNING, follow), (JobState.SUBMITTING, resume_submitting),
    (JobState.ACCEPTED, start), (JobState.RECEIVED, screen),
)


def tick(p: ExecutorPorts) -> int:
    """One pass over every executor job that has work to do; returns how many steps ran."""
    ran = 0
    for state, step in STEPS:
        with p.engine.connect() as conn:
            jobs = db.jobs_in(conn, JobRole.EXECUTOR, {state})
        for job in jobs:
            try:
                step(p, job)
                ran += 1
            except DependencyUnavailable as exc:
                log.warning("training step deferred", extra={"job_id": job.job_id, "code": exc.code,
                                                              "dependency": exc.dependency})
            except LedgerMLError as exc:
                log.error("training step failed", extra={"job_id": job.job_id, "code": exc.code})
    return ran
