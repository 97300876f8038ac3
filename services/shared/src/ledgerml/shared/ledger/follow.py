"""Chaincode events of committed blocks, in order, resumable from any height.

Each block is read over HTTP (`/block` for the transactions, `/block_results` for their results and
events); the websocket subscription to `tm.event='NewBlock'` only wakes the follower when a block
commits. Without a websocket (refused, dropped, too many subscribers) it polls `/status`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from ledgerml.shared.errors import LedgerError
from ledgerml.shared.ledger.port import ChaincodeEvent
from ledgerml.shared.ledger.rpc import JsonObject, RpcClient, as_bytes, as_int, node_name

log = logging.getLogger(__name__)
NEW_BLOCK_QUERY = "tm.event='NewBlock'"
WS_RETRY_S = 30.0


class NewBlocks(Protocol):
    """Wakes the follower when a block commits."""

    def wait(self, timeout_s: float) -> bool:
        """True when a block was announced within `timeout_s`; raises `OSError` when the feed is lost."""
        ...

    def close(self) -> None: ...


def websocket_url(rpc_url: str) -> str:
    parts = urlsplit(rpc_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/websocket", "", ""))


def subscribe(rpc_url: str, *, query: str, request_id: str, open_timeout_s: float = 5.0) -> ClientConnection:
    """A connection to the node's `/websocket`, subscribed to the events `query` selects."""
    # legacy=True: the connection itself, closed by close(), rather than a context manager
    ws: ClientConnection = connect(websocket_url(rpc_url), open_timeout=open_timeout_s, max_size=64 * 1024 * 1024,
                                   compression=None, legacy=True)
    ws.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "subscribe", "params": {"query": query}}))
    return ws


class WebsocketNewBlocks:
    """CometBFT's `/websocket` subscription to NewBlock events (their content is not used)."""

    def __init__(self, rpc_url: str, *, open_timeout_s: float = 5.0) -> None:
        self._ws = subscribe(rpc_url, query=NEW_BLOCK_QUERY, request_id="ledgerml-blocks",
                             open_timeout_s=open_timeout_s)

    def wait(self, timeout_s: float) -> bool:
        try:
            self._ws.recv(timeout=timeout_s)
        except TimeoutError:
            return False
        except WebSocketException as exc:
            raise ConnectionError(f"block subscription lost: {type(exc).__name__}") from exc
        try:
            while True:  # drain what queued up while the consumer was busy: one wake-up is enough
                self._ws.recv(timeout=0)
        except TimeoutError:
            return True
        except WebSocketException:
            return True

    def close(self) -> None:
        self._ws.close()


def block_events(rpc: RpcClient, url: str, height: int) -> list[ChaincodeEvent]:
    """The events of one committed block. `index` is the transaction's position in the block, so
    `tx_id:index` identifies an event for good."""
    block = rpc.call(url, "block", {"height": str(height)})
    results = rpc.call(url, "block_results", {"height": str(height)})
    try:
        return _events(block, results, height)
    except (AttributeError, TypeError, ValueError) as exc:  # a node answering in another shape
        raise LedgerError(f"block {height} from {node_name(url)} is unreadable: {type(exc).__name__}") from None


def _events(block: JsonObject, block_results: JsonObject, height: int) -> list[ChaincodeEvent]:
    txs = ((block.get("block") or {}).get("data") or {}).get("txs") or []
    results = block_results.get("txs_results") or []
    if len(results) != len(txs):
        raise LedgerError(f"block {height} has {len(txs)} transactions but {len(results)} results")
    events = []
    for index, (tx, result) in enumerate(zip(txs, results, strict=True)):
        if as_int(result.get("code")) != 0:
            continue
        tx_hash = hashlib.sha256(as_bytes(tx)).hexdigest()
        for event in result.get("events") or []:
            attributes = {str(a.get("key")): str(a.get("value") or "") for a in event.get("attributes") or []}
            if "payload" in attributes:
                events.append(ChaincodeEvent(tx_hash, height, index, str(event.get("type")),
                                             attributes["payload"].encode()))
    return events


def latest_height(rpc: RpcClient, url: str) -> int:
    """The node's newest stored block (what a block follower may read)."""
    status: JsonObject = rpc.call(url, "status")
    return as_int((status.get("sync_info") or {}).get("latest_block_height"))


def application_height(rpc: RpcClient, url: str) -> int:
    """The last block the node's application committed, which queries read. While a node syncs, its
    block store can be a block ahead of its application."""
    info: JsonObject = rpc.call(url, "abci_info")
    return as_int((info.get("response") or {}).get("last_block_height"))


class BlockFollower:
    def __init__(self, rpc: RpcClient, url: str, *, new_blocks: Callable[[], NewBlocks] | None,
                 poll_s: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._rpc = rpc
        self._url = url
        self._new_blocks = new_blocks
        self._poll_s = poll_s
        self._clock = clock
        self._sleep = sleep
        self._ws_retry_at = 0.0

    def events(self, start_block: int) -> Iterator[ChaincodeEvent]:
        height = max(start_block, 1)
        feed: NewBlocks | None = None
        try:
            while True:
                latest = latest_height(self._rpc, self._url)
                while height <= latest:
                    yield from block_events(self._rpc, self._url, height)
                    height += 1
                feed = self._wait(feed)
        finally:
            if feed is not None:
                feed.close()

    def _subscribe(self) -> NewBlocks | None:
        if self._new_blocks is None or self._clock() < self._ws_retry_at:
            return None
        try:
            return self._new_blocks()
        except (OSError, TimeoutError, WebSocketException) as exc:
            self._ws_retry_at = self._clock() + WS_RETRY_S
            log.info("no block subscription; polling /status", extra={"node": node_name(self._url),
                                                                       "reason": type(exc).__name__})
            return None

    def _wait(self, feed: NewBlocks | None) -> NewBlocks | None:
        """Until a new block may have committed; returns the feed to keep."""
        feed = feed or self._subscribe()
        if feed is None:
            self._sleep(self._poll_s)  # poll: no subscription, /status says whether a block committed
            return None
        try:
            feed.wait(self._poll_s)  # a timeout re-checks /status: a subscription may miss a block
            return feed
        except OSError as exc:
            feed.close()
            self._ws_retry_at = self._clock() + WS_RETRY_S
            log.info("block subscription lost; polling /status", extra={"node": node_name(self._url),
                                                                         "reason": type(exc).__name__})
        self._sleep(self._poll_s)  # poll: the subscription is gone for now
        return None
