"""HTTP routes of the training service. Every route here sits behind authentication (`build_app`
mounts this router with `authenticate`): parse, call one function of `service`, map the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import Engine

from ledgerml.shared.ledger import Ledger
from ledgerml.shared.web.auth import CurrentPrincipal
from ledgerml.training import service
from ledgerml.training.adapters.curves import render_curve
from ledgerml.training.algorithms import Catalog
from ledgerml.training.domain import JOB_ID, MAX_AMOUNT, MAX_DATASETS, DatasetRef, status_note
from ledgerml.training.ports import ModelStore, PartnerOrchestrators
from ledgerml.training.settings import SettingsDep

router = APIRouter(tags=["training"])


@dataclass
class TrainingContext:
    """What the lifespan builds for the routes (app.state.training)."""

    engine: Engine
    catalog: Catalog
    ledger: Ledger
    partners: PartnerOrchestrators
    store: ModelStore | None


def _context(request: Request) -> TrainingContext:
    context: TrainingContext = request.app.state.training
    return context


Context = Annotated[TrainingContext, Depends(_context)]


class DatasetInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")
    version: str = Field(min_length=1, max_length=128)
    owner_org: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")


def _whole_number(value: Any) -> Any:
    """JSON does not tell 5 from 5.0; a whole number stays a number of credits, a fraction or a bool does not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class JobRequest(BaseModel):
    """The limits the domain checks with their own codes (LML-7403, 7408, 7411) are stated for the document."""

    model_config = ConfigDict(extra="forbid")
    job_id: str | None = Field(default=None, description="generated when absent",
                               json_schema_extra={"pattern": JOB_ID.pattern})
    datasets: list[DatasetInput] = Field(json_schema_extra={"minItems": 1, "maxItems": MAX_DATASETS})
    algorithm: str = Field(min_length=1, max_length=128)
    algorithm_code_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    deposit: Annotated[int, BeforeValidator(_whole_number)] = Field(strict=True, description="credits escrowed, "
                                                                    "at least the price",
                         json_schema_extra={"minimum": 1, "maximum": MAX_AMOUNT})


def job_view(details: service.JobDetails) -> dict[str, Any]:
    job, writes = details.job, details.writes
    latest = writes[-1] if writes else None
    pending = next((w.error_code for w in writes if w.state == "pending" and w.error_code), None)
    return {
        "job_id": job.job_id, "role": str(job.role), "state": str(job.state), "note": status_note(job, pending),
        "requester_org": job.requester_org, "owner_org": job.owner_org,
        "datasets": [d.as_dict() for d in job.datasets],
        "algorithm": {"name": job.algorithm, "code_hash": job.code_hash},
        "hyperparameters": job.hyperparameters, "hyperparameters_hash": job.hyperparameters_hash,
        "deposit": job.deposit, "submission_id": job.submission_id,
        "progress": {"epochs_done": len(job.progress)},
        "model": ({"sha256": job.model_sha256, "transcript_root": job.transcript_root, "metrics": job.metrics,
                   "metrics_hash": job.metrics_hash} if job.model_sha256 else None),
        "failure_reason": job.failure_reason, "ledger_tx_id": job.ledger_tx_id,
        "created_at": job.created_at.isoformat(), "updated_at": job.updated_at.isoformat(),
        "ledger": latest.status() if latest else None,
        "ledger_writes": [{"function": w.function, **w.status()} for w in writes],
    }


@router.post("/jobs", status_code=202)
def request_training(body: JobRequest, principal: CurrentPrincipal, ctx: Context,
                     settings: SettingsDep) -> dict[str, Any]:
    return job_view(service.submit_job(
        engine=ctx.engine, catalog=ctx.catalog, principal=principal, org=settings.msp_id, job_id=body.job_id,
        datasets=[DatasetRef(d.dataset_id, d.version, d.owner_org) for d in body.datasets],
        algorithm=body.algorithm, algorithm_code_hash=body.algorithm_code_hash,
        hyperparameters=body.hyperparameters, deposit=body.deposit))


@router.get("/jobs/{job_id}")
def get_job(job_id: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> dict[str, Any]:
    return job_view(service.get_job(engine=ctx.engine, principal=principal, job_id=job_id,
                                    auditor_orgs=settings.auditor_orgs))


@router.post("/jobs/{job_id}/cancel", status_code=202)
def cancel_job(job_id: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> dict[str, Any]:
    return job_view(service.cancel_job(engine=ctx.engine, principal=principal, org=settings.msp_id, job_id=job_id))


@router.get("/jobs/{job_id}/progress")
def job_progress(job_id: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> dict[str, Any]:
    progress: dict[str, Any] = service.job_progress(engine=ctx.engine, partners=ctx.partners, principal=principal,
                                                    job_id=job_id, auditor_orgs=settings.auditor_orgs)
    return progress


@router.get("/jobs/{job_id}/curve.png", response_class=Response)
def job_curve(job_id: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> Response:
    progress = service.job_progress(engine=ctx.engine, partners=ctx.partners, principal=principal, job_id=job_id,
                                    auditor_orgs=settings.auditor_orgs)
    return Response(render_curve(job_id, progress["epochs"]), media_type="image/png")


@router.get("/jobs/{job_id}/model", response_class=Response)
def job_model(job_id: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> Response:
    weights, digest = service.job_model(engine=ctx.engine, store=ctx.store, partners=ctx.partners,
                                        principal=principal, org=settings.msp_id, job_id=job_id)
    return Response(weights, media_type="application/octet-stream",
                    headers={"X-LedgerML-Model-SHA256": digest, "ETag": f'"{digest}"',
                             "Content-Disposition": f'attachment; filename="{job_id}-weights.bin"'})


@router.get("/algorithms")
def list_algorithms(ctx: Context) -> dict[str, Any]:
    return {"items": [a.view() for a in ctx.catalog.all()]}


@router.get("/credits/{org}")
def credits_balance(org: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> Any:
    return service.credits_balance(ledger=ctx.ledger, principal=principal, org=org,
                                   auditor_orgs=settings.auditor_orgs)
