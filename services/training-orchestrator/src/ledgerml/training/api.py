"""HTTP routes of the training service. Every route here sits behind authentication (`build_app`
mounts this router with `authenticate`): parse, bind the adapters to one database transaction (a
connection for reads), call one function of `service`, map the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Engine

from ledgerml.shared.ledger import Ledger
from ledgerml.shared.web.auth import CurrentPrincipal
from ledgerml.training import service
from ledgerml.training.adapters.curves import render_curve
from ledgerml.training.adapters.db import SqlJobs
from ledgerml.training.adapters.outboxes import SqlLedgerWrites
from ledgerml.training.algorithms import Catalog
from ledgerml.training.domain import DatasetRef
from ledgerml.training.ports import ModelStore, PartnerOrchestrators
from ledgerml.training.schemas import JobRequest, algorithm_view, job_view
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


@router.post("/jobs", status_code=202)
def request_training(body: JobRequest, principal: CurrentPrincipal, ctx: Context,
                     settings: SettingsDep) -> dict[str, Any]:
    with ctx.engine.begin() as conn:
        details = service.submit_job(
            jobs=SqlJobs(conn), writes=SqlLedgerWrites(conn), catalog=ctx.catalog, principal=principal,
            org=settings.msp_id, job_id=body.job_id,
            datasets=[DatasetRef(d.dataset_id, d.version, d.owner_org) for d in body.datasets],
            algorithm=body.algorithm, algorithm_code_hash=body.algorithm_code_hash,
            hyperparameters=body.hyperparameters, deposit=body.deposit)
    return job_view(details)


@router.get("/jobs/{job_id}")
def get_job(job_id: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        details = service.get_job(jobs=SqlJobs(conn), writes=SqlLedgerWrites(conn), principal=principal,
                                  job_id=job_id, auditor_orgs=settings.auditor_orgs)
    return job_view(details)


@router.post("/jobs/{job_id}/cancel", status_code=202)
def cancel_job(job_id: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> dict[str, Any]:
    with ctx.engine.begin() as conn:
        details = service.cancel_job(jobs=SqlJobs(conn), writes=SqlLedgerWrites(conn), principal=principal,
                                     org=settings.msp_id, job_id=job_id)
    return job_view(details)


@router.get("/jobs/{job_id}/progress")
def job_progress(job_id: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        progress: dict[str, Any] = service.job_progress(
            jobs=SqlJobs(conn), writes=SqlLedgerWrites(conn), partners=ctx.partners, principal=principal,
            job_id=job_id, auditor_orgs=settings.auditor_orgs)
    return progress


@router.get("/jobs/{job_id}/curve.png", response_class=Response)
def job_curve(job_id: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> Response:
    with ctx.engine.connect() as conn:
        progress = service.job_progress(jobs=SqlJobs(conn), writes=SqlLedgerWrites(conn), partners=ctx.partners,
                                        principal=principal, job_id=job_id, auditor_orgs=settings.auditor_orgs)
    return Response(render_curve(job_id, progress["epochs"]), media_type="image/png")


@router.get("/jobs/{job_id}/model", response_class=Response)
def job_model(job_id: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> Response:
    with ctx.engine.connect() as conn:
        weights, digest = service.job_model(jobs=SqlJobs(conn), store=ctx.store, partners=ctx.partners,
                                            principal=principal, org=settings.msp_id, job_id=job_id)
    return Response(weights, media_type="application/octet-stream",
                    headers={"X-LedgerML-Model-SHA256": digest, "ETag": f'"{digest}"',
                             "Content-Disposition": f'attachment; filename="{job_id}-weights.bin"'})


@router.get("/algorithms")
def list_algorithms(ctx: Context) -> dict[str, Any]:
    return {"items": [algorithm_view(a) for a in ctx.catalog.all()]}


@router.get("/credits/{org}")
def credits_balance(org: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> Any:
    return service.credits_balance(ledger=ctx.ledger, principal=principal, org=org,
                                   auditor_orgs=settings.auditor_orgs)
