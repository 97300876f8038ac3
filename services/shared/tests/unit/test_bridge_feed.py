"""The bridge's read-only view of a validator: chain check, head height and committed events, over a
scripted CometBFT JSON-RPC (httpx.MockTransport); the real node is in the integration tests."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from typing import Any

import httpx
import pytest

from ledgerml.shared.bridge.feed import ValidatorFeed
from ledgerml.shared.bridge.follower import Scanned
from ledgerml.shared.errors import ConfigurationInvalid, DependencyUnavailable

from . import chaincode_payloads as cc

TXS = [b"tx-a", b"tx-b", b"tx-c"]


def _event(name: str, payload: object) -> dict[str, Any]:
    return {"type": name, "attributes": [{"key": "tx_id", "value": "x", "index": False},
                                         {"key": "payload", "value": json.dumps(payload), "index": False}]}


def _node(request: httpx.Request) -> httpx.Response:
    call = json.loads(request.content)
    method, params = call["method"], call["params"]
    result: dict[str, Any]
    if method == "status":
        result = {"node_info": {"network": "ledgerml-test"}, "sync_info": {"latest_block_height": "2"}}
    elif method == "block":
        txs = TXS[:2] if params["height"] == "1" else TXS[2:]
        result = {"block_id": {"hash": f"B{params['height']}"},
                  "block": {"data": {"txs": [base64.b64encode(t).decode() for t in txs]}}}
    elif method == "block_results":
        if params["height"] == "1":  # a refused transaction carries no event; its index still counts
            results = [{"code": 4, "log": "LML-CC-0004 FORBIDDEN_NOT_OWNER: no"},
                       {"events": [_event("DatasetRegistered", cc.dataset())]}]
        else:
            results = [{"events": [_event("AccessRequested", cc.request())]}]
        result = {"txs_results": results}
    else:
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": call["id"], "error": {"message": method}})
    return httpx.Response(200, json={"jsonrpc": "2.0", "id": call["id"], "result": result})


def test_the_feed_reads_committed_events_with_tx_hash_and_position() -> None:
    feed = ValidatorFeed(rpc_url="http://node:26611/", chain_id="ledgerml-test", transport=httpx.MockTransport(_node))
    feed.check_chain()
    assert feed.chain_identity() == "ledgerml-test/B1"
    assert feed.latest_height() == 2
    events = list(itertools.islice(feed.events(start_block=1), 2))
    assert [(e.name, e.block_number, e.index) for e in events] == [("DatasetRegistered", 1, 1),
                                                                    ("AccessRequested", 2, 0)]
    assert events[0].tx_id == hashlib.sha256(b"tx-b").hexdigest()
    assert json.loads(events[1].payload)["request_id"] == "r1"
    feed.close()


def test_scan_says_where_each_block_ends() -> None:
    feed = ValidatorFeed(rpc_url="http://node:26611", chain_id="ledgerml-test", transport=httpx.MockTransport(_node),
                         new_blocks=None)
    items = list(itertools.islice(feed.scan(start_block=0), 4))
    assert [i if isinstance(i, Scanned) else (i.block_number, i.index) for i in items] == [
        (1, 1), Scanned(1), (2, 0), Scanned(2)]
    feed.close()


def test_a_node_of_another_chain_is_refused() -> None:
    feed = ValidatorFeed(rpc_url="http://node:26611", chain_id="ledgerml-prod", transport=httpx.MockTransport(_node))
    with pytest.raises(ConfigurationInvalid, match="ledgerml-test"):
        feed.check_chain()


def test_an_unreachable_node_is_unavailable_not_an_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    feed = ValidatorFeed(rpc_url="http://node:26611", chain_id="ledgerml-test", transport=httpx.MockTransport(down))
    with pytest.raises(DependencyUnavailable):
        feed.latest_height()
