"""Use cases of the training service that answer API calls: request, read, cancel, progress, model.

Keyword-only functions over the Protocols of `ports`, bound by the route to one database transaction.
Every write to the ledger is queued in the ledger-write outbox in the same transaction as the job's own
state, so the answer is always the honest one
(pending / committed / rejected), never a pretended commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledgerml.shared.errors import ConfigurationInvalid, PermissionDenied
from ledgerml.shared.identity import Principal
from ledgerml.shared.ledger import Fn, Ledger
from ledgerml.shared.ledger.queries import Balance, get_balance
from ledgerml.shared.ledgerwrites import LedgerWrite
from ledgerml.training.algorithms import Catalog, hyperparameters_hash, resolve_hyperparameters
from ledgerml.training.domain import (
    DatasetRef,
    Job,
    JobRole,
    JobState,
    check_datasets,
    check_deposit,
    check_job_id,
    request_training_args,
    sha256_hex,
)
from ledgerml.training.errors import JobExists, JobNotCancellable, JobNotFound, ModelIntegrityFailed, ModelNotReady
from ledgerml.training.ports import JobStore, LedgerWrites, ModelStore, PartnerOrchestrators


@dataclass(frozen=True)
class JobDetails:
    job: Job
    writes: list[LedgerWrite]


def submit_job(*, jobs: JobStore, writes: LedgerWrites, catalog: Catalog, principal: Principal, org: str,
               job_id: str | None, datasets: Sequence[DatasetRef], algorithm: str, algorithm_code_hash: str | None,
               hyperparameters: Mapping[str, Any], deposit: int) -> JobDetails:
    """Validate everything we can before the ledger sees it, then record the job and queue RequestTraining."""
    _own_org_only(principal, org, "request training")
    chosen = check_job_id(job_id) if job_id is not None else f"job-{uuid.uuid4().hex[:20]}"
    owner = check_datasets(datasets, requester_org=org)
    spec = catalog.check(algorithm, algorithm_code_hash)
    resolved = resolve_hyperparameters(spec, hyperparameters)
    now = datetime.now(UTC)
    job = Job(job_id=chosen, role=JobRole.CONSUMER, state=JobState.REQUESTED, requester_org=org, owner_org=owner,
              algorithm=spec.name, code_hash=spec.code_hash, datasets=tuple(datasets), deposit=check_deposit(deposit),
              created_at=now, updated_at=now, hyperparameters=resolved,
              hyperparameters_hash=hyperparameters_hash(resolved))
    if not jobs.insert(job):
        raise JobExists(f"a training job {chosen!r} exists already; choose another job_id")
    write = writes.enqueue(function=Fn.REQUEST_TRAINING, args=request_training_args(job), subject=chosen)
    return JobDetails(job, [write])


def _own_org_only(principal: Principal, org: str, action: str) -> None:
    if principal.org != org:
        raise PermissionDenied(f"only {org} may {action} through its own training service")


def _job(jobs: JobStore, job_id: str) -> Job:
    job = jobs.get(job_id)
    if job is None or job.state is JobState.NOT_OURS:
        raise JobNotFound(f"no training job {job_id!r} here")
    return job


def _load(jobs: JobStore, writes: LedgerWrites, job_id: str) -> JobDetails:
    return JobDetails(_job(jobs, job_id), writes.about(job_id))


def _parties(job: Job) -> set[str]:
    return {job.requester_org} | ({job.owner_org} if job.owner_org else set())


def get_job(*, jobs: JobStore, writes: LedgerWrites, principal: Principal, job_id: str,
            auditor_orgs: Collection[str]) -> JobDetails:
    """Visible to the requester, the data owner (it reads the hyperparameters from here) and auditors."""
    details = _load(jobs, writes, job_id)
    if principal.org not in _parties(details.job) and principal.org not in auditor_orgs:
        raise JobNotFound(f"no training job {job_id!r} here")  # do not reveal other organisations' jobs
    return details


def cancel_job(*, jobs: JobStore, writes: LedgerWrites, principal: Principal, org: str, job_id: str) -> JobDetails:
    """The requester withdraws before the owner accepts; the ledger refunds the deposit (CancelTraining)."""
    _own_org_only(principal, org, "cancel its training jobs")
    job = _job(jobs, job_id)
    if job.role is not JobRole.CONSUMER:
        raise JobNotCancellable("only the requesting organisation can cancel a job")
    if not jobs.transition(job_id, expect={JobState.REQUESTED}, to=JobState.CANCELLING):
        raise JobNotCancellable(f"job {job_id} is {job.state}; only a requested job that the owner "
                                "has not accepted can be cancelled")
    writes.enqueue(function=Fn.CANCEL_TRAINING, args=[job_id], subject=job_id)
    return _load(jobs, writes, job_id)


def job_progress(*, jobs: JobStore, writes: LedgerWrites, partners: PartnerOrchestrators, principal: Principal,
                 job_id: str, auditor_orgs: Collection[str]) -> dict[str, Any]:
    """Executor jobs report what the poller recorded; consumer jobs ask the owner's service once accepted."""
    job = get_job(jobs=jobs, writes=writes, principal=principal, job_id=job_id, auditor_orgs=auditor_orgs).job
    if job.role is JobRole.CONSUMER and job.owner_org and job.state in (JobState.ACCEPTED, JobState.SUCCEEDED,
                                                                       JobState.FAILED):
        remote = partners.progress(job.owner_org, job_id)
        epochs = list(remote.get("epochs", []))
    else:
        epochs = list(job.progress)
    total = _total_epochs(job, epochs)
    return {"job_id": job_id, "state": str(job.state), "total_epochs": total, "epochs": epochs,
            "epochs_done": len(epochs), "metrics": dict(job.metrics) if job.metrics else None}


def _total_epochs(job: Job, epochs: Sequence[Mapping[str, Any]]) -> int | None:
    if epochs and epochs[-1].get("total_epochs"):
        return int(epochs[-1]["total_epochs"])
    value = (job.hyperparameters or {}).get("epochs")
    return int(value) if isinstance(value, int) else None


def job_model(*, jobs: JobStore, store: ModelStore | None, partners: PartnerOrchestrators, principal: Principal,
              org: str, job_id: str) -> tuple[bytes, str]:
    """The weights, only ever returned after their SHA-256 matched the model hash on record."""
    job = _job(jobs, job_id)
    if job.role is JobRole.CONSUMER:
        _own_org_only(principal, org, "download the model of its job")
        if job.state is not JobState.SUCCEEDED or not job.model_sha256 or not job.owner_org:
            raise ModelNotReady(f"job {job_id} is {job.state}; the model is available once the ledger records "
                                "its result")
        weights = partners.model(job.owner_org, job_id)
    else:
        allowed = {org} | ({job.requester_org} if job.state is JobState.SUCCEEDED else set())
        if principal.org not in allowed:
            raise ModelNotReady(f"the model of job {job_id} is released to {job.requester_org} once the "
                                "ledger records the result")
        if not job.model_sha256:
            raise ModelNotReady(f"job {job_id} has no model yet ({job.state})")
        if store is None:
            raise ConfigurationInvalid("no object store configured: set LEDGERML_TRAINING_S3_ENDPOINT")
        weights = store.get_model(job.model_sha256)
    if sha256_hex(weights) != job.model_sha256:
        raise ModelIntegrityFailed(f"weights of job {job_id} hash to {sha256_hex(weights)}, the record says "
                                   f"{job.model_sha256}; refusing to return them")
    return weights, job.model_sha256


def credits_balance(*, ledger: Ledger, principal: Principal, org: str, auditor_orgs: Collection[str]) -> Balance:
    """Balances live on the ledger only (GetBalance); without one this refuses with LML-5004."""
    if principal.org != org and principal.org not in auditor_orgs:
        raise PermissionDenied(f"{principal.org} may read its own balance, not {org}'s")
    return get_balance(ledger, org)
