"""Every service's OpenAPI document says what its server does: how a caller authenticates (the mTLS
client certificate, or an ES256 bearer token carrying that certificate) and, per operation, the
problem+json answers it can give, all with one `Problem` schema. `build_app` installs it once.

Which statuses an operation documents follows from the shared guard and handler, so no route has to
list them: every guarded operation can answer 401, 403 and 503 (a dependency down); 404 when its path
names an object; 409 when it writes; 422 when it takes parameters or a body; 400 when it takes a body
(one that cannot be decoded, LML-1400). A route adds what only it can give (`responses={415: ...}`),
and those are documented with the same schema.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI

from ledgerml.shared.web.auth import READ_ONLY_OPERATION
from ledgerml.shared.web.problems import PROBLEM_JSON

MUTUAL_TLS, BEARER = "mutualTLS", "consortiumToken"
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    MUTUAL_TLS: {"type": "mutualTLS", "description": "A consortium X.509 client certificate (an MSP identity of "
                 "role client or admin, issued by a member organisation's CA), presented in the TLS handshake."},
    BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (ES256, x5c)",
             "description": "An ES256 token signed by the caller's MSP identity, its certificate chain in the "
                            "`x5c` header, `aud` = this service, at most 5 minutes long."},
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details with LedgerML's stable `code` (services/shared/ERRORS.md).",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri"}, "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599}, "detail": {"type": "string"},
        "code": {"type": "string", "pattern": "^LML-[0-9A-Z-]+$"}, "instance": {"type": ["string", "null"]},
        "trace_id": {"type": ["string", "null"]},
        "errors": {"type": "array", "description": "LML-1000: each invalid field",
                   "items": {"type": "object", "properties": {
                       "field": {"type": "string"}, "message": {"type": "string"}, "type": {"type": "string"}}}},
        "tx_id": {"type": "string", "description": "the ledger transaction, when one exists"},
    },
    "additionalProperties": True,
}
DESCRIPTIONS = {400: "The body could not be decoded (not UTF-8, not parseable)",
                401: "Not authenticated: no, or an invalid, consortium credential",
                403: "Authenticated, but not allowed", 404: "No such object", 405: "Method not allowed",
                409: "Conflicts with the current state", 413: "Too large", 415: "Unsupported media type",
                416: "Range not satisfiable", 422: "Invalid request", 500: "Internal error",
                502: "A dependency answered wrongly (integrity, ledger)",
                503: "A dependency is unavailable; retry after Retry-After"}
WRITES = frozenset({"post", "put", "patch", "delete"})
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def problem_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """What the shared guard and handler can answer for this operation."""
    statuses = {401, 403, 503}
    if "{" in path:
        statuses.add(404)
    if method in WRITES and not operation.get(READ_ONLY_OPERATION):
        statuses.add(409)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(422)
    if operation.get("requestBody"):
        statuses.add(400)
    return statuses


def _document(operation: dict[str, Any], statuses: Collection[int]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in sorted({*statuses, *(int(s) for s in responses if s.isdigit() and int(s) >= 400)}):
        declared = responses.get(str(status)) or {}
        responses[str(status)] = {"description": declared.get("description") or DESCRIPTIONS.get(status, "Problem"),
                                  "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}}


def describe(schema: dict[str, Any], *, public_paths: Collection[str]) -> dict[str, Any]:
    """Add the security schemes, the Problem schema and every operation's problem answers to `schema`."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if path in public_paths:
                operation["security"] = []
                _document(operation, {503} if path == "/readyz" else set())
                continue
            operation["security"] = [{MUTUAL_TLS: []}, {BEARER: []}]
            _document(operation, problem_statuses(method, path, operation))
    return schema


def install_openapi(app: FastAPI, *, public_paths: Collection[str]) -> None:
    """Replace `app.openapi` with the described document (built once, on first request)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(generate(), public_paths=public_paths)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
