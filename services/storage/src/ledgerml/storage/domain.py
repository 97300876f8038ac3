"""Pure domain model of the storage service: chunks, manifests, Merkle roots, byte ranges and the
verification of a chunk read back from the store.

The version root is the RFC 6962 Merkle tree head whose entries are the 32-byte SHA-256 digests of the
plaintext chunks, in order: MTH(D) with D[i] = SHA-256(chunk i), leaves hashed as SHA-256(0x00 || D[i]).
Any RFC 9162 implementation recomputes it from the chunk digests alone. Imports no FastAPI, Kafka,
SQLAlchemy, MinIO, Ray or gRPC.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ledgerml.shared.merkle import root_of_entries
from ledgerml.storage.errors import IntegrityViolated, InvalidRange, RangeNotSatisfiable
from ledgerml.storage.sealing import LAYOUT_BOUND, LAYOUT_HASHED, Buffer, open_chunk


def merkle_root_hex(chunk_digests: Sequence[str]) -> str:
    return root_of_entries(bytes.fromhex(d) for d in chunk_digests).hex()


@dataclass(frozen=True)
class ChunkRef:
    index: int
    sha256: str  # hex digest of the plaintext chunk
    object_key: str  # content address of the sealed chunk in the bucket
    size: int  # plaintext bytes
    nonce: str  # hex of the chunk's 96-bit AES-GCM nonce


@dataclass(frozen=True)
class Manifest:
    dataset_id: str
    version: str
    merkle_root: str
    size_bytes: int
    chunk_size: int
    created_at: datetime
    chunks: tuple[ChunkRef, ...] = field(repr=False)
    layout: int = LAYOUT_HASHED  # how its chunks were sealed and named (`sealing`); old versions are layout 1

    @property
    def chunk_count(self) -> int:
        return len(self.chunks)

    def recomputed_root(self) -> str:
        return merkle_root_hex([c.sha256 for c in self.chunks])

    def view(self) -> dict[str, object]:
        """The contract's ManifestView."""
        return {"dataset_id": self.dataset_id, "version": self.version, "merkle_root": self.merkle_root,
                "size_bytes": self.size_bytes, "chunk_count": self.chunk_count, "chunk_size": self.chunk_size,
                "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


_EMPTY = hashlib.sha256(b"").hexdigest()
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One `bytes=a-b`, `bytes=a-` or `bytes=-n` range (RFC 9110 §14.1.2); None means the whole version."""
    if header is None or not header.strip():
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None or match.groups() == ("", ""):
        raise InvalidRange(f"Range must be one `bytes=first-last`, `bytes=first-` or `bytes=-suffix`, not {header!r}")
    first, last = match.groups()
    if first == "":
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiable(f"an empty suffix range selects nothing of {size} bytes")
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise RangeNotSatisfiable(f"range {header!r} is outside a version of {size} bytes (bytes 0-{size - 1})")
    return ByteRange(start, end)


@dataclass(frozen=True)
class ChunkSlice:
    chunk: ChunkRef
    lo: int  # offsets into the chunk's plaintext, end exclusive
    hi: int


def slices_for(manifest: Manifest, byte_range: ByteRange | None) -> list[ChunkSlice]:
    """The chunks (and the part of each) that a read of `byte_range` needs."""
    if byte_range is None:
        return [ChunkSlice(c, 0, c.size) for c in manifest.chunks]
    size = manifest.chunk_size
    first, last = byte_range.start // size, byte_range.end // size
    out = []
    for chunk in manifest.chunks[first:last + 1]:
        base = chunk.index * size
        out.append(ChunkSlice(chunk, max(0, byte_range.start - base), min(chunk.size, byte_range.end - base + 1)))
    return out


@dataclass(frozen=True)
class ChunkFailure:
    index: int
    expected_sha256: str
    actual_sha256: str | None  # SHA-256 of the decrypted plaintext; None when nothing could be decrypted
    reason: str
    read_sha256: str  # SHA-256 of the bytes read back from the store (of nothing when the object is missing)

    def view(self) -> dict[str, object]:
        return {"index": self.index, "code": IntegrityViolated.code, "reason": self.reason,
                "expected_sha256": self.expected_sha256, "actual_sha256": self.actual_sha256}


def unreadable_chunk(chunk: ChunkRef, answer: str) -> ChunkFailure:
    """A chunk the object store answers for but cannot give back (its stored copy is corrupt or lost)."""
    return ChunkFailure(chunk.index, chunk.sha256, None,
                        f"is corrupt or unreadable in the object store (it answered: {answer})", _EMPTY)


def open_verified(key: bytes, sealed: Buffer | None, chunk: ChunkRef, *, dataset_id: str, version: str,
                  layout: int) -> bytes | ChunkFailure:
    """Decrypt and authenticate a chunk read back from the store. Under layout 2 the manifest's digest is part
    of what authenticates, so a chunk that opens is the one sealed under that digest; under layout 1 the
    plaintext must still be re-hashed (`check_digest`)."""
    if sealed is None:
        return ChunkFailure(chunk.index, chunk.sha256, None, "is missing from the object store", _EMPTY)
    plaintext = open_chunk(key, bytes.fromhex(chunk.nonce), sealed, dataset_id=dataset_id, version=version,
                           index=chunk.index, digest=chunk.sha256 if layout == LAYOUT_BOUND else None)
    if plaintext is None:
        return ChunkFailure(chunk.index, chunk.sha256, None, "does not authenticate (altered or moved)",
                            hashlib.sha256(sealed).hexdigest())
    if len(plaintext) != chunk.size:
        return ChunkFailure(chunk.index, chunk.sha256, hashlib.sha256(plaintext).hexdigest(),
                            "differs from the manifest's hash", hashlib.sha256(sealed).hexdigest())
    return plaintext


def needs_rehash(layout: int) -> bool:
    """Whether authentication alone does not prove the plaintext's digest (layout 1)."""
    return layout != LAYOUT_BOUND


def check_digest(plaintext: bytes, sealed: Buffer, chunk: ChunkRef) -> bytes | ChunkFailure:
    """The plaintext re-hashed against the manifest (layout 1 reads, and integrity reports of any layout)."""
    actual = hashlib.sha256(plaintext).hexdigest()
    if actual != chunk.sha256:
        return ChunkFailure(chunk.index, chunk.sha256, actual, "differs from the manifest's hash",
                            hashlib.sha256(sealed).hexdigest())
    return plaintext


def verify_chunk(key: bytes, sealed: Buffer | None, chunk: ChunkRef, *, dataset_id: str, version: str,
                 layout: int = LAYOUT_HASHED) -> bytes | ChunkFailure:
    """The verified plaintext of a chunk read back from the store (authenticated and re-hashed), or why it
    cannot be trusted."""
    opened = open_verified(key, sealed, chunk, dataset_id=dataset_id, version=version, layout=layout)
    if isinstance(opened, ChunkFailure) or sealed is None:
        return opened
    return check_digest(opened, sealed, chunk)


@dataclass(frozen=True)
class IntegrityReport:
    merkle_root_manifest: str
    merkle_root_recomputed: str | None  # over the chunks as read; None when one could not be read or decrypted
    chunks_ok: int
    chunks_failed: tuple[ChunkFailure, ...]

    @classmethod
    def of(cls, manifest: Manifest, failed: Sequence[ChunkFailure]) -> IntegrityReport:
        """The root is recomputed from what the store gave back (a good chunk hashes to its manifest entry, a
        damaged one to what it decrypted to), never from the manifest's own list, which always matches."""
        damaged = {f.index: f.actual_sha256 for f in failed}
        read = [damaged[c.index] if c.index in damaged else c.sha256 for c in manifest.chunks]
        recomputed = None if any(d is None for d in read) else merkle_root_hex([d for d in read if d is not None])
        return cls(manifest.merkle_root, recomputed, len(manifest.chunks) - len(failed), tuple(failed))

    @property
    def ok(self) -> bool:
        return not self.chunks_failed and self.merkle_root_manifest == self.merkle_root_recomputed

    def view(self) -> dict[str, object]:
        return {"merkle_root_manifest": self.merkle_root_manifest,
                "merkle_root_recomputed": self.merkle_root_recomputed, "chunks_ok": self.chunks_ok,
                "chunks_failed": [f.view() for f in self.chunks_failed], "ok": self.ok}


class Chunker:
    """Cuts a stream of arbitrary pieces into fixed-size chunks (the last one may be shorter). `feed_parts`
    hands each chunk out as views of the pieces it is made of (no copy); `feed` joins them."""

    def __init__(self, chunk_size: int) -> None:
        if chunk_size <= 0:
            raise ValueError("chunk size must be positive")
        self._size = chunk_size
        self._pieces: list[memoryview] = []
        self._held = 0

    def feed_parts(self, piece: Buffer) -> Iterator[list[memoryview]]:
        view = memoryview(piece)
        while len(view):
            take = min(len(view), self._size - self._held)
            self._pieces.append(view[:take])
            self._held += take
            view = view[take:]
            if self._held == self._size:
                yield self.finish_parts()

    def finish_parts(self) -> list[memoryview]:
        parts, self._pieces, self._held = self._pieces, [], 0
        return parts

    def feed(self, piece: bytes) -> Iterator[bytes]:
        for parts in self.feed_parts(piece):
            yield b"".join(parts)

    def finish(self) -> bytes:
        return b"".join(self.finish_parts())
