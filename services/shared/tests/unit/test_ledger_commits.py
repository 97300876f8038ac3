"""Commits announced over one subscription wake the write that waits for them; without it, /tx polling."""

from __future__ import annotations

import base64
import hashlib
import json
import queue
import threading
import time

from ledgerml.shared.ledger import Fn
from ledgerml.shared.ledger.cometbft import CometBftLedger
from ledgerml.shared.ledger.commits import CommitWatcher, _announced
from ledgerml.shared.ledger.rpc import JsonObject

from .cometbft_fake import FakeNode
from .pki_helpers import make_ca

ALICE = make_ca("Org1MSP", "org1.ledgerml.test").issue("Alice", "client")
URL = "http://127.0.0.1:26611"


class QueueFeed:
    """What the node announces, fed by the test."""

    def __init__(self, announcements: queue.Queue[tuple[str, JsonObject]]) -> None:
        self.announcements, self.closed = announcements, False

    def next(self, timeout_s: float) -> tuple[str, JsonObject] | None:
        try:
            return self.announcements.get(timeout=min(timeout_s, 0.05))
        except queue.Empty:
            return None

    def close(self) -> None:
        self.closed = True


def _until(condition: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)  # poll


def test_an_announced_commit_wakes_its_waiter_and_no_other() -> None:
    announcements: queue.Queue[tuple[str, JsonObject]] = queue.Queue()
    watcher = CommitWatcher(URL, lambda _: QueueFeed(announcements))
    watcher.expect("aa")
    watcher.expect("bb")
    _until(lambda: watcher.live)
    announcements.put(("cc", {"height": "9"}))  # somebody else's transaction
    announcements.put(("aa", {"height": "7", "tx_result": {}}))
    assert watcher.wait("aa", 5.0) == {"height": "7", "tx_result": {}}
    assert watcher.wait("bb", 0.05) is None
    watcher.forget("aa")
    assert watcher.wait("aa", 0.0) is None
    watcher.close()
    _until(lambda: not watcher.live)


def test_a_node_without_subscriptions_leaves_the_watcher_down() -> None:
    def refused(_: str) -> QueueFeed:
        raise ConnectionRefusedError("no websocket")

    watcher = CommitWatcher(URL, refused, retry_s=0.01)
    watcher.expect("aa")
    assert not watcher.live and watcher.wait("aa", 0.05) is None
    watcher.close()


def test_the_nodes_announcement_reads_like_a_tx_lookup() -> None:
    tx = b"signed transaction bytes"
    message = json.dumps({"jsonrpc": "2.0", "id": "ledgerml-commits", "result": {
        "query": "tm.event='Tx'", "data": {"type": "tendermint/event/Tx", "value": {"TxResult": {
            "height": "12", "index": 1, "tx": base64.b64encode(tx).decode(),
            "result": {"data": "e30=", "events": []}}}}}})
    tx_id, found = _announced(message)  # type: ignore[misc]
    assert found["height"] == "12" and found["index"] == 1 and found["tx_result"] == {"data": "e30=", "events": []}
    assert tx_id == found["hash"].lower() and len(tx_id) == 64
    assert _announced(json.dumps({"jsonrpc": "2.0", "id": "ledgerml-commits", "result": {}})) is None


def test_a_write_returns_on_the_announcement_without_polling_tx() -> None:
    node = FakeNode(auto_commit=False)
    announcements: queue.Queue[tuple[str, JsonObject]] = queue.Queue()
    feeds: list[QueueFeed] = []

    def feed(_: str) -> QueueFeed:
        feeds.append(QueueFeed(announcements))
        return feeds[-1]

    ledger = CometBftLedger(rpc_url=URL, chain_id=node.chain_id, identity=ALICE, transport=node.transport(),
                            commit_feed=feed)
    receipt: list[object] = []
    first = threading.Thread(target=lambda: receipt.append(ledger.submit(Fn.GRANT_ACCESS, ["r1"],
                                                                         idempotency_key="w-1")))
    node.auto_commit = True  # the first write starts the subscription; /tx may answer it
    first.start()
    first.join(10)
    _until(lambda: ledger._commits is not None and ledger._commits.live)
    node.auto_commit = False
    polled = node.calls.count("tx")
    second: list[object] = []
    waiting = threading.Thread(target=lambda: second.append(ledger.submit(Fn.GRANT_ACCESS, ["r2"],
                                                                          idempotency_key="w-2")))
    waiting.start()
    _until(lambda: node.mempool)
    height = node.commit()
    tx = node.blocks[-1][0]
    announcements.put((hashlib.sha256(tx).hexdigest(), {"height": str(height), "tx_result": {}}))
    waiting.join(10)
    assert second and second[0].block_number == height  # type: ignore[attr-defined]
    assert node.calls.count("tx") == polled  # woken by the announcement, no /tx lookup
    ledger.close()
