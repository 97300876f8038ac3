"""The catalog on SQLAlchemy Core, bound to one connection (one transaction). Portable SQL only:
the same statements run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ledgerml.registry.adapters.db import (
    dataset_columns_table,
    dataset_tags_table,
    datasets_table,
    rejected_events_table,
    versions_table,
)
from ledgerml.registry.domain import (
    CatalogPage,
    CatalogQuery,
    Dataset,
    DatasetSpec,
    DatasetVersion,
    LedgerStatus,
    encode_cursor,
)
from ledgerml.registry.errors import DatasetExists
from ledgerml.shared.persistence.tables import ledger_writes_table as writes

d, v = datasets_table, versions_table


def _ledger_values(status: LedgerStatus) -> dict[str, Any]:
    return {"ledger_state": status.state, "tx_id": status.tx_id, "block_number": status.block_number,
            "error_code": status.error_code, "error_detail": status.error_detail}


def _status(m: Any) -> LedgerStatus:
    # A pending row shows why its last submission failed (e.g. LML-5004), read from the write itself.
    pending = m["ledger_state"] == "pending"
    return LedgerStatus(state=m["ledger_state"], tx_id=m["tx_id"], block_number=m["block_number"],
                        error_code=m["write_error_code"] if pending else m["error_code"],
                        error_detail=m["write_error_detail"] if pending else m["error_detail"])


def _with_write(table: Any) -> Any:
    return (select(table, writes.c.error_code.label("write_error_code"),
                   writes.c.error_detail.label("write_error_detail"))
            .select_from(table.outerjoin(writes, writes.c.id == table.c.ledger_write_id)))


def _printable(text: str) -> str:
    """A refused event's fields may hold anything; PostgreSQL text refuses NUL, logs dislike control chars."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _aware(at: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _dataset(m: Any, versions: Sequence[DatasetVersion] = ()) -> Dataset:
    spec = DatasetSpec(dataset_id=m["dataset_id"], name=m["name"], description=m["description"],
                       schema=tuple(sorted(json.loads(m["schema_json"]).items())), terms=m["terms"],
                       tags=tuple(json.loads(m["tags_json"])), price_per_job=int(m["price_per_job"]))
    return Dataset(spec=spec, owner_org=m["owner_org"], created_at=_aware(m["created_at"]), origin=m["origin"],
                   ledger=_status(m), versions=tuple(versions))


def _version(m: Any) -> DatasetVersion:
    return DatasetVersion(dataset_id=m["dataset_id"], version=m["version"], merkle_root=m["merkle_root"],
                          size_bytes=int(m["size_bytes"]), chunk_count=int(m["chunk_count"]),
                          chunk_size=m["chunk_size"], stored_at=_aware(m["stored_at"]), origin=m["origin"],
                          ledger=_status(m))


class SqlCatalog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def dataset(self, dataset_id: str) -> Dataset | None:
        row = self._conn.execute(_with_write(d).where(d.c.dataset_id == dataset_id)).first()
        if row is None:
            return None
        rows = self._conn.execute(_with_write(v).where(v.c.dataset_id == dataset_id)
                                  .order_by(v.c.stored_at, v.c.version)).all()
        return _dataset(row._mapping, [_version(r._mapping) for r in rows])

    def add_dataset(self, dataset: Dataset, *, ledger_write_id: str | None) -> None:
        spec = dataset.spec
        try:
            self._conn.execute(insert(d).values(
                dataset_id=spec.dataset_id, owner_org=dataset.owner_org, name=spec.name,
                description=spec.description, schema_json=json.dumps(dict(spec.schema)), terms=spec.terms,
                tags_json=json.dumps(list(spec.tags)), price_per_job=spec.price_per_job,
                created_at=dataset.created_at, origin=dataset.origin, ledger_write_id=ledger_write_id,
                **_ledger_values(dataset.ledger)))
        except IntegrityError:  # a concurrent registration won the race; the transaction rolls back
            raise DatasetExists(f"dataset id {spec.dataset_id!r} is already in the catalog; choose another "
                                "or omit dataset_id to have one generated") from None
        self._index(spec)

    def _index(self, spec: DatasetSpec) -> None:
        if spec.tags:
            self._conn.execute(insert(dataset_tags_table),
                               [{"dataset_id": spec.dataset_id, "tag": t} for t in spec.tags])
        if spec.schema:
            self._conn.execute(insert(dataset_columns_table),
                               [{"dataset_id": spec.dataset_id, "column_name": c} for c, _ in spec.schema])

    def update_mirrored_dataset(self, dataset: Dataset) -> None:
        spec = dataset.spec
        self._conn.execute(update(d).where(d.c.dataset_id == spec.dataset_id).values(
            name=spec.name, description=spec.description, schema_json=json.dumps(dict(spec.schema)),
            terms=spec.terms, tags_json=json.dumps(list(spec.tags)), price_per_job=spec.price_per_job,
            **_ledger_values(dataset.ledger)))
        for table in (dataset_tags_table, dataset_columns_table):
            self._conn.execute(table.delete().where(table.c.dataset_id == spec.dataset_id))
        self._index(spec)

    def search(self, query: CatalogQuery) -> CatalogPage:
        stmt = _with_write(d)
        conditions = []
        if query.text:
            pattern = "%" + query.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append(or_(func.lower(d.c.name).like(pattern, escape="\\"),
                                  func.lower(d.c.description).like(pattern, escape="\\")))
        if query.tag:
            t = dataset_tags_table
            conditions.append(exists().where(and_(t.c.dataset_id == d.c.dataset_id, t.c.tag == query.tag)))
        if query.column:
            c = dataset_columns_table
            conditions.append(exists().where(and_(c.c.dataset_id == d.c.dataset_id,
                                                  c.c.column_name == query.column)))
        if query.owner:
            conditions.append(d.c.owner_org == query.owner)
        if query.after:
            conditions.append(d.c.dataset_id > query.after)
        rows = self._conn.execute(stmt.where(*conditions).order_by(d.c.dataset_id).limit(query.limit + 1)).all()
        items = tuple(_dataset(r._mapping) for r in rows[: query.limit])
        more = len(rows) > query.limit
        return CatalogPage(items=items, next_cursor=encode_cursor(items[-1].dataset_id) if more else None)

    def version(self, dataset_id: str, version: str) -> DatasetVersion | None:
        row = self._conn.execute(_with_write(v).where(v.c.dataset_id == dataset_id, v.c.version == version)).first()
        return _version(row._mapping) if row else None

    def add_version(self, version: DatasetVersion, *, ledger_write_id: str | None) -> None:
        self._conn.execute(insert(v).values(
            dataset_id=version.dataset_id, version=version.version, merkle_root=version.merkle_root,
            size_bytes=version.size_bytes, chunk_count=version.chunk_count, chunk_size=version.chunk_size,
            stored_at=version.stored_at, origin=version.origin, ledger_write_id=ledger_write_id,
            **_ledger_values(version.ledger)))

    def set_ledger_status(self, *, dataset_id: str, version: str | None, status: LedgerStatus) -> None:
        if version is None:
            self._conn.execute(update(d).where(d.c.dataset_id == dataset_id).values(**_ledger_values(status)))
        else:
            self._conn.execute(update(v).where(v.c.dataset_id == dataset_id, v.c.version == version)
                               .values(**_ledger_values(status)))

    def apply_write_outcome(self, write_id: str, status: LedgerStatus) -> list[tuple[str, str | None]]:
        touched: list[tuple[str, str | None]] = []
        for row in self._conn.execute(select(d.c.dataset_id).where(d.c.ledger_write_id == write_id)).all():
            touched.append((row.dataset_id, None))
        for row in self._conn.execute(select(v.c.dataset_id, v.c.version).where(v.c.ledger_write_id == write_id)):
            touched.append((row.dataset_id, row.version))
        for dataset_id, version in touched:
            self.set_ledger_status(dataset_id=dataset_id, version=version, status=status)
        return touched

    def record_rejection(self, *, event_id: str, event_type: str, subject: str, code: str, reason: str) -> None:
        self._conn.execute(insert(rejected_events_table).values(
            event_id=_printable(event_id)[:128], event_type=_printable(event_type)[:128],
            subject=_printable(subject)[:256], code=code, reason=_printable(reason)[:1024],
            received_at=datetime.now(UTC)))
