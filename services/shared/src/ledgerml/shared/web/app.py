"""The shape every service's FastAPI app shares; a service's main.py only supplies its parts."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, Depends, FastAPI
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerml.shared.telemetry.tracing import instrument_app
from ledgerml.shared.web import health
from ledgerml.shared.web.auth import authenticate, caller_guard
from ledgerml.shared.web.openapi import install_openapi
from ledgerml.shared.web.problems import install_problem_handlers
from ledgerml.shared.web.text_guard import refuse_nul_characters

REQUESTS = Counter("ledgerml_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram("ledgerml_http_request_seconds", "HTTP request latency", ["service", "route"])

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def build_app(*, service: str, version: str, lifespan: Lifespan, routers: Sequence[APIRouter],
              auditor_orgs: Sequence[str] = ("Org3MSP",)) -> FastAPI:
    """Service routers are always mounted behind `authenticate` and `caller_guard` (deny by default: member
    organisations' clients and admins, auditors read-only); only /healthz, /readyz and /metrics are public."""
    app = FastAPI(title=f"LedgerML {service}", version=version, lifespan=lifespan)
    install_problem_handlers(app)
    app.include_router(health.router)
    install_openapi(app, public_paths={"/healthz", "/readyz", "/metrics"})
    guards = [Depends(authenticate), Depends(caller_guard(frozenset(auditor_orgs))), Depends(refuse_nul_characters)]
    for router in routers:
        app.include_router(router, dependencies=guards)

    app.add_middleware(RequestMetrics, service=service)
    instrument_app(app)
    return app


class RequestMetrics:
    """Counts requests and times them to the last byte sent. Plain ASGI: a streamed body (a dataset
    download) passes through untouched, where `@app.middleware("http")` relays every piece through a
    memory stream and a task switch."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self._app = app
        self._service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(self._service, scope["method"], route, str(status)).inc()
            LATENCY.labels(self._service, route).observe(time.perf_counter() - started)
