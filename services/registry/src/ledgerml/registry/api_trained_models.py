"""HTTP routes of the registry's models (behind the shared authentication, like every router).

`GET /models/{id}/verify` answers 200 with every check when the ledger could be consulted, and 503
(the ledger's own code: LML-5004 without a ledger endpoint, LML-5003 when the validator cannot be
reached) with the local checks when it could not: an unverifiable
model is never reported as verified.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from ledgerml.registry import domain, service_trained_models
from ledgerml.registry.adapters.catalog_store import SqlCatalog
from ledgerml.registry.adapters.model_store import SqlModels
from ledgerml.registry.api import transaction
from ledgerml.registry.schemas import problems
from ledgerml.registry.schemas_trained_models import ModelList, ModelView, VerificationView, checks_summary
from ledgerml.registry.settings import SettingsDep
from ledgerml.shared.web.auth import CurrentPrincipal
from ledgerml.shared.web.problems import problem

router = APIRouter(tags=["models"])

SHA256 = r"^[0-9a-f]{64}$"
ModelId = Annotated[str, Path(pattern=SHA256, description="SHA-256 of the model weights")]


@router.get("/models/{model_id}", response_model=ModelView, responses=problems(404))
def get_model(model_id: ModelId, principal: CurrentPrincipal, settings: SettingsDep, request: Request) -> ModelView:
    """A model with its lineage: dataset versions and roots, algorithm and code hash, hyperparameter
    hash, job, transcript root and metrics."""
    with transaction(request) as conn:
        model = service_trained_models.get_model(models=SqlModels(conn), principal=principal,
                                         auditor_orgs=settings.auditor_orgs, model_id=model_id)
    return ModelView.of(model)


@router.get("/models", response_model=ModelList, responses=problems())
def list_models(
    principal: CurrentPrincipal,
    settings: SettingsDep,
    request: Request,
    dataset_id: Annotated[str | None, Query(pattern=domain.CATALOG_ID_PATTERN)] = None,
    job_id: Annotated[str | None, Query(pattern=domain.CATALOG_ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=domain.MAX_PAGE)] = 50,
) -> ModelList:
    """Models trained on a dataset or by a job, restricted to those the caller holds or produced
    (auditors see all)."""
    with transaction(request) as conn:
        items = service_trained_models.list_models(models=SqlModels(conn), principal=principal,
                                           auditor_orgs=settings.auditor_orgs, dataset_id=dataset_id,
                                           job_id=job_id, limit=limit)
    return ModelList(items=[ModelView.of(m) for m in items])


@router.get("/models/{model_id}/verify", response_model=VerificationView, responses=problems(404, 503))
def verify_model(model_id: ModelId, principal: CurrentPrincipal, settings: SettingsDep,
                 request: Request) -> VerificationView | JSONResponse:
    """Recompute each lineage hash locally and compare every field with the ledger's record."""
    with transaction(request) as conn:
        result = service_trained_models.verify_model(models=SqlModels(conn), catalog=SqlCatalog(conn),
                                             ledger=request.app.state.ledger, principal=principal,
                                             auditor_orgs=settings.auditor_orgs, model_id=model_id)
    view = VerificationView.of(result)
    if result.ledger_available:
        return view
    code = result.ledger_error_code or "LML-5003"
    detail = (f"the ledger comparison is unavailable ({code}: {result.ledger_error_detail}); "
              f"local checks: {checks_summary(result.local)}")
    return problem(request, status=503, code=code, title="Ledger comparison unavailable", detail=detail,
                   headers={"Retry-After": "60"}, **view.model_dump(mode="json"))
