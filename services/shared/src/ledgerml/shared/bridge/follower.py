"""Reads the ledger on its own thread into a bounded queue, so the publisher can take whatever has
arrived as one batch (a whole block, or many while catching up).

A feed that knows where blocks end (`BlockFeed.scan`, the validator's) also hands over `Scanned(h)`
after the last event of block h, empty blocks included: queued in order behind those events, it lets
the bridge checkpoint a block as fully published. A plain `Ledger.events()` feed gives events only.
The follow ends with one `Ended` item: `error` is what the ledger raised, or None when its iterator
stopped. The bridge then publishes what it holds and starts a new follow from its checkpoint.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ledgerml.shared.ledger import ChaincodeEvent

_PUT_WAIT_S = 0.5


@dataclass(frozen=True)
class Scanned:
    """Every event of the blocks up to `height` is ahead of this marker."""

    height: int


Item = ChaincodeEvent | Scanned


class EventFeed(Protocol):
    """The part of the `Ledger` port the bridge reads: committed events from a height on, following."""

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]: ...


@runtime_checkable
class BlockFeed(Protocol):
    def scan(self, *, start_block: int) -> Iterator[Item]: ...


@dataclass(frozen=True)
class Ended:
    error: BaseException | None


class Follower:
    def __init__(self, ledger: EventFeed | BlockFeed, *, start_block: int, capacity: int) -> None:
        self._ledger = ledger
        self._start_block = start_block
        self._queue: queue.Queue[Item | Ended] = queue.Queue(maxsize=capacity)
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._read, name="ledger-follower", daemon=True)

    def start(self) -> Follower:
        self._thread.start()
        return self

    def halt(self) -> None:
        """Stop handing over items. A thread blocked inside the ledger's iterator is left to the
        process's exit (it is a daemon): an iterator cannot be closed from another thread."""
        self._halt.set()

    def take(self, *, wait_s: float, limit: int) -> tuple[Sequence[Item], Ended | None]:
        """Wait up to `wait_s` for the first item, then take what else is queued, up to `limit` items."""
        items: list[Item] = []
        try:
            item = self._queue.get(timeout=wait_s)
        except queue.Empty:
            return items, None
        while True:
            if isinstance(item, Ended):
                return items, item
            items.append(item)
            if len(items) >= limit:
                return items, None
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return items, None

    def _source(self) -> Iterable[Item]:
        if isinstance(self._ledger, BlockFeed):
            return self._ledger.scan(start_block=self._start_block)
        return self._ledger.events(start_block=self._start_block)

    def _read(self) -> None:
        try:
            for item in self._source():
                if not self._put(item):
                    return
            self._put(Ended(None))
        except Exception as exc:  # noqa: BLE001 - any failure ends this follow; the bridge follows again
            self._put(Ended(exc))

    def _put(self, item: Item | Ended) -> bool:
        while not self._halt.is_set():
            try:
                self._queue.put(item, timeout=_PUT_WAIT_S)  # poll: room in the queue, or a halt
                return True
            except queue.Full:
                continue
        return False
