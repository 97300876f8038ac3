"""RFC 6962 / 9162 Merkle code against the published Certificate Transparency test vectors."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from ledgerml.shared import merkle

# RFC 6962 reference leaves, tree heads and proofs (Certificate Transparency test data), sizes 0..8.
VECTORS = json.loads((Path(__file__).resolve().parents[1] / "rfc6962_vectors.json").read_text())
CT_ENTRIES = [bytes.fromhex(h) for h in VECTORS["entries"]]
CT_ROOTS = [bytes.fromhex(h) for h in VECTORS["roots"]]
CT_INCLUSION = {(v["index"], v["size"]): v["proof"] for v in VECTORS["inclusion"]}
CT_LEAVES = [merkle.leaf_hash(e) for e in CT_ENTRIES]


@pytest.mark.parametrize("size", range(9))
def test_tree_heads_match_rfc6962_vectors(size: int) -> None:
    assert merkle.root_of(CT_LEAVES[:size]) == CT_ROOTS[size]
    assert merkle.root_of_entries(CT_ENTRIES[:size]) == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size"), sorted(CT_INCLUSION))
def test_inclusion_proofs_match_vectors_and_verify(index: int, size: int) -> None:
    proof = merkle.inclusion_proof(index, CT_LEAVES[:size])
    assert [p.hex() for p in proof] == CT_INCLUSION[(index, size)]
    assert merkle.verify_inclusion(CT_LEAVES[index], index, size, proof, CT_ROOTS[size])


def test_consistency_proof_2_to_8_matches_vector() -> None:
    proof = merkle.consistency_proof(2, CT_LEAVES)
    assert [p.hex() for p in proof][:2] == [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]
    assert merkle.verify_consistency(2, 8, CT_ROOTS[2], CT_ROOTS[8], proof)


def test_every_inclusion_and_consistency_proof_verifies_and_tampering_fails() -> None:
    leaves = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(37)]
    for size in range(1, len(leaves) + 1):
        tree, root = leaves[:size], merkle.root_of(leaves[:size])
        for index in range(size):
            proof = merkle.inclusion_proof(index, tree)
            assert merkle.verify_inclusion(tree[index], index, size, proof, root)
            assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), index, size, proof, root)
            if size > 1:
                assert not merkle.verify_inclusion(tree[index], (index + 1) % size, size, proof, root)
        for old in range(1, size + 1):
            proof = merkle.consistency_proof(old, tree)
            old_root = merkle.root_of(leaves[:old])
            assert merkle.verify_consistency(old, size, old_root, root, proof)
            assert not merkle.verify_consistency(old, size, merkle.leaf_hash(b"x"), root, proof)
            if proof:
                bent = [merkle.node_hash(proof[0], proof[0]), *proof[1:]]
                assert not merkle.verify_consistency(old, size, old_root, root, bent)


def test_accumulator_streams_the_same_root_as_the_list() -> None:
    for size in (0, 1, 2, 3, 7, 8, 9, 100):
        acc = merkle.MerkleAccumulator()
        hashes = [merkle.leaf_hash(bytes([i % 256, i // 256])) for i in range(size)]
        for h in hashes:
            acc.append_leaf_hash(h)
        assert acc.root() == merkle.root_of(hashes)
        assert acc.size == size


def test_bad_requests_are_refused() -> None:
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(3, CT_LEAVES[:3])
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(0, CT_LEAVES)
    with pytest.raises(ValueError, match="32 bytes"):
        merkle.MerkleAccumulator().append_leaf_hash(b"short")
    assert not merkle.verify_inclusion(CT_LEAVES[0], 8, 8, [], CT_ROOTS[8])
    assert not merkle.verify_consistency(5, 4, CT_ROOTS[5], CT_ROOTS[4], [])
    assert list(itertools.islice(CT_ROOTS, 1)) == [merkle.EMPTY_ROOT]
