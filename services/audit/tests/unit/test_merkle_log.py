"""The stored-subtree Merkle log against the RFC 6962 / Certificate Transparency test vectors and the
verified shared reference (`ledgerml.shared.merkle`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledgerml.audit.merkle_log import (
    Frontier,
    NodeId,
    consistency_ranges,
    inclusion_ranges,
    range_hash,
    subtrees,
)
from ledgerml.shared import merkle

VECTORS = json.loads((Path(__file__).resolve().parents[3] / "shared/tests/rfc6962_vectors.json").read_text())
CT_ENTRIES = [bytes.fromhex(h) for h in VECTORS["entries"]]
CT_ROOTS = [bytes.fromhex(h) for h in VECTORS["roots"]]
CT_INCLUSION = {(v["index"], v["size"]): v["proof"] for v in VECTORS["inclusion"]}
CT_CONSISTENCY_2_8 = VECTORS["consistency"][0]["proof"]
CT_LEAVES = [merkle.leaf_hash(e) for e in CT_ENTRIES]


def _stored(leaves: list[bytes]) -> tuple[Frontier, dict[NodeId, bytes]]:
    frontier, stored = Frontier(), {}
    for index, leaf in enumerate(leaves):
        stored[NodeId(0, index)] = leaf
        stored.update(frontier.append(leaf))
    return frontier, stored


@pytest.mark.parametrize("size", range(9))
def test_frontier_and_stored_nodes_give_the_vector_roots(size: int) -> None:
    frontier, stored = _stored(CT_LEAVES[:size])
    assert frontier.root() == CT_ROOTS[size]
    assert range_hash(0, size, stored) == CT_ROOTS[size]
    assert Frontier.from_bytes(size, frontier.to_bytes()).root() == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size"), sorted(CT_INCLUSION))
def test_inclusion_from_stored_nodes_matches_vectors(index: int, size: int) -> None:
    _, stored = _stored(CT_LEAVES)
    proof = [range_hash(a, b, stored) for a, b in inclusion_ranges(index, size)]
    assert [p.hex() for p in proof] == CT_INCLUSION[(index, size)]
    assert merkle.verify_inclusion(CT_LEAVES[index], index, size, proof, CT_ROOTS[size])


def test_consistency_from_stored_nodes_matches_vector() -> None:
    _, stored = _stored(CT_LEAVES)
    proof = [range_hash(a, b, stored) for a, b in consistency_ranges(2, 8)]
    assert [p.hex() for p in proof][:2] == CT_CONSISTENCY_2_8
    assert merkle.verify_consistency(2, 8, CT_ROOTS[2], CT_ROOTS[8], proof)


def test_every_proof_of_every_size_equals_the_reference() -> None:
    leaves = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(45)]
    frontier, stored = _stored(leaves)
    assert frontier.size == 45
    for size in range(1, 46):
        assert range_hash(0, size, stored) == merkle.root_of(leaves[:size])
        for index in range(size):
            proof = [range_hash(a, b, stored) for a, b in inclusion_ranges(index, size)]
            assert proof == merkle.inclusion_proof(index, leaves[:size])
        for old in range(1, size + 1):
            proof = [range_hash(a, b, stored) for a, b in consistency_ranges(old, size)]
            assert proof == merkle.consistency_proof(old, leaves[:size])


def test_append_writes_one_node_per_merge_and_few_reads_per_proof() -> None:
    frontier = Frontier()
    created = [len(frontier.append(merkle.leaf_hash(bytes([i])))) for i in range(16)]
    assert created == [0, 1, 0, 2, 0, 1, 0, 3, 0, 1, 0, 2, 0, 1, 0, 4]
    assert subtrees(0, 13) == [NodeId(3, 0), NodeId(2, 2), NodeId(0, 12)]
    size = 1_000_003
    needed = {n for a, b in inclusion_ranges(777_777, size) for n in subtrees(a, b)}
    assert len(needed) <= 21 * 21  # O(log^2 n) stored hashes, never the whole log


def test_node_keys_round_trip_and_bad_input_is_refused() -> None:
    for node in (NodeId(0, 0), NodeId(5, 123_456), NodeId(40, 3)):
        assert NodeId.from_key(node.key) == node
    with pytest.raises(ValueError, match="frontier roots"):
        Frontier(3, [CT_LEAVES[0]])
    with pytest.raises(ValueError, match="32 bytes"):
        Frontier().append(b"short")
    with pytest.raises(merkle.ProofError):
        inclusion_ranges(8, 8)
    with pytest.raises(merkle.ProofError):
        consistency_ranges(0, 8)
    with pytest.raises(LookupError, match="lacks subtree"):
        range_hash(0, 4, {})
