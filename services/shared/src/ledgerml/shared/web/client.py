"""Calling another LedgerML service as this organisation's identity: each request carries a fresh ES256
token for the callee's audience, every call has a deadline, and problem responses become the same
coded `LedgerMLError` the callee raised (so a 403 from access-control stays a 403 here)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from ledgerml.shared.errors import (
    AuthenticationFailed,
    Conflict,
    DependencyUnavailable,
    InvalidRequest,
    LedgerMLError,
    LedgerNotConfigured,
    NotFound,
    PeerServiceError,
    PermissionDenied,
)
from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.shared.identity.tokens import issue_token


def _known_errors() -> dict[str, type[LedgerMLError]]:
    found: dict[str, type[LedgerMLError]] = {}
    pending: list[type[LedgerMLError]] = [LedgerMLError]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return found


_FAMILIES: dict[int, type[LedgerMLError]] = {400: InvalidRequest, 401: AuthenticationFailed, 403: PermissionDenied,
                                             404: NotFound, 409: Conflict, 422: InvalidRequest}
_REMOTE: dict[tuple[str, int], type[LedgerMLError]] = {}


def _remote_class(code: str, status: int, title: str) -> type[LedgerMLError] | None:
    """A class for a code this process does not define (another service's), keeping its code, status and
    family (a 403 stays a `PermissionDenied`), so callers branch on the family and users see the code."""
    family = _FAMILIES.get(status)
    if family is None or not code.startswith("LML-"):
        return None
    key = (code, status)
    if key not in _REMOTE:
        _REMOTE[key] = type(f"Remote{code.replace('-', '')}", (family,),
                            {"code": code, "status": status, "title": title or family.title})
    return _REMOTE[key]


def error_from_problem(status: int, body: Mapping[str, Any], *, service: str) -> LedgerMLError:
    """Rebuild the callee's coded error; unknown 4xx codes keep their code and family; other unknown
    codes and 5xx without a code become `PeerServiceError`."""
    code = str(body.get("code", ""))
    detail = f"{service}: {body.get('detail') or body.get('title') or status}"
    fields = body.get("errors")
    if isinstance(fields, list) and fields:
        detail += " " + "; ".join(f"{e.get('field', '?')}: {e.get('message', '')}" for e in fields[:10]
                                  if isinstance(e, dict))
    cls = _known_errors().get(code) or _remote_class(code, status, str(body.get("title") or ""))
    if cls is None or cls is LedgerMLError:
        return PeerServiceError(detail)
    if issubclass(cls, LedgerNotConfigured):
        return LedgerNotConfigured(detail)
    if issubclass(cls, DependencyUnavailable):
        return DependencyUnavailable(detail, dependency=service)
    error: LedgerMLError = Exception.__new__(cls)
    LedgerMLError.__init__(error, detail)  # subclasses with extra required arguments keep the base shape
    return error


class ServiceClient:
    """A small synchronous client for one peer service (`base_url`, token audience = `audience`)."""

    def __init__(self, *, base_url: str, audience: str, identity: SigningIdentity, timeout_s: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._audience = audience
        self._identity = identity
        self._http = httpx.Client(base_url=base_url, timeout=timeout_s, transport=transport)

    def _headers(self, extra: Any = None) -> dict[str, str]:
        """The caller's headers (content type, range, ...) plus a fresh token, which always wins."""
        return {**dict(extra or {}), "authorization": f"Bearer {issue_token(self._identity, audience=self._audience)}"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)
        except httpx.TransportError as exc:
            raise DependencyUnavailable(f"{self._audience}: {type(exc).__name__}", dependency=self._audience) from exc
        raise_for_problem(response, service=self._audience)
        return response

    @contextmanager
    def stream(self, method: str, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        try:
            with self._http.stream(method, path, headers=self._headers(kwargs.pop("headers", None)),
                                   **kwargs) as response:
                if response.is_error:
                    response.read()
                raise_for_problem(response, service=self._audience)
                yield response
        except httpx.TransportError as exc:
            raise DependencyUnavailable(f"{self._audience}: {type(exc).__name__}", dependency=self._audience) from exc

    def close(self) -> None:
        self._http.close()


def raise_for_problem(response: httpx.Response, *, service: str) -> None:
    if not response.is_error:
        return
    try:
        body = response.json()
    except ValueError:
        body = {}
    raise error_from_problem(response.status_code, body if isinstance(body, dict) else {}, service=service)


__all__ = ["ServiceClient", "error_from_problem", "raise_for_problem"]
