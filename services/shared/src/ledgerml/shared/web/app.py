"""The shape every service's FastAPI app shares; a service's main.py only supplies its parts."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from prometheus_client import Counter, Histogram

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

    @app.middleware("http")
    async def _metrics(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
        LATENCY.labels(service, route).observe(time.perf_counter() - started)
        return response

    instrument_app(app)
    return app
