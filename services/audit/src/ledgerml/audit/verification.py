"""Tamper detection: recompute the whole log from the stored entries and compare with every stored
leaf hash, query column, subject row, subtree root and signed tree head.

An entry edited in the database, an entry deleted, or a tree head replaced makes verification fail
with a reason naming the first bad index or tree head. Runs in chunks; memory stays O(chunk).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from ledgerml.audit.adapters.db import entries, subjects
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.tree_heads import iter_tree_heads
from ledgerml.audit.domain import AuditEntry, SignedTreeHead, aware
from ledgerml.audit.merkle_log import Frontier, NodeId
from ledgerml.audit.signing import signature_verifies
from ledgerml.shared.merkle import leaf_hash

SignerCheck = Callable[[SignedTreeHead], str | None]
"""Returns why a head's certificate is not this log's signing identity, or None when it is."""
CHUNK = 2000
MAX_PROBLEMS = 20


@dataclass
class LogVerification:
    ok: bool = True
    entries_checked: int = 0
    tree_heads_checked: int = 0
    first_bad_index: int | None = None
    first_bad_tree_head: int | None = None
    problems: list[str] = field(default_factory=list)

    def fail(self, reason: str, *, index: int | None = None, tree_head: int | None = None) -> None:
        self.ok = False
        if index is not None and self.first_bad_index is None:
            self.first_bad_index = index
        if tree_head is not None and self.first_bad_tree_head is None:
            self.first_bad_tree_head = tree_head
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(reason)

    def view(self) -> dict[str, Any]:
        return {"ok": self.ok, "reason": self.problems[0] if self.problems else "log is intact",
                "entries_checked": self.entries_checked, "tree_heads_checked": self.tree_heads_checked,
                "first_bad_index": self.first_bad_index, "first_bad_tree_head": self.first_bad_tree_head,
                "problems": self.problems}


def _chunks(conn: Connection) -> Iterator[tuple[Sequence[Any], dict[int, list[tuple[str, str]]]]]:
    after = -1
    while True:
        rows = conn.execute(select(entries).where(entries.c.seq > after).order_by(entries.c.seq).limit(CHUNK)).all()
        if not rows:
            return
        found: dict[int, list[tuple[str, str]]] = {}
        query = select(subjects).where(subjects.c.seq >= rows[0].seq, subjects.c.seq <= rows[-1].seq)
        for s in conn.execute(query):
            found.setdefault(s.seq, []).append((s.kind, s.value))
        yield rows, found
        after = rows[-1].seq


def _columns_match(row: Any, entry: AuditEntry) -> str | None:
    expected = {"event_id": entry.event_id, "source": entry.source, "sequence": entry.sequence,
                "event_type": entry.event_type, "action": entry.action, "org": entry.org, "actor": entry.actor,
                "trace_id": entry.trace_id, "ledger_tx_id": entry.ledger_tx_id, "ledger_block": entry.ledger_block}
    for name, value in expected.items():
        if getattr(row, name) != value:
            return name
    return None if aware(row.time) == entry.time else "time"


def _check_entry(row: Any, subject_rows: list[tuple[str, str]], result: LogVerification) -> bytes:
    leaf = bytes(row.entry)
    digest = leaf_hash(leaf)
    if digest != bytes(row.leaf_hash):
        result.fail(f"entry {row.seq} does not match its stored leaf hash (the entry was edited)", index=row.seq)
        return digest
    try:
        entry = AuditEntry.from_leaf(leaf)
    except (KeyError, TypeError, ValueError):
        result.fail(f"entry {row.seq} is not a readable audit entry", index=row.seq)
        return digest
    column = _columns_match(row, entry)
    if column is not None:
        result.fail(f"entry {row.seq}: stored column `{column}` differs from the entry it indexes", index=row.seq)
    if sorted(subject_rows) != entry.subject_rows():
        result.fail(f"entry {row.seq}: stored subject index differs from the entry's subjects", index=row.seq)
    return digest


def verify_log(conn: Connection, *, store: LogStore, signer_check: SignerCheck) -> LogVerification:
    result = LogVerification()
    heads = list(iter_tree_heads(conn))
    pending = list(heads)
    frontier = Frontier()
    for rows, subject_rows in _chunks(conn):
        created: dict[NodeId, bytes] = {}
        for row in rows:
            if row.seq != frontier.size:
                result.fail(f"entry {frontier.size} is missing (next stored entry is {row.seq}): entries were "
                            "deleted", index=frontier.size)
                return result
            digest = _check_entry(row, subject_rows.get(row.seq, []), result)
            created.update(frontier.append(digest))
            result.entries_checked += 1
            while pending and pending[0].head.tree_size == frontier.size:
                _check_head(pending.pop(0), frontier.root(), signer_check, result)
        stored = store.stored(conn, created)
        for node in sorted(created):
            if stored.get(node) != created[node]:
                result.fail(f"stored subtree root (level {node.level}, index {node.index}) differs from the "
                            "entries", index=node.index << node.level)
    state = store.state(conn)
    if state.size != frontier.size:
        result.fail(f"the log records {state.size} entries but {frontier.size} are stored: entry {frontier.size} "
                    "and later were deleted", index=frontier.size)
    elif state.frontier.root() != frontier.root():
        result.fail("the log's stored frontier differs from the entries", index=frontier.size)
    for signed in pending:
        result.fail(f"tree head {signed.head.tree_size} covers more entries than are stored ({frontier.size})",
                    tree_head=signed.head.tree_size)
    return result


def _check_head(signed: SignedTreeHead, root: bytes, signer_check: SignerCheck, result: LogVerification) -> None:
    size = signed.head.tree_size
    result.tree_heads_checked += 1
    if not signature_verifies(signed):
        result.fail(f"tree head {size}: signature does not verify (the head was replaced or edited)", tree_head=size)
    else:
        reason = signer_check(signed)
        if reason is not None:
            result.fail(f"tree head {size}: {reason}", tree_head=size)
    if signed.head.root_hash != root:
        result.fail(f"tree head {size}: signed root {signed.head.root_hash.hex()} differs from the root "
                    f"recomputed from the entries ({root.hex()})", tree_head=size)
