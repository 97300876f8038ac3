"""Sealing layouts: versions stored by the old layout (objects named by the hash of their bytes, no digest
in the associated data) still download and verify; the current layout binds the manifest's digest, so a
manifest altered after the fact fails closed; addresses are never shared between datasets or versions."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from ledgerml.storage import service
from ledgerml.storage.adapters import repository as repo
from ledgerml.storage.adapters.db import chunks, versions
from ledgerml.storage.domain import Chunker, ChunkFailure, ChunkRef, Manifest, merkle_root_hex, verify_chunk
from ledgerml.storage.errors import IntegrityViolated
from ledgerml.storage.sealing import (
    LAYOUT_BOUND,
    LAYOUT_HASHED,
    bound_address,
    content_address,
    open_chunk,
    seal_chunk,
    seal_parts,
    sealed_buffer,
)
from ledgerml.storage.service import Storage
from ledgerml.storage.service_reading import open_content

from .conftest import CHUNK, ORG1_USER, engine_of, upload
from .fakes import MemoryBlobs

DATA = os.urandom(CHUNK * 2 + 77)
KEY = bytes(range(32))


def _store_layout_1(storage: Storage, blobs: MemoryBlobs, data: bytes) -> Manifest:
    """What the service wrote before layout 2: AAD without the digest, object named by its bytes' hash."""
    key = service.data_key(storage, "ds-one")
    now = datetime.now(UTC)
    with engine_of(storage).begin() as conn:
        upload_id = repo.reserve_upload(conn, dataset_id="ds-one", version="old", uploader="test", now=now,
                                        stale_before=now)
    refs = []
    for index, start in enumerate(range(0, len(data), CHUNK)):
        part = data[start:start + CHUNK]
        nonce, sealed = seal_chunk(key, part, dataset_id="ds-one", version="old", index=index)
        ref = ChunkRef(index, hashlib.sha256(part).hexdigest(), content_address(sealed), len(part), nonce.hex())
        blobs.put(ref.object_key, sealed)
        refs.append(ref)
        with engine_of(storage).begin() as conn:
            repo.record_chunk(conn, upload_id, ref, now=now)
    manifest = Manifest("ds-one", "old", merkle_root_hex([r.sha256 for r in refs]), len(data), CHUNK, now,
                        tuple(refs), LAYOUT_HASHED)
    with engine_of(storage).begin() as conn:
        repo.commit_version(conn, manifest, upload_id=upload_id, uploader="test")
    return manifest


def _read(storage: Storage, version: str) -> bytes:
    return b"".join(open_content(storage=storage, principal=ORG1_USER, dataset_id="ds-one", version=version).body)


def test_versions_of_the_old_layout_still_download_and_verify(storage: Storage, blobs: MemoryBlobs) -> None:
    stored = _store_layout_1(storage, blobs, DATA)
    assert service.load_manifest(storage, "ds-one", "old").layout == LAYOUT_HASHED
    assert _read(storage, "old") == DATA
    assert service.integrity_report(storage, stored).ok
    upload(storage, DATA, version="new")
    assert service.load_manifest(storage, "ds-one", "new").layout == LAYOUT_BOUND
    assert _read(storage, "new") == DATA


def test_a_manifest_digest_changed_after_upload_fails_closed(storage: Storage) -> None:
    manifest = upload(storage, DATA)
    forged = hashlib.sha256(b"forged").hexdigest()
    root = merkle_root_hex([forged if c.index == 1 else c.sha256 for c in manifest.chunks])
    with engine_of(storage).begin() as conn:  # the whole manifest rewritten consistently, root included
        conn.execute(update(chunks).where(chunks.c.object_key == manifest.chunks[1].object_key).values(sha256=forged))
        conn.execute(update(versions).values(merkle_root=root))
    content = open_content(storage=storage, principal=ORG1_USER, dataset_id="ds-one", version="v1")
    with pytest.raises(IntegrityViolated, match="chunk 1 does not authenticate"):
        b"".join(content.body)
    report = service.integrity_report(storage, service.load_manifest(storage, "ds-one", "v1"))
    assert not report.ok and [f.index for f in report.chunks_failed] == [1]


def test_layout_2_authenticates_the_digest_and_names_objects_apart() -> None:
    plain = b"z" * 64
    digest = hashlib.sha256(plain).hexdigest()
    nonce, sealed = seal_chunk(KEY, plain, dataset_id="ds", version="v1", index=0, digest=digest)
    ref = ChunkRef(0, digest, "k", len(plain), nonce.hex())
    assert verify_chunk(KEY, sealed, ref, dataset_id="ds", version="v1", layout=LAYOUT_BOUND) == plain
    other = ChunkRef(0, hashlib.sha256(b"other").hexdigest(), "k", len(plain), nonce.hex())
    failed = verify_chunk(KEY, sealed, other, dataset_id="ds", version="v1", layout=LAYOUT_BOUND)
    assert isinstance(failed, ChunkFailure) and "authenticate" in failed.reason
    assert isinstance(verify_chunk(KEY, sealed, ref, dataset_id="ds", version="v1"), ChunkFailure)  # not layout 1
    places = [("ds", "v1", 0), ("ds", "v2", 0), ("ds2", "v1", 0), ("ds", "v1", 1)]
    addresses = {bound_address(dataset_id=d, version=v, index=i, digest=digest, nonce=nonce) for d, v, i in places}
    addresses.add(bound_address(dataset_id="ds", version="v1", index=0, digest=digest, nonce=bytes(12)))
    assert len(addresses) == len(places) + 1


def test_sealing_parts_into_a_reused_buffer_is_the_same_sealing() -> None:
    data = os.urandom(10_000)
    digest = hashlib.sha256(data).hexdigest()
    chunker = Chunker(len(data))
    (parts,) = [p for piece in (data[:7], data[7:6000], data[6000:]) for p in chunker.feed_parts(piece)]
    assert len(parts) == 3
    out = sealed_buffer(len(data))
    nonce, sealed = seal_parts(KEY, parts, out, dataset_id="ds", version="v1", index=2, digest=digest)
    assert len(sealed) == len(data) + 16
    assert open_chunk(KEY, nonce, bytes(sealed), dataset_id="ds", version="v1", index=2, digest=digest) == data
    assert open_chunk(KEY, nonce, bytes(sealed), dataset_id="ds", version="v1", index=2) is None  # layout 2 only
