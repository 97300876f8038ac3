"""`CometBftLedger`: the `Ledger` port over a CometBFT validator's JSON-RPC (docs/decisions/0003).

submit signs the transaction (nonce from the write's idempotency key, RFC 6979 signatures, so a retry has
the same bytes and tx id), broadcasts it with `broadcast_tx_sync` and waits until it commits: woken by the
client's one `tm.event='Tx'` subscription (ledger/commits.py), and asking `/tx` too (backing off while no
subscription is live, once a second while one is), until the commit deadline passes
(`LedgerCommitUnconfirmed`, retryable: resubmitting never writes twice — the mempool drops the duplicate
or the application answers REPLAYED and the first commit's receipt is returned). evaluate and read_key
are `abci_query`s; events follows committed blocks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

import httpx
from opentelemetry import trace

from ledgerml.shared.errors import (
    DependencyUnavailable,
    LedgerCommitUnconfirmed,
    LedgerError,
    LedgerInvalidArgument,
    LedgerProofInvalid,
    LedgerRecordNotFound,
)
from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.shared.ledger import envelope
from ledgerml.shared.ledger.commits import CommitWatcher, TxFeed, WebsocketTxFeed
from ledgerml.shared.ledger.contract import Fn
from ledgerml.shared.ledger.follow import BlockFollower, NewBlocks, WebsocketNewBlocks, application_height
from ledgerml.shared.ledger.port import ChaincodeEvent, TxReceipt
from ledgerml.shared.ledger.proof import PROOF_TYPE, ProofMalformed, StateProof
from ledgerml.shared.ledger.rejections import REPLAYED, original_tx_id, rejection
from ledgerml.shared.ledger.rpc import JsonObject, RpcClient, RpcError, as_bytes, as_int, b64, node_name
from ledgerml.shared.telemetry.context import record_tx_id

POLL_FIRST_S, POLL_MAX_S = 0.05, 0.5
WATCHED_POLL_S = 1.0  # with a live commit subscription, /tx is only the safety net
_tracer = trace.get_tracer(__name__)


@dataclass(frozen=True)
class KeyRead:
    """A state entry as of `height`; `proven` when its proof verified against the app hash of the
    header at `height + 1` fetched from `verified_by` (the validators' signatures on that header are
    not checked here: trust the node it came from, or ask a second organisation's node)."""

    key: bytes
    value: bytes
    height: int
    proven: bool
    verified_by: str | None = None


class CometBftLedger:
    def __init__(self, *, rpc_url: str, chain_id: str, identity: SigningIdentity, commit_timeout_s: float = 30.0,
                 request_timeout_s: float = 10.0, verify_url: str | None = None,
                 transport: httpx.BaseTransport | None = None,
                 new_blocks: Callable[[str], NewBlocks] | None = WebsocketNewBlocks, poll_s: float = 1.0,
                 commit_feed: Callable[[str], TxFeed] | None = WebsocketTxFeed,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.rpc_url = rpc_url.rstrip("/")
        self.chain_id = chain_id
        self.msp_id = identity.msp_id
        self._identity = identity
        self._commit_timeout_s = commit_timeout_s
        self._verify_url = (verify_url or rpc_url).rstrip("/")
        self._rpc = RpcClient(timeout_s=request_timeout_s, transport=transport)
        self._new_blocks = new_blocks
        self._poll_s = poll_s
        self._clock = clock
        self._sleep = sleep
        self._commits = CommitWatcher(self.rpc_url, commit_feed) if commit_feed is not None else None

    def _span(self, operation: str, function: str) -> AbstractContextManager[trace.Span]:
        return _tracer.start_as_current_span(
            f"ledger {operation} {function}", kind=trace.SpanKind.CLIENT,
            attributes={"ledger.system": "cometbft", "ledger.chain_id": self.chain_id, "ledger.function": function})

    # -- writes -------------------------------------------------------------------------------------
    def submit(self, function: Fn | str, args: Sequence[str], *, idempotency_key: str | None = None) -> TxReceipt:
        nonce = envelope.nonce_for(idempotency_key) if idempotency_key is not None else envelope.random_nonce()
        try:
            tx = envelope.build_tx(chain_id=self.chain_id, fn=str(function), args=args, nonce=nonce,
                                   signers=[self._identity])
        except envelope.EnvelopeError as exc:
            raise LedgerInvalidArgument(f"{function}: {exc}") from exc
        return self.broadcast(tx)

    def broadcast(self, tx: bytes) -> TxReceipt:
        """Submit signed transaction bytes (e.g. a `Mint` co-signed by several admins) and wait for commit."""
        opened = envelope.open_tx(tx)
        tx_id = envelope.tx_id(tx)
        if self._commits is not None:
            self._commits.expect(tx_id)  # before the broadcast: a quick commit is not missed
        try:
            return self._broadcast(tx, tx_id, opened)
        finally:
            if self._commits is not None:
                self._commits.forget(tx_id)

    def _broadcast(self, tx: bytes, tx_id: str, opened: envelope.Envelope) -> TxReceipt:
        with self._span("submit", opened.fn) as span:
            record_tx_id(tx_id, span)
            try:
                check = self._rpc.call(self.rpc_url, "broadcast_tx_sync", {"tx": b64(tx)})
            except RpcError as exc:
                if "already exists in cache" not in exc.data:
                    raise
                check = {}  # these very bytes were broadcast before: wait for their commit
            code = as_int(check.get("code"))
            if code != 0:
                error = rejection(code=code, log=str(check.get("log", "")), codespace=str(check.get("codespace", "")),
                                  tx_id=tx_id, what=opened.fn)
                if error.chaincode_name == REPLAYED:
                    return self._original(opened, error)
                raise error
            return self._await_commit(tx_id, opened.fn)

    def _await_commit(self, tx_id: str, fn: str) -> TxReceipt:
        deadline = self._clock() + self._commit_timeout_s
        interval = POLL_FIRST_S
        while True:
            found = None
            if self._commits is not None and self._commits.live:
                found = self._commits.wait(tx_id, max(0.0, min(WATCHED_POLL_S, deadline - self._clock())))
            if found is None:
                try:
                    found = self._find_tx(tx_id)
                except DependencyUnavailable:  # a node blip while waiting: the deadline decides
                    found = None
            if found is not None:
                return self._receipt(found, tx_id, fn)
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise LedgerCommitUnconfirmed(f"{fn}: transaction {tx_id} not seen committed on "
                                              f"{node_name(self.rpc_url)} within {self._commit_timeout_s:g} s; "
                                              "resubmitting the same write is safe", tx_id=tx_id)
            if self._commits is None or not self._commits.live:
                self._sleep(min(interval, remaining))  # poll: /tx answers once the block is committed
                interval = min(interval * 2, POLL_MAX_S)

    def _find_tx(self, tx_id: str) -> JsonObject | None:
        try:
            return self._rpc.call(self.rpc_url, "tx", {"hash": b64(bytes.fromhex(tx_id)), "prove": False})
        except RpcError as exc:
            if "not found" in exc.data:
                return None
            raise

    def _receipt(self, found: JsonObject, tx_id: str, fn: str) -> TxReceipt:
        result = found.get("tx_result") or {}
        code = as_int(result.get("code"))
        if code != 0:
            raise rejection(code=code, log=str(result.get("log", "")), codespace=str(result.get("codespace", "")),
                            tx_id=tx_id, what=fn)
        return TxReceipt(tx_id=tx_id, block_number=as_int(found.get("height")), result=as_bytes(result.get("data")))

    def _original(self, opened: envelope.Envelope, replayed: LedgerError) -> TxReceipt:
        """The receipt (or the refusal) of the committed transaction that used this nonce first."""
        submitter = opened.signatures[0].msp_id
        original: str | None
        try:
            raw = self._query("/nonce", json.dumps({"msp": submitter, "nonce": opened.nonce}).encode())
            original = str(json.loads(raw)["tx_id"]).lower()
        except LedgerRecordNotFound:
            original = original_tx_id(replayed)
        except (ValueError, KeyError, TypeError):
            raise LedgerError(f"{opened.fn}: the ledger's /nonce answer is unreadable",
                              tx_id=replayed.tx_id) from None
        found = self._find_tx(original) if original else None
        if found is None:
            raise replayed
        return self._receipt(found, str(original), opened.fn)

    # -- reads --------------------------------------------------------------------------------------
    def _abci_query(self, url: str, path: str, data: bytes, *, prove: bool = False) -> JsonObject:
        result = self._rpc.call(url, "abci_query", {"path": path, "data": data.hex(), "height": "0",
                                                     "prove": prove})
        response: JsonObject = result.get("response") or {}
        code = as_int(response.get("code"))
        if code != 0:
            raise rejection(code=code, log=str(response.get("log", "")), codespace=str(response.get("codespace", "")),
                            tx_id=None, what=path)
        return response

    def _query(self, path: str, data: bytes) -> bytes:
        return as_bytes(self._abci_query(self.rpc_url, path, data).get("value"))

    def evaluate(self, function: Fn | str, args: Sequence[str]) -> bytes:
        with self._span("evaluate", str(function)):
            return self._query("/evaluate", json.dumps({"fn": str(function), "args": [str(a) for a in args]},
                                                       separators=(",", ":")).encode())

    def read_key(self, key: bytes | str, *, prove: bool = True) -> KeyRead | None:
        """A raw state entry; None when absent (absence is not proven). With `prove`, its proof must
        verify against the app hash of the next header from the verify node, else `LedgerProofInvalid`."""
        raw_key = key.encode() if isinstance(key, str) else key
        try:
            response = self._abci_query(self.rpc_url, "/key", raw_key, prove=prove)
        except LedgerRecordNotFound:
            return None
        value, height = as_bytes(response.get("value")), as_int(response.get("height"))
        if not value:
            return None
        if not prove:
            return KeyRead(raw_key, value, height, proven=False)
        proof_ops = response.get("proofOps") or response.get("proof_ops") or {}  # 0.38 writes proofOps
        ops = proof_ops.get("ops") or []
        op = next((o for o in ops if o.get("type") == PROOF_TYPE), None)
        if op is None:
            raise LedgerProofInvalid(f"key read at height {height} carries no {PROOF_TYPE} proof")
        try:
            proof = StateProof.parse(as_bytes(op.get("data")))
        except ProofMalformed as exc:
            raise LedgerProofInvalid(str(exc)) from None
        app_hash = self._app_hash(height + 1)
        if not proof.verifies(raw_key, value, app_hash):
            raise LedgerProofInvalid(f"the proof of a key read at height {height} does not match the app hash "
                                     f"of block {height + 1} from {node_name(self._verify_url)}")
        return KeyRead(raw_key, value, height, proven=True, verified_by=node_name(self._verify_url))

    def _app_hash(self, height: int) -> bytes:
        """The app hash in the header at `height`, waiting (up to the commit deadline) for it to exist."""
        deadline = self._clock() + self._commit_timeout_s
        while True:
            try:
                block = self._rpc.call(self._verify_url, "block", {"height": str(height)})
                header = (block.get("block") or {}).get("header") or {}
                return bytes.fromhex(str(header.get("app_hash", "")))
            except ValueError:
                raise LedgerError(f"block {height} from {node_name(self._verify_url)} has no readable app hash") \
                    from None
            except RpcError as exc:
                if self._clock() >= deadline or "must be less than or equal" not in exc.data:
                    raise
            self._sleep(POLL_MAX_S)  # poll: the next block commits within a consensus round

    def wait_for_height(self, height: int) -> int:
        """Wait until this node's application has committed `height` (a commit seen on another validator
        reaches this one a moment later), so reads here see it; return that height. `DependencyUnavailable`
        after the commit deadline."""
        deadline = self._clock() + self._commit_timeout_s
        while (latest := application_height(self._rpc, self.rpc_url)) < height:
            if self._clock() >= deadline:
                raise DependencyUnavailable(f"ledger node {node_name(self.rpc_url)} is at height {latest}, "
                                            f"not {height}, after {self._commit_timeout_s:g} s", dependency="ledger")
            self._sleep(POLL_FIRST_S * 2)  # poll: blocks arrive about once a second
        return latest

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]:
        new_blocks = self._new_blocks
        follower = BlockFollower(self._rpc, self.rpc_url, poll_s=self._poll_s, clock=self._clock, sleep=self._sleep,
                                 new_blocks=(lambda: new_blocks(self.rpc_url)) if new_blocks is not None else None)
        return follower.events(start_block)

    def close(self) -> None:
        if self._commits is not None:
            self._commits.close()
        self._rpc.close()

    def __enter__(self) -> CometBftLedger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
