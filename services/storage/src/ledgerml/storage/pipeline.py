"""Read-ahead: fetch and verify the next few chunks in worker threads while the caller consumes one.

Memory stays bounded by `window` chunks (sealed + plaintext); results come back strictly in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from ledgerml.storage.domain import ChunkFailure, ChunkRef, Manifest, unreadable_chunk, verify_chunk
from ledgerml.storage.ports import BlobStore, ObjectUnreadable

Verified = bytes | ChunkFailure


def _fetch_and_verify(blobs: BlobStore, key: bytes, manifest: Manifest, chunk: ChunkRef) -> Verified:
    try:
        sealed = blobs.get(chunk.object_key)
    except ObjectUnreadable as exc:  # the store answers, but not with this chunk: an integrity failure, not an outage
        return unreadable_chunk(chunk, str(exc))
    return verify_chunk(key, sealed, chunk, dataset_id=manifest.dataset_id, version=manifest.version)


def fetch_verified(blobs: BlobStore, key: bytes, manifest: Manifest, chunks: Sequence[ChunkRef], *,
                   window: int) -> Iterator[tuple[ChunkRef, Verified]]:
    """Yields (chunk, verified plaintext or why it failed) in order. Closing the iterator early (a client
    that went away) cancels what has not started and lets running fetches finish in the background."""
    pool = ThreadPoolExecutor(max_workers=window, thread_name_prefix="chunk-read")
    pending: deque[tuple[ChunkRef, Future[Verified]]] = deque()
    todo = iter(chunks)
    try:
        for chunk in todo:
            pending.append((chunk, pool.submit(_fetch_and_verify, blobs, key, manifest, chunk)))
            if len(pending) >= window:
                break
        while pending:
            chunk, future = pending.popleft()
            following = next(todo, None)
            if following is not None:
                pending.append((following, pool.submit(_fetch_and_verify, blobs, key, manifest, following)))
            yield chunk, future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
