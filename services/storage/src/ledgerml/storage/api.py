"""HTTP routes of the storage service. Every route here sits behind authentication (`build_app`
mounts this router with `authenticate`): parse, call one use case, map the result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import StreamingResponse
from starlette.requests import ClientDisconnect

from ledgerml.shared.web.auth import CurrentPrincipal
from ledgerml.storage import service, service_reading, service_upload
from ledgerml.storage.errors import UploadInterrupted
from ledgerml.storage.service import Storage
from ledgerml.storage.service_reading import ContentStream

router = APIRouter(tags=["storage"])

DatasetId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$", description="registry dataset id")]
Version = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="e.g. v1, 2026-11-01")]
JobId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]


def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


StorageDep = Annotated[Storage, Depends(get_storage)]
VERSION_PATH = "/datasets/{dataset_id}/versions/{version}"
# What only these routes answer; the shared guard's and handler's statuses are documented by `build_app`.
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Empty body (LML-7107) or interrupted upload (LML-7110)"},
    413: {"description": "Larger than the maximum version size (LML-7108)"},
    415: {"description": "Not application/octet-stream (LML-7106)"}}
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"application/octet-stream": {
    "schema": {"type": "string", "format": "binary", "minLength": 1}}}}}
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed Range header (LML-7118)"},
    416: {"description": "Range not satisfiable (LML-7109)"},
    502: {"description": "Stored data failed integrity verification (LML-7101); nothing unverified was sent"}}


@router.put(VERSION_PATH, status_code=201, summary="Upload a dataset version (streamed, application/octet-stream)",
            responses=UPLOAD_ERRORS, openapi_extra=UPLOAD_BODY)
async def upload_version(request: Request, dataset_id: DatasetId, version: Version, storage: StorageDep,
                         principal: CurrentPrincipal) -> dict[str, object]:
    try:
        manifest = await service_upload.store_version(
            storage=storage, principal=principal, dataset_id=dataset_id, version=version, body=request.stream(),
            content_type=request.headers.get("content-type"), content_length=request.headers.get("content-length"))
    except ClientDisconnect:
        raise UploadInterrupted("the client went away before the body was complete; nothing was stored") from None
    return manifest.view()


@router.get(VERSION_PATH, summary="Manifest of a stored version (owner and auditors)")
def get_manifest(dataset_id: DatasetId, version: Version, storage: StorageDep,
                 principal: CurrentPrincipal) -> dict[str, object]:
    return service.show_manifest(storage=storage, principal=principal, dataset_id=dataset_id, version=version).view()


@router.get(VERSION_PATH + "/integrity", summary="Re-verify every chunk (owner and auditors)")
def check_integrity(dataset_id: DatasetId, version: Version, storage: StorageDep,
                    principal: CurrentPrincipal) -> dict[str, object]:
    report = service.check_integrity(storage=storage, principal=principal, dataset_id=dataset_id, version=version)
    return report.view()


def _stream(content: ContentStream) -> StreamingResponse:
    return StreamingResponse(content.body, status_code=206 if content.byte_range else 200,
                             media_type="application/octet-stream", headers=content.headers())


@router.get(VERSION_PATH + "/content", summary="Verified plaintext (optionally one `Range: bytes=a-b`)",
            response_class=StreamingResponse, responses=READ_ERRORS)
def download(request: Request, dataset_id: DatasetId, version: Version, storage: StorageDep,
             principal: CurrentPrincipal) -> StreamingResponse:
    return _stream(service_reading.open_content(storage=storage, principal=principal, dataset_id=dataset_id,
                                                version=version, range_header=request.headers.get("range")))


@router.get("/internal/jobs/{job_id}" + VERSION_PATH + "/content", response_class=StreamingResponse,
            responses=READ_ERRORS,
            summary="Verified plaintext for an accepted compute-to-data job (this org's training service)")
def job_download(request: Request, job_id: JobId, dataset_id: DatasetId, version: Version, storage: StorageDep,
                 principal: CurrentPrincipal) -> StreamingResponse:
    return _stream(service_reading.open_content(storage=storage, principal=principal, dataset_id=dataset_id,
                                                version=version, range_header=request.headers.get("range"),
                                                job_id=job_id))
