"""Garbage collection: abandoned uploads and unreferenced chunk objects go; committed versions stay."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from ledgerml.storage.adapters import repository as repo
from ledgerml.storage.domain import ChunkRef
from ledgerml.storage.errors import ObjectStoreUnavailable
from ledgerml.storage.gc import collect_garbage
from ledgerml.storage.service import Storage
from ledgerml.storage.service_reading import open_content

from .conftest import CHUNK, ORG1_USER, engine_of, upload
from .fakes import MemoryBlobs


def test_gc_removes_leftovers_of_failed_and_crashed_uploads(storage: Storage, blobs: MemoryBlobs) -> None:
    data = os.urandom(CHUNK * 2)
    kept = upload(storage, data)
    blobs.fail_after_puts = blobs.puts + 2  # the store goes away mid-upload: objects cannot be removed now
    with pytest.raises(ObjectStoreUnavailable):
        upload(storage, os.urandom(CHUNK * 6), version="v2")
    now = datetime.now(UTC)
    with engine_of(storage).begin() as conn:  # a crashed process: an upload left "uploading", one chunk stored
        crashed = repo.reserve_upload(conn, dataset_id="ds-one", version="v3", uploader="x",
                                      now=now - timedelta(hours=2), stale_before=now - timedelta(hours=3))
        stray = ChunkRef(0, "0" * 64, "chunks/crashed", 1, "00" * 12)
        repo.record_chunk(conn, crashed, stray, now=now - timedelta(hours=2))
    blobs.down, blobs.fail_after_puts = False, None
    blobs.put("chunks/crashed", b"sealed")
    blobs.put("chunks/stray", b"no record names me")
    report = collect_garbage(storage.records, blobs, grace=timedelta(0), now=datetime.now(UTC) + timedelta(seconds=1))
    assert report.uploads_discarded == 2 and report.orphans_removed == 1
    assert set(blobs.objects) == {c.object_key for c in kept.chunks}
    content = open_content(storage=storage, principal=ORG1_USER, dataset_id="ds-one", version="v1")
    assert b"".join(content.body) == data
    assert upload(storage, b"v3 after gc", version="v3").chunk_count == 1


def test_gc_spares_young_objects_and_active_uploads(storage: Storage, blobs: MemoryBlobs) -> None:
    now = datetime.now(UTC)
    with engine_of(storage).begin() as conn:
        repo.reserve_upload(conn, dataset_id="ds-one", version="v1", uploader="x", now=now,
                            stale_before=now - timedelta(hours=1))
    blobs.put("chunks/young", b"being uploaded")
    report = collect_garbage(storage.records, blobs, grace=timedelta(minutes=15))
    assert report.view() == {"uploads_discarded": 0, "objects_removed": 0, "orphans_removed": 0}
    assert "chunks/young" in blobs.objects
