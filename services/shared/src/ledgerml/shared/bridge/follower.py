"""Reads `Ledger.events()` on its own thread into a bounded queue, so the publisher can take whatever
has arrived as one batch (a whole block, or many while catching up) without knowing where a block ends.

The follow ends with one `Ended` item: `error` is what the ledger raised, or None when its iterator
stopped. The bridge then publishes what it holds and starts a new follow from its checkpoint.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ledgerml.shared.ledger import ChaincodeEvent

_PUT_WAIT_S = 0.5


class EventFeed(Protocol):
    """The part of the `Ledger` port the bridge reads: committed events from a height on, following."""

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]: ...


@dataclass(frozen=True)
class Ended:
    error: BaseException | None


class Follower:
    def __init__(self, ledger: EventFeed, *, start_block: int, capacity: int) -> None:
        self._ledger = ledger
        self._start_block = start_block
        self._queue: queue.Queue[ChaincodeEvent | Ended] = queue.Queue(maxsize=capacity)
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._read, name="ledger-follower", daemon=True)

    def start(self) -> Follower:
        self._thread.start()
        return self

    def halt(self) -> None:
        """Stop handing over events. A thread blocked inside the ledger's iterator is left to the
        process's exit (it is a daemon): an iterator cannot be closed from another thread."""
        self._halt.set()

    def take(self, *, wait_s: float, limit: int) -> tuple[Sequence[ChaincodeEvent], Ended | None]:
        """Wait up to `wait_s` for the first item, then take what else is queued, up to `limit` events."""
        events: list[ChaincodeEvent] = []
        try:
            item = self._queue.get(timeout=wait_s)
        except queue.Empty:
            return events, None
        while True:
            if isinstance(item, Ended):
                return events, item
            events.append(item)
            if len(events) >= limit:
                return events, None
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return events, None

    def _read(self) -> None:
        try:
            for event in self._ledger.events(start_block=self._start_block):
                if not self._put(event):
                    return
            self._put(Ended(None))
        except Exception as exc:  # noqa: BLE001 - any failure ends this follow; the bridge follows again
            self._put(Ended(exc))

    def _put(self, item: ChaincodeEvent | Ended) -> bool:
        while not self._halt.is_set():
            try:
                self._queue.put(item, timeout=_PUT_WAIT_S)  # poll: room in the queue, or a halt
                return True
            except queue.Full:
                continue
        return False
