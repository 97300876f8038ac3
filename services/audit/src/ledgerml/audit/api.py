"""HTTP routes of the audit log: entries, proofs, tree heads, verification, gaps; and what every route
receives (the audit context built in the lifespan, the caller checked as a reader, the common entry filters).
Every route sits behind authentication (`build_app`) and the router-level reader check; each parses,
binds the adapters to one transaction and calls one use case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import Engine

from ledgerml.audit import reading, service
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.queries import EntryFilter
from ledgerml.audit.adapters.unit import SqlAuditUnit
from ledgerml.audit.reading import require_reader
from ledgerml.audit.sweeps import RegistryPort, StoragePort
from ledgerml.audit.verification import SignerCheck, verify_log
from ledgerml.audit.verify import VerifyRequest, verify_submission
from ledgerml.shared.identity import Principal
from ledgerml.shared.ledger import Ledger
from ledgerml.shared.web.auth import READ_ONLY_OPERATION, CurrentPrincipal


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


@contextmanager
def reading_unit(context: AuditContext) -> Iterator[SqlAuditUnit]:
    """The audit log's ports on one read-only connection."""
    with context.engine.connect() as conn:
        yield SqlAuditUnit(conn, context.store)


router = APIRouter(tags=["audit"], dependencies=READERS_ONLY)
# Sizes and indexes are stored as 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT): a larger one is a
# 422 here, not an overflow in the database driver.
MAX_INDEX = 2**63 - 1
Size = Annotated[int | None, Query(ge=1, le=MAX_INDEX)]
First = Annotated[int, Query(ge=1, le=MAX_INDEX)]
Seq = Annotated[int, Path(ge=0, le=MAX_INDEX)]


@router.get("/entries")
def list_entries(context: Context, filters: Filters, cursor: Cursor = None, limit: Limit = 100) -> dict[str, Any]:
    with context.engine.connect() as conn:
        result: dict[str, Any] = reading.entries_page(conn, filters, cursor=cursor, limit=limit)
    return result


@router.get("/entries/{seq}/proof")
def entry_proof(context: Context, seq: Seq, tree_size: Size = None) -> dict[str, Any]:
    """Inclusion proof of entry `seq` against a signed tree head (default: the latest)."""
    with reading_unit(context) as unit:
        result: dict[str, Any] = service.inclusion(unit=unit, seq=seq, tree_size=tree_size)
    return result


@router.get("/consistency", responses={404: {"description": "No signed tree head of size `first` or `second` "
                                                          "(LML-7503)"}})
def consistency(context: Context, first: First, second: Size = None) -> dict[str, Any]:
    """Consistency proof between two signed tree heads (default second: the latest)."""
    with reading_unit(context) as unit:
        result: dict[str, Any] = service.consistency(unit=unit, first=first, second=second)
    return result


@router.get("/tree-heads")
def tree_heads(context: Context, cursor: Cursor = None, limit: Limit = 100) -> dict[str, Any]:
    with context.engine.connect() as conn:
        result: dict[str, Any] = reading.tree_heads_page(conn, cursor=cursor, limit=limit)
    return result


@router.post("/verify", openapi_extra={READ_ONLY_OPERATION: True})
def verify(context: Context, body: VerifyRequest) -> dict[str, Any]:
    """Checks a submitted entry + proof + root; changes nothing, so auditors may call it."""
    with context.engine.connect() as conn:
        result: dict[str, Any] = verify_submission(conn, body)
    return result


@router.get("/gaps")
def gaps(context: Context, source: Annotated[str | None, Query(max_length=128)] = None) -> dict[str, Any]:
    with context.engine.connect() as conn:
        result: dict[str, Any] = reading.gaps_report(conn, source=source)
    return result


@router.get("/log/verify")
def verify_whole_log(context: Context) -> dict[str, Any]:
    """Recompute the log from its entries and compare with stored hashes and signed heads."""
    with context.engine.connect() as conn:
        result: dict[str, Any] = verify_log(conn, store=context.store, signer_check=context.signer_check).view()
    return result
