"""CometBftLedger against a fake node's JSON-RPC: submit, refusals, commit deadline, idempotent retry, evaluate."""

from __future__ import annotations

import json

import httpx
import pytest

from ledgerml.shared import errors
from ledgerml.shared.ledger import Fn
from ledgerml.shared.ledger.cometbft import CometBftLedger
from ledgerml.shared.ledger.envelope import open_tx, tx_id
from ledgerml.shared.ledger.rejections import rejection

from .cometbft_fake import FakeClock, FakeNode, ok, refuse
from .pki_helpers import make_ca

ORG1 = make_ca("Org1MSP", "org1.ledgerml.test")
ALICE = ORG1.issue("Alice", "client")
URL = "http://127.0.0.1:26611"


def ledger_for(node: FakeNode, clock: FakeClock | None = None, **kwargs: object) -> CometBftLedger:
    clock = clock or FakeClock()
    kwargs.setdefault("commit_feed", None)  # commit announcements: test_ledger_commits.py
    return CometBftLedger(rpc_url=URL, chain_id=node.chain_id, identity=ALICE, transport=node.transport(),
                          clock=clock, sleep=clock.sleep, **kwargs)  # type: ignore[arg-type]


def test_submit_signs_broadcasts_and_returns_the_commit() -> None:
    node = FakeNode(execute=lambda env: ok({"id": env.args[0]}))
    receipt = ledger_for(node).submit(Fn.REGISTER_DATASET, ["d1"], idempotency_key="w-1")
    (tx,) = node.blocks[0]
    assert receipt.tx_id == tx_id(tx) and receipt.block_number == 1 and json.loads(receipt.result) == {"id": "d1"}
    opened = open_tx(tx)
    assert opened.verifies() and (opened.chain_id, opened.fn, opened.args) == ("ledgerml-test", "RegisterDataset",
                                                                               ("d1",))
    assert opened.signatures[0].msp_id == "Org1MSP" and node.calls[:2] == ["broadcast_tx_sync", "tx"]


def test_without_a_key_every_submit_is_a_new_transaction() -> None:
    node = FakeNode()
    ledger = ledger_for(node)
    assert ledger.submit("Transfer", ["Org2MSP", "5"]).tx_id != ledger.submit("Transfer", ["Org2MSP", "5"]).tx_id
    assert sum(len(b) for b in node.blocks) == 2


def test_a_checktx_refusal_carries_the_chaincode_code_and_the_tx_id() -> None:
    node = FakeNode(check=lambda env: refuse(4, "FORBIDDEN_NOT_OWNER", "dataset d1 belongs to Org2MSP"))
    with pytest.raises(errors.LedgerForbidden) as info:
        ledger_for(node).submit(Fn.REGISTER_DATASET_VERSION, ["{}"], idempotency_key="w-1")
    error = info.value
    assert (error.status, error.code, error.chaincode_code, error.chaincode_name) == (403, "LML-6003", "LML-CC-0004",
                                                                                      "FORBIDDEN_NOT_OWNER")
    assert error.tx_id is not None and len(error.tx_id) == 64 and "belongs to Org2MSP" in error.detail
    assert isinstance(error, errors.PermissionDenied) and node.blocks == []


def test_a_refusal_at_commit_carries_its_code_and_tx_id() -> None:
    node = FakeNode(execute=lambda env: refuse(3, "ALREADY_EXISTS", "dataset d1 exists"))
    with pytest.raises(errors.LedgerRejected) as info:
        ledger_for(node).submit(Fn.REGISTER_DATASET, ["d1"], idempotency_key="w-1")
    assert info.value.status == 409 and info.value.chaincode_name == "ALREADY_EXISTS"
    assert info.value.tx_id == tx_id(node.blocks[0][0])


@pytest.mark.parametrize(("code", "name", "cls", "status"), [
    (2, "NOT_FOUND", errors.LedgerRecordNotFound, 404),
    (1, "INVALID_ARGUMENT", errors.LedgerInvalidArgument, 422),
    (5, "FORBIDDEN_NOT_REQUESTER", errors.LedgerForbidden, 403),
    (7, "NO_LIVE_GRANT", errors.LedgerForbidden, 403),
    (10, "INVALID_STATE_TRANSITION", errors.LedgerRejected, 409),
    (18, "REPLAYED", errors.LedgerRejected, 409),
    (20, "FORBIDDEN_ROLE", errors.LedgerForbidden, 403),
    (21, "QUORUM_NOT_MET", errors.LedgerForbidden, 403),
    (19, "MALFORMED_TX", errors.LedgerInvalidArgument, 422),
    (17, "UNAUTHENTICATED", errors.LedgerError, 502),
    (22, "WRONG_CHAIN", errors.LedgerError, 502),
    (16, "INTERNAL", errors.LedgerError, 502),
    (30, "FORBIDDEN_SOMETHING_NEW", errors.LedgerForbidden, 403),
    (31, "SOMETHING_NEW", errors.LedgerRejected, 409),
])
def test_http_families_of_chaincode_codes(code: int, name: str, cls: type[errors.LedgerError], status: int) -> None:
    error = rejection(code=code, log=f"LML-CC-{code:04d} {name}: why", codespace="ledgerml", tx_id="t", what="Fn")
    assert type(error) is cls and error.status == status and error.chaincode_name == name
    assert error.chaincode_code == f"LML-CC-{code:04d}" and error.tx_id == "t"


def test_codes_from_elsewhere_are_ledger_failures_and_a_bare_code_still_maps() -> None:
    foreign = rejection(code=3, log="out of gas", codespace="sdk", tx_id=None, what="/evaluate")
    assert type(foreign) is errors.LedgerError and foreign.chaincode_code is None and foreign.status == 502
    bare = rejection(code=2, log="", codespace="ledgerml", tx_id=None, what="/evaluate")
    assert isinstance(bare, errors.LedgerRecordNotFound) and bare.chaincode_name == "NOT_FOUND"


def test_commit_deadline_then_the_same_write_commits_once() -> None:
    node, clock = FakeNode(auto_commit=False), FakeClock()
    ledger = ledger_for(node, clock, commit_timeout_s=3)
    with pytest.raises(errors.LedgerCommitUnconfirmed) as info:
        ledger.submit(Fn.GRANT_ACCESS, ["r1"], idempotency_key="w-7")
    timeout = info.value
    assert isinstance(timeout, errors.DependencyUnavailable) and timeout.status == 503 and timeout.tx_id
    assert clock.now == pytest.approx(3) and max(clock.slept) <= 0.5  # polled, bounded by the deadline
    node.commit()  # the transaction did commit, after the deadline
    again = ledger.submit(Fn.GRANT_ACCESS, ["r1"], idempotency_key="w-7")  # same bytes: in the mempool cache
    node.cache.clear()  # evicted: the application's replay record answers instead
    third = ledger.submit(Fn.GRANT_ACCESS, ["r1"], idempotency_key="w-7")
    assert again.tx_id == third.tx_id == timeout.tx_id and again.block_number == third.block_number == 1
    assert [len(b) for b in node.blocks] == [1]


def test_replayed_nonce_returns_the_original_receipt_or_its_refusal() -> None:
    node = FakeNode(execute=lambda env: ok({"n": env.args[0]}) if env.args[0] != "bad" else
                    refuse(10, "INVALID_STATE_TRANSITION", "request r1 is GRANTED"))
    ledger = ledger_for(node)
    first = ledger.submit(Fn.TRANSFER, ["1"], idempotency_key="k")
    replay = ledger.submit(Fn.TRANSFER, ["2"], idempotency_key="k")  # other bytes, same nonce
    assert (replay.tx_id, replay.result) == (first.tx_id, first.result)
    with pytest.raises(errors.LedgerRejected):
        ledger.submit(Fn.GRANT_ACCESS, ["bad"], idempotency_key="k2")
    with pytest.raises(errors.LedgerRejected) as info:
        ledger.submit(Fn.GRANT_ACCESS, ["other"], idempotency_key="k2")
    assert info.value.chaincode_name == "INVALID_STATE_TRANSITION" and info.value.tx_id == tx_id(node.blocks[1][0])


def test_evaluate_reads_committed_state_and_not_found_is_404() -> None:
    seen: list[tuple[str, list[str]]] = []

    def evaluate(fn: str, args: list[str]) -> object:
        seen.append((fn, args))
        return ok({"org": args[0], "balance": 7}) if fn == "GetBalance" else refuse(2, "NOT_FOUND", "no d9")

    ledger = ledger_for(FakeNode(evaluate=evaluate))  # type: ignore[arg-type]
    assert json.loads(ledger.evaluate(Fn.GET_BALANCE, ["Org1MSP"])) == {"org": "Org1MSP", "balance": 7}
    with pytest.raises(errors.LedgerRecordNotFound) as info:
        ledger.evaluate(Fn.GET_DATASET, ["d9"])
    assert info.value.status == 404 and info.value.tx_id is None and isinstance(info.value, errors.NotFound)
    assert seen == [("GetBalance", ["Org1MSP"]), ("GetDataset", ["d9"])]


@pytest.mark.parametrize("answer", [
    httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.Response(502), httpx.Response(200, text="<html>"),
])
def test_a_node_that_cannot_answer_is_503_never_500(answer: Exception | httpx.Response) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    ledger = CometBftLedger(rpc_url=URL, chain_id="c", identity=ALICE, transport=httpx.MockTransport(handler),
                            commit_feed=None)
    for call in (lambda: ledger.evaluate(Fn.GET_SUPPLY, []), lambda: ledger.submit(Fn.MINT, ["1"])):
        with pytest.raises(errors.DependencyUnavailable) as info:
            call()
        assert info.value.status == 503 and info.value.dependency == "ledger" and "127.0.0.1:26611" in info.value.detail


def test_arguments_over_the_wire_limits_are_422_before_anything_is_sent() -> None:
    node = FakeNode()
    with pytest.raises(errors.LedgerInvalidArgument):
        ledger_for(node).submit(Fn.REGISTER_DATASET, ["x"] * 17)
    assert node.calls == []
