"""Where a transfer's time goes: seconds per stage (receive, hash, seal, put; fetch, decrypt, send ...),
summed over the threads that did the work, so with chunks in parallel the stages may add up to more
than the wall time. One log line per transfer, with timings and sizes only (never a byte of data)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)
PROFILE_MESSAGE = "transfer profile "


class Stages:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._seconds: dict[str, float] = {}
        self._lock = threading.Lock()
        self._started = time.perf_counter()

    def add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self._seconds[stage] = self._seconds.get(stage, 0.0) + seconds

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - started)

    def view(self) -> dict[str, float]:
        with self._lock:
            return {stage: round(seconds, 4) for stage, seconds in self._seconds.items()}

    def report(self, *, size_bytes: int, chunks: int) -> None:
        """Logs the profile once the transfer is over (the benchmark reads these lines)."""
        wall = time.perf_counter() - self._started
        log.info(PROFILE_MESSAGE + json.dumps({"kind": self.kind, "wall_s": round(wall, 4), "size_bytes": size_bytes,
                                               "chunks": chunks, "seconds": self.view()}))

