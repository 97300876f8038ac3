"""Composition root: the lifespan builds every client from settings; nothing does I/O at import."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import Engine

from ledgerml.shared.errors import DependencyUnavailable
from ledgerml.shared.identity import load_identity
from ledgerml.shared.messaging import Outbox
from ledgerml.shared.peers import AccessControlDecisions, RegistryDirectory, Unconfigured
from ledgerml.shared.runtime import build_ledger, open_runtime
from ledgerml.shared.settings import Environment
from ledgerml.shared.web.app import build_app
from ledgerml.shared.web.client import ServiceClient
from ledgerml.storage import SERVICE, __version__, api
from ledgerml.storage.adapters.blobs import ObjectStoreReadiness, S3BlobStore
from ledgerml.storage.adapters.db import MIGRATIONS
from ledgerml.storage.adapters.keys import DevelopmentKeyFile, KeyFileWrapper
from ledgerml.storage.adapters.records import SqlStorageRecords
from ledgerml.storage.errors import DatasetUnknown
from ledgerml.storage.ports import BlobStore, KeyWrapper
from ledgerml.storage.service import Limits, Storage
from ledgerml.storage.settings import StorageSettings, get_settings

M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES = -3, 1024 * 1024
REGISTRY_URL, ACCESS_URL = "LEDGERML_STORAGE_REGISTRY_URL", "LEDGERML_STORAGE_ACCESS_CONTROL_URL"


def build_blobs(settings: StorageSettings) -> S3BlobStore:
    return S3BlobStore(endpoint=settings.s3_endpoint, access_key=settings.s3_access_key.get_secret_value(),
                       secret_key=settings.s3_secret_key.get_secret_value(), bucket=settings.bucket_name,
                       secure=settings.s3_secure, region=settings.s3_region, timeout_s=settings.s3_timeout_s,
                       pool_size=settings.upload_parallelism + settings.read_ahead_chunks + 4,
                       chunk_deadline_s=settings.s3_chunk_deadline_s)


def _peer(settings: StorageSettings, url: str | None, audience: str, closing: ExitStack) -> ServiceClient | None:
    if url is None or settings.identity_msp_dir is None:
        return None
    identity = load_identity(settings.msp_id, msp_dir=settings.identity_msp_dir)
    client = ServiceClient(base_url=url, audience=audience, identity=identity)
    closing.callback(client.close)
    return client


def _unknown_dataset(dataset_id: str) -> DatasetUnknown:
    return DatasetUnknown(f"the registry has no dataset {dataset_id!r}: register it first")


def _unconfigured(peer: str, setting: str) -> Unconfigured:
    """Fails closed (503) until the peer's URL and the service identity are set."""
    return Unconfigured(lambda: DependencyUnavailable(
        f"{peer} is not configured: set {setting} and LEDGERML_STORAGE_IDENTITY_MSP_DIR", dependency=peer,
        retry_after_s=60))


def build_storage(settings: StorageSettings, *, engine: Engine, blobs: BlobStore, closing: ExitStack) -> Storage:
    registry = _peer(settings, settings.registry_url, "registry", closing)
    access = _peer(settings, settings.access_control_url, "access-control", closing)
    keys: KeyWrapper = (DevelopmentKeyFile(settings.org_key_path) if settings.environment is Environment.DEVELOPMENT
                        else KeyFileWrapper.from_file(settings.org_key_path, create_if_missing=False))
    limits = Limits(chunk_size=settings.chunk_size_bytes, max_version_bytes=settings.max_version_bytes,
                    upload_parallelism=settings.upload_parallelism, read_ahead=settings.read_ahead_chunks,
                    gc_grace=timedelta(seconds=settings.gc_grace_s))
    return Storage(
        records=SqlStorageRecords(engine, Outbox(org=settings.org, service=SERVICE)), blobs=blobs, keys=keys,
        directory=(RegistryDirectory(registry, unknown=_unknown_dataset) if registry
                   else _unconfigured("registry", REGISTRY_URL)),
        decisions=AccessControlDecisions(access) if access else _unconfigured("access-control", ACCESS_URL),
        ledger=build_ledger(settings), msp_id=settings.msp_id,
        auditor_orgs=frozenset(settings.auditor_orgs), training_identity=settings.training_identity, limits=limits)


def release_large_buffers_to_os() -> None:
    """Chunk buffers (MiBs each, allocated and freed in worker threads) should go back to the OS when freed.
    glibc raises its mmap threshold after large frees, after which such buffers come from per-thread heaps
    that are rarely trimmed and the process's RSS ratchets up; a fixed threshold keeps them mmapped."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: StorageSettings = app.dependency_overrides.get(get_settings, get_settings)()
    release_large_buffers_to_os()
    with open_runtime(settings, migrations=MIGRATIONS) as runtime, ExitStack() as closing:
        runtime.install(app, audience=SERVICE)
        blobs = build_blobs(settings)
        app.state.storage = build_storage(settings, engine=runtime.engine, blobs=blobs, closing=closing)
        app.state.readiness_checks = [*runtime.readiness_checks, ObjectStoreReadiness(blobs)]
        yield


def create_app(settings: StorageSettings | None = None) -> FastAPI:
    config = settings or get_settings()
    app = build_app(service=SERVICE, version=__version__, lifespan=lifespan, routers=[api.router],
                    auditor_orgs=config.auditor_orgs)
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    return app
