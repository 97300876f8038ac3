"""SQL for the decision projection: datasets' owners, requests as the ledger sees them, job charges,
and the consumer checkpoint. A decision is two indexed reads here, no ledger call."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, update

from ledgerml.access_control.adapters.db import history_table
from ledgerml.access_control.adapters.db import proj_checkpoint_table as cp
from ledgerml.access_control.adapters.db import proj_datasets_table as ds
from ledgerml.access_control.adapters.db import proj_jobs_table as jobs
from ledgerml.access_control.adapters.db import proj_requests_table as pr
from ledgerml.access_control.adapters.requests import utc
from ledgerml.access_control.domain import Checkpoint, ProjectedRequest, Purpose, RequestState
from ledgerml.access_control.facts import LedgerRef
from ledgerml.shared.persistence import insert_ignoring_duplicates, processed_events_table


def upsert_dataset(conn: Connection, dataset_id: str, owner_org: str, tx_id: str) -> None:
    # First registration wins: a dataset id is created once on the ledger and never changes owner.
    insert_ignoring_duplicates(conn, ds, {"dataset_id": dataset_id, "owner_org": owner_org, "tx_id": tx_id})


def dataset_owner(conn: Connection, dataset_id: str) -> str | None:
    return conn.execute(select(ds.c.owner_org).where(ds.c.dataset_id == dataset_id)).scalar_one_or_none()


def _projected(row: object) -> ProjectedRequest:
    m = row._mapping  # type: ignore[attr-defined]
    return ProjectedRequest(m["request_id"], Purpose(m["purpose"]) if m["purpose"] else None,
                            RequestState(m["state"]), utc(m["expires_at"]), m["max_jobs"], m["jobs_used"],
                            m["compute_only"], utc(m["updated_at"]) or m["updated_at"])


def get_projected(conn: Connection, request_id: str) -> ProjectedRequest | None:
    row = conn.execute(select(pr).where(pr.c.request_id == request_id)).first()
    return _projected(row) if row else None


def requests_for(conn: Connection, dataset_id: str, org: str) -> list[ProjectedRequest]:
    rows = conn.execute(select(pr).where(pr.c.dataset_id == dataset_id, pr.c.requester_org == org)).all()
    return [_projected(r) for r in rows]


@dataclass(frozen=True)
class ProjectedRow:
    request: ProjectedRequest
    requester_org: str
    tx_id: str


def requests_on(conn: Connection, dataset_id: str) -> list[ProjectedRow]:
    rows = conn.execute(select(pr).where(pr.c.dataset_id == dataset_id)).all()
    return [ProjectedRow(_projected(r), r.requester_org, r.tx_id) for r in rows]


def ensure_request(conn: Connection, *, request_id: str, dataset_id: str, requester_org: str, ref: LedgerRef) -> None:
    """Create the projected request if absent (an answer may be delivered before its request)."""
    insert_ignoring_duplicates(conn, pr, {
        "request_id": request_id, "dataset_id": dataset_id, "requester_org": requester_org, "purpose": None,
        "state": str(RequestState.PENDING), "expires_at": None, "max_jobs": 0, "jobs_used": 0,
        "compute_only": False, "updated_at": utc(ref.at), "tx_id": ref.tx_id})


def update_projected(conn: Connection, request_id: str, **changes: object) -> None:
    values = {k: (utc(v) if isinstance(v, datetime) else (str(v) if isinstance(v, Purpose | RequestState) else v))
              for k, v in changes.items()}
    conn.execute(update(pr).where(pr.c.request_id == request_id).values(**values))


def live_train_grant(conn: Connection, dataset_id: str, org: str) -> str | None:
    """Which grant a job of `org` on `dataset_id` was charged to, when the event does not say."""
    rows = requests_for(conn, dataset_id, org)
    live = [r for r in rows if r.purpose is Purpose.TRAIN and r.state is RequestState.GRANTED]
    return live[0].request_id if live else None


def record_job(conn: Connection, job_id: str, request_ids: list[str]) -> bool:
    return insert_ignoring_duplicates(conn, jobs, {"job_id": job_id, "request_ids": json.dumps(request_ids),
                                                   "released": False})


def release_job(conn: Connection, job_id: str) -> list[str]:
    """Mark a job released once; returns the grants to give a slot back to."""
    row = conn.execute(select(jobs).where(jobs.c.job_id == job_id, jobs.c.released.is_(False))).first()
    if row is None:
        return []
    conn.execute(update(jobs).where(jobs.c.job_id == job_id).values(released=True))
    return list(json.loads(row.request_ids))


def add_jobs_used(conn: Connection, request_id: str, delta: int) -> None:
    new = func.max(pr.c.jobs_used + delta, 0) if conn.dialect.name == "sqlite" else func.greatest(
        pr.c.jobs_used + delta, 0)
    conn.execute(update(pr).where(pr.c.request_id == request_id).values(jobs_used=new))


def get_checkpoint(conn: Connection, name: str) -> Checkpoint | None:
    row = conn.execute(select(cp).where(cp.c.name == name)).first()
    if row is None:
        return None
    return Checkpoint(row.name, row.last_event_id, row.last_tx_id, row.last_block, row.last_index, row.applied,
                      utc(row.polled_at))


def _ensure_checkpoint(conn: Connection, name: str) -> None:
    insert_ignoring_duplicates(conn, cp, {"name": name, "applied": 0})


def advance_checkpoint(conn: Connection, name: str, ref: LedgerRef, *, with_block: bool) -> None:
    _ensure_checkpoint(conn, name)
    values: dict[str, object] = {"last_event_id": ref.event_id, "last_tx_id": ref.tx_id,
                                 "applied": cp.c.applied + 1}
    if with_block and ref.block_number is not None:
        values |= {"last_block": ref.block_number, "last_index": ref.index}
    conn.execute(update(cp).where(cp.c.name == name).values(**values))


def mark_polled(conn: Connection, name: str, at: datetime) -> None:
    _ensure_checkpoint(conn, name)
    conn.execute(update(cp).where(cp.c.name == name).values(polled_at=utc(at)))


def last_polled(conn: Connection, name: str) -> datetime | None:
    polled: datetime | None = conn.execute(select(cp.c.polled_at).where(cp.c.name == name)).scalar_one_or_none()
    result: datetime | None = utc(polled)
    return result


def clear_projection(conn: Connection, *, consumer: str) -> None:
    """Forget everything the projection learnt, before replaying the ledger from block 0."""
    for table in (pr, ds, jobs):
        conn.execute(delete(table))
    conn.execute(delete(cp).where(cp.c.name == consumer))
    conn.execute(delete(history_table).where(history_table.c.actor == "ledger"))
    pe = processed_events_table
    conn.execute(delete(pe).where(pe.c.consumer == consumer))


class SqlProjection:
    """`ProjectionReader` on one database connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def dataset_owner(self, dataset_id: str) -> str | None:
        return dataset_owner(self._conn, dataset_id)

    def requests_for(self, dataset_id: str, org: str) -> list[ProjectedRequest]:
        return requests_for(self._conn, dataset_id, org)

    def last_polled(self, consumer: str) -> datetime | None:
        return last_polled(self._conn, consumer)

    def checkpoint(self, consumer: str) -> Checkpoint | None:
        return get_checkpoint(self._conn, consumer)
