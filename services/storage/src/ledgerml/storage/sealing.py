"""Chunk encryption: AES-256-GCM under a per-dataset data key, one fresh 96-bit random nonce per chunk.

The stored object is `ciphertext || tag (16 bytes)`; its nonce is kept in the manifest. The associated
data binds the dataset, version and chunk index, so a chunk copied to another position or version fails
to open. Random nonces keep the collision risk negligible below NIST's 2^32 messages per key (32 PiB of
8 MiB chunks per dataset). Pure: no I/O.

Layouts (the manifest records which one wrote a version; both stay readable):

- 1: the object is named by the SHA-256 of its stored bytes; a read re-hashes the plaintext.
- 2: the associated data also binds the plaintext chunk's SHA-256 (the manifest's entry), so a chunk
  that authenticates is exactly the one sealed under that digest, and no second pass over the bytes is
  needed to name or to verify it. The object is named by a hash of (dataset, version, index, digest,
  nonce): distinct for every sealing, never shared between datasets or versions.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_SIZE = 12
TAG_SIZE = 16
KEY_SIZE = 32
AAD_PREFIX = b"ledgerml/storage/chunk/v1"
AAD_PREFIX_V2 = b"ledgerml/storage/chunk/v2"
ADDRESS_PREFIX_V2 = b"ledgerml/storage/object/v2"
LAYOUT_HASHED, LAYOUT_BOUND = 1, 2
CURRENT_LAYOUT = LAYOUT_BOUND
Buffer = bytes | bytearray | memoryview


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_SIZE * 8)


def chunk_aad(dataset_id: str, version: str, index: int, digest: str | None = None) -> bytes:
    """Layout 1 without `digest` (hex SHA-256 of the plaintext chunk); layout 2 with it."""
    if digest is None:
        return b"\x00".join((AAD_PREFIX, dataset_id.encode(), version.encode(), str(index).encode()))
    return b"\x00".join((AAD_PREFIX_V2, dataset_id.encode(), version.encode(), str(index).encode(), digest.encode()))


def seal_chunk(key: bytes, plaintext: Buffer, *, dataset_id: str, version: str, index: int,
               digest: str | None = None) -> tuple[bytes, bytes]:
    """(nonce, sealed object bytes). With `digest` (layout 2) the plaintext's SHA-256 is bound as well."""
    nonce = os.urandom(NONCE_SIZE)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, chunk_aad(dataset_id, version, index, digest))


def sealed_buffer(chunk_size: int) -> bytearray:
    """Room for one sealed chunk written piece by piece (`seal_parts`): ciphertext, tag and the spare block the
    streaming cipher asks for."""
    return bytearray(chunk_size + TAG_SIZE + 16)


def seal_parts(key: bytes, parts: Sequence[Buffer], out: bytearray, *, dataset_id: str, version: str, index: int,
               digest: str) -> tuple[bytes, memoryview]:
    """Layout 2 sealing of a chunk given as consecutive parts, written into `out` (reused between chunks): the
    same bytes as `seal_chunk`, without joining the parts first, and the cipher holds the interpreter lock
    for one part at a time, not for a whole chunk. Returns (nonce, view of `out` holding the sealed bytes)."""
    nonce = os.urandom(NONCE_SIZE)
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(chunk_aad(dataset_id, version, index, digest))
    view, filled = memoryview(out), 0
    for part in parts:
        filled += encryptor.update_into(part, view[filled:])
    tail = encryptor.finalize()  # GCM is a stream mode: nothing is held back
    view[filled:filled + len(tail)] = tail
    filled += len(tail)
    view[filled:filled + TAG_SIZE] = encryptor.tag
    return nonce, view[:filled + TAG_SIZE]


def open_chunk(key: bytes, nonce: bytes, sealed: Buffer, *, dataset_id: str, version: str,
               index: int, digest: str | None = None) -> bytes | None:
    """The plaintext, or None when the chunk does not authenticate (tampered, moved, truncated, or, with
    `digest`, sealed under another plaintext digest than the manifest's)."""
    if len(sealed) < TAG_SIZE or len(nonce) != NONCE_SIZE:
        return None
    try:
        return AESGCM(key).decrypt(nonce, sealed, chunk_aad(dataset_id, version, index, digest))
    except InvalidTag:
        return None


def content_address(sealed: Buffer) -> str:
    """Layout 1 object key of a sealed chunk: the SHA-256 of exactly the stored bytes."""
    return "chunks/" + hashlib.sha256(sealed).hexdigest()


def bound_address(*, dataset_id: str, version: str, index: int, digest: str, nonce: bytes) -> str:
    """Layout 2 object key: a hash over what the chunk is bound to and its nonce (a few bytes, not the chunk)."""
    binding = b"\x00".join((ADDRESS_PREFIX_V2, dataset_id.encode(), version.encode(), str(index).encode(),
                            digest.encode(), nonce.hex().encode()))
    return "chunks/" + hashlib.sha256(binding).hexdigest()
