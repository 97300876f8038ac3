"""SQL for this organisation's request records and their history (both directions)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from ledgerml.access_control.adapters.db import history_table as h
from ledgerml.access_control.adapters.db import requests_table as t
from ledgerml.access_control.domain import Answer, HistoryEntry, Purpose, RequestRecord, RequestState
from ledgerml.access_control.errors import InvalidCursor


def utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything is stored and returned as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_TIMES = ("requested_expiry", "expires_at", "created_at", "updated_at")


def _record(row: Any) -> RequestRecord:
    m = dict(row._mapping)
    for key in _TIMES:
        m[key] = utc(m[key])
    m["purpose"] = Purpose(m["purpose"])
    m["state"] = RequestState(m["state"])
    m["pending_answer"] = Answer(m["pending_answer"]) if m["pending_answer"] else None
    return RequestRecord(**m)


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (utc(v) if isinstance(v, datetime) else (str(v) if isinstance(v, Purpose | RequestState | Answer)
                                                        else v)) for k, v in values.items()}


def insert_request(conn: Connection, record: RequestRecord) -> None:
    conn.execute(t.insert().values(**_stored(record.__dict__)))


def get_request(conn: Connection, request_id: str) -> RequestRecord | None:
    row = conn.execute(select(t).where(t.c.request_id == request_id)).first()
    return _record(row) if row else None


def update_request(conn: Connection, request_id: str, **changes: Any) -> None:
    conn.execute(update(t).where(t.c.request_id == request_id).values(**_stored(changes)))


def encode_cursor(record: RequestRecord) -> str:
    raw = json.dumps([record.created_at.isoformat(), record.request_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, request_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return utc(datetime.fromisoformat(created)) or datetime.now(UTC), str(request_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidCursor("cursor must be a next_cursor value from a previous page") from None


def list_requests(conn: Connection, *, owner_org: str | None, requester_org: str | None,
                  state: RequestState | None, limit: int, cursor: str | None) -> list[RequestRecord]:
    """Requests where `owner_org` owns the dataset or `requester_org` asked (either may be None = any)."""
    parties = []
    if owner_org is not None:
        parties.append(t.c.owner_org == owner_org)
    if requester_org is not None:
        parties.append(t.c.requester_org == requester_org)
    stmt = select(t)
    if parties:
        stmt = stmt.where(or_(*parties))
    if state is not None:
        stmt = stmt.where(t.c.state == str(state))
    if cursor:
        created, request_id = _decode_cursor(cursor)
        stmt = stmt.where(or_(t.c.created_at > created, and_(t.c.created_at == created, t.c.request_id > request_id)))
    rows = conn.execute(stmt.order_by(t.c.created_at, t.c.request_id).limit(limit)).all()
    return [_record(r) for r in rows]


def add_history(conn: Connection, request_id: str, *, at: datetime, event: str, state: RequestState, actor: str,
                write_id: str | None = None, tx_id: str | None = None, block_number: int | None = None,
                detail: str | None = None) -> None:
    conn.execute(h.insert().values(request_id=request_id, at=utc(at), event=event, state=str(state), actor=actor,
                                   write_id=write_id, tx_id=tx_id, block_number=block_number, detail=detail))


def history(conn: Connection, request_id: str) -> list[HistoryEntry]:
    rows = conn.execute(select(h).where(h.c.request_id == request_id).order_by(h.c.id)).all()
    return [HistoryEntry(utc(r.at) or r.at, r.event, RequestState(r.state), r.actor, r.write_id, r.tx_id,
                         r.block_number, r.detail) for r in rows]


class SqlRequests:
    """`RequestStore` on one database connection (the use case's transaction)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, request_id: str) -> RequestRecord | None:
        return get_request(self._conn, request_id)

    def insert(self, record: RequestRecord) -> None:
        insert_request(self._conn, record)

    def update(self, request_id: str, **changes: Any) -> None:
        update_request(self._conn, request_id, **changes)

    def page(self, *, owner_org: str | None, requester_org: str | None, state: RequestState | None, limit: int,
             cursor: str | None) -> list[RequestRecord]:
        return list_requests(self._conn, owner_org=owner_org, requester_org=requester_org, state=state, limit=limit,
                             cursor=cursor)

    def add_history(self, request_id: str, *, at: datetime, event: str, state: RequestState, actor: str,
                    write_id: str | None = None, detail: str | None = None) -> None:
        add_history(self._conn, request_id, at=at, event=event, state=state, actor=actor, write_id=write_id,
                    detail=detail)

    def history(self, request_id: str) -> list[HistoryEntry]:
        return history(self._conn, request_id)
