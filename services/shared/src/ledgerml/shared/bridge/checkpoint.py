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
    updated_at TEXT NOT NULL,
    chain TEXT
)
"""


@dataclass(frozen=True)
class Position:
    """Every event at or before (`block`, `index`) is published; `sequence` is the last envelope
    sequence used. `index` -1: block `block` is not started, every block before it is done."""

    block: int = 0
    index: int = -1
    sequence: int = 0

    @property
    def height(self) -> int:
        """The block the bridge has published through: fully when `index` is -1 (the block before
        `block`), else up to `index` (a feed without block ends cannot say whether more followed)."""
        return self.block - 1 if self.index < 0 else self.block

    def covers(self, event: ChaincodeEvent) -> bool:
        return (event.block_number, event.index) <= (self.block, self.index)

    def after(self, event: ChaincodeEvent, *, published: bool) -> Position:
        return Position(event.block_number, event.index, self.sequence + int(published))

    def through(self, height: int) -> Position:
        """Block `height` is over: every event of it and before is published."""
        done = Position(height + 1, -1, self.sequence)
        return done if (done.block, done.index) > (self.block, self.index) else self


class Checkpoint:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)
        if "chain" not in {row[1] for row in self._db.execute("PRAGMA table_info(checkpoint)")}:
            self._db.execute("ALTER TABLE checkpoint ADD COLUMN chain TEXT")  # files from before chain binding

    def bind(self, chain: str) -> bool:
        """Tie the checkpoint to one chain (its first block's hash). A different chain under the same
        name (a local network started afresh) restarts the position at its first block, keeping the
        sequence so the envelopes' numbering never repeats; returns True when that happened."""
        row = self._db.execute("SELECT chain FROM checkpoint WHERE id = 1").fetchone()
        reset = row is not None and row[0] is not None and row[0] != chain
        position = Position(sequence=self.load().sequence) if reset else self.load()
        self._db.execute(
            "INSERT INTO checkpoint (id, block, idx, sequence, updated_at, chain) VALUES (1, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET block = excluded.block, idx = excluded.idx, chain = excluded.chain",
            (position.block, position.index, position.sequence, datetime.now(UTC).isoformat(), chain))
        return reset

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
