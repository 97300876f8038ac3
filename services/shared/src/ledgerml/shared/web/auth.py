"""Authentication (deny by default) and authorisation helpers.

A caller proves its consortium identity either with the client certificate of an mTLS connection
that this process terminated (read from the ASGI `tls` extension, never from a header) or with an
ES256 bearer token carrying its certificate. `build_app` attaches `authenticate` to every service
router, so no route is reachable anonymously by forgetting an opt-in.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Annotated, Any, cast

from cryptography import x509
from fastapi import Depends, Request

from ledgerml.shared.errors import (
    AuthenticationFailed,
    CredentialMalformed,
    GrantMissing,
    NotOwnerOrganisation,
    OrganisationNotAllowed,
    ReadOnlyRole,
    RoleNotAllowed,
)
from ledgerml.shared.identity import CertificateVerifier, OrgKind, Principal, Role, TokenVerifier, TrustStore
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

CALLERS_OPERATION = "x-ledgerml-callers"
"""The callers a route admits beyond the default; set it with `openapi_extra=also_callable_by(...)`."""

CALLER_ROLES = frozenset({Role.CLIENT, Role.ADMIN})
CALLER_KINDS = frozenset({OrgKind.MEMBER})


def also_callable_by(*, roles: Collection[Role] = (), kinds: Collection[OrgKind] = ()) -> dict[str, Any]:
    """`openapi_extra` of a route that node identities or the operator's organisation may call: the only
    way past the default of member organisations' client and admin identities."""
    return {CALLERS_OPERATION: {"roles": sorted(str(r) for r in roles), "org_kinds": sorted(str(k) for k in kinds)}}


def _route_extra(request: Request) -> Mapping[str, Any]:
    route = request.scope.get("route")
    return cast(Mapping[str, Any], getattr(route, "openapi_extra", None) or {})


def _is_read(request: Request) -> bool:
    return request.method in SAFE_METHODS or bool(_route_extra(request).get(READ_ONLY_OPERATION))


def caller_guard(auditor_orgs: Collection[str]) -> Callable[[Request, Principal], None]:
    """Router-level dependency, deny by default: only client and admin identities (peers and orderers are
    network nodes, never API callers) of member organisations (not the operator's, not one of unknown
    kind) call APIs unless the route names them (`also_callable_by`); auditor organisations only read."""

    def _check(request: Request, principal: CurrentPrincipal) -> None:
        named = _route_extra(request).get(CALLERS_OPERATION) or {}
        roles = CALLER_ROLES | {Role(r) for r in named.get("roles", ())}
        kinds = CALLER_KINDS | {OrgKind(k) for k in named.get("org_kinds", ())}
        if principal.role not in roles:
            raise RoleNotAllowed(f"{principal.role} identities cannot call this LedgerML API; use a client or "
                                 "admin identity of a member organisation")
        if principal.kind not in kinds:
            what = ("the consortium operator's organisation" if principal.kind is OrgKind.OPERATOR
                    else "not a known consortium member organisation")
            raise OrganisationNotAllowed(f"{principal.org} is {what}; call as a member organisation's client or "
                                         "admin identity")
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
