"""Composition root: the lifespan builds every client from settings; nothing does I/O at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ledgerml.registry import SERVICE, __version__, api, api_trained_models
from ledgerml.registry.adapters.db import MIGRATIONS
from ledgerml.registry.settings import RegistrySettings, get_settings
from ledgerml.shared.runtime import build_ledger, open_runtime
from ledgerml.shared.web.app import build_app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: RegistrySettings = app.dependency_overrides.get(get_settings, get_settings)()
    with open_runtime(settings, migrations=MIGRATIONS) as runtime:
        runtime.install(app, audience=SERVICE)
        app.state.ledger = build_ledger(settings)
        yield


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    config = settings or get_settings()
    app = build_app(service=SERVICE, version=__version__, lifespan=lifespan,
                    routers=[api.router, api_trained_models.router], auditor_orgs=config.auditor_orgs)
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    return app
