"""The Merkle log in SQL: append (O(log n) per entry: its row, its subjects, the completed subtree roots;
per batch one bulk write per table and the frontier) and proofs read from stored subtree roots. Every
function runs on the caller's connection, so an append commits or rolls back with the consumer's
processed-event record."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import Connection, select, update

from ledgerml.audit.adapters.bulk import write_rows
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
from ledgerml.audit.ports import Appended, LogState
from ledgerml.shared.merkle import leaf_hash
from ledgerml.shared.persistence import insert_ignoring_duplicates

ENTRY_COLUMNS = ("seq", "event_id", "leaf_hash", "entry", "source", "sequence", "event_type", "action", "org",
                 "actor", "time", "trace_id", "ledger_tx_id", "ledger_block")
SUBJECT_COLUMNS = ("kind", "value", "seq")
NODE_COLUMNS = ("node_key", "hash")


__all__ = ["Appended", "LogState", "LogStore"]


class LogStore:
    def __init__(self, log_id: str) -> None:
        self.log_id = log_id
        self._frontier: Frontier | None = None  # as left by the last append, checked against the row

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

    def append(self, conn: Connection, batch: Iterable[AuditEntry], *, now: datetime,
               head_every: int | None = None) -> tuple[list[Appended], LogState, list[tuple[int, bytes]]]:
        """Append entries in order with O(log n) work each; returns them, the new state, and the (size, root)
        of every point where `head_every` entries have accumulated since the last head (heads are due).
        Each table gets one bulk write per batch (`write_rows`). `batch` may be lazy (a generator that
        normalises): entry rows are built while their COPY streams, so the database inserts the first
        rows while later ones are still being hashed."""
        state = self._locked_state(conn, now)
        frontier, since_head = state.frontier, state.size - state.last_head_size
        appended: list[Appended] = []
        subject_rows: list[tuple[str, str, int]] = []
        node_rows: list[tuple[int, bytes]] = []
        heads: list[tuple[int, bytes]] = []

        def entry_rows() -> Iterator[tuple[object, ...]]:
            nonlocal since_head
            for entry in batch:
                seq, leaf = frontier.size, entry.leaf()
                digest = leaf_hash(leaf)
                subject_rows.extend((kind, value, seq) for kind, value in entry.subject_rows())
                node_rows.extend((node.key, h) for node, h in frontier.append(digest))
                appended.append(Appended(seq, digest, seq + 1))
                since_head += 1
                if head_every is not None and since_head >= head_every:
                    heads.append((frontier.size, frontier.root()))
                    since_head = 0
                yield (seq, entry.event_id, digest, leaf, entry.source, entry.sequence, entry.event_type,
                       entry.action, entry.org, entry.actor, entry.time, entry.trace_id, entry.ledger_tx_id,
                       entry.ledger_block)

        self._frontier = None  # until this append is complete: a failed one leaves nothing to trust
        write_rows(conn, entries, ENTRY_COLUMNS, entry_rows())
        write_rows(conn, subjects, SUBJECT_COLUMNS, subject_rows)
        write_rows(conn, nodes, NODE_COLUMNS, node_rows)
        conn.execute(update(log_state).where(log_state.c.log_id == self.log_id)
                     .values(size=frontier.size, frontier=frontier.to_bytes(), updated_at=now))
        self._frontier = frontier
        return appended, LogState(frontier.size, frontier, state.last_head_size, state.last_head_at), heads

    def _locked_state(self, conn: Connection, now: datetime) -> LogState:
        """Lock the log's row for this transaction (one appender at a time). The frontier kept in memory
        since this store's last append serves while the row still holds it; on a start, after another
        appender or after a rolled-back batch the row differs and the frontier is rebuilt from it."""
        query = select(log_state).where(log_state.c.log_id == self.log_id).with_for_update()
        row = conn.execute(query).first()
        if row is None:
            insert_ignoring_duplicates(conn, log_state, {"log_id": self.log_id, "size": 0, "frontier": b"",
                                                         "last_head_size": 0, "updated_at": now})
            row = conn.execute(query).one()
        frontier, stored = self._frontier, bytes(row.frontier)
        if frontier is None or frontier.size != row.size or frontier.to_bytes() != stored:
            frontier = Frontier.from_bytes(row.size, stored)
        return LogState(row.size, frontier, row.last_head_size, row.last_head_at)

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
