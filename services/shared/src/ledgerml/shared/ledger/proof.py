"""The `ledgerml:rfc6962` state proof (docs/decisions/0003, "Queries"): an RFC 6962 inclusion proof of
the leaf SHA-256(0x00 ‖ uvarint(len key) ‖ key ‖ SHA-256(value)) in the Merkle tree over all state
entries sorted by key, whose root is the app hash of the block header at `height + 1`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ledgerml.shared.merkle import leaf_hash, verify_inclusion

PROOF_TYPE = "ledgerml:rfc6962"


class ProofMalformed(ValueError):
    """The proof op cannot be read."""


def uvarint(n: int) -> bytes:
    """Go's `binary.PutUvarint`: 7 bits a byte, least significant first, high bit = more follows."""
    if n < 0:
        raise ValueError("uvarint of a negative number")
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def state_leaf(key: bytes, value: bytes) -> bytes:
    """The leaf hash of one state entry."""
    return leaf_hash(uvarint(len(key)) + key + hashlib.sha256(value).digest())


@dataclass(frozen=True)
class StateProof:
    index: int
    size: int
    path: tuple[bytes, ...]

    @classmethod
    def parse(cls, data: bytes) -> StateProof:
        try:
            raw = json.loads(data)
            index, size, path = raw["index"], raw["size"], raw["path"]
            if not (isinstance(index, int) and isinstance(size, int) and isinstance(path, list)):
                raise TypeError("index and size must be integers, path a list")
            return cls(index, size, tuple(bytes.fromhex(p) for p in path))
        except (ValueError, KeyError, TypeError) as exc:
            raise ProofMalformed(f"unreadable {PROOF_TYPE} proof: {exc}") from exc

    def verifies(self, key: bytes, value: bytes, app_hash: bytes) -> bool:
        return verify_inclusion(state_leaf(key, value), self.index, self.size, self.path, app_hash)
