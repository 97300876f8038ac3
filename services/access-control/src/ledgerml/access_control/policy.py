"""Who may call what, deny by default (OWASP API1). Pure checks on the authenticated principal.

An access-control instance belongs to one organisation: it submits ledger writes with that
organisation's identity and keeps that organisation's requests. So only that organisation's users and
services may use it, plus auditor organisations for reads (the shared guard already refuses their
writes). On top of that, each request is readable only by its two parties, and answerable only by the
dataset owner.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ledgerml.access_control.domain import RequestRecord
from ledgerml.access_control.errors import ForeignOrganisation, NotDatasetOwner, NotRequestParty
from ledgerml.shared.errors import ReadOnlyRole, RoleNotAllowed
from ledgerml.shared.identity import Principal, Role

ACTING_ROLES = frozenset({Role.ADMIN, Role.CLIENT})


@dataclass(frozen=True)
class Tenancy:
    """The organisation this instance serves and the consortium's auditor organisations."""

    org: str
    auditor_orgs: frozenset[str]

    def is_auditor(self, principal: Principal) -> bool:
        return principal.org in self.auditor_orgs


def require_reader(principal: Principal, tenancy: Tenancy) -> None:
    if principal.org != tenancy.org and not tenancy.is_auditor(principal):
        raise ForeignOrganisation(f"this access-control serves {tenancy.org}; {principal.org} must use its own")


def require_writer(principal: Principal, tenancy: Tenancy) -> None:
    if tenancy.is_auditor(principal):
        raise ReadOnlyRole(f"{principal.org} is an auditor organisation and may only read")
    if principal.org != tenancy.org:
        raise ForeignOrganisation(f"this access-control serves {tenancy.org}; {principal.org} must use its own")
    _require_acting_role(principal)


def _require_acting_role(principal: Principal, roles: Collection[Role] = ACTING_ROLES) -> None:
    if principal.role not in roles:
        raise RoleNotAllowed(f"a {principal.role} identity may not act on access requests; use a user, admin "
                             "or service identity")


def require_party(principal: Principal, tenancy: Tenancy, record: RequestRecord) -> None:
    require_reader(principal, tenancy)
    if tenancy.is_auditor(principal):
        return
    if principal.org not in (record.owner_org, record.requester_org):
        raise NotRequestParty(f"{principal.org} neither asked for nor owns the data of request {record.request_id}")


def require_dataset_owner(principal: Principal, tenancy: Tenancy, record: RequestRecord) -> None:
    require_writer(principal, tenancy)
    if record.owner_org != principal.org:
        owner = record.owner_org or "the (not yet known) owner"
        raise NotDatasetOwner(f"request {record.request_id} is answered by {owner}, not {principal.org}")
