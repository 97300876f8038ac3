"""The Merkle log kept in a database: O(log n) appends and RFC 9162 proofs from stored subtree roots.

Complements `ledgerml.shared.merkle` (which proves over an in-memory list of leaves). Here the log
stores every leaf hash and the root of every complete, aligned subtree (`NodeId(level, index)`: the
2**level leaves from index * 2**level). Appending leaf n completes exactly the subtrees ending at n, so
each append writes 1 + (trailing one bits of n) nodes and keeps a frontier of at most log2(n) roots.
Every range an RFC 6962 proof or root needs for any size m <= n splits into such stored subtrees,
so a proof reads O(log^2 n) stored hashes, never the whole log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ledgerml.shared.merkle import EMPTY_ROOT, HASH_SIZE, ProofError, node_hash


@dataclass(frozen=True, order=True)
class NodeId:
    level: int
    index: int

    @property
    def key(self) -> int:
        """One integer per node for storage: index in the high bits, level in the low six."""
        return (self.index << 6) | self.level

    @classmethod
    def from_key(cls, key: int) -> NodeId:
        return cls(key & 0x3F, key >> 6)


Range = tuple[int, int]  # [start, end) of leaf indices


class Frontier:
    """The roots of the complete subtrees that make up a log of `size` leaves, largest first."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError(f"a log of {size} leaves has {bin(size).count('1')} frontier roots, got {len(hashes)}")
        self.size = size
        self._hashes = list(hashes)

    @classmethod
    def from_bytes(cls, size: int, blob: bytes) -> Frontier:
        return cls(size, [blob[i:i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)])

    def to_bytes(self) -> bytes:
        return b"".join(self._hashes)

    def append(self, leaf_hash: bytes) -> list[tuple[NodeId, bytes]]:
        """Add a leaf; returns the completed subtrees above level 0 (the leaf itself is stored with its entry)."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes, got {len(leaf_hash)}")
        created: list[tuple[NodeId, bytes]] = []
        index, level, current = self.size, 0, leaf_hash
        while index & 1:
            current = node_hash(self._hashes.pop(), current)
            index, level = index >> 1, level + 1
            created.append((NodeId(level, index), current))
        self._hashes.append(current)
        self.size += 1
        return created

    def root(self) -> bytes:
        if not self._hashes:
            return EMPTY_ROOT
        current = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            current = node_hash(left, current)
        return current


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def subtrees(start: int, end: int) -> list[NodeId]:
    """The complete aligned subtrees covering [start, end), left to right, largest possible first."""
    nodes: list[NodeId] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while (1 << level) > end - start:
            level -= 1
        nodes.append(NodeId(level, start >> level))
        start += 1 << level
    return nodes


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """RFC 6962 PATH(index, D[0:size]) as leaf ranges, in proof order (nearest the leaf first)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    path: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo = lo + k
    return list(reversed(path))


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """RFC 6962 PROOF(old_size, D[0:new_size]) as leaf ranges, in proof order."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"old size {old_size} must be between 1 and the new size {new_size}")
    proof: list[Range] = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append((lo + k, hi))
            hi = lo + k
        else:
            proof.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        proof.append((lo, hi))
    return list(reversed(proof))


def nodes_for(ranges: Iterable[Range]) -> set[NodeId]:
    return {node for start, end in ranges for node in subtrees(start, end)}


def range_hash(start: int, end: int, stored: Mapping[NodeId, bytes]) -> bytes:
    """MTH(D[start:end]) for a range of an RFC 6962 tree, from stored subtree roots."""
    if start >= end:
        return EMPTY_ROOT
    try:
        hashes = [stored[node] for node in subtrees(start, end)]
    except KeyError as missing:
        raise LookupError(f"stored log lacks subtree {missing.args[0]}") from None
    current = hashes[-1]
    for left in reversed(hashes[:-1]):
        current = node_hash(left, current)
    return current
