"""Read use cases: who may read, entry pages with cursors, lineage, access history, tree heads, gaps."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection

from ledgerml.audit.adapters.queries import MAX_PAGE, EntryFilter, entry_view, find_entries, iter_entries
from ledgerml.audit.adapters.sequences import open_gaps, source_summaries
from ledgerml.audit.adapters.tree_heads import head_view, list_tree_heads
from ledgerml.audit.domain import AuditEntry
from ledgerml.audit.errors import InvalidCursor, InvalidTimeRange, LineageNotFound, NotEntitled
from ledgerml.audit.lineage import DATASET_ACTIONS, Record, datasets_of_job, job_of_model, model_lineage
from ledgerml.shared.identity import Principal

ACCESS_ACTIONS = ("access.request.created", "access.grant.issued", "access.grant.denied", "access.grant.revoked",
                  "storage.chunk.read", "training.job.requested", "training.job.accepted")
LINEAGE_LIMIT = 10_000


def require_reader(principal: Principal, *, owner_msp: str, auditor_orgs: Collection[str]) -> None:
    """This organisation's members and the consortium's auditors read this log; nobody else."""
    if principal.org != owner_msp and principal.org not in auditor_orgs:
        raise NotEntitled(f"{principal.org} may not read the audit log of {owner_msp}; auditors "
                          f"({', '.join(sorted(auditor_orgs))}) and {owner_msp} may")


def parse_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit():
        raise InvalidCursor("`cursor` must be the `next_cursor` of a previous page")
    return int(cursor)


def check_range(f: EntryFilter) -> None:
    if f.since is not None and f.until is not None and f.since >= f.until:
        raise InvalidTimeRange("`since` must be earlier than `until`")


def entries_page(conn: Connection, f: EntryFilter, *, cursor: str | None, limit: int) -> dict[str, Any]:
    check_range(f)
    limit = max(1, min(limit, MAX_PAGE))
    rows = find_entries(conn, f, after=parse_cursor(cursor), limit=limit)
    next_cursor = str(rows[-1].seq) if len(rows) == limit else None
    return {"items": [entry_view(r) for r in rows], "next_cursor": next_cursor}


def _records(conn: Connection, f: EntryFilter) -> list[Record]:
    return [(r.seq, AuditEntry.from_leaf(bytes(r.entry))) for r in iter_entries(conn, f, limit=LINEAGE_LIMIT)]


def lineage_of_model(conn: Connection, *, model_id: str) -> dict[str, Any]:
    records = _records(conn, EntryFilter(model_id=model_id))
    if not records:
        raise LineageNotFound(f"no audit entries name model {model_id!r}")
    job_id = job_of_model(model_id, records)
    if job_id:
        known = {s for s, _ in records}
        records += [r for r in _records(conn, EntryFilter(job_id=job_id)) if r[0] not in known]
    for dataset_id in sorted({d for d, _ in datasets_of_job(records)}):
        known = {s for s, _ in records}
        more = _records(conn, EntryFilter(dataset_id=dataset_id, actions=DATASET_ACTIONS))
        records += [r for r in more if r[0] not in known]
    records.sort(key=lambda r: r[0])
    lineage: dict[str, Any] = model_lineage(model_id, records)
    return lineage


def access_history(conn: Connection, *, dataset_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    page = entries_page(conn, EntryFilter(dataset_id=dataset_id, actions=ACCESS_ACTIONS), cursor=cursor,
                        limit=limit)
    return {"dataset_id": dataset_id, **page}


def tree_heads_page(conn: Connection, *, cursor: str | None, limit: int) -> dict[str, Any]:
    limit = max(1, min(limit, MAX_PAGE))
    heads = list_tree_heads(conn, after=parse_cursor(cursor), limit=limit)
    next_cursor = str(heads[-1].head.tree_size) if len(heads) == limit else None
    return {"items": [head_view(conn, h) for h in heads], "next_cursor": next_cursor}


def gaps_report(conn: Connection, *, source: str | None) -> dict[str, Any]:
    gaps = open_gaps(conn, source=source)
    return {"gaps": gaps, "missing_events": sum(int(g["missing"]) for g in gaps),
            "sources": source_summaries(conn)}
