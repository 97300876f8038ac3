"""Text the services store must be storable everywhere they run: PostgreSQL refuses NUL (U+0000) in text,
so a JSON body, query or path parameter that carries one is refused up front with a coded 422 (LML-1000),
the same on SQLite as on PostgreSQL, instead of failing deep in a transaction as a 500."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from ledgerml.shared.errors import InvalidRequest

NUL_ESCAPE = b"\\u0000"
JSON_TYPES = ("application/json", "application/merge-patch+json")


async def refuse_nul_characters(request: Request) -> None:
    """Router-level dependency: runs after FastAPI has read (and cached) a JSON body; never reads a stream."""
    where = [name for name, value in (*request.query_params.multi_items(), *request.path_params.items())
             if "\x00" in str(value)]
    if where:
        raise InvalidRequest(f"parameter(s) {', '.join(sorted(set(where)))} contain a NUL (U+0000) character; "
                             "remove it and retry")
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type in JSON_TYPES:
        body = await request.body()
        if NUL_ESCAPE in body and _has_nul(_parsed(body)):  # the escape alone may be an escaped backslash
            raise InvalidRequest("the JSON body contains a NUL (U+0000) character in a string; remove it and retry")


def _parsed(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None  # not JSON: FastAPI's own body validation answers it


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
