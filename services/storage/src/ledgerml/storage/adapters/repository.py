"""Queries on the storage tables. Every function takes the caller's connection (its transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ledgerml.storage.adapters.db import chunks, dataset_keys, uploads, versions
from ledgerml.storage.domain import ChunkRef, Manifest
from ledgerml.storage.errors import UploadInProgress, VersionExists


def wrapped_key(conn: Connection, dataset_id: str) -> bytes | None:
    row = conn.execute(select(dataset_keys.c.wrapped_key).where(dataset_keys.c.dataset_id == dataset_id)).first()
    return bytes(row[0]) if row else None


def insert_wrapped_key(conn: Connection, *, dataset_id: str, wrapped: bytes, key_id: str, now: datetime) -> None:
    conn.execute(insert(dataset_keys).values(dataset_id=dataset_id, wrapped_key=wrapped, key_id=key_id,
                                             created_at=now))


def version_exists(conn: Connection, dataset_id: str, version: str) -> bool:
    return conn.execute(select(versions.c.upload_id).where(
        versions.c.dataset_id == dataset_id, versions.c.version == version)).first() is not None


def reserve_upload(conn: Connection, *, dataset_id: str, version: str, uploader: str, now: datetime,
                   stale_before: datetime) -> str:
    """Start an upload; an idle upload older than `stale_before` is abandoned (the GC removes its chunks)."""
    if version_exists(conn, dataset_id, version):
        raise VersionExists(f"{dataset_id} version {version} is already stored; versions are immutable, "
                            "upload under a new version")
    active = and_(uploads.c.dataset_id == dataset_id, uploads.c.version == version, uploads.c.state == "uploading")
    conn.execute(update(uploads).where(active, uploads.c.updated_at < stale_before).values(state="aborted"))
    upload_id = str(uuid.uuid4())
    try:
        with conn.begin_nested():
            conn.execute(insert(uploads).values(upload_id=upload_id, dataset_id=dataset_id, version=version,
                                                state="uploading", uploader=uploader, started_at=now, updated_at=now))
    except IntegrityError:
        raise UploadInProgress(f"another upload of {dataset_id} version {version} is in progress; retry when it "
                               "has finished") from None
    return upload_id


def record_chunk(conn: Connection, upload_id: str, chunk: ChunkRef, *, now: datetime) -> None:
    conn.execute(insert(chunks).values(upload_id=upload_id, chunk_index=chunk.index, sha256=chunk.sha256,
                                       object_key=chunk.object_key, size=chunk.size, nonce=chunk.nonce))
    conn.execute(update(uploads).where(uploads.c.upload_id == upload_id).values(updated_at=now))


def commit_version(conn: Connection, manifest: Manifest, *, upload_id: str, uploader: str) -> None:
    """Makes the version visible; its chunk rows must all be recorded already."""
    try:
        with conn.begin_nested():
            conn.execute(insert(versions).values(
                dataset_id=manifest.dataset_id, version=manifest.version, upload_id=upload_id,
                merkle_root=manifest.merkle_root, size_bytes=manifest.size_bytes, chunk_count=manifest.chunk_count,
                chunk_size=manifest.chunk_size, uploader=uploader, created_at=manifest.created_at,
                layout=manifest.layout))
    except IntegrityError:
        raise VersionExists(f"{manifest.dataset_id} version {manifest.version} was stored meanwhile") from None
    conn.execute(update(uploads).where(uploads.c.upload_id == upload_id).values(
        state="committed", updated_at=manifest.created_at))


def mark_aborted(conn: Connection, upload_id: str) -> None:
    conn.execute(update(uploads).where(uploads.c.upload_id == upload_id, uploads.c.state == "uploading")
                 .values(state="aborted"))


def load_manifest(conn: Connection, dataset_id: str, version: str) -> Manifest | None:
    row = conn.execute(select(versions).where(versions.c.dataset_id == dataset_id,
                                              versions.c.version == version)).first()
    if row is None:
        return None
    refs = conn.execute(select(chunks).where(chunks.c.upload_id == row.upload_id).order_by(chunks.c.chunk_index))
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)  # SQLite: naive
    return Manifest(row.dataset_id, row.version, row.merkle_root, row.size_bytes, row.chunk_size,
                    created, tuple(ChunkRef(r.chunk_index, r.sha256, r.object_key, r.size, r.nonce) for r in refs),
                    row.layout)


def abandoned_uploads(conn: Connection, *, stale_before: datetime) -> list[str]:
    rows = conn.execute(select(uploads.c.upload_id).where(or_(
        uploads.c.state == "aborted",
        and_(uploads.c.state == "uploading", uploads.c.updated_at < stale_before))))
    return [r.upload_id for r in rows]


def upload_object_keys(conn: Connection, upload_id: str) -> list[str]:
    return list(conn.execute(select(chunks.c.object_key).where(chunks.c.upload_id == upload_id)).scalars())


def forget_upload(conn: Connection, upload_id: str) -> None:
    """Remove an abandoned upload's rows, once its objects are gone; never a committed one."""
    if conn.execute(select(versions.c.upload_id).where(versions.c.upload_id == upload_id)).first() is not None:
        return
    conn.execute(delete(chunks).where(chunks.c.upload_id == upload_id))
    conn.execute(delete(uploads).where(uploads.c.upload_id == upload_id))


def referenced(conn: Connection, object_keys: Sequence[str]) -> set[str]:
    rows = conn.execute(select(chunks.c.object_key).where(chunks.c.object_key.in_(list(object_keys))))
    return set(rows.scalars())

