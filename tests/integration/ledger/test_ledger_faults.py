"""Validators crashing under load (issue 15, "Must hold"): one of four killed with kill -9 mid-stream and
the chain goes on; two down and writes wait, then commit once after recovery. Runs on the test stack's
network and leaves every validator running again."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator

import pytest
from ledgerchain import ORGS, Chain, Outcome

from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.stack.components.ledger.network import LedgerNetwork
from ledgerml.stack.config import StackConfig

pytestmark = pytest.mark.integration


@pytest.fixture
def network(chain: Chain) -> Iterator[LedgerNetwork]:
    net = LedgerNetwork(StackConfig.for_profile(os.environ.get("LEDGERML_STACK_PROFILE", "test")))
    yield net
    for i, height in net.heights().items():  # whatever a test did, every validator runs again after it
        if height is None:
            net.start_node(i)


def _dataset_tx(chain: Chain, signer: SigningIdentity, dataset_id: str) -> bytes:
    spec = {"id": dataset_id, "metadata": "{}", "terms": "fault test", "price_per_job": 0}
    return chain.tx("RegisterDataset", [json.dumps(spec)], signer)


def test_one_validator_killed_mid_stream_the_rest_commit_and_it_catches_up_to_the_same_app_hash(
        chain: Chain, network: LedgerNetwork, who: dict[str, SigningIdentity], unique: str) -> None:
    outcomes: list[Outcome] = []
    stop = threading.Event()

    def stream() -> None:
        n = 0
        while not stop.is_set() or n < 30:
            outcomes.append(chain.broadcast(_dataset_tx(chain, who["Org1/client"], f"kill-{unique}-{n}")))
            n += 1
            time.sleep(0.05)  # poll: a steady stream of about 20 transactions per second

    writer = threading.Thread(target=stream)
    writer.start()
    try:
        chain.wait_height("Org1MSP", chain.height("Org1MSP") + 3)
        network.kill(3, app=True)
        killed_at = chain.height("Org1MSP")
        chain.wait_height("Org1MSP", killed_at + 10)  # the three others keep committing
    finally:
        stop.set()
        writer.join()
    assert all(o.check_code == 0 for o in outcomes), [o.log for o in outcomes if o.check_code]
    for outcome in outcomes:
        assert chain.wait(outcome, via="Org1MSP").committed, outcome.log

    caught_up_s = network.start_node(3)
    height = chain.height("Org1MSP")
    for msp in ORGS:  # every validator holds the block before its header is compared (node 0 may lag by ms)
        chain.wait_height(msp, height + 1)
    hashes = network.app_hashes(height + 1)
    assert len(set(hashes.values())) == 1 and None not in hashes.values(), hashes
    assert chain.lookup(outcomes[-1].tx_id, via="Org3MSP") is not None, "the restarted validator lacks a block"
    print(f"validator 3 caught up in {caught_up_s:.1f}s; {len(outcomes)} transactions committed meanwhile")


def test_two_validators_down_writes_wait_then_commit_once(chain: Chain, network: LedgerNetwork,
                                                          who: dict[str, SigningIdentity], unique: str) -> None:
    network.kill(2)
    network.kill(3)
    halted_at = chain.height("Org1MSP")
    waiting = [chain.broadcast(_dataset_tx(chain, who["Org1/client"], f"halt-{unique}-{n}")) for n in range(5)]
    assert all(o.check_code == 0 for o in waiting), [o.log for o in waiting]
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:  # a chain with two of four validators must not commit anything
        assert chain.height("Org1MSP") <= halted_at + 1, "blocks were committed without a 2/3 majority"
        assert all(chain.lookup(o.tx_id, via="Org1MSP") is None for o in waiting)
        time.sleep(0.5)  # poll

    network.start_node(2)
    network.start_node(3)
    committed = [chain.wait(o, via="Org1MSP") for o in waiting]
    assert all(o.committed for o in committed), [o.log for o in committed]
    # each exactly once: committed in one block, and its record's history holds one write
    for n, outcome in enumerate(committed):
        code, record, log = chain.evaluate("GetDataset", [f"halt-{unique}-{n}"], via="Org3MSP", after=outcome)
        assert code == 0 and record["tx_id"] == outcome.tx_id, log
        code, history, log = chain.evaluate("GetDatasetHistory", [f"halt-{unique}-{n}"], via="Org2MSP",
                                            after=outcome)
        assert code == 0 and len(history) == 1, f"dataset written {len(history)} times: {log}"
