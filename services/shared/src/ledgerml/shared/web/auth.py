"""Authentication (deny by default) and authorisation helpers.

A caller proves its consortium identity either with the client certificate of an mTLS connection
that this process terminated (read from the ASGI `tls` extension, never from a header) or with an
ES256 bearer token carrying its certificate. `build_app` attaches `authenticate` to every service
router, so no route is reachable anonymously by forgetting an opt-in.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Annotated, Any

from cryptography import x509
from fastapi import Depends, Request

from ledgerml.shared.errors import (
    AuthenticationFailed,
    CredentialMalformed,
    GrantMissing,
    NotOwnerOrganisation,
    ReadOnlyRole,
    RoleNotAllowed,
)
from ledgerml.shared.identity import CertificateVerifier, Principal, Role, TokenVerifier, TrustStore
from ledgerml.shared.ledger import LedgerAuthorizer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Authenticator:
    def __init__(self, *, trust: TrustStore, audience: str) -> None:
        self._certificates = CertificateVerifier(trust)
        self._tokens = TokenVerifier(trust, audience=audience)

    def authenticate(self, scope: Mapping[str, Any], authorization: str | None) -> Principal:
        chain = _tls_client_chain(scope)
        if chain:
            return self._certificates.verify(chain[0], chain[1:])
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise CredentialMalformed("Authorization must be `Bearer <ES256 token>`")
            return self._tokens.verify(token.strip())
        raise AuthenticationFailed("present a consortium client certificate (mTLS) or an ES256 bearer token")


def _tls_client_chain(scope: Mapping[str, Any]) -> list[x509.Certificate]:
    tls = (scope.get("extensions") or {}).get("tls") or {}
    pems = tls.get("client_cert_chain") or []
    try:
        return [x509.load_pem_x509_certificate(p.encode() if isinstance(p, str) else p) for p in pems]
    except ValueError:
        raise CredentialMalformed("client certificate could not be parsed") from None


def authenticate(request: Request) -> Principal:
    """Router-level dependency; the result is cached per request for `CurrentPrincipal`."""
    authenticator: Authenticator = request.app.state.authenticator
    principal = authenticator.authenticate(request.scope, request.headers.get("authorization"))
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


READ_ONLY_OPERATION = "x-ledgerml-read-only"
"""Mark a POST that changes nothing (a decision, a proof check) with
`openapi_extra={READ_ONLY_OPERATION: True}` so auditors may call it."""

CALLER_ROLES = frozenset({Role.CLIENT, Role.ADMIN})


def _is_read(request: Request) -> bool:
    if request.method in SAFE_METHODS:
        return True
    route = request.scope.get("route")
    extra = getattr(route, "openapi_extra", None) or {}
    return bool(extra.get(READ_ONLY_OPERATION))


def auditors_read_only(auditor_orgs: Collection[str]) -> Callable[[Request, Principal], None]:
    """Router-level dependency: only client and admin identities call APIs (peers and orderers are
    network nodes, never API callers), and principals of auditor organisations may only read."""

    def _check(request: Request, principal: CurrentPrincipal) -> None:
        if principal.role not in CALLER_ROLES:
            raise RoleNotAllowed(f"{principal.role} identities cannot call LedgerML APIs; use a client or admin")
        if principal.org in auditor_orgs and not _is_read(request):
            raise ReadOnlyRole(f"{principal.org} is an auditor organisation and may only read")

    return _check


def require_owner_org(principal: Principal, owner_org: str) -> None:
    """Call in a route or service once the resource's owner is known."""
    if principal.org != owner_org:
        raise NotOwnerOrganisation(f"only {owner_org} may change this resource")


def require_role(*roles: Role) -> Callable[[Principal], None]:
    def _check(principal: CurrentPrincipal) -> None:
        if principal.role not in roles:
            raise RoleNotAllowed(f"requires role {' or '.join(roles)}")

    return _check


def require_ledger_grant(authorizer: LedgerAuthorizer, principal: Principal, *, action: str,
                         resource: str) -> None:
    if not authorizer.allows(principal, action=action, resource=resource):
        raise GrantMissing(f"no ledger grant lets {principal.org} {action} {resource}")
