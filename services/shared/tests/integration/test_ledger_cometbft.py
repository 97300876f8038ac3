"""CometBftLedger against the real four-validator network of the test stack (docs/decisions/0003).

Needs LEDGERML_LEDGER_RPC_URLS, LEDGERML_LEDGER_CHAIN_ID and LEDGERML_PKI_ROOT, which
`bash stack/with-test-stack.sh` exports from .run/test/stack.env.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ledgerml.shared.errors import LedgerCommitUnconfirmed, LedgerForbidden
from ledgerml.shared.identity.msp import SigningIdentity, load_identity
from ledgerml.shared.ledger import Event, Fn, TxReceipt
from ledgerml.shared.ledger.cometbft import CometBftLedger
from ledgerml.shared.ledger.envelope import build_tx, nonce_for, open_tx, tx_id
from ledgerml.shared.ledger.follow import WebsocketNewBlocks
from ledgerml.shared.ledger.queries import get_dataset, get_dataset_version
from ledgerml.shared.ledger.rpc import node_name

pytestmark = pytest.mark.integration
NEEDED = ("LEDGERML_LEDGER_RPC_URLS", "LEDGERML_LEDGER_CHAIN_ID", "LEDGERML_PKI_ROOT")
MSPS = ("OrdererMSP", "Org1MSP", "Org2MSP", "Org3MSP")  # validator i belongs to MSPS[i]
ROOT = "ab" * 32


@pytest.fixture(scope="module")
def network() -> dict[str, str]:
    missing = [name for name in NEEDED if not os.environ.get(name)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not set: run through `bash stack/with-test-stack.sh`, which starts the "
                    "test stack's ledger network and exports its endpoints")
    urls = os.environ["LEDGERML_LEDGER_RPC_URLS"].split(",")
    return {msp: os.environ.get(f"LEDGERML_LEDGER_RPC_{msp.upper()}", url) for msp, url in zip(MSPS, urls,
                                                                                              strict=True)}


def _service_identity(msp: str) -> SigningIdentity:
    domain = f"{msp.removesuffix('MSP').lower()}.ledgerml.test"
    folder = Path(os.environ["LEDGERML_PKI_ROOT"]) / "peerOrganizations" / domain / "users" / f"registry@{domain}"
    return load_identity(msp, msp_dir=folder / "msp")


@pytest.fixture(scope="module")
def ledgers(network: dict[str, str]) -> Iterator[dict[str, CometBftLedger]]:
    """Org1's and Org2's registry identities, each on its own organisation's validator."""
    chain_id = os.environ["LEDGERML_LEDGER_CHAIN_ID"]
    opened = {msp: CometBftLedger(rpc_url=network[msp], chain_id=chain_id, identity=_service_identity(msp),
                                  verify_url=network["Org3MSP"]) for msp in ("Org1MSP", "Org2MSP")}
    yield opened
    for ledger in opened.values():
        ledger.close()


def _register(ledger: CometBftLedger, dataset_id: str) -> tuple[dict[str, object], TxReceipt]:
    spec: dict[str, object] = {"id": dataset_id, "metadata": '{"name":"chest x-rays"}', "terms": "research only",
                               "price_per_job": 7}
    return spec, ledger.submit(Fn.REGISTER_DATASET, [json.dumps(spec)], idempotency_key=str(uuid.uuid4()))


def test_org1_registers_and_org2s_validator_reads_it_back_field_by_field(ledgers: dict[str, CometBftLedger]) -> None:
    dataset_id = f"ds-{uuid.uuid4().hex[:10]}"
    spec, registered = _register(ledgers["Org1MSP"], dataset_id)
    ledgers["Org2MSP"].wait_for_height(registered.block_number)
    seen = get_dataset(ledgers["Org2MSP"], dataset_id)
    assert (seen.id, seen.owner, seen.metadata, seen.terms, seen.price_per_job) == (
        dataset_id, "Org1MSP", spec["metadata"], spec["terms"], spec["price_per_job"])
    assert seen.tx_id == registered.tx_id and seen.created_at is not None and seen.schema_version >= 2
    assert json.loads(registered.result)["id"] == dataset_id
    proven = ledgers["Org2MSP"].read_key(f"\x00lml.dataset\x00{dataset_id}\x00")  # proven against Org3's header
    assert proven is not None and proven.proven and proven.verified_by == network_name(ledgers, "Org3MSP")
    assert json.loads(proven.value)["owner"] == "Org1MSP"
    events = ledgers["Org2MSP"].events(start_block=registered.block_number)  # its block: no waiting
    event = next(e for e in events if e.tx_id == registered.tx_id)
    events.close()
    assert event.name == Event.DATASET_REGISTERED and json.loads(event.payload)["id"] == dataset_id
    assert event.block_number == registered.block_number and event.event_id.startswith(registered.tx_id + ":")


def test_org2_cannot_register_a_version_of_org1s_dataset(ledgers: dict[str, CometBftLedger]) -> None:
    dataset_id = f"ds-{uuid.uuid4().hex[:10]}"
    _register(ledgers["Org1MSP"], dataset_id)
    version = {"dataset_id": dataset_id, "version": "v1", "merkle_root": ROOT, "size_bytes": 10, "chunk_count": 1,
               "schema_hash": "cd" * 32}
    with pytest.raises(LedgerForbidden) as info:
        ledgers["Org2MSP"].submit(Fn.REGISTER_DATASET_VERSION, [json.dumps(version)], idempotency_key=str(uuid.uuid4()))
    refusal = info.value
    assert refusal.chaincode_code == "LML-CC-0004" and refusal.chaincode_name == "FORBIDDEN_NOT_OWNER"
    assert refusal.tx_id is not None and len(refusal.tx_id) == 64 and refusal.status == 403
    done = ledgers["Org1MSP"].submit(Fn.REGISTER_DATASET_VERSION, [json.dumps(version)],
                                     idempotency_key=str(uuid.uuid4()))
    ledgers["Org2MSP"].wait_for_height(done.block_number)
    assert get_dataset_version(ledgers["Org2MSP"], dataset_id, "v1").merkle_root == ROOT


def network_name(ledgers: dict[str, CometBftLedger], msp: str) -> str:
    return node_name(os.environ.get(f"LEDGERML_LEDGER_RPC_{msp.upper()}") or
                     os.environ["LEDGERML_LEDGER_RPC_URLS"].split(",")[MSPS.index(msp)])


def _raw_broadcast(url: str, tx: bytes) -> dict[str, object]:
    body = {"jsonrpc": "2.0", "id": 1, "method": "broadcast_tx_sync", "params": {"tx": base64.b64encode(tx).decode()}}
    answer: dict[str, object] = httpx.post(url, json=body, timeout=10).json()
    return answer


def test_identical_bytes_are_never_applied_twice(ledgers: dict[str, CometBftLedger], network: dict[str, str]) -> None:
    org1 = ledgers["Org1MSP"]
    spec = {"id": f"ds-{uuid.uuid4().hex[:10]}", "metadata": "{}", "terms": "research only", "price_per_job": 1}
    tx = build_tx(chain_id=org1.chain_id, fn=Fn.REGISTER_DATASET, args=[json.dumps(spec)],
                  nonce=nonce_for(str(uuid.uuid4())), signers=[_service_identity("Org1MSP")])
    first = org1.broadcast(tx)
    assert org1.broadcast(tx) == first  # the adapter's retry: the first commit's receipt
    for url in (network["Org2MSP"], network["Org3MSP"]):  # the same bytes sent by anyone to any validator
        answer = _raw_broadcast(url, tx)
        refused = answer.get("result") or {}
        assert "already exists in cache" in json.dumps(answer.get("error")) or (
            isinstance(refused, dict) and refused.get("code") == 18 and first.tx_id in str(refused.get("log"))), answer
    ledgers["Org2MSP"].wait_for_height(first.block_number)
    assert get_dataset(ledgers["Org2MSP"], str(spec["id"])).tx_id == first.tx_id


def _committed_with_nonce(url: str, msp: str, nonce: str, heights: range) -> list[str]:
    found = []
    for height in heights:
        block = httpx.post(url, json={"jsonrpc": "2.0", "id": height, "method": "block",
                                      "params": {"height": str(height)}}, timeout=10).json()["result"]
        for raw in block["block"]["data"].get("txs") or []:
            tx = base64.b64decode(raw)
            opened = open_tx(tx)
            if opened.nonce == nonce and opened.signatures[0].msp_id == msp:
                found.append(tx_id(tx))
    return found


def test_a_commit_not_seen_in_time_resubmits_to_one_commit(ledgers: dict[str, CometBftLedger],
                                                           network: dict[str, str]) -> None:
    org1, key = ledgers["Org1MSP"], str(uuid.uuid4())
    before = int(httpx.post(network["Org1MSP"], json={"jsonrpc": "2.0", "id": 0, "method": "status"},
                            timeout=10).json()["result"]["sync_info"]["latest_block_height"])
    impatient = CometBftLedger(rpc_url=org1.rpc_url, chain_id=org1.chain_id, identity=_service_identity("Org1MSP"),
                               commit_timeout_s=0.001)
    spec = json.dumps({"id": f"ds-{uuid.uuid4().hex[:10]}", "metadata": "{}", "terms": "research only",
                       "price_per_job": 1})
    with pytest.raises(LedgerCommitUnconfirmed) as info:
        impatient.submit(Fn.REGISTER_DATASET, [spec], idempotency_key=key)
    impatient.close()
    assert info.value.status == 503 and info.value.tx_id is not None
    receipt = org1.submit(Fn.REGISTER_DATASET, [spec], idempotency_key=key)  # the relay's retry
    again = org1.submit(Fn.REGISTER_DATASET, [spec], idempotency_key=key)
    assert receipt.tx_id == again.tx_id == info.value.tx_id
    ledgers["Org2MSP"].wait_for_height(receipt.block_number)
    heights = range(before + 1, receipt.block_number + 1)
    assert _committed_with_nonce(network["Org2MSP"], "Org1MSP", nonce_for(key), heights) == [receipt.tx_id]


def test_events_follow_blocks_committed_after_the_follower_started(ledgers: dict[str, CometBftLedger],
                                                                   network: dict[str, str]) -> None:
    feed = WebsocketNewBlocks(network["Org2MSP"])
    try:
        assert feed.wait(10) and feed.wait(10)  # the subscription's answer, then a NewBlock
    finally:
        feed.close()
    start = ledgers["Org2MSP"].wait_for_height(0) + 1
    events = ledgers["Org2MSP"].events(start_block=start)
    dataset_id = f"ds-{uuid.uuid4().hex[:10]}"
    writer = threading.Thread(target=_register, args=(ledgers["Org1MSP"], dataset_id))
    writer.start()
    try:
        event = next(e for e in events if json.loads(e.payload).get("id") == dataset_id)
    finally:
        events.close()
        writer.join(timeout=60)
    assert event.name == Event.DATASET_REGISTERED and event.block_number >= start
