"""The bridge's durable position: the last chaincode event Kafka acknowledged, in a small SQLite file.

Saved only after the broker acknowledged every record up to it, with `synchronous=FULL`, so after a
crash the bridge resumes right after it: nothing is skipped, and at most the batch that was in flight
is published again (same ids and sequence numbers; consumers drop it by id).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ledgerml.shared.ledger import ChaincodeEvent

_SCHEMA = """
CREATE TABLE IF NOT EXISTS checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    block INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    updated_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Position:
    """Every event at or before (`block`, `index`) is published; `sequence` is the last envelope
    sequence used. Blocks before `block` are fully published (the "last fully published height" is
    `block - 1`, or `block` itself once the next block's events start)."""

    block: int = 0
    index: int = -1
    sequence: int = 0

    def covers(self, event: ChaincodeEvent) -> bool:
        return (event.block_number, event.index) <= (self.block, self.index)

    def after(self, event: ChaincodeEvent, *, published: bool) -> Position:
        return Position(event.block_number, event.index, self.sequence + int(published))


class Checkpoint:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)

    def load(self) -> Position:
        row = self._db.execute("SELECT block, idx, sequence FROM checkpoint WHERE id = 1").fetchone()
        return Position(*row) if row else Position()

    def save(self, position: Position) -> None:
        current = self.load()
        if (position.block, position.index) < (current.block, current.index) or position.sequence < current.sequence:
            raise ValueError(f"checkpoint would move back from {current} to {position}")
        self._db.execute(
            "INSERT INTO checkpoint (id, block, idx, sequence, updated_at) VALUES (1, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET block = excluded.block, idx = excluded.idx, "
            "sequence = excluded.sequence, updated_at = excluded.updated_at",
            (position.block, position.index, position.sequence, datetime.now(UTC).isoformat()))

    def close(self) -> None:
        self._db.close()
