"""HTTP routes of the registry's catalog. Every route here sits behind authentication (`build_app`
mounts this router with `authenticate`): parse, call one function of `service`, map the result."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import Connection

from ledgerml.registry import domain, service
from ledgerml.registry.adapters.catalog_store import SqlCatalog
from ledgerml.registry.adapters.outboxes import SqlLedgerWrites
from ledgerml.registry.schemas import DatasetCreate, DatasetPage, DatasetSummary, DatasetView, problems
from ledgerml.registry.settings import SettingsDep
from ledgerml.shared.web.auth import CurrentPrincipal

router = APIRouter(tags=["datasets"])

MSP_ID = r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$"
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
DatasetId = Annotated[str, Path(pattern=domain.CATALOG_ID_PATTERN, description="catalog id of the dataset")]


@contextmanager
def transaction(request: Request) -> Iterator[Connection]:
    """One database transaction per use case; committed before the response is sent."""
    with request.app.state.engine.begin() as conn:
        yield conn


@router.post("/datasets", status_code=202, response_model=DatasetView, responses=problems(409))
def create_dataset(body: DatasetCreate, principal: CurrentPrincipal, settings: SettingsDep,
                   request: Request) -> DatasetView:
    """Register a dataset owned by the caller's organisation; 202 with its ledger status (pending until
    the ledger commits `RegisterDataset`)."""
    with transaction(request) as conn:
        dataset = service.register_dataset(
            store=SqlCatalog(conn), writes=SqlLedgerWrites(conn), principal=principal,
            registry_org=settings.msp_id, auditor_orgs=settings.auditor_orgs, dataset_id=body.dataset_id,
            name=body.name, description=body.description, schema=body.schema_, terms=body.terms, tags=body.tags,
            price_per_job=body.price_per_job)
    return DatasetView.of(dataset)


@router.get("/datasets/{dataset_id}", response_model=DatasetView, responses=problems(404))
def get_dataset(dataset_id: DatasetId, principal: CurrentPrincipal, request: Request) -> DatasetView:
    """A catalog entry (own or mirrored from another organisation) with its versions."""
    with transaction(request) as conn:
        dataset = service.get_dataset(store=SqlCatalog(conn), principal=principal, dataset_id=dataset_id)
    return DatasetView.of(dataset)


@router.get("/datasets", response_model=DatasetPage, responses=problems())
def search_datasets(
    principal: CurrentPrincipal,
    request: Request,
    q: Annotated[str | None, Query(max_length=200, pattern=PRINTABLE, description="text in name/description")]
    = None,
    tag: Annotated[str | None, Query(pattern=domain.TAG_PATTERN)] = None,
    owner: Annotated[str | None, Query(pattern=MSP_ID, description="owner MSP id")] = None,
    column: Annotated[str | None, Query(pattern=domain.COLUMN_PATTERN, description="schema column")] = None,
    limit: Annotated[int, Query(ge=1, le=domain.MAX_PAGE)] = 20,
    cursor: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,400}$")] = None,
) -> DatasetPage:
    """Search the consortium catalog; every filter given must hold. Pages by `next_cursor`."""
    query = domain.catalog_query(text=q, tag=tag, owner=owner, column=column, limit=limit, cursor=cursor)
    with transaction(request) as conn:
        page = service.search_catalog(store=SqlCatalog(conn), principal=principal, query=query)
    return DatasetPage(items=[DatasetSummary.of(d) for d in page.items], next_cursor=page.next_cursor)
