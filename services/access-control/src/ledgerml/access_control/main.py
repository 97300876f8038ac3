"""Composition root: the lifespan builds every client from settings; nothing does I/O at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ledgerml.access_control import SERVICE, __version__, api
from ledgerml.access_control.adapters.db import MIGRATIONS, reader_for
from ledgerml.access_control.settings import AccessControlSettings, get_settings
from ledgerml.shared.runtime import build_ledger, open_runtime
from ledgerml.shared.web.app import build_app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: AccessControlSettings = app.dependency_overrides.get(get_settings, get_settings)()
    with open_runtime(settings, migrations=MIGRATIONS) as runtime:
        runtime.install(app, audience=SERVICE)
        app.state.ledger = build_ledger(settings)
        app.state.reader = reader_for(runtime.engine)
        try:
            yield
        finally:
            if app.state.reader is not runtime.engine:
                app.state.reader.dispose()


def create_app(settings: AccessControlSettings | None = None) -> FastAPI:
    config = settings or get_settings()
    # POST /decisions is marked read-only, so auditors may call it through the shared guard, which
    # refuses node, operator and unknown identities on it as on every other route.
    app = build_app(service=SERVICE, version=__version__, lifespan=lifespan,
                    routers=[api.router, api.decisions_router], auditor_orgs=config.auditor_orgs)
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    return app
