"""The training service's database: the jobs table (both roles) beside the shared messaging tables.

State changes go through `transition`, a conditional UPDATE on the expected states, so the API, the
event consumer, the ledger-write relay and the worker can never overwrite each other's progress.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    select,
    update,
)

from ledgerml.shared.persistence import insert_ignoring_duplicates
from ledgerml.shared.persistence.tables import NAMING_CONVENTION
from ledgerml.training.domain import DatasetRef, Job, JobRole, JobState

MIGRATIONS = "ledgerml.training:migrations"

metadata = MetaData(naming_convention=NAMING_CONVENTION)

jobs_table = Table(
    "training_jobs",
    metadata,
    Column("job_id", String(128), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("state", String(32), nullable=False),
    Column("requester_org", String(64), nullable=False),
    Column("owner_org", String(64), nullable=True),
    Column("algorithm", String(128), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("datasets", LargeBinary, nullable=False),
    Column("deposit", BigInteger, nullable=False),
    Column("hyperparameters", LargeBinary, nullable=True),
    Column("hyperparameters_hash", String(64), nullable=True),
    Column("submission_id", String(256), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("model_sha256", String(64), nullable=True),
    Column("transcript_root", String(64), nullable=True),
    Column("metrics", LargeBinary, nullable=True),
    Column("metrics_hash", String(64), nullable=True),
    Column("progress", LargeBinary, nullable=False),
    Column("failure_reason", String(500), nullable=True),
    Column("ledger_tx_id", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_training_jobs_role_state", "role", "state"),
)

_JSON_COLUMNS = ("hyperparameters", "metrics", "progress")


def _encode(changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(changes)
    for key in _JSON_COLUMNS:
        if key in out and out[key] is not None:
            out[key] = json.dumps(out[key], sort_keys=True).encode()
    if "state" in out:
        out["state"] = str(out["state"])
    return out


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value  # SQLite drops tz


def _loads(value: bytes | None) -> Any:
    return json.loads(value) if value is not None else None


def _job(row: Any) -> Job:
    m = row._mapping
    return Job(
        job_id=m["job_id"], role=JobRole(m["role"]), state=JobState(m["state"]), requester_org=m["requester_org"],
        owner_org=m["owner_org"], algorithm=m["algorithm"], code_hash=m["code_hash"],
        datasets=tuple(DatasetRef(**d) for d in json.loads(m["datasets"])), deposit=int(m["deposit"]),
        created_at=_aware(m["created_at"]) or datetime.now(UTC), updated_at=_aware(m["updated_at"]) or
        datetime.now(UTC), hyperparameters=_loads(m["hyperparameters"]),
        hyperparameters_hash=m["hyperparameters_hash"], submission_id=m["submission_id"],
        started_at=_aware(m["started_at"]), model_sha256=m["model_sha256"], transcript_root=m["transcript_root"],
        metrics=_loads(m["metrics"]), metrics_hash=m["metrics_hash"], progress=tuple(_loads(m["progress"]) or ()),
        failure_reason=m["failure_reason"], ledger_tx_id=m["ledger_tx_id"],
    )


def insert_job(conn: Connection, job: Job) -> bool:
    """False when a job with this id exists already (it is left untouched)."""
    values = _encode({
        "job_id": job.job_id, "role": str(job.role), "state": job.state, "requester_org": job.requester_org,
        "owner_org": job.owner_org, "algorithm": job.algorithm, "code_hash": job.code_hash,
        "datasets": [d.as_dict() for d in job.datasets], "deposit": job.deposit,
        "hyperparameters": job.hyperparameters, "hyperparameters_hash": job.hyperparameters_hash,
        "progress": list(job.progress), "ledger_tx_id": job.ledger_tx_id, "created_at": job.created_at,
        "updated_at": job.updated_at,
    })
    values["datasets"] = json.dumps(values["datasets"]).encode()
    return insert_ignoring_duplicates(conn, jobs_table, values)


def get_job(conn: Connection, job_id: str) -> Job | None:
    row = conn.execute(select(jobs_table).where(jobs_table.c.job_id == job_id)).first()
    return _job(row) if row else None


def jobs_in(conn: Connection, role: JobRole, states: Collection[JobState]) -> list[Job]:
    rows = conn.execute(select(jobs_table).where(jobs_table.c.role == str(role),
                                                 jobs_table.c.state.in_([str(s) for s in states]))
                        .order_by(jobs_table.c.created_at, jobs_table.c.job_id)).all()
    return [_job(r) for r in rows]


def transition(conn: Connection, job_id: str, *, expect: Collection[JobState], to: JobState,
               **changes: Any) -> bool:
    """Move the job to `to` only if it is in one of `expect`; True when it moved."""
    stmt = (update(jobs_table)
            .where(jobs_table.c.job_id == job_id, jobs_table.c.state.in_([str(s) for s in expect]))
            .values(**_encode({**changes, "state": to, "updated_at": datetime.now(UTC)})))
    return (conn.execute(stmt.returning(jobs_table.c.job_id)).first()) is not None


def record(conn: Connection, job_id: str, **changes: Any) -> None:
    """Update fields without a state change (progress, the ledger tx id)."""
    conn.execute(update(jobs_table).where(jobs_table.c.job_id == job_id)
                 .values(**_encode({**changes, "updated_at": datetime.now(UTC)})))


class SqlJobs:
    """`JobStore` on one database connection (the use case's transaction)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def insert(self, job: Job) -> bool:
        return insert_job(self._conn, job)

    def get(self, job_id: str) -> Job | None:
        return get_job(self._conn, job_id)

    def transition(self, job_id: str, *, expect: Collection[JobState], to: JobState) -> bool:
        return transition(self._conn, job_id, expect=expect, to=to)
