"""`StorageRecords` in the service's database: each call one transaction on `engine`, over the queries of
`repository` (the transaction boundaries the upload, read and GC paths have always had)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from ledgerml.shared.events import EventData
from ledgerml.shared.messaging import Outbox
from ledgerml.storage.adapters import repository as repo
from ledgerml.storage.domain import ChunkRef, Manifest


class SqlStorageRecords:
    def __init__(self, engine: Engine, outbox: Outbox) -> None:
        self.engine, self.outbox = engine, outbox

    def wrapped_key(self, dataset_id: str) -> bytes | None:
        with self.engine.connect() as conn:
            return repo.wrapped_key(conn, dataset_id)

    def add_wrapped_key(self, *, dataset_id: str, wrapped: bytes, key_id: str, now: datetime) -> bool:
        try:
            with self.engine.begin() as conn:
                repo.insert_wrapped_key(conn, dataset_id=dataset_id, wrapped=wrapped, key_id=key_id, now=now)
        except IntegrityError:
            return False
        return True

    def manifest(self, dataset_id: str, version: str) -> Manifest | None:
        with self.engine.connect() as conn:
            return repo.load_manifest(conn, dataset_id, version)

    def reserve_upload(self, *, dataset_id: str, version: str, uploader: str, now: datetime,
                       stale_before: datetime) -> str:
        with self.engine.begin() as conn:
            return repo.reserve_upload(conn, dataset_id=dataset_id, version=version, uploader=uploader, now=now,
                                       stale_before=stale_before)

    def record_chunk(self, upload_id: str, chunk: ChunkRef, *, now: datetime) -> None:
        with self.engine.begin() as conn:
            repo.record_chunk(conn, upload_id, chunk, now=now)

    def commit_version(self, manifest: Manifest, *, upload_id: str, uploader: str, event: EventData) -> None:
        with self.engine.begin() as conn:
            repo.commit_version(conn, manifest, upload_id=upload_id, uploader=uploader)
            self.outbox.add(conn, event, subject=manifest.dataset_id)

    def add_event(self, data: EventData, *, subject: str) -> None:
        with self.engine.begin() as conn:
            self.outbox.add(conn, data, subject=subject)

    def abort_upload(self, upload_id: str) -> list[str]:
        with self.engine.begin() as conn:
            repo.mark_aborted(conn, upload_id)
            return repo.upload_object_keys(conn, upload_id)

    def forget_upload(self, upload_id: str) -> None:
        with self.engine.begin() as conn:
            repo.forget_upload(conn, upload_id)

    def abandoned_uploads(self, *, stale_before: datetime) -> list[str]:
        with self.engine.begin() as conn:
            return repo.abandoned_uploads(conn, stale_before=stale_before)

    def referenced(self, object_keys: Sequence[str]) -> set[str]:
        with self.engine.connect() as conn:
            return repo.referenced(conn, object_keys)
