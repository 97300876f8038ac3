"""The one place errors become HTTP: RFC 9457 application/problem+json, with a stable `code`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry import trace
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ledgerml.shared.errors import AuthenticationFailed, DependencyUnavailable, LedgerError, LedgerMLError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
# Starlette's and FastAPI's own refusals: 400 is a body FastAPI could not decode (not UTF-8, a broken form).
ROUTING_CODES = {400: "LML-1400", 404: "LML-1004", 405: "LML-1005"}
TYPE_BASE = "https://ledgerml.dev/problems/"


def _trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


def problem(request: Request, *, status: int, code: str, title: str, detail: str,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"type": TYPE_BASE + code, "title": title, "status": status, "detail": detail, "code": code,
            "instance": request.url.path, "trace_id": _trace_id(), **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    """The single exception handler: domain errors, request validation, routing errors, the rest."""
    if isinstance(exc, LedgerMLError):
        return _domain_error(request, exc)
    if isinstance(exc, RequestValidationError):
        errors = [{"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", ""),
                   "type": e.get("type", "")} for e in exc.errors()]
        return problem(request, status=422, code="LML-1000", title="Invalid request",
                       detail="Fix the fields listed in `errors` and retry.", errors=errors)
    if isinstance(exc, StarletteHTTPException):
        code = ROUTING_CODES.get(exc.status_code, f"LML-1{exc.status_code}")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem(request, status=exc.status_code, code=code, title=str(exc.detail),
                       detail=str(exc.detail), headers=headers)
    # Log the traceback server-side, keyed by trace id; the client sees neither type nor message.
    log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
    return problem(request, status=500, code="LML-0000", title="Internal error",
                   detail="The service failed unexpectedly; quote trace_id when reporting it.")


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path. Starlette's own 405 names only the first route whose
    path matched (`GET /datasets` and `POST /datasets` are two routes), so its `Allow` was incomplete."""
    routes = request.app.router.routes
    return [m for m in METHODS if any(r.matches({**request.scope, "method": m})[0] is Match.FULL for r in routes)]


def _domain_error(request: Request, exc: LedgerMLError) -> JSONResponse:
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(exc, DependencyUnavailable):
        headers["Retry-After"] = str(exc.retry_after_s)
    if isinstance(exc, AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if isinstance(exc, LedgerError) and exc.tx_id:
        extra["tx_id"] = exc.tx_id
    level = logging.ERROR if exc.status >= 500 else logging.INFO
    log.log(level, "request failed", extra={"code": exc.code, "status": exc.status, "path": request.url.path})
    return problem(request, status=exc.status, code=exc.code, title=exc.title, detail=exc.detail,
                   headers=headers, **extra)


def install_problem_handlers(app: FastAPI) -> None:
    for kind in (LedgerMLError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(kind, handle_error)
