"""Commit confirmation from one subscription per ledger client, instead of one `/tx` poll loop per write.

A `CommitWatcher` holds a websocket subscription to CometBFT's `tm.event='Tx'`: the node pushes every
committed transaction with its result as the block commits. A write registers its tx id before it is
broadcast (the id is the hash of the bytes, known in advance), so its commit cannot slip past unseen;
the waiter wakes the moment the node announces it. The subscription is an accelerator, never the only
path: while it is down (refused, dropped, too slow a reader) `CometBftLedger` polls `/tx` as before, and
even when it is up a waiter asks `/tx` once a second, so a missed announcement costs at most that.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
from collections.abc import Callable
from typing import Protocol

from websockets.exceptions import WebSocketException

from ledgerml.shared.ledger.follow import subscribe
from ledgerml.shared.ledger.rpc import JsonObject, as_int, node_name

log = logging.getLogger(__name__)
TX_QUERY = "tm.event='Tx'"
RETRY_S = 30.0


class TxFeed(Protocol):
    """Committed transactions as the node announces them."""

    def next(self, timeout_s: float) -> tuple[str, JsonObject] | None:
        """(tx id, `/tx`-shaped result) of the next announced transaction, None on a timeout or another
        message; raises `ConnectionError` when the feed is lost."""
        ...

    def close(self) -> None: ...


def _announced(message: str | bytes) -> tuple[str, JsonObject] | None:
    try:
        body = json.loads(message)
        tx_result = body["result"]["data"]["value"]["TxResult"]
        tx_id = hashlib.sha256(base64.b64decode(tx_result["tx"])).hexdigest()
    except (ValueError, KeyError, TypeError):  # the subscription's acknowledgement, or another shape
        return None
    return tx_id, {"hash": tx_id.upper(), "height": str(as_int(tx_result.get("height"))),
                   "index": as_int(tx_result.get("index")), "tx_result": tx_result.get("result") or {}}


class WebsocketTxFeed:
    """CometBFT's `/websocket`, subscribed to every committed transaction."""

    def __init__(self, rpc_url: str, *, open_timeout_s: float = 5.0) -> None:
        self._ws = subscribe(rpc_url, query=TX_QUERY, request_id="ledgerml-commits", open_timeout_s=open_timeout_s)

    def next(self, timeout_s: float) -> tuple[str, JsonObject] | None:
        try:
            message = self._ws.recv(timeout=timeout_s)
        except TimeoutError:
            return None
        except WebSocketException as exc:
            raise ConnectionError(f"commit subscription lost: {type(exc).__name__}") from exc
        return _announced(message)

    def close(self) -> None:
        self._ws.close()


class _Waiter:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.found: JsonObject | None = None


class CommitWatcher:
    """Waiters keyed by tx id, woken by one background subscription (started on first use)."""

    def __init__(self, rpc_url: str, feed: Callable[[str], TxFeed], *, retry_s: float = RETRY_S) -> None:
        self._url, self._feed, self._retry_s = rpc_url, feed, retry_s
        self._lock = threading.Lock()
        self._waiters: dict[str, _Waiter] = {}
        self._live = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def live(self) -> bool:
        return self._live.is_set()

    def expect(self, tx_id: str) -> None:
        """Register interest before broadcasting, so an announcement that comes quickly is not missed."""
        with self._lock:
            self._waiters.setdefault(tx_id, _Waiter())
            if self._thread is None and not self._closed.is_set():
                self._thread = threading.Thread(target=self._run, name=f"commits-{node_name(self._url)}",
                                                daemon=True)
                self._thread.start()

    def wait(self, tx_id: str, timeout_s: float) -> JsonObject | None:
        """The commit of an expected tx id once announced, or None after `timeout_s`."""
        with self._lock:
            waiter = self._waiters.get(tx_id)
        if waiter is None:
            return None
        waiter.done.wait(timeout_s)
        return waiter.found

    def forget(self, tx_id: str) -> None:
        with self._lock:
            self._waiters.pop(tx_id, None)

    def close(self) -> None:
        self._closed.set()

    def _run(self) -> None:
        while not self._closed.is_set():
            try:
                feed = self._feed(self._url)
            except (OSError, WebSocketException, TimeoutError) as exc:
                log.info("commit subscription unavailable; polling", extra={"node": node_name(self._url),
                                                                           "error": type(exc).__name__})
                self._closed.wait(self._retry_s)  # poll: waiters fall back to /tx meanwhile
                continue
            self._live.set()
            try:
                self._pump(feed)
            except ConnectionError as exc:
                log.info("commit subscription lost; polling", extra={"node": node_name(self._url),
                                                                    "error": str(exc)})
            finally:
                self._live.clear()
                feed.close()
            self._closed.wait(1.0)  # poll: a node that keeps dropping us is not hammered

    def _pump(self, feed: TxFeed) -> None:
        while not self._closed.is_set():
            announced = feed.next(1.0)
            if announced is None:
                continue
            tx_id, found = announced
            with self._lock:
                waiter = self._waiters.get(tx_id)
            if waiter is not None:
                waiter.found = found
                waiter.done.set()
