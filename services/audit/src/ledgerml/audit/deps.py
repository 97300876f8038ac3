"""What routes receive: the audit context built in the lifespan, the caller checked as a reader, and
the common entry filters parsed from the query string."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import Engine

from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.queries import EntryFilter
from ledgerml.audit.reading import require_reader
from ledgerml.audit.sweeps import RegistryPort, StoragePort
from ledgerml.audit.verification import SignerCheck
from ledgerml.shared.identity import Principal
from ledgerml.shared.ledger import Ledger
from ledgerml.shared.web.auth import CurrentPrincipal


@dataclass(frozen=True)
class AuditContext:
    engine: Engine
    store: LogStore
    owner_msp: str
    auditor_orgs: frozenset[str]
    signer_check: SignerCheck
    ledger: Ledger
    registry: RegistryPort | None
    storage: StoragePort | None


def _context(request: Request) -> AuditContext:
    context: AuditContext = request.app.state.audit
    return context


def _reader(principal: CurrentPrincipal, context: Annotated[AuditContext, Depends(_context)]) -> Principal:
    require_reader(principal, owner_msp=context.owner_msp, auditor_orgs=context.auditor_orgs)
    return principal


def _filter(
    dataset_id: Annotated[str | None, Query(max_length=128)] = None,
    model_id: Annotated[str | None, Query(max_length=128)] = None,
    job_id: Annotated[str | None, Query(max_length=128)] = None,
    request_id: Annotated[str | None, Query(max_length=128)] = None,
    grant_id: Annotated[str | None, Query(max_length=128)] = None,
    org: Annotated[str | None, Query(max_length=64, description="emitting org: `org1` or `Org1MSP`")] = None,
    actor: Annotated[str | None, Query(max_length=128)] = None,
    action: Annotated[str | None, Query(max_length=128, description="exact, or a prefix ending in `.*`")] = None,
    since: Annotated[datetime | None, Query(description="inclusive, ISO 8601 with zone")] = None,
    until: Annotated[datetime | None, Query(description="exclusive, ISO 8601 with zone")] = None,
) -> EntryFilter:
    return EntryFilter(dataset_id=dataset_id, model_id=model_id, job_id=job_id,
                       request_id=request_id, grant_id=grant_id, org=org, actor=actor, action=action,
                       since=since, until=until)


Context = Annotated[AuditContext, Depends(_context)]
Reader = Annotated[Principal, Depends(_reader)]
Filters = Annotated[EntryFilter, Depends(_filter)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Cursor = Annotated[str | None, Query(max_length=32)]
READERS_ONLY = [Depends(_reader)]
"""Router-level: every audit route requires a reader of this log (deny by default)."""
