"""Public operational routes: /healthz (the process runs), /readyz (its dependencies answer), /metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from ledgerml.shared.errors import DependencyUnavailable


class ReadinessCheck(Protocol):
    name: str

    def check(self) -> None:
        """Return when the dependency answers; raise `DependencyUnavailable` otherwise."""
        ...


class DatabaseReadiness:
    name = "database"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def check(self) -> None:
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise DependencyUnavailable(f"database: {type(exc).__name__}", dependency=self.name) from exc


def _checks(request: Request) -> Sequence[ReadinessCheck]:
    return getattr(request.app.state, "readiness_checks", ())


router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> dict[str, object]:
    checks = _checks(request)
    if not checks:
        raise DependencyUnavailable("service is still starting", dependency="startup", retry_after_s=1)
    for check in checks:
        await run_in_threadpool(check.check)  # raises DependencyUnavailable -> 503 + Retry-After
    return {"status": "ready", "checks": {c.name: "ok" for c in checks}}


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
