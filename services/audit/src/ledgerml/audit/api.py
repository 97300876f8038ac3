"""HTTP routes of the audit log: entries, proofs, tree heads, verification, gaps. Every route sits behind
authentication (`build_app`) and the router-level reader check; each parses, calls one use case."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from ledgerml.audit import reading, service
from ledgerml.audit.deps import READERS_ONLY, Context, Cursor, Filters, Limit
from ledgerml.audit.verification import verify_log
from ledgerml.audit.verify import VerifyRequest, verify_submission
from ledgerml.shared.web.auth import READ_ONLY_OPERATION

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
    with context.engine.connect() as conn:
        result: dict[str, Any] = service.inclusion(conn, store=context.store, seq=seq, tree_size=tree_size)
    return result


@router.get("/consistency", responses={404: {"description": "No signed tree head of size `first` or `second` "
                                                          "(LML-7503)"}})
def consistency(context: Context, first: First, second: Size = None) -> dict[str, Any]:
    """Consistency proof between two signed tree heads (default second: the latest)."""
    with context.engine.connect() as conn:
        result: dict[str, Any] = service.consistency(conn, store=context.store, first=first, second=second)
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
