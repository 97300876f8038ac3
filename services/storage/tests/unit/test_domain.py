"""Pure pieces: chunking, Merkle roots over chunk digests, byte ranges, sealing and chunk verification."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from ledgerml.shared.merkle import leaf_hash, node_hash
from ledgerml.storage.domain import (
    ByteRange,
    Chunker,
    ChunkFailure,
    ChunkRef,
    IntegrityReport,
    Manifest,
    merkle_root_hex,
    parse_range,
    slices_for,
    verify_chunk,
)
from ledgerml.storage.errors import InvalidRange, RangeNotSatisfiable
from ledgerml.storage.sealing import content_address, open_chunk, seal_chunk

KEY = bytes(range(32))


def test_chunker_cuts_fixed_size_chunks_whatever_the_pieces() -> None:
    chunker = Chunker(4)
    out = [c for piece in (b"ab", b"cdefg", b"", b"hijklm") for c in chunker.feed(piece)]
    assert out == [b"abcd", b"efgh", b"ijkl"] and chunker.finish() == b"m" and chunker.finish() == b""


def test_root_is_rfc6962_over_the_chunk_digests() -> None:
    digests = [hashlib.sha256(c).digest() for c in (b"one", b"two", b"three")]
    expected = node_hash(node_hash(leaf_hash(digests[0]), leaf_hash(digests[1])), leaf_hash(digests[2]))
    assert merkle_root_hex([d.hex() for d in digests]) == expected.hex()


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("bytes=0-9", ByteRange(0, 9)), ("bytes=5-", ByteRange(5, 99)), ("bytes=-10", ByteRange(90, 99)),
    ("bytes=90-500", ByteRange(90, 99)), ("bytes=-500", ByteRange(0, 99)),
])
def test_parse_range(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize(("header", "error"), [
    ("bytes=100-", RangeNotSatisfiable), ("bytes=9-3", RangeNotSatisfiable), ("bytes=-0", RangeNotSatisfiable),
    ("items=0-1", InvalidRange), ("bytes=0-1,4-5", InvalidRange), ("bytes=-", InvalidRange),
])
def test_bad_ranges_are_refused_with_their_own_codes(header: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_range(header, 100)


def _manifest(sizes: list[int], chunk_size: int = 10) -> Manifest:
    refs = tuple(ChunkRef(i, "0" * 64, f"chunks/{i}", s, "00" * 12) for i, s in enumerate(sizes))
    return Manifest("ds", "v1", "0" * 64, sum(sizes), chunk_size, datetime.now(UTC), refs)


def test_slices_cover_exactly_the_range() -> None:
    manifest = _manifest([10, 10, 5])
    parts = slices_for(manifest, ByteRange(8, 21))
    assert [(p.chunk.index, p.lo, p.hi) for p in parts] == [(0, 8, 10), (1, 0, 10), (2, 0, 2)]
    assert sum(p.hi - p.lo for p in parts) == 14
    assert [(p.lo, p.hi) for p in slices_for(manifest, None)] == [(0, 10), (0, 10), (0, 5)]


def test_integrity_root_is_recomputed_from_the_chunks_as_read() -> None:
    digests = [hashlib.sha256(bytes([i])).hexdigest() for i in range(3)]
    refs = tuple(ChunkRef(i, d, f"chunks/{i}", 10, "00" * 12) for i, d in enumerate(digests))
    manifest = Manifest("ds", "v1", merkle_root_hex(digests), 30, 10, datetime.now(UTC), refs)
    assert IntegrityReport.of(manifest, []).merkle_root_recomputed == manifest.merkle_root
    other = hashlib.sha256(b"something else").hexdigest()
    altered = ChunkFailure(1, manifest.chunks[1].sha256, other, "differs from the manifest's hash", other)
    report = IntegrityReport.of(manifest, [altered])
    expected = merkle_root_hex([manifest.chunks[0].sha256, other, manifest.chunks[2].sha256])
    assert report.merkle_root_recomputed == expected != manifest.merkle_root
    assert (report.ok, report.chunks_ok) == (False, 2)
    unreadable = ChunkFailure(2, manifest.chunks[2].sha256, None, "is missing from the object store", other)
    assert IntegrityReport.of(manifest, [altered, unreadable]).merkle_root_recomputed is None


def test_sealed_chunk_opens_only_at_its_own_place() -> None:
    nonce, sealed = seal_chunk(KEY, b"payload", dataset_id="ds", version="v1", index=3)
    assert open_chunk(KEY, nonce, sealed, dataset_id="ds", version="v1", index=3) == b"payload"
    assert open_chunk(KEY, nonce, sealed, dataset_id="ds", version="v1", index=4) is None
    assert open_chunk(KEY, nonce, sealed, dataset_id="ds", version="v2", index=3) is None
    assert open_chunk(KEY, nonce, sealed, dataset_id="other", version="v1", index=3) is None
    assert open_chunk(KEY, bytes(12), sealed, dataset_id="ds", version="v1", index=3) is None
    assert b"payload" not in sealed
    assert seal_chunk(KEY, b"payload", dataset_id="ds", version="v1", index=3)[0] != nonce  # fresh nonce
    assert content_address(sealed) == "chunks/" + hashlib.sha256(sealed).hexdigest()


def test_verify_chunk_fails_closed() -> None:
    plain = b"x" * 50
    nonce, sealed = seal_chunk(KEY, plain, dataset_id="ds", version="v1", index=0)
    ref = ChunkRef(0, hashlib.sha256(plain).hexdigest(), "k", 50, nonce.hex())
    assert verify_chunk(KEY, sealed, ref, dataset_id="ds", version="v1") == plain
    flipped = bytearray(sealed)
    flipped[20] ^= 1
    bad = verify_chunk(KEY, bytes(flipped), ref, dataset_id="ds", version="v1")
    assert isinstance(bad, ChunkFailure) and bad.actual_sha256 is None
    assert bad.read_sha256 == hashlib.sha256(bytes(flipped)).hexdigest()
    missing = verify_chunk(KEY, None, ref, dataset_id="ds", version="v1")
    assert isinstance(missing, ChunkFailure) and "missing" in missing.reason
    other_nonce, other = seal_chunk(KEY, b"y" * 50, dataset_id="ds", version="v1", index=0)  # authentic, not ours
    wrong = verify_chunk(KEY, other, ChunkRef(0, ref.sha256, "k", 50, other_nonce.hex()), dataset_id="ds",
                         version="v1")
    assert isinstance(wrong, ChunkFailure) and wrong.actual_sha256 == hashlib.sha256(b"y" * 50).hexdigest()


SPLITS = [[b"ab", b"cdefg", b"", b"hijklm"], [b"abcdefghijklm"], [bytes([c]) for c in b"abcdefghijklm"]]


@pytest.mark.parametrize("pieces", SPLITS)
def test_chunker_joins_and_splits_pieces(pieces: list[bytes]) -> None:
    chunker = Chunker(4)
    assert [c for p in pieces for c in chunker.feed(p)] == [b"abcd", b"efgh", b"ijkl"] and chunker.finish() == b"m"
