"""Streaming upload: chunks, root, encryption at rest, visibility only when complete, clear refusals."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine, func, select

from ledgerml.shared.errors import DependencyUnavailable
from ledgerml.shared.events import EventType
from ledgerml.shared.merkle import root_of_entries
from ledgerml.storage import service, service_upload
from ledgerml.storage.adapters.db import chunks, uploads, versions
from ledgerml.storage.errors import (
    DatasetUnknown,
    EmptyBody,
    NotDatasetOwner,
    ObjectStoreUnavailable,
    UnsupportedContentType,
    VersionExists,
    VersionNotFound,
    VersionTooLarge,
)
from ledgerml.storage.sealing import CURRENT_LAYOUT, bound_address
from ledgerml.storage.service import Storage

from .conftest import CHUNK, ORG1_USER, ORG2_USER, engine_of, events, upload
from .fakes import MemoryBlobs


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_upload_chunks_hashes_encrypts_and_emits_version_stored(storage: Storage, blobs: MemoryBlobs) -> None:
    data = os.urandom(CHUNK * 2 + 123)
    manifest = upload(storage, data)
    parts = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]
    assert manifest.chunk_count == 3 and manifest.size_bytes == len(data) and manifest.chunk_size == CHUNK
    assert manifest.merkle_root == root_of_entries(hashlib.sha256(p).digest() for p in parts).hex()
    assert len(blobs.objects) == 3 and manifest.layout == CURRENT_LAYOUT
    for ref, part in zip(manifest.chunks, parts, strict=True):  # named by what it is bound to, never plaintext
        assert ref.sha256 == hashlib.sha256(part).hexdigest()
        assert ref.object_key == bound_address(dataset_id="ds-one", version="v1", index=ref.index, digest=ref.sha256,
                                               nonce=bytes.fromhex(ref.nonce))
        assert not any(p[:64] in blobs.objects[ref.object_key] for p in parts)
    stored = [e for e in events(engine_of(storage)) if e.type is EventType.STORAGE_VERSION_STORED]
    assert len(stored) == 1 and stored[0].data.model_dump() == {
        "dataset_id": "ds-one", "version": "v1", "merkle_root": manifest.merkle_root, "size_bytes": len(data),
        "chunk_count": 3, "chunk_size": CHUNK}
    assert service.load_manifest(storage, "ds-one", "v1").view() == manifest.view()


def test_versions_are_immutable(storage: Storage) -> None:
    upload(storage, b"first")
    with pytest.raises(VersionExists):
        upload(storage, b"second")
    assert _count(engine_of(storage), versions) == 1


def test_data_key_is_stored_only_wrapped(storage: Storage) -> None:
    upload(storage, b"some bytes")
    key = service.data_key(storage, "ds-one")
    with engine_of(storage).connect() as conn:
        raw = conn.exec_driver_sql("SELECT wrapped_key FROM storage_dataset_keys").scalar_one()
    assert len(key) == 32 and key not in bytes(raw)


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"content_type": "text/csv"}, UnsupportedContentType),
    ({"dataset_id": "ds-unknown"}, DatasetUnknown),
    ({"dataset_id": "ds-two"}, NotDatasetOwner),  # owned by Org2: not stored here
    ({"principal": ORG2_USER}, NotDatasetOwner),
])
def test_refusals_before_any_byte_is_stored(storage: Storage, blobs: MemoryBlobs, kwargs: dict[str, object],
                                            error: type[Exception]) -> None:
    with pytest.raises(error):
        upload(storage, b"data", **kwargs)  # type: ignore[arg-type]
    assert blobs.objects == {} and _count(engine_of(storage), versions) == 0


def test_empty_and_oversize_bodies_leave_nothing(storage: Storage, blobs: MemoryBlobs) -> None:
    with pytest.raises(EmptyBody):
        upload(storage, b"")
    with pytest.raises(VersionTooLarge):
        upload(storage, os.urandom(storage.limits.max_version_bytes + 1))
    with pytest.raises(VersionTooLarge):
        service_upload.check_request(storage, content_type="application/octet-stream", content_length=str(1 << 30))
    assert blobs.objects == {} and _count(engine_of(storage), chunks) == 0 and _count(engine_of(storage), versions) == 0


async def _dies_after(data: bytes, error: BaseException) -> AsyncIterator[bytes]:
    yield data
    raise error


def test_interrupted_upload_leaves_no_version_and_no_objects(storage: Storage, blobs: MemoryBlobs) -> None:
    body = _dies_after(os.urandom(CHUNK * 5), ConnectionResetError("client went away"))
    with pytest.raises(ConnectionResetError):
        asyncio.run(service_upload.store_version(storage=storage, principal=ORG1_USER, dataset_id="ds-one",
                                                 version="v1", body=body, content_type="application/octet-stream",
                                                 content_length=None))
    assert blobs.objects == {} and _count(engine_of(storage), uploads) == 0 and _count(engine_of(storage), chunks) == 0
    with pytest.raises(VersionNotFound):
        service.load_manifest(storage, "ds-one", "v1")
    assert upload(storage, b"retry works").chunk_count == 1  # the version is free again


def test_object_store_down_gives_503_and_no_visible_state(storage: Storage, blobs: MemoryBlobs) -> None:
    blobs.fail_after_puts = 2
    with pytest.raises(ObjectStoreUnavailable) as caught:
        upload(storage, os.urandom(CHUNK * 6))
    assert isinstance(caught.value, DependencyUnavailable) and caught.value.status == 503
    assert _count(engine_of(storage), versions) == 0
    assert not [e for e in events(engine_of(storage)) if e.type is EventType.STORAGE_VERSION_STORED]
    with engine_of(storage).connect() as conn:  # what could not be removed yet is marked for the GC
        assert set(conn.execute(select(uploads.c.state)).scalars()) == {"aborted"}
