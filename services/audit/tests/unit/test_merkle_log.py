"""The stored-subtree Merkle log against the RFC 6962 / Certificate Transparency test vectors and the
verified shared reference (`ledgerml.shared.merkle`)."""

from __future__ import annotations

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

CT_ENTRIES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
CT_INCLUSION = {
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}
CT_CONSISTENCY_2_8 = ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]
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
