"""HTTP routes of the training service. Every route here sits behind authentication (`build_app`
mounts this router with `authenticate`): parse, call one function of `service`, map the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Engine

from ledgerml.shared.ledger import Ledger
from ledgerml.shared.web.auth import CurrentPrincipal
from ledgerml.training import service
from ledgerml.training.adapters.curves import render_curve
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
    return {"items": [algorithm_view(a) for a in ctx.catalog.all()]}


@router.get("/credits/{org}")
def credits_balance(org: str, principal: CurrentPrincipal, ctx: Context, settings: SettingsDep) -> Any:
    return service.credits_balance(ledger=ctx.ledger, principal=principal, org=org,
                                   auditor_orgs=settings.auditor_orgs)
