"""The bridge on the real four-validator network and real Kafka: transactions submitted through the
CometBFT adapter while `python -m ledgerml.shared.bridge` follows Org1's validator; the bridge is killed
with SIGKILL (by its pid) mid-stream and restarted. Every committed event then reaches `<org>.ledger`
exactly once after the consumer's dedup by id, none is missing, and the raw duplicates are counted.

Run with `bash stack/with-test-stack.sh .venv/bin/pytest -m integration <this file>`; it reads the
stack's `LEDGERML_LEDGER_CHAIN_ID`, `LEDGERML_LEDGER_RPC_ORG1MSP`, `LEDGERML_KAFKA_BOOTSTRAP` and
`LEDGERML_PKI_ROOT` (docs/decisions/0003).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from ledgerml.shared.bridge.feed import ValidatorFeed
from ledgerml.shared.identity import load_identity
from ledgerml.shared.ledger import Fn, TxReceipt
from ledgerml.shared.ledger.cometbft import CometBftLedger

from .bridge_check import BridgeProcess, LedgerTopic, delete_topic

TRANSACTIONS = 40
SUBMITTERS = 4


@pytest.fixture(scope="module")
def network(stack_env: dict[str, str]) -> dict[str, str]:
    if "LEDGERML_LEDGER_CHAIN_ID" not in stack_env:
        pytest.fail("the test stack runs no ledger network: `make up` must start the four validators")
    return stack_env


@pytest.fixture
def ledger(network: dict[str, str]) -> Iterator[CometBftLedger]:
    domain = "org1.ledgerml.test"
    msp_dir = Path(network["LEDGERML_PKI_ROOT"]) / "peerOrganizations" / domain / "users" / f"registry@{domain}" / "msp"
    with CometBftLedger(rpc_url=network["LEDGERML_LEDGER_RPC_ORG1MSP"], chain_id=network["LEDGERML_LEDGER_CHAIN_ID"],
                        identity=load_identity("Org1MSP", msp_dir=msp_dir)) as client:
        yield client


@pytest.fixture
def org(kafka_bootstrap: str, unique: str) -> Iterator[str]:
    name = f"bridgenet{unique}"
    yield name
    delete_topic(kafka_bootstrap, f"{name}.ledger")


def _bridge(tmp_path: Path, network: dict[str, str], org: str, start_block: int) -> BridgeProcess:
    env = {"LEDGERML_BRIDGE_ORG": org, "LEDGERML_BRIDGE_MSP_ID": "Org1MSP",
           "LEDGERML_BRIDGE_KAFKA_BOOTSTRAP": network["LEDGERML_KAFKA_BOOTSTRAP"],
           "LEDGERML_BRIDGE_LEDGER_RPC_URL": network["LEDGERML_LEDGER_RPC_ORG1MSP"],
           "LEDGERML_BRIDGE_LEDGER_CHAIN_ID": network["LEDGERML_LEDGER_CHAIN_ID"],
           "LEDGERML_BRIDGE_DATA_DIR": str(tmp_path / "bridge"), "LEDGERML_BRIDGE_START_BLOCK": str(start_block),
           "LEDGERML_BRIDGE_STATUS_EVERY_S": "0.5", "LEDGERML_BRIDGE_BATCH_MAX": "4"}
    return BridgeProcess([sys.executable, "-m", "ledgerml.shared.bridge"], env=env, data_dir=tmp_path / "bridge",
                         log=tmp_path / "bridge.log")


def _register(ledger: CometBftLedger, dataset_id: str) -> TxReceipt:
    return ledger.submit(Fn.REGISTER_DATASET, [json.dumps({
        "id": dataset_id, "metadata": json.dumps({"name": dataset_id, "tags": ["bridge-test"]}),
        "terms": "research only", "price_per_job": 0})])


def _submitted(futures: list[Future[TxReceipt]]) -> int:
    """How many transactions committed so far; a refused one fails the test at once."""
    done = [f for f in futures if f.done()]
    for future in done:
        future.result()
    return len(done)


@pytest.mark.integration
def test_bridge_killed_mid_stream_on_the_real_network_loses_and_doubles_nothing(
        tmp_path: Path, network: dict[str, str], ledger: CometBftLedger, org: str, unique: str,
        record_property: pytest.RecordProperty) -> None:
    feed = ValidatorFeed(rpc_url=network["LEDGERML_LEDGER_RPC_ORG1MSP"], chain_id=network["LEDGERML_LEDGER_CHAIN_ID"])
    start = feed.latest_height() + 1  # this test's transactions only, not the chain's history
    feed.close()
    topic = LedgerTopic(bootstrap=network["LEDGERML_KAFKA_BOOTSTRAP"], topic=f"{org}.ledger",
                        db=tmp_path / "consumer.db")
    first = second = _bridge(tmp_path, network, org, start)
    try:
        first.wait_ready()
        with ThreadPoolExecutor(max_workers=SUBMITTERS) as pool:
            futures = [pool.submit(_register, ledger, f"bridge-{unique}-{i}") for i in range(TRANSACTIONS)]
            topic.read_until(lambda t: _submitted(futures) >= 0 and len(t.applied) >= 6, what="the first events")
            first.kill()  # mid-stream: transactions are still being committed
            killed_while_submitting = _submitted(futures) < TRANSACTIONS
            second = _bridge(tmp_path, network, org, start)
            receipts = [f.result() for f in futures]
        ours = {r.tx_id for r in receipts}
        topic.read_until(lambda t: ours <= {e.id.split(":")[0] for e in t.applied}, what="every committed event")
        assert second.terminate() == 0
    finally:
        topic.close()
        first.close()
        second.close()

    mine = [e for e in topic.applied if e.id.split(":")[0] in ours]
    assert sorted(e.id.split(":")[0] for e in mine) == sorted(ours), "each committed event exactly once"
    assert {e.subject for e in mine} == {f"bridge-{unique}-{i}" for i in range(TRANSACTIONS)}
    assert sorted(e.sequence for e in topic.applied) == list(range(1, len(topic.applied) + 1)), "a gapless sequence"
    record_property("transactions", TRANSACTIONS)
    record_property("raw_duplicates", topic.duplicates)
    record_property("killed_while_submitting", killed_while_submitting)
    print(f"bridge on the network: {TRANSACTIONS} transactions, {len(topic.applied)} events applied, "
          f"{topic.duplicates} raw duplicate(s) dropped by id, killed while submitting: {killed_while_submitting}")
