"""Read-ahead: fetch and verify the next few chunks in worker threads while the caller consumes one.

Memory stays bounded by `window` chunks (sealed + plaintext); results come back strictly in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from ledgerml.storage.domain import (
    ChunkFailure,
    ChunkRef,
    Manifest,
    check_digest,
    needs_rehash,
    open_verified,
    unreadable_chunk,
)
from ledgerml.storage.ports import BlobStore, ObjectUnreadable
from ledgerml.storage.profile import Stages

Verified = bytes | ChunkFailure


def _fetch_and_verify(blobs: BlobStore, key: bytes, manifest: Manifest, chunk: ChunkRef, *, rehash: bool,
                      stages: Stages) -> Verified:
    try:
        with stages.timed("fetch"):
            sealed = blobs.get(chunk.object_key)
    except ObjectUnreadable as exc:  # the store answers, but not with this chunk: an integrity failure, not an outage
        return unreadable_chunk(chunk, str(exc))
    with stages.timed("decrypt_verify"):
        opened = open_verified(key, sealed, chunk, dataset_id=manifest.dataset_id, version=manifest.version,
                               layout=manifest.layout)
    if isinstance(opened, ChunkFailure) or sealed is None or not (rehash or needs_rehash(manifest.layout)):
        return opened
    with stages.timed("rehash"):
        return check_digest(opened, sealed, chunk)


def fetch_verified(blobs: BlobStore, key: bytes, manifest: Manifest, chunks: Sequence[ChunkRef], *,
                   window: int, rehash: bool = True, stages: Stages | None = None
                   ) -> Iterator[tuple[ChunkRef, Verified]]:
    """Yields (chunk, verified plaintext or why it failed) in order. `rehash=False`: a layout-2 chunk is
    verified by authentication alone (its digest is bound in), a layout-1 chunk is re-hashed regardless.
    Closing the iterator early (a client that went away) cancels what has not started and lets running
    fetches finish in the background."""
    clock = stages or Stages("verify")
    pool = ThreadPoolExecutor(max_workers=window, thread_name_prefix="chunk-read")
    pending: deque[tuple[ChunkRef, Future[Verified]]] = deque()
    todo = iter(chunks)

    def submit(chunk: ChunkRef) -> None:
        pending.append((chunk, pool.submit(_fetch_and_verify, blobs, key, manifest, chunk, rehash=rehash,
                                           stages=clock)))

    try:
        for chunk in todo:
            submit(chunk)
            if len(pending) >= window:
                break
        while pending:
            chunk, future = pending.popleft()
            following = next(todo, None)
            if following is not None:
                submit(following)
            with clock.timed("wait"):
                result = future.result()
            yield chunk, result
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
