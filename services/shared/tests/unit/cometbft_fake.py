"""A CometBFT node's JSON-RPC, as an httpx.MockTransport, for unit tests of the ledger adapter only.

It keeps a mempool, a cache of seen transaction hashes (CometBFT's mempool cache), committed blocks
with their results and the application's replay records, and answers `broadcast_tx_sync`, `tx`,
`abci_query`, `block`, `block_results` and `status` in CometBFT 0.38's JSON shapes (64-bit integers as
strings, byte strings base64, zero values omitted). What a transaction does is up to `execute`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ledgerml.shared.ledger.envelope import Envelope, open_tx


@dataclass
class Outcome:
    code: int = 0
    log: str = ""
    data: bytes = b""
    events: list[dict[str, Any]] = field(default_factory=list)


def ok(data: object = None, *, event: str | None = None, payload: object = None) -> Outcome:
    events = []
    if event is not None:
        events = [{"type": event, "attributes": [{"key": "payload", "value": json.dumps(payload), "index": False},
                                                  {"key": "fn", "value": "X", "index": False}]}]
    return Outcome(data=json.dumps(data).encode() if data is not None else b"", events=events)


def refuse(code: int, name: str, message: str) -> Outcome:
    return Outcome(code=code, log=f"LML-CC-{code:04d} {name}: {message}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _response(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if v not in (0, "", None, [])}


@dataclass
class FakeNode:
    chain_id: str = "ledgerml-test"
    execute: Callable[[Envelope], Outcome] = lambda _: ok()
    check: Callable[[Envelope], Outcome] = lambda _: ok()
    evaluate: Callable[[str, list[str]], Outcome] = lambda fn, args: refuse(2, "NOT_FOUND", f"{fn} {args}")
    auto_commit: bool = True
    state: dict[bytes, bytes] = field(default_factory=dict)
    mempool: list[bytes] = field(default_factory=list)
    cache: set[str] = field(default_factory=set)
    blocks: list[list[bytes]] = field(default_factory=list)
    results: list[list[Outcome]] = field(default_factory=list)
    app_hashes: list[bytes] = field(default_factory=list)
    nonces: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    key_proof: Callable[[bytes, int], dict[str, Any]] | None = None
    key_height: int | None = None  # the height /key reads answer for (default: the latest)

    @property
    def height(self) -> int:
        return len(self.blocks)

    def commit(self) -> int:
        """Cut a block from the mempool, as consensus would."""
        txs, self.mempool = self.mempool, []
        outcomes = []
        for tx in txs:
            env = open_tx(tx)
            key = (env.signatures[0].msp_id, env.nonce)
            outcome = refuse(18, "REPLAYED", f"nonce used by {self.nonces[key][0]}") if key in self.nonces \
                else self.execute(env)
            self.nonces.setdefault(key, (hashlib.sha256(tx).hexdigest(), len(self.blocks) + 1))
            outcomes.append(outcome)
        self.blocks.append(txs)
        self.results.append(outcomes)
        self.app_hashes.append(hashlib.sha256(b"app" + bytes(len(self.blocks))).digest())
        return self.height

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        method, params = body["method"], body.get("params") or {}
        self.calls.append(method)
        try:
            result = getattr(self, f"_rpc_{method}")(params)
        except LookupError as exc:
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"],
                                             "error": {"code": -32603, "message": "Internal error",
                                                       "data": str(exc.args[0])}})
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})

    def _rpc_broadcast_tx_sync(self, params: dict[str, Any]) -> dict[str, Any]:
        tx = base64.b64decode(params["tx"])
        tx_hash = hashlib.sha256(tx).hexdigest()
        if tx_hash in self.cache:
            raise LookupError("error on broadcastTxSync: tx already exists in cache")
        env = open_tx(tx)
        key = (env.signatures[0].msp_id, env.nonce)
        outcome = refuse(18, "REPLAYED", f"nonce already used by tx {self.nonces[key][0]}") \
            if key in self.nonces else self.check(env)
        if outcome.code == 0:
            self.cache.add(tx_hash)
            self.mempool.append(tx)
        return {"code": outcome.code, "data": "", "log": outcome.log,
                "codespace": "ledgerml" if outcome.code else "", "hash": tx_hash.upper()}

    def _find(self, tx_hash: str) -> tuple[int, int] | None:
        for height, txs in enumerate(self.blocks, start=1):
            for index, tx in enumerate(txs):
                if hashlib.sha256(tx).hexdigest() == tx_hash:
                    return height, index
        return None

    def _rpc_tx(self, params: dict[str, Any]) -> dict[str, Any]:
        tx_hash = base64.b64decode(params["hash"]).hex()
        if self._find(tx_hash) is None and self.auto_commit and self.mempool:
            self.commit()
        found = self._find(tx_hash)
        if found is None:
            raise LookupError(f"tx ({tx_hash.upper()}) not found")
        height, index = found
        outcome = self.results[height - 1][index]
        tx = self.blocks[height - 1][index]
        return {"hash": tx_hash.upper(), "height": str(height), "index": index, "tx": _b64(tx),
                "tx_result": _response({"code": outcome.code, "data": _b64(outcome.data), "log": outcome.log,
                                        "codespace": "ledgerml" if outcome.code else "", "events": outcome.events})}

    def _query(self, path: str, data: bytes, prove: bool) -> Outcome:
        if path == "/evaluate":
            request = json.loads(data)
            return self.evaluate(request["fn"], request["args"])
        if path == "/nonce":
            request = json.loads(data)
            key = (request["msp"], request["nonce"])
            if key not in self.nonces:
                return refuse(2, "NOT_FOUND", "no transaction used this nonce")
            tx_id, height = self.nonces[key]
            return ok({"tx_id": tx_id, "height": height})
        raise LookupError(f"unknown path {path}")

    def _rpc_abci_query(self, params: dict[str, Any]) -> dict[str, Any]:
        data, path = bytes.fromhex(params["data"]), params["path"]
        if path == "/key":
            value, height = self.state.get(data, b""), self.key_height or self.height
            response: dict[str, Any] = {"key": _b64(data), "value": _b64(value), "height": str(height)}
            if params.get("prove") and value and self.key_proof is not None:
                response["proofOps"] = self.key_proof(data, height)  # what CometBFT 0.38 writes
            return {"response": _response(response)}
        outcome = self._query(path, data, bool(params.get("prove")))
        return {"response": _response({"code": outcome.code, "log": outcome.log, "value": _b64(outcome.data),
                                       "codespace": "ledgerml" if outcome.code else "", "height": str(self.height)})}

    def _block_height(self, params: dict[str, Any]) -> int:
        height = int(params.get("height") or self.height)
        if height > self.height:
            raise LookupError(f"height {height} must be less than or equal to the current blockchain height "
                              f"{self.height}")
        return height

    def _rpc_block(self, params: dict[str, Any]) -> dict[str, Any]:
        height = self._block_height(params)
        return {"block_id": {"hash": "AB" * 32},
                "block": {"header": {"chain_id": self.chain_id, "height": str(height),
                                     "app_hash": self.app_hashes[height - 1].hex().upper()},
                          "data": {"txs": [_b64(tx) for tx in self.blocks[height - 1]] or None}}}

    def _rpc_block_results(self, params: dict[str, Any]) -> dict[str, Any]:
        height = self._block_height(params)
        return {"height": str(height), "txs_results": [
            _response({"code": o.code, "data": _b64(o.data), "log": o.log, "events": o.events})
            for o in self.results[height - 1]] or None}

    def _rpc_abci_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"response": {"data": "ledgerml", "last_block_height": str(self.height)}}

    def _rpc_status(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"node_info": {"network": self.chain_id},
                "sync_info": {"latest_block_height": str(self.height), "catching_up": False}}


def routed(nodes: dict[str, FakeNode]) -> httpx.MockTransport:
    """One transport for several nodes, by host:port of the request."""
    return httpx.MockTransport(lambda request: nodes[f"{request.url.host}:{request.url.port}"].handle(request))


class FakeClock:
    """`clock` and `sleep` for the adapter: sleeping advances time at once and may make things happen."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.on_sleep: Callable[[], None] = lambda: None

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        self.on_sleep()
