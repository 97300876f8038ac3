"""The bridge's read-only view of its organisation's validator: committed blocks' chaincode events and
the latest height. Built on the CometBFT adapter's follower and RPC client, without a signing identity:
the bridge never writes to the ledger, so it holds no key that could."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.ledger import ChaincodeEvent
from ledgerml.shared.ledger.follow import BlockFollower, WebsocketNewBlocks, latest_height
from ledgerml.shared.ledger.rpc import RpcClient, node_name


class ValidatorFeed:
    def __init__(self, *, rpc_url: str, chain_id: str | None, request_timeout_s: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._url = rpc_url.rstrip("/")
        self._chain_id = chain_id
        self._rpc = RpcClient(timeout_s=request_timeout_s, transport=transport)

    def check_chain(self) -> None:
        """Refuse to bridge another network's events onto this consortium's topics."""
        network = ((self._rpc.call(self._url, "status").get("node_info") or {}).get("network"))
        if self._chain_id and network != self._chain_id:
            raise ConfigurationInvalid(f"ledger node {node_name(self._url)} serves chain {network!r}, "
                                       f"not {self._chain_id!r}")

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]:
        url = self._url
        follower = BlockFollower(self._rpc, url, new_blocks=lambda: WebsocketNewBlocks(url))
        return follower.events(start_block)

    def latest_height(self) -> int:
        return latest_height(self._rpc, self._url)

    def close(self) -> None:
        self._rpc.close()
