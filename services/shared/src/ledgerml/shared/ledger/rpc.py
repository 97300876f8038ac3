"""CometBFT's JSON-RPC over HTTP: one pooled httpx client for every node the adapter talks to.

Parameters follow CometBFT's JSON encoding: byte strings are base64 (`tx`, `hash`), `abci_query` data is
hex, 64-bit integers are decimal strings. Every failure to get an answer (connection, timeout, 5xx, a
JSON-RPC error) is `DependencyUnavailable` (503, retryable), never a 500.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from ledgerml.shared.errors import DependencyUnavailable, LedgerError

JsonObject = dict[str, Any]


class RpcError(DependencyUnavailable):
    """The node answered with a JSON-RPC error (e.g. `tx (...) not found`, `tx already exists in cache`)."""

    def __init__(self, node: str, method: str, message: str, data: str) -> None:
        super().__init__(f"ledger node {node}: {method}: {message} {data[:200]}".strip(), dependency="ledger")
        self.method = method
        self.message = message
        self.data = data


def node_name(url: str) -> str:
    """host:port of a node URL, for messages (URLs may carry credentials; names never do)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def as_int(value: object, default: int = 0) -> int:
    """CometBFT writes 64-bit integers as strings and omits zero values."""
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise LedgerError(f"the ledger node sent {type(value).__name__} where an integer belongs")
    return int(value)


def as_bytes(value: object) -> bytes:
    """A base64 byte string from a response; absent means empty."""
    if value is None or value == "":
        return b""
    if not isinstance(value, str):
        raise LedgerError("the ledger node sent a non-string where base64 bytes belong")
    return base64.b64decode(value)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class RpcClient:
    """JSON-RPC calls to CometBFT nodes, by node URL (`http://127.0.0.1:26611`)."""

    def __init__(self, *, timeout_s: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(timeout=timeout_s, transport=transport,
                                  limits=httpx.Limits(max_connections=32, max_keepalive_connections=8))
        self._ids = itertools.count(1)

    def call(self, url: str, method: str, params: Mapping[str, object] | None = None) -> JsonObject:
        node = node_name(url)
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": dict(params or {})}
        try:
            response = self._http.post(url, json=request)
        except httpx.TransportError as exc:
            raise DependencyUnavailable(f"ledger node {node}: {method}: {type(exc).__name__}",
                                        dependency="ledger") from exc
        if response.status_code >= 500 and not response.content:
            raise DependencyUnavailable(f"ledger node {node}: {method}: HTTP {response.status_code}",
                                        dependency="ledger")
        try:
            body = response.json()
        except json.JSONDecodeError:
            raise DependencyUnavailable(f"ledger node {node}: {method}: HTTP {response.status_code}, not JSON",
                                        dependency="ledger") from None
        if not isinstance(body, dict):
            raise DependencyUnavailable(f"ledger node {node}: {method}: not a JSON-RPC answer", dependency="ledger")
        error = body.get("error")
        if isinstance(error, dict):
            raise RpcError(node, method, str(error.get("message", "")), str(error.get("data", "")))
        result = body.get("result")
        if not isinstance(result, dict):
            raise DependencyUnavailable(f"ledger node {node}: {method}: HTTP {response.status_code}, no result",
                                        dependency="ledger")
        return result

    def close(self) -> None:
        self._http.close()
