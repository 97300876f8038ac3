"""The Merkle log in SQL: append (O(log n): one entry row, its subjects, the completed subtree roots,
the frontier) and proofs read from stored subtree roots. Every function runs on the caller's
connection, so an append commits or rolls back with the consumer's processed-event record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from ledgerml.audit.adapters.db import entries, log_state, nodes, subjects
from ledgerml.audit.domain import AuditEntry
from ledgerml.audit.merkle_log import (
    Frontier,
    NodeId,
    consistency_ranges,
    inclusion_ranges,
    nodes_for,
    range_hash,
)
from ledgerml.shared.merkle import leaf_hash
from ledgerml.shared.persistence import insert_ignoring_duplicates


@dataclass(frozen=True)
class LogState:
    size: int
    frontier: Frontier
    last_head_size: int
    last_head_at: datetime | None


@dataclass(frozen=True)
class Appended:
    seq: int
    leaf_hash: bytes
    size: int


class LogStore:
    def __init__(self, log_id: str) -> None:
        self.log_id = log_id

    def state(self, conn: Connection, *, lock: bool = False, now: datetime | None = None) -> LogState:
        """The log's size and frontier; `lock` holds the row for this transaction (one appender at a time)."""
        if lock and now is not None:
            insert_ignoring_duplicates(conn, log_state, {"log_id": self.log_id, "size": 0, "frontier": b"",
                                                         "last_head_size": 0, "updated_at": now})
        query = select(log_state).where(log_state.c.log_id == self.log_id)
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            return LogState(0, Frontier(), 0, None)
        return LogState(row.size, Frontier.from_bytes(row.size, row.frontier), row.last_head_size, row.last_head_at)

    def append(self, conn: Connection, batch: Sequence[AuditEntry], *, now: datetime,
               head_every: int | None = None) -> tuple[list[Appended], LogState, list[tuple[int, bytes]]]:
        """Append entries in order with O(log n) work each; returns them, the new state, and the (size, root)
        of every point where `head_every` entries have accumulated since the last head (heads are due)."""
        state = self.state(conn, lock=True, now=now)
        frontier, size, since_head = state.frontier, state.size, state.size - state.last_head_size
        appended: list[Appended] = []
        entry_rows: list[dict[str, object]] = []
        subject_rows: list[dict[str, object]] = []
        node_rows: list[dict[str, object]] = []
        heads: list[tuple[int, bytes]] = []
        for entry in batch:
            leaf = entry.leaf()
            digest = leaf_hash(leaf)
            entry_rows.append({
                "seq": size, "event_id": entry.event_id, "leaf_hash": digest, "entry": leaf, "source": entry.source,
                "sequence": entry.sequence, "event_type": entry.event_type, "action": entry.action,
                "org": entry.org, "actor": entry.actor, "time": entry.time, "trace_id": entry.trace_id,
                "ledger_tx_id": entry.ledger_tx_id, "ledger_block": entry.ledger_block})
            subject_rows += [{"kind": k, "value": v, "seq": size} for k, v in entry.subject_rows()]
            node_rows += [{"node_key": node.key, "hash": h} for node, h in frontier.append(digest)]
            appended.append(Appended(size, digest, size + 1))
            size, since_head = size + 1, since_head + 1
            if head_every is not None and since_head >= head_every:
                heads.append((size, frontier.root()))
                since_head = 0
        for table, rows in ((entries, entry_rows), (subjects, subject_rows), (nodes, node_rows)):
            if rows:
                conn.execute(insert(table), rows)
        conn.execute(update(log_state).where(log_state.c.log_id == self.log_id)
                     .values(size=size, frontier=frontier.to_bytes(), updated_at=now))
        return appended, LogState(size, frontier, state.last_head_size, state.last_head_at), heads

    def mark_head(self, conn: Connection, *, size: int, at: datetime) -> None:
        conn.execute(update(log_state).where(log_state.c.log_id == self.log_id)
                     .values(last_head_size=size, last_head_at=at))

    def stored(self, conn: Connection, wanted: Iterable[NodeId]) -> dict[NodeId, bytes]:
        wanted = set(wanted)
        found: dict[NodeId, bytes] = {}
        leaves = sorted(n.index for n in wanted if n.level == 0)
        inner = sorted(n.key for n in wanted if n.level > 0)
        for chunk in _chunks(leaves):
            for row in conn.execute(select(entries.c.seq, entries.c.leaf_hash).where(entries.c.seq.in_(chunk))):
                found[NodeId(0, row.seq)] = bytes(row.leaf_hash)
        for chunk in _chunks(inner):
            for row in conn.execute(select(nodes.c.node_key, nodes.c.hash).where(nodes.c.node_key.in_(chunk))):
                found[NodeId.from_key(row.node_key)] = bytes(row.hash)
        return found

    def root_at(self, conn: Connection, size: int) -> bytes:
        root: bytes = range_hash(0, size, self.stored(conn, nodes_for([(0, size)])))
        return root

    def inclusion_proof(self, conn: Connection, index: int, size: int) -> list[bytes]:
        ranges = inclusion_ranges(index, size)
        stored = self.stored(conn, nodes_for(ranges))
        return [range_hash(start, end, stored) for start, end in ranges]

    def consistency_proof(self, conn: Connection, old_size: int, new_size: int) -> list[bytes]:
        ranges = consistency_ranges(old_size, new_size)
        stored = self.stored(conn, nodes_for(ranges))
        return [range_hash(start, end, stored) for start, end in ranges]


def _chunks(values: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]
