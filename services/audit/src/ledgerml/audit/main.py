"""Composition root: the lifespan builds every client from settings; nothing does I/O at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ledgerml.audit import SERVICE, __version__, api, api_reports
from ledgerml.audit.adapters.db import MIGRATIONS
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.peers import RegistryAdapter, StorageAdapter, audit_peers, load_endpoints
from ledgerml.audit.api import AuditContext
from ledgerml.audit.settings import AuditSettings, get_settings
from ledgerml.audit.signing import trusted_signer
from ledgerml.shared.identity import load_identity
from ledgerml.shared.runtime import build_ledger, open_runtime
from ledgerml.shared.web.app import build_app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: AuditSettings = app.dependency_overrides.get(get_settings, get_settings)()
    with open_runtime(settings, migrations=MIGRATIONS) as runtime:
        runtime.install(app, audience=SERVICE)
        peers = None
        if settings.identity_msp_dir is not None:
            identity = load_identity(settings.msp_id, msp_dir=settings.identity_msp_dir)
            peers = audit_peers(identity=identity, endpoints=load_endpoints(settings.endpoints_file))
        app.state.audit = AuditContext(
            engine=runtime.engine, store=LogStore(settings.effective_log_id), owner_msp=settings.msp_id,
            auditor_orgs=frozenset(settings.auditor_orgs),
            signer_check=trusted_signer(runtime.trust, msp_id=settings.msp_id, signer_name=settings.signer_name),
            ledger=build_ledger(settings), registry=RegistryAdapter(peers) if peers else None,
            storage=StorageAdapter(peers) if peers else None)
        try:
            yield
        finally:
            if peers is not None:
                peers.close()


def create_app(settings: AuditSettings | None = None) -> FastAPI:
    config = settings or get_settings()
    app = build_app(service=SERVICE, version=__version__, lifespan=lifespan,
                    routers=[api.router, api_reports.router], auditor_orgs=config.auditor_orgs)
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    return app
