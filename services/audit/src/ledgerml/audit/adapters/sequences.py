"""Producer sequence gaps, read from the log itself. Producers number their events 1, 2, 3, ... without
gaps; one producer's events reach us over several partitions, so numbers arrive out of order and a
per-event bookkeeping would churn. The entries are the record: a window over (source, sequence),
indexed, finds every missing range exactly, whatever the arrival order, at no cost to ingest."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from ledgerml.audit.adapters.db import entries


def open_gaps(conn: Connection, *, source: str | None = None) -> list[dict[str, Any]]:
    """Every missing sequence range per source: before the first number seen, and between neighbours.
    `next_entry` is the log index of the entry just after the gap (where it became visible)."""
    distinct = select(entries.c.source, entries.c.sequence, func.min(entries.c.seq).label("seq")).group_by(
        entries.c.source, entries.c.sequence)
    if source is not None:
        distinct = distinct.where(entries.c.source == source)
    d = distinct.subquery()
    window = select(d.c.source, d.c.sequence, d.c.seq, func.lag(d.c.sequence).over(
        partition_by=d.c.source, order_by=d.c.sequence).label("previous")).subquery()
    query = select(window).where(or_(and_(window.c.previous.is_(None), window.c.sequence > 1),
                                     window.c.sequence > window.c.previous + 1)
                                 ).order_by(window.c.source, window.c.sequence)
    gaps = []
    for row in conn.execute(query):
        first = (row.previous or 0) + 1
        gaps.append({"source": row.source, "first_missing": first, "last_missing": row.sequence - 1,
                     "missing": row.sequence - first, "next_entry": row.seq})
    return gaps


def source_summaries(conn: Connection) -> list[dict[str, Any]]:
    """Per producer: entries, highest number, and replays (a number seen under more than one event id)."""
    query = select(entries.c.source, func.count().label("entries"), func.max(entries.c.sequence).label("last"),
                   func.count(func.distinct(entries.c.sequence)).label("distinct")).group_by(entries.c.source)
    return [{"source": r.source, "last_sequence": r.last, "entries": r.entries, "replayed": r.entries - r.distinct}
            for r in conn.execute(query.order_by(entries.c.source))]
