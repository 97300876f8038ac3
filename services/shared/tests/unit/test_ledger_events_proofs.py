"""Following committed blocks for chaincode events, and state reads proven against another node's header."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from typing import Any

import pytest

from ledgerml.shared.errors import DependencyUnavailable, LedgerError, LedgerProofInvalid
from ledgerml.shared.ledger import ChaincodeEvent
from ledgerml.shared.ledger.cometbft import CometBftLedger
from ledgerml.shared.ledger.envelope import build_tx, nonce_for
from ledgerml.shared.ledger.proof import PROOF_TYPE, state_leaf, uvarint
from ledgerml.shared.merkle import inclusion_proof, root_of

from .cometbft_fake import FakeClock, FakeNode, ok, refuse, routed
from .pki_helpers import make_ca

ALICE = make_ca("Org1MSP", "org1.ledgerml.test").issue("Alice", "client")
OWN, OTHER = "127.0.0.1:26611", "127.0.0.1:26621"


def _tx(node: FakeNode, n: int) -> bytes:
    return build_tx(chain_id=node.chain_id, fn="RequestAccess", args=[str(n)], nonce=nonce_for(str(n)),
                    signers=[ALICE])


def _node() -> FakeNode:
    """Even-numbered requests emit AccessRequested, odd ones emit nothing, 5 is refused."""
    def execute(env: Any) -> Any:
        n = int(env.args[0])
        if n == 5:
            return refuse(3, "ALREADY_EXISTS", "r5")
        return ok(event="AccessRequested", payload={"request_id": f"r{n}"}) if n % 2 == 0 else ok()
    return FakeNode(execute=execute)


def _block(node: FakeNode, *numbers: int) -> None:
    node.mempool.extend(_tx(node, n) for n in numbers)
    node.commit()


class Feed:
    """A block subscription whose every wake-up is a new block on the node."""

    def __init__(self, node: FakeNode, numbers: list[int]) -> None:
        self.node, self.numbers, self.closed = node, numbers, False

    def wait(self, timeout_s: float) -> bool:
        _block(self.node, self.numbers.pop(0))
        return True

    def close(self) -> None:
        self.closed = True


def _ledger(node: FakeNode, clock: FakeClock, **kwargs: Any) -> CometBftLedger:
    kwargs.setdefault("commit_feed", None)
    return CometBftLedger(rpc_url=f"http://{OWN}", chain_id=node.chain_id, identity=ALICE,
                          transport=routed({OWN: node, **kwargs.pop("nodes", {})}), clock=clock, sleep=clock.sleep,
                          **kwargs)


def test_events_of_committed_blocks_in_order_with_stable_ids() -> None:
    node, clock = _node(), FakeClock()
    _block(node, 1, 2)
    _block(node, 3, 4, 5, 6)
    feed = Feed(node, [8, 10])
    ledger = _ledger(node, clock, new_blocks=lambda url: feed)
    got = list(itertools.islice(ledger.events(start_block=1), 5))
    assert [(e.block_number, e.index, json.loads(e.payload)["request_id"]) for e in got] == [
        (1, 1, "r2"), (2, 1, "r4"), (2, 3, "r6"), (3, 0, "r8"), (4, 0, "r10")]
    assert all(isinstance(e, ChaincodeEvent) and e.name == "AccessRequested" for e in got)
    assert got[0].tx_id == hashlib.sha256(_tx(node, 2)).hexdigest() and got[0].event_id == f"{got[0].tx_id}:1"
    resumed = next(_ledger(node, clock, new_blocks=None).events(start_block=2))
    assert resumed.event_id == got[1].event_id  # resuming from a height replays nothing earlier
    assert clock.slept == []  # the subscription woke the follower: no polling


def test_without_a_subscription_it_polls_status() -> None:
    node, clock = _node(), FakeClock()

    def refused(url: str) -> Feed:
        assert url == f"http://{OWN}"
        raise ConnectionRefusedError("no websocket")

    clock.on_sleep = lambda: _block(node, 2)
    events = _ledger(node, clock, new_blocks=refused, poll_s=0.25).events(start_block=1)
    assert json.loads(next(events).payload) == {"request_id": "r2"}
    assert clock.slept == [0.25]
    events.close()


def test_a_lost_subscription_is_closed_and_replaced_by_polling() -> None:
    node, clock = _node(), FakeClock()

    class Dropping(Feed):
        def wait(self, timeout_s: float) -> bool:
            raise ConnectionError("subscription lost")

    feed = Dropping(node, [])
    clock.on_sleep = lambda: _block(node, 4)
    events = _ledger(node, clock, new_blocks=lambda url: feed).events(start_block=1)
    assert json.loads(next(events).payload)["request_id"] == "r4"
    assert feed.closed


def _proving(node: FakeNode, entries: dict[bytes, bytes]) -> bytes:
    """Give the node a state whose proofs are real RFC 6962 proofs; returns the tree's root."""
    keys = sorted(entries)
    leaves = [state_leaf(k, entries[k]) for k in keys]
    node.state.update(entries)

    def proof(key: bytes, height: int) -> dict[str, Any]:
        data = {"index": keys.index(key), "size": len(keys),
                "path": [h.hex() for h in inclusion_proof(keys.index(key), leaves)]}
        return {"ops": [{"type": PROOF_TYPE, "key": "", "data": base64.b64encode(
            json.dumps(data).encode()).decode()}]}

    node.key_proof = proof
    return root_of(leaves)


def test_read_key_verifies_against_the_next_header_of_another_node() -> None:
    mine, theirs, clock = FakeNode(), FakeNode(), FakeClock()
    entries = {b"lml.dataset\x00d1": b'{"id":"d1"}', b"lml.dataset\x00d2": b'{"id":"d2"}', b"a": b"b"}
    root = _proving(mine, entries)
    for node in (mine, theirs):
        node.commit()
    mine.key_height = 1
    clock.on_sleep = lambda: (theirs.commit(), theirs.app_hashes.__setitem__(1, root))  # header 2 arrives later
    ledger = _ledger(mine, clock, verify_url=f"http://{OTHER}", nodes={OTHER: theirs})
    read = ledger.read_key("lml.dataset\x00d2")
    assert read is not None and read.proven and read.value == b'{"id":"d2"}' and read.height == 1
    assert read.verified_by == OTHER and len(clock.slept) == 1
    assert ledger.read_key(b"absent") is None
    unproven = ledger.read_key(b"a", prove=False)
    assert unproven is not None and not unproven.proven


def test_a_proof_that_does_not_match_the_header_is_refused() -> None:
    node, clock = FakeNode(), FakeClock()
    _proving(node, {b"k1": b"v1", b"k2": b"v2"})
    node.commit()
    node.commit()
    node.key_height = 1  # header 2's app hash is not the state root
    with pytest.raises(LedgerProofInvalid) as info:
        _ledger(node, clock).read_key(b"k1")
    assert info.value.status == 502 and "block 2" in info.value.detail
    node.key_proof = lambda key, height: {"ops": []}
    with pytest.raises(LedgerProofInvalid, match="no ledgerml:rfc6962 proof"):
        _ledger(node, clock).read_key(b"k1")


def test_uvarint_matches_go() -> None:
    assert [uvarint(n) for n in (0, 1, 127, 128, 300, 16384)] == [
        b"\x00", b"\x01", b"\x7f", b"\x80\x01", b"\xac\x02", b"\x80\x80\x01"]
    assert state_leaf(b"k", b"v") == hashlib.sha256(b"\x00\x01k" + hashlib.sha256(b"v").digest()).digest()


def test_waiting_for_another_validator_to_reach_a_height() -> None:
    node, clock = _node(), FakeClock()
    node.commit()
    clock.on_sleep = node.commit
    ledger = _ledger(node, clock, commit_timeout_s=5)
    assert ledger.wait_for_height(3) == 3 and len(clock.slept) == 2
    clock.on_sleep = lambda: None
    with pytest.raises(DependencyUnavailable, match="at height 3, not 9"):
        ledger.wait_for_height(9)


@pytest.mark.parametrize("results", [[], [{"code": "x"}], ["not an object"]])
def test_a_block_in_another_shape_is_a_ledger_error_not_a_crash(results: list[Any]) -> None:
    node, clock = _node(), FakeClock()
    _block(node, 2)
    node._rpc_block_results = lambda params: {"height": "1", "txs_results": results}  # type: ignore[method-assign]
    with pytest.raises(LedgerError) as info:
        next(_ledger(node, clock, new_blocks=None).events(start_block=1))
    assert info.value.status == 502 and "block 1" in info.value.detail
