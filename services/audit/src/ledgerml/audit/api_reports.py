"""HTTP routes built on the audit log: lineage, access history, integrity sweeps, exports, reports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, StreamingResponse

from ledgerml.audit import reading, reports
from ledgerml.audit.api import READERS_ONLY, Context, Cursor, Filters, Limit
from ledgerml.audit.errors import PeerEndpointUnknown
from ledgerml.audit.sweeps import sweep_dataset

router = APIRouter(tags=["audit"], dependencies=READERS_ONLY)
MspId = Annotated[str, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")]


@router.get("/lineage/models/{model_id}")
def model_lineage(context: Context, model_id: str) -> dict[str, Any]:
    with context.engine.connect() as conn:
        result: dict[str, Any] = reading.lineage_of_model(conn, model_id=model_id)
    return result


@router.get("/datasets/{dataset_id}/access-history")
def access_history(context: Context, dataset_id: str, cursor: Cursor = None, limit: Limit = 100) -> dict[str, Any]:
    with context.engine.connect() as conn:
        result: dict[str, Any] = reading.access_history(conn, dataset_id=dataset_id, cursor=cursor, limit=limit)
    return result


@router.get("/sweeps/{dataset_id}")
def integrity_sweep(context: Context, dataset_id: str, owner_org: MspId) -> dict[str, Any]:
    if context.registry is None or context.storage is None:
        raise PeerEndpointUnknown("sweeps need the audit identity (LEDGERML_AUDIT_IDENTITY_MSP_DIR) and the "
                                  "endpoints file (LEDGERML_AUDIT_ENDPOINTS_FILE)")
    result: dict[str, Any] = sweep_dataset(dataset_id=dataset_id, owner_org=owner_org, registry=context.registry,
                                           storage=context.storage, ledger=context.ledger)
    return result


@router.get("/export", response_class=StreamingResponse, responses={200: {
    "description": "The log's entries, one per line (`jsonl`) or row (`csv`), as an attachment",
    "content": {media.split(";")[0]: {"schema": {"type": "string"}} for media in reports.FORMATS.values()}}})
def export(context: Context, filters: Filters,
           format: Annotated[Literal["jsonl", "csv"], Query()] = "jsonl") -> StreamingResponse:
    body = reports.export_stream(context.engine, filters, fmt=format)
    return StreamingResponse(body, media_type=reports.media_type(format),
                             headers={"content-disposition": f'attachment; filename="audit.{format}"'})


@router.get("/reports/datasets/{dataset_id}.html", response_class=HTMLResponse)
def dataset_report(context: Context, dataset_id: str) -> HTMLResponse:
    with context.engine.connect() as conn:
        return HTMLResponse(reports.dataset_report(conn, dataset_id=dataset_id, log_owner=context.owner_msp))


@router.get("/reports/models/{model_id}.html", response_class=HTMLResponse)
def model_report(context: Context, model_id: str) -> HTMLResponse:
    with context.engine.connect() as conn:
        return HTMLResponse(reports.model_report(conn, model_id=model_id, log_owner=context.owner_msp))
