"""Chunk encryption: AES-256-GCM under a per-dataset data key, one fresh 96-bit random nonce per chunk.

The stored object is `ciphertext || tag (16 bytes)`; its nonce is kept in the manifest. The associated
data binds the dataset, version and chunk index, so a chunk copied to another position or version fails
to open. Random nonces keep the collision risk negligible below NIST's 2^32 messages per key (32 PiB of
8 MiB chunks per dataset). Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_SIZE = 12
TAG_SIZE = 16
KEY_SIZE = 32
AAD_PREFIX = b"ledgerml/storage/chunk/v1"
Buffer = bytes | bytearray | memoryview


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_SIZE * 8)


def chunk_aad(dataset_id: str, version: str, index: int) -> bytes:
    return b"\x00".join((AAD_PREFIX, dataset_id.encode(), version.encode(), str(index).encode()))


def seal_chunk(key: bytes, plaintext: Buffer, *, dataset_id: str, version: str, index: int) -> tuple[bytes, bytes]:
    """(nonce, sealed object bytes)."""
    nonce = os.urandom(NONCE_SIZE)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, chunk_aad(dataset_id, version, index))


def open_chunk(key: bytes, nonce: bytes, sealed: Buffer, *, dataset_id: str, version: str,
               index: int) -> bytes | None:
    """The plaintext, or None when the chunk does not authenticate (tampered, moved or truncated)."""
    if len(sealed) < TAG_SIZE or len(nonce) != NONCE_SIZE:
        return None
    try:
        return AESGCM(key).decrypt(nonce, sealed, chunk_aad(dataset_id, version, index))
    except InvalidTag:
        return None


def content_address(sealed: Buffer) -> str:
    """Object key of a sealed chunk: the SHA-256 of exactly the stored bytes."""
    return "chunks/" + hashlib.sha256(sealed).hexdigest()
