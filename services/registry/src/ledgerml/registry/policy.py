"""Who may do what at a registry. Deny by default: a rule below must allow a call.

- Register a dataset: a `client` or `admin` of the organisation that runs this registry; the owner is
  always the caller's organisation (no one registers in another organisation's name). Auditor
  organisations never write (also enforced for every route by the shared read-only guard).
- Read the catalog (dataset details, versions, search): any `client` or `admin` of a consortium
  organisation, auditors included. Catalog entries are public metadata by design (issue 7); the
  data itself is served by storage under its own rules.
- Read a model, its lineage and its verification: the model's holder (the organisation that paid for
  the training) or producer (the data owner that trained it), and auditor organisations.
- `peer` and `orderer` identities, and anything not listed here, are refused.
"""

from __future__ import annotations

from collections.abc import Collection

from ledgerml.registry.errors import NotModelParty, NotThisRegistrysOrganisation
from ledgerml.registry.lineage import ModelRecord
from ledgerml.shared.errors import ReadOnlyRole, RoleNotAllowed
from ledgerml.shared.identity import Principal, Role

PEOPLE_AND_SERVICES = frozenset({Role.CLIENT, Role.ADMIN})


def _require_role(principal: Principal) -> None:
    if principal.role not in PEOPLE_AND_SERVICES:
        raise RoleNotAllowed(f"a {principal.role} identity may not use the registry; use a client or admin")


def authorise_registration(principal: Principal, *, registry_org: str, auditor_orgs: Collection[str]) -> str:
    """Returns the owner of the new dataset: the caller's organisation."""
    if principal.org in auditor_orgs:
        raise ReadOnlyRole(f"{principal.org} is an auditor organisation and may only read")
    _require_role(principal)
    if principal.org != registry_org:
        raise NotThisRegistrysOrganisation(f"this registry belongs to {registry_org}; {principal.org} registers "
                                           "its datasets at its own registry")
    return principal.org


def authorise_catalog_read(principal: Principal) -> None:
    _require_role(principal)


def authorise_model_read(principal: Principal, model: ModelRecord, *, auditor_orgs: Collection[str]) -> None:
    _require_role(principal)
    if principal.org in auditor_orgs or principal.org in (model.holder_org, model.producer_org):
        return
    raise NotModelParty(f"{principal.org} neither holds nor produced model {model.model_id}")


def model_party(principal: Principal, *, auditor_orgs: Collection[str]) -> str | None:
    """The organisation a model listing is restricted to; None (everything) for auditors."""
    _require_role(principal)
    return None if principal.org in auditor_orgs else principal.org
