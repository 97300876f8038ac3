"""Verified, authorised reads of a dataset version (whole or one byte range), streamed chunk by chunk.

Fail closed: every chunk is fetched and authenticated (AES-GCM) against the manifest before any of its
bytes is handed out: a layout-2 chunk's associated data binds the manifest's digest of its plaintext, so
authentication is the comparison; a layout-1 chunk is re-hashed as well (`sealing`). The first chunk is
verified before the response starts, so a bad first chunk is a clean `IntegrityViolated` (502) problem;
a later bad chunk aborts the stream short of its Content-Length, which every HTTP client reports as an
incomplete body. Either way the `IntegrityViolated` event is in the outbox.

Audit: one `ChunkRead` event per read request (chunk_index = the first chunk of the range), written
once the read is authorised and its first chunk verified, before any byte is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ledgerml.shared.events.schemas import ChunkRead
from ledgerml.shared.identity import Principal
from ledgerml.storage.domain import ByteRange, ChunkFailure, Manifest, parse_range, slices_for
from ledgerml.storage.pipeline import fetch_verified
from ledgerml.storage.profile import Stages
from ledgerml.storage.service import (
    Storage,
    authorise_download,
    authorise_job_read,
    check_manifest_root,
    data_key,
    dataset_served_here,
    load_manifest,
    report_violation,
)

Piece = bytes | memoryview  # whole verified chunks; a range's partial chunks as views (no copy)


@dataclass(frozen=True)
class ContentStream:
    manifest: Manifest
    byte_range: ByteRange | None
    body: Iterator[Piece]

    @property
    def length(self) -> int:
        return self.byte_range.length if self.byte_range else self.manifest.size_bytes

    def headers(self) -> dict[str, str]:
        headers = {"Content-Length": str(self.length), "Accept-Ranges": "bytes",
                   "X-LedgerML-Merkle-Root": self.manifest.merkle_root}
        if self.byte_range is not None:
            r = self.byte_range
            headers["Content-Range"] = f"bytes {r.start}-{r.end}/{self.manifest.size_bytes}"
        return headers


def open_content(*, storage: Storage, principal: Principal, dataset_id: str, version: str,
                 range_header: str | None = None, job_id: str | None = None) -> ContentStream:
    """Authorise, check the manifest's root, verify the first chunk, record the read; then stream."""
    info = dataset_served_here(storage, dataset_id)
    manifest = load_manifest(storage, dataset_id, version)
    if job_id is None:
        authorise_download(storage, principal, info)
    else:
        authorise_job_read(storage, principal, job_id=job_id, manifest=manifest)
    check_manifest_root(storage, manifest, info)
    byte_range = parse_range(range_header, manifest.size_bytes)
    body = _verified_body(storage, manifest, byte_range)
    first = next(body)  # verified (or raised) before anything is sent or recorded as read
    first_index = byte_range.start // manifest.chunk_size if byte_range else 0
    storage.records.add_event(ChunkRead(dataset_id=dataset_id, version=version, chunk_index=first_index,
                                        reader_org=principal.org, job_id=job_id), subject=dataset_id)
    return ContentStream(manifest, byte_range, _chain(first, body))


def _verified_body(storage: Storage, manifest: Manifest, byte_range: ByteRange | None) -> Iterator[Piece]:
    key = data_key(storage, manifest.dataset_id)
    parts = {s.chunk.index: s for s in slices_for(manifest, byte_range)}
    chunks = [s.chunk for s in parts.values()]
    stages, sent = Stages("download"), 0
    try:
        for chunk, result in fetch_verified(storage.blobs, key, manifest, chunks, window=storage.limits.read_ahead,
                                            rehash=False, stages=stages):
            if isinstance(result, ChunkFailure):
                raise report_violation(storage, manifest, result)
            part = parts[chunk.index]
            piece = result if (part.lo, part.hi) == (0, chunk.size) else memoryview(result)[part.lo:part.hi]
            with stages.timed("send"):  # the caller writes the piece to the client before asking for the next
                yield piece
            sent += len(piece)
    finally:
        stages.report(size_bytes=sent, chunks=len(chunks))


def _chain(first: Piece, rest: Iterator[Piece]) -> Iterator[Piece]:
    yield first
    yield from rest
