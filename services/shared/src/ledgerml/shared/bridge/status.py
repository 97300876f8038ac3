"""The bridge's status file (`<data dir>/status.json`), rewritten atomically every few seconds.

    {"org": "org1", "pid": 4242, "state": "following", "ready": true, "height": 41, "index": -1,
     "sequence": 97, "head": 43, "lag": 2, "published": 97, "skipped": {"unmapped": 3},
     "error": null, "updated_at": 1767225600.0}

`state`: `starting` (no ledger or Kafka contact yet), `following` (reading blocks and publishing),
`retrying` (the ledger or Kafka failed; `error` names which, never a payload). `height`: the block the
checkpoint has published through (`index` -1: all of it; else up to that index). `head`: the ledger's
latest height as last seen (null when unknown); `lag` = head - height, 0 when caught up.
A reader decides readiness from `ready`, `pid` and how old `updated_at` is (the stack allows 15 s).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ledgerml.shared.bridge.checkpoint import Position

STATUS_FILE = "status.json"
CHECKPOINT_FILE = "checkpoint.sqlite"


@dataclass
class BridgeStatus:
    org: str
    pid: int = field(default_factory=os.getpid)
    state: str = "starting"
    height: int = 0
    index: int = -1
    sequence: int = 0
    head: int | None = None
    published: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def ready(self) -> bool:
        return self.state == "following"

    @property
    def lag(self) -> int | None:
        return None if self.head is None else max(0, self.head - self.height)

    def at(self, position: Position) -> None:
        self.height, self.index, self.sequence = position.height, position.index, position.sequence

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ready": self.ready, "lag": self.lag, "updated_at": time.time()}


class StatusFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, status: BridgeStatus) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(status.as_json()) + "\n")
        os.replace(tmp, self.path)


def read_status(path: Path) -> dict[str, Any] | None:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None
