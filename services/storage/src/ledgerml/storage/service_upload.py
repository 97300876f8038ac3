"""Use case: the upload of a dataset version, streamed: the body is cut into fixed-size chunks as it arrives; each chunk
is hashed, sealed (AES-256-GCM, its digest bound in: layout 2 of `sealing`) and put to the bucket under
an address derived from that binding, in worker threads, at most `upload_parallelism` at a time, so
memory stays bounded whatever the version's size. One hash and one cipher pass per byte.

The version becomes visible only in the final transaction, which inserts the manifest and the
`VersionStored` event together. Anything that stops the upload before that (client gone, object store
down, oversize, empty) discards the upload: its objects are removed now, or by `gc` when the store
cannot be reached.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import anyio
from anyio import to_thread

from ledgerml.shared.events.schemas import VersionStored
from ledgerml.shared.identity import Principal
from ledgerml.storage.domain import Chunker, ChunkRef, Manifest, merkle_root_hex
from ledgerml.storage.errors import EmptyBody, UnsupportedContentType, VersionTooLarge
from ledgerml.storage.gc import discard_upload
from ledgerml.storage.profile import Stages
from ledgerml.storage.sealing import CURRENT_LAYOUT, bound_address, seal_parts, sealed_buffer
from ledgerml.storage.service import Storage, authorise_upload, data_key, dataset_served_here

CONTENT_TYPE = "application/octet-stream"


def check_request(storage: Storage, *, content_type: str | None, content_length: str | None) -> None:
    """What can be refused before reading a byte of the body."""
    if (content_type or "").split(";")[0].strip().lower() != CONTENT_TYPE:
        raise UnsupportedContentType(f"send the version's bytes as {CONTENT_TYPE}, not {content_type or 'nothing'}")
    if content_length is not None and content_length.strip().isdigit():
        declared = int(content_length)
        if declared == 0:
            raise EmptyBody("the body is empty: a dataset version needs at least one byte")
        if declared > storage.limits.max_version_bytes:
            raise VersionTooLarge(f"{declared} bytes exceed the maximum of {storage.limits.max_version_bytes}")


class _Upload:
    def __init__(self, storage: Storage, *, upload_id: str, key: bytes, dataset_id: str, version: str,
                 stages: Stages) -> None:
        self.storage, self.upload_id, self.key = storage, upload_id, key
        self.dataset_id, self.version, self.stages = dataset_id, version, stages
        self._local = threading.local()  # each worker thread's sealed-chunk buffer

    def put_chunk(self, index: int, box: list[list[memoryview]]) -> ChunkRef:
        """Runs in a worker thread: hash, seal, record the chunk (so the GC knows its object), then put it. The
        chunk comes as the parts it arrived in (never joined); they are taken out of `box` and dropped once
        sealed, into a buffer this thread reuses for every chunk, so only the sealed bytes wait on S3."""
        parts, stages = box.pop(), self.stages
        with stages.timed("sha256"):
            hasher = hashlib.sha256()
            for part in parts:
                hasher.update(part)
            digest, size = hasher.hexdigest(), sum(len(p) for p in parts)
        with stages.timed("seal"):
            nonce, sealed = seal_parts(self.key, parts, self._buffer(), dataset_id=self.dataset_id,
                                       version=self.version, index=index, digest=digest)
        del parts
        address = bound_address(dataset_id=self.dataset_id, version=self.version, index=index, digest=digest,
                                nonce=nonce)
        ref = ChunkRef(index, digest, address, size, nonce.hex())
        with stages.timed("record"):
            self.storage.records.record_chunk(self.upload_id, ref, now=datetime.now(UTC))
        with stages.timed("put"):
            self.storage.blobs.put(ref.object_key, sealed)
        return ref

    def _buffer(self) -> bytearray:
        buffer: bytearray | None = getattr(self._local, "buffer", None)
        if buffer is None:
            buffer = self._local.buffer = sealed_buffer(self.storage.limits.chunk_size)
        return buffer


async def store_version(*, storage: Storage, principal: Principal, dataset_id: str, version: str,
                        body: AsyncIterator[bytes], content_type: str | None,
                        content_length: str | None) -> Manifest:
    check_request(storage, content_type=content_type, content_length=content_length)
    info = await to_thread.run_sync(dataset_served_here, storage, dataset_id)
    authorise_upload(storage, principal, info)
    key = await to_thread.run_sync(data_key, storage, dataset_id)
    now = datetime.now(UTC)

    def reserve() -> str:
        return storage.records.reserve_upload(dataset_id=dataset_id, version=version, uploader=str(principal),
                                              now=now, stale_before=now - storage.limits.gc_grace)

    stages = Stages("upload")
    upload = _Upload(storage, upload_id=await to_thread.run_sync(reserve), key=key, dataset_id=dataset_id,
                     version=version, stages=stages)
    try:
        refs, size = await _pump(upload, body)
        manifest = Manifest(dataset_id, version, merkle_root_hex([r.sha256 for r in refs]), size,
                            storage.limits.chunk_size, datetime.now(UTC), tuple(refs), CURRENT_LAYOUT)
        with stages.timed("commit"):
            await to_thread.run_sync(_commit, storage, manifest, upload.upload_id, str(principal))
    except BaseException:
        with anyio.CancelScope(shield=True):
            await to_thread.run_sync(discard_upload, storage.records, storage.blobs, upload.upload_id)
        raise
    stages.report(size_bytes=size, chunks=len(refs))
    return manifest


async def _pump(upload: _Upload, body: AsyncIterator[bytes]) -> tuple[list[ChunkRef], int]:
    limits = upload.storage.limits
    chunker, refs, size, index = Chunker(limits.chunk_size), [], 0, 0
    pool = ThreadPoolExecutor(max_workers=limits.upload_parallelism, thread_name_prefix="chunk-put")
    in_flight: deque[asyncio.Future[ChunkRef]] = deque()
    loop, stages, pieces = asyncio.get_running_loop(), upload.stages, aiter(body)
    try:
        while True:
            with stages.timed("receive"):  # waiting for the client's bytes (and parsing them)
                piece = await anext(pieces, None)
            if piece is None:
                break
            size += len(piece)
            if size > limits.max_version_bytes:
                raise VersionTooLarge(f"the body exceeds the maximum of {limits.max_version_bytes} bytes")
            for chunk in chunker.feed_parts(piece):
                in_flight.append(loop.run_in_executor(pool, upload.put_chunk, index, [chunk]))
                del chunk
                index += 1
                if len(in_flight) >= limits.upload_parallelism:
                    with stages.timed("backpressure"):  # all workers busy: wait for the oldest chunk
                        refs.append(await in_flight.popleft())
        tail = chunker.finish_parts()
        if tail:
            in_flight.append(loop.run_in_executor(pool, upload.put_chunk, index, [tail]))
            del tail
        with stages.timed("drain"):
            while in_flight:
                refs.append(await in_flight.popleft())
    finally:
        # Let running puts finish (their rows exist, so a discard that follows removes their objects).
        pool.shutdown(wait=False, cancel_futures=True)
        with anyio.CancelScope(shield=True):
            await asyncio.gather(*in_flight, return_exceptions=True)
            await to_thread.run_sync(lambda: pool.shutdown(wait=True))
    if size == 0:
        raise EmptyBody("the body is empty: a dataset version needs at least one byte")
    return refs, size


def _commit(storage: Storage, manifest: Manifest, upload_id: str, uploader: str) -> None:
    """The version and its `VersionStored` event become visible together, or not at all."""
    event = VersionStored(dataset_id=manifest.dataset_id, version=manifest.version,
                          merkle_root=manifest.merkle_root, size_bytes=manifest.size_bytes,
                          chunk_count=manifest.chunk_count, chunk_size=manifest.chunk_size)
    storage.records.commit_version(manifest, upload_id=upload_id, uploader=uploader, event=event)
