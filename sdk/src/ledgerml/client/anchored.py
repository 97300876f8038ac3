"""An auditor's check of an exported audit log against the ledger: what no signature can vouch for.

An organisation holds its own audit signing key, so a log it rewrote and re-signed verifies under its own
certificate. What it cannot rewrite is the tree head it anchored on the consortium ledger. This module
recomputes the RFC 6962 root of an export's first N entries (N = an anchored tree size) from the entries
themselves — never from the `leaf_hash` the export carries — and compares it with the anchored root, which
`LedgerClient.anchor` reads from the ledger's state with a Merkle proof against a validator's header.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ledgerml.client.audit import canonical_json
from ledgerml.client.ledger import ProvenAnchor
from ledgerml.shared.merkle import leaf_hash, root_of


class ExportUnreadable(ValueError):
    """The file is not a whole-log JSON Lines export (`audit export` without filters)."""


@dataclass(frozen=True)
class AnchorCheck:
    ok: bool
    log_id: str
    tree_size: int
    anchored_root: str
    export_root: str | None
    export_entries: int
    anchor_tx: str
    anchor_height: int
    proof_checked_against: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def export_leaves(lines: Iterable[bytes | str]) -> list[bytes]:
    """Leaf hashes recomputed from each line's `entry`, which must run seq 0, 1, 2, … without a gap."""
    leaves: list[bytes] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            seq, entry = int(row["seq"]), row["entry"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ExportUnreadable(f"line {number} is not an export row ({{seq, leaf_hash, entry}}): {exc}") from None
        if not isinstance(entry, dict):
            raise ExportUnreadable(f"line {number}: `entry` must be a JSON object")
        if seq != len(leaves):
            raise ExportUnreadable(f"line {number} holds seq {seq}, expected {len(leaves)}: check a whole-log "
                                   "export (`audit export` without filters), in order")
        leaves.append(leaf_hash(canonical_json(entry)))
    return leaves


def check_against_anchor(leaves: Sequence[bytes], anchor: ProvenAnchor) -> AnchorCheck:
    """Does the export's prefix of the anchored size hash to the anchored root?"""
    size = anchor.tree_size

    def result(ok: bool, root: str | None, reason: str) -> AnchorCheck:
        return AnchorCheck(ok, anchor.log_id, size, anchor.root_hash, root, len(leaves), anchor.tx_id, anchor.height,
                           anchor.verified_by, reason)

    if len(leaves) < size:
        return result(False, None, f"REWRITTEN OR TRUNCATED: the export holds {len(leaves)} entries, but the log "
                                   f"anchored {size} on the ledger (tx {anchor.tx_id[:16]}…, height {anchor.height})")
    root = root_of(leaves[:size]).hex()
    if root != anchor.root_hash:
        return result(False, root, f"REWRITTEN: the export's first {size} entries hash to {root[:16]}…, the ledger "
                                   f"holds {anchor.root_hash[:16]}… for that size (tx {anchor.tx_id[:16]}…, height "
                                   f"{anchor.height}): the log is not the one its owner anchored")
    return result(True, root, f"the export's first {size} entries hash to the root anchored on the ledger at height "
                              f"{anchor.height}; {len(leaves) - size} entries came after that anchor")
