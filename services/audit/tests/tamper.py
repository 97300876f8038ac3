"""Ways an operator with database access could tamper with the audit log, for the verification tests."""

from __future__ import annotations

import base64
import json

from sqlalchemy import Engine, delete, select, update

from ledgerml.audit.adapters.db import entries, tree_heads
from ledgerml.audit.adapters.tree_heads import get_tree_head
from ledgerml.audit.domain import TreeHead, canonical_json
from ledgerml.audit.signing import TreeHeadSigner


def edit_entry(engine: Engine, seq: int, *, keep_leaf_hash: bool = True) -> None:
    """Rewrite who did it; optionally also recompute the stored leaf hash to hide the edit."""
    from ledgerml.shared.merkle import leaf_hash

    with engine.begin() as conn:
        entry = json.loads(conn.execute(select(entries.c.entry).where(entries.c.seq == seq)).scalar_one())
        entry["actor"] = "Org9MSP"
        leaf = canonical_json(entry)
        values: dict[str, object] = {"entry": leaf, "actor": "Org9MSP"}
        if not keep_leaf_hash:
            values["leaf_hash"] = leaf_hash(leaf)
        conn.execute(update(entries).where(entries.c.seq == seq).values(**values))


def delete_entry(engine: Engine, seq: int) -> None:
    with engine.begin() as conn:
        conn.execute(delete(entries).where(entries.c.seq == seq))


def replace_head(engine: Engine, size: int, *, signer: TreeHeadSigner | None, root: bytes = b"\x42" * 32) -> None:
    """Swap a head's root; re-sign it with `signer` when given (otherwise the old signature stays)."""
    with engine.begin() as conn:
        old = get_tree_head(conn, size)
        assert old is not None
        values: dict[str, object] = {"root_hash": root.hex()}
        if signer is not None:
            head = TreeHead(old.head.log_id, size, root, old.head.timestamp)
            values |= {"signature": base64.b64encode(signer.sign(head.signing_payload())).decode(),
                       "certificate": signer.certificate_pem}
        conn.execute(update(tree_heads).where(tree_heads.c.tree_size == size).values(**values))
