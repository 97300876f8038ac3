"""The auditor's export check: a log rewritten (whatever signs it) no longer hashes to its anchored root."""

from __future__ import annotations

import json

import pytest

from ledgerml.client.anchored import ExportUnreadable, check_against_anchor, export_leaves
from ledgerml.client.audit import canonical_json
from ledgerml.client.ledger import ProvenAnchor
from ledgerml.shared.merkle import leaf_hash, root_of


def _entries(n: int) -> list[dict[str, object]]:
    return [{"v": 1, "action": "access.grant.issued", "actor": "Org1MSP", "sequence": i, "subjects": {}}
            for i in range(n)]


def _export(entries: list[dict[str, object]]) -> list[bytes]:
    return [json.dumps({"seq": i, "leaf_hash": "00" * 32, "entry": e}).encode() for i, e in enumerate(entries)]


def _anchor(entries: list[dict[str, object]], size: int) -> ProvenAnchor:
    root = root_of([leaf_hash(canonical_json(e)) for e in entries[:size]]).hex()
    return ProvenAnchor("org1-audit", size, root, "ab" * 32, 42, "node3")


def test_the_log_its_owner_anchored_matches_even_after_it_grew() -> None:
    entries = _entries(9)
    result = check_against_anchor(export_leaves(_export(entries)), _anchor(entries, 7))
    assert result.ok and result.export_root == result.anchored_root and result.export_entries == 9
    assert "2 entries came after that anchor" in result.reason


def test_one_rewritten_entry_before_the_anchor_is_caught() -> None:
    entries = _entries(9)
    anchor = _anchor(entries, 7)
    rewritten = [dict(e) for e in entries]
    rewritten[3]["actor"] = "Org3MSP"  # the owner hides who acted, and re-signs its own heads
    result = check_against_anchor(export_leaves(_export(rewritten)), anchor)
    assert not result.ok and result.export_root != anchor.root_hash and result.reason.startswith("REWRITTEN")


def test_a_rewrite_after_the_anchor_is_not_what_this_anchor_covers() -> None:
    entries = _entries(9)
    rewritten = [dict(e) for e in entries]
    rewritten[8]["actor"] = "Org3MSP"
    assert check_against_anchor(export_leaves(_export(rewritten)), _anchor(entries, 7)).ok


def test_the_leaf_hash_the_export_claims_is_not_trusted() -> None:
    entries = _entries(4)
    anchor = _anchor(entries, 4)
    rows = _export(entries)
    forged = json.loads(rows[1])
    forged["entry"]["actor"] = "Org3MSP"
    forged["leaf_hash"] = leaf_hash(canonical_json(entries[1])).hex()  # the original entry's hash, kept
    rows[1] = json.dumps(forged).encode()
    assert not check_against_anchor(export_leaves(rows), anchor).ok


def test_a_truncated_export_is_refused() -> None:
    entries = _entries(5)
    result = check_against_anchor(export_leaves(_export(entries[:3])), _anchor(entries, 5))
    assert not result.ok and result.export_root is None and "TRUNCATED" in result.reason


@pytest.mark.parametrize("rows", [[b"not json"], [b'{"seq": 1, "entry": {}}'], [b'{"seq": 0, "entry": []}'],
                                  [b'{"entry": {}}']])
def test_what_is_not_a_whole_log_export_is_refused(rows: list[bytes]) -> None:
    with pytest.raises(ExportUnreadable):
        export_leaves(rows)
