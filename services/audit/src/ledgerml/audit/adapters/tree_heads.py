"""Signed tree heads in SQL, and the ledger status of each head's `AnchorAuditRoot` write."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ledgerml.audit.adapters.db import tree_heads
from ledgerml.audit.domain import SignedTreeHead, TreeHead, aware, format_time
from ledgerml.shared.ledgerwrites import get_ledger_write

AWAITING = {"state": "pending", "tx_id": None, "block_number": None, "error_code": None,
            "error_detail": "not anchored itself: one anchor per log is in flight at a time, and the next one "
                            "covers this head (prove it against that anchor with a consistency proof)"}
QUEUED = "queued behind an earlier anchor of this log (anchors are submitted in tree-size order)"


def _from_row(row: Any) -> SignedTreeHead:
    head = TreeHead(row.log_id, row.tree_size, bytes.fromhex(row.root_hash), aware(row.issued_at))
    return SignedTreeHead(head, base64.b64decode(row.signature), row.certificate, row.ledger_write_id)


def store_tree_head(conn: Connection, signed: SignedTreeHead) -> None:
    conn.execute(insert(tree_heads).values(
        tree_size=signed.head.tree_size, log_id=signed.head.log_id, root_hash=signed.head.root_hash.hex(),
        issued_at=signed.head.timestamp, signature=base64.b64encode(signed.signature).decode(),
        certificate=signed.certificate_pem, ledger_write_id=signed.ledger_write_id))


def set_ledger_write(conn: Connection, *, tree_size: int, write_id: str) -> None:
    conn.execute(update(tree_heads).where(tree_heads.c.tree_size == tree_size).values(ledger_write_id=write_id))


def get_tree_head(conn: Connection, tree_size: int) -> SignedTreeHead | None:
    row = conn.execute(select(tree_heads).where(tree_heads.c.tree_size == tree_size)).first()
    return _from_row(row) if row else None


def latest_tree_head(conn: Connection) -> SignedTreeHead | None:
    row = conn.execute(select(tree_heads).order_by(tree_heads.c.tree_size.desc()).limit(1)).first()
    return _from_row(row) if row else None


def list_tree_heads(conn: Connection, *, after: int | None, limit: int) -> list[SignedTreeHead]:
    query = select(tree_heads).order_by(tree_heads.c.tree_size).limit(limit)
    if after is not None:
        query = query.where(tree_heads.c.tree_size > after)
    return [_from_row(r) for r in conn.execute(query)]


def iter_tree_heads(conn: Connection) -> Iterator[SignedTreeHead]:
    for row in conn.execute(select(tree_heads).order_by(tree_heads.c.tree_size)):
        yield _from_row(row)


def ledger_status(conn: Connection, signed: SignedTreeHead) -> dict[str, object]:
    write = get_ledger_write(conn, signed.ledger_write_id) if signed.ledger_write_id else None
    if write is None:
        return dict(AWAITING)
    status = write.status()
    if write.state == "pending" and write.attempts == 0 and write.error_code is None:
        status["error_detail"] = QUEUED
    return status


def head_view(conn: Connection, signed: SignedTreeHead) -> dict[str, Any]:
    head = signed.head
    return {"log_id": head.log_id, "tree_size": head.tree_size, "root_hash": head.root_hash.hex(),
            "timestamp": format_time(head.timestamp), "signature": base64.b64encode(signed.signature).decode(),
            "certificate": signed.certificate_pem, "ledger": ledger_status(conn, signed)}
