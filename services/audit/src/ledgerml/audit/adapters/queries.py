"""Entry queries: by subject (dataset, model, job, request, grant), organisation, actor, action
and time range, in log order, with keyset pagination on the entry index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, exists, select

from ledgerml.audit.adapters.db import entries, subjects
from ledgerml.audit.domain import INDEXED_KINDS, org_prefix

MAX_PAGE = 1000


@dataclass(frozen=True)
class EntryFilter:
    dataset_id: str | None = None
    model_id: str | None = None
    job_id: str | None = None
    request_id: str | None = None
    grant_id: str | None = None
    org: str | None = None
    actor: str | None = None
    action: str | None = None
    actions: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    def describe(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) not in (None, ())}


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _filtered(query: Select[Any], f: EntryFilter) -> Select[Any]:
    for kind in INDEXED_KINDS:
        value = getattr(f, kind)
        if value is not None:
            query = query.where(exists().where(subjects.c.kind == kind, subjects.c.value == value,
                                               subjects.c.seq == entries.c.seq))
    if f.org is not None:
        query = query.where(entries.c.org == org_prefix(f.org))
    if f.actor is not None:
        query = query.where(entries.c.actor == f.actor)
    if f.action is not None:
        query = (query.where(entries.c.action.startswith(f.action[:-1], autoescape=True))
                 if f.action.endswith(".*") else query.where(entries.c.action == f.action))
    if f.actions:
        query = query.where(entries.c.action.in_(f.actions))
    if f.since is not None:
        query = query.where(entries.c.time >= _utc(f.since))
    if f.until is not None:
        query = query.where(entries.c.time < _utc(f.until))
    return query


def find_entries(conn: Connection, f: EntryFilter, *, after: int | None, limit: int) -> list[Any]:
    """Rows (seq, leaf_hash, entry, ...) after index `after`, oldest first."""
    query = _filtered(select(entries), f).order_by(entries.c.seq).limit(min(limit, MAX_PAGE))
    if after is not None:
        query = query.where(entries.c.seq > after)
    return list(conn.execute(query).all())


def iter_entries(conn: Connection, f: EntryFilter, *, page: int = 500, limit: int | None = None) -> Iterator[Any]:
    """Every matching row, page by page (for exports and reports)."""
    after: int | None = None
    seen = 0
    while limit is None or seen < limit:
        rows = find_entries(conn, f, after=after, limit=page if limit is None else min(page, limit - seen))
        yield from rows
        seen += len(rows)
        if len(rows) < page:
            return
        after = rows[-1].seq


def entry_view(row: Any) -> dict[str, Any]:
    """An entry row as the API shows it."""
    return {"seq": row.seq, "leaf_hash": bytes(row.leaf_hash).hex(), "entry": json.loads(row.entry)}
