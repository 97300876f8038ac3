"""Per-producer sequence tracking: gaps opened, closed by late arrivals, and replays (SQL side of
`domain.observe_sequence`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from ledgerml.audit.adapters.db import gaps, sources
from ledgerml.audit.domain import SequenceRange, SequenceUpdate, observe_sequence


def track_sequence(conn: Connection, *, source: str, sequence: int, now: datetime) -> SequenceUpdate:
    row = conn.execute(select(sources).where(sources.c.source == source)).first()
    last = row.last_sequence if row is not None else None
    open_gaps: list[SequenceRange] = []
    gap_ids: dict[SequenceRange, int] = {}
    if row is not None and sequence <= row.last_sequence:
        query = select(gaps).where(gaps.c.source == source, gaps.c.first_missing <= sequence,
                                   gaps.c.last_missing >= sequence)
        for g in conn.execute(query):
            gap = SequenceRange(g.first_missing, g.last_missing)
            open_gaps.append(gap)
            gap_ids[gap] = g.id
    change = observe_sequence(last, open_gaps, sequence)
    if row is None:
        conn.execute(insert(sources).values(source=source, last_sequence=change.last, entries=1, replayed=0))
    else:
        conn.execute(update(sources).where(sources.c.source == source).values(
            last_sequence=change.last, entries=sources.c.entries + 1,
            replayed=sources.c.replayed + (1 if change.replayed else 0)))
    if change.opened is not None:
        conn.execute(insert(gaps).values(source=source, first_missing=change.opened.first,
                                         last_missing=change.opened.last, detected_at=now))
    if change.closed is not None:
        conn.execute(delete(gaps).where(gaps.c.id == gap_ids[change.closed]))
        for rest in change.remaining:
            conn.execute(insert(gaps).values(source=source, first_missing=rest.first, last_missing=rest.last,
                                             detected_at=now))
    return change


def open_gaps(conn: Connection, *, source: str | None = None) -> list[dict[str, object]]:
    query = select(gaps).order_by(gaps.c.source, gaps.c.first_missing)
    if source is not None:
        query = query.where(gaps.c.source == source)
    return [{"source": g.source, "first_missing": g.first_missing, "last_missing": g.last_missing,
             "missing": g.last_missing - g.first_missing + 1, "detected_at": g.detected_at}
            for g in conn.execute(query)]


def source_summaries(conn: Connection) -> list[dict[str, object]]:
    return [{"source": s.source, "last_sequence": s.last_sequence, "entries": s.entries, "replayed": s.replayed}
            for s in conn.execute(select(sources).order_by(sources.c.source))]
