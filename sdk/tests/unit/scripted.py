"""A scripted service for SDK unit tests: answers by `METHOD path`, records what it saw, and answers
unknown routes with a problem+json 404 like a real service."""

from __future__ import annotations

from collections.abc import Callable

import httpx

Route = Callable[[httpx.Request], httpx.Response]


def problem(status: int, code: str, detail: str) -> httpx.Response:
    return httpx.Response(status, json={"type": f"https://ledgerml.dev/problems/{code}", "title": "t",
                                        "status": status, "detail": detail, "code": code},
                          headers={"content-type": "application/problem+json"})


class ScriptedService:
    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        route = self.routes.get(f"{request.method} {request.url.path}")
        return route(request) if route else problem(404, "LML-1004", f"no route {request.url.path}")
