"""The bridge's read-only view of its organisation's validator: committed blocks' chaincode events, the
end of every block, and the latest height. Built on the CometBFT adapter's block reader and RPC client,
without a signing identity: the bridge never writes to the ledger, so it holds no key that could.

`scan` walks blocks as the adapter's `BlockFollower` does (a NewBlock subscription wakes it, `/status`
polling when there is none) and also says when each block is over, so the bridge can checkpoint whole
blocks, empty ones included, and report a lag of 0 when it is caught up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
from websockets.exceptions import WebSocketException

from ledgerml.shared.bridge.follower import Item, Scanned
from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.ledger import ChaincodeEvent
from ledgerml.shared.ledger.follow import NewBlocks, WebsocketNewBlocks, block_events, latest_height
from ledgerml.shared.ledger.rpc import RpcClient, node_name

SUBSCRIBE_RETRY_S = 30.0


class ValidatorFeed:
    def __init__(self, *, rpc_url: str, chain_id: str | None, request_timeout_s: float = 10.0, poll_s: float = 1.0,
                 transport: httpx.BaseTransport | None = None,
                 new_blocks: Callable[[str], NewBlocks] | None = WebsocketNewBlocks) -> None:
        self._url = rpc_url.rstrip("/")
        self._chain_id = chain_id
        self._rpc = RpcClient(timeout_s=request_timeout_s, transport=transport)
        self._poll_s = poll_s
        self._new_blocks = new_blocks
        self._subscribe_at = 0.0

    def check_chain(self) -> None:
        """Refuse to bridge another network's events onto this consortium's topics."""
        network = (self._rpc.call(self._url, "status").get("node_info") or {}).get("network")
        if self._chain_id and network != self._chain_id:
            raise ConfigurationInvalid(f"ledger node {node_name(self._url)} serves chain {network!r}, "
                                       f"not {self._chain_id!r}")

    def chain_identity(self) -> str:
        """The hash of the chain's first block: it tells this chain from a later one of the same name."""
        block_id = self._rpc.call(self._url, "block", {"height": "1"}).get("block_id") or {}
        return f"{self._chain_id or ''}/{block_id.get('hash') or ''}"

    def latest_height(self) -> int:
        return latest_height(self._rpc, self._url)

    def scan(self, *, start_block: int) -> Iterator[Item]:
        height = max(start_block, 1)
        blocks: NewBlocks | None = None
        try:
            while True:
                latest = self.latest_height()
                while height <= latest:
                    yield from block_events(self._rpc, self._url, height)
                    yield Scanned(height)
                    height += 1
                blocks = self._wait(blocks)
        finally:
            if blocks is not None:
                blocks.close()

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]:
        return (item for item in self.scan(start_block=start_block) if isinstance(item, ChaincodeEvent))

    def _wait(self, blocks: NewBlocks | None) -> NewBlocks | None:
        """Until a block may have committed; returns the subscription to keep."""
        if blocks is None and self._new_blocks is not None and time.monotonic() >= self._subscribe_at:
            try:
                blocks = self._new_blocks(self._url)
            except (OSError, TimeoutError, WebSocketException):
                self._subscribe_at = time.monotonic() + SUBSCRIBE_RETRY_S
        if blocks is None:
            time.sleep(self._poll_s)  # poll: without a subscription /status says whether a block committed
            return None
        try:
            blocks.wait(self._poll_s)  # a timeout re-checks /status: a subscription may miss a block
            return blocks
        except OSError:
            blocks.close()
            return None

    def close(self) -> None:
        self._rpc.close()
