"""The few CometBFT JSON-RPC calls the stack makes (readiness, status, probe), over plain HTTP."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class RpcError(RuntimeError):
    """The node did not answer, or answered with a JSON-RPC error."""


def _result(body: bytes) -> dict[str, Any]:
    reply = json.loads(body)
    if reply.get("error"):
        err = reply["error"]
        raise RpcError(f"{err.get('message', '')} {err.get('data', '')}".strip())
    result = reply.get("result")
    if not isinstance(result, dict):
        raise RpcError(f"unexpected reply: {body[:200]!r}")
    return result


def get(url: str, method: str, timeout_s: float = 2.0, **params: str | int) -> dict[str, Any]:
    """GET <url>/<method>?k=v: byte parameters as 0x-prefixed hex, as CometBFT's URI form expects."""
    query = urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(f"{url}/{method}{'?' + query if query else ''}",  # noqa: S310 - loopback
                                    timeout=timeout_s) as resp:
            return _result(resp.read())
    except urllib.error.HTTPError as exc:  # CometBFT answers JSON-RPC errors with HTTP 500
        return _result(exc.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise RpcError(f"{url}/{method}: {exc}") from exc


def broadcast_tx_sync(url: str, tx: bytes, timeout_s: float = 10.0) -> dict[str, Any]:
    """Submit and wait for CheckTx only; the result carries `code`, `log` and `hash`."""
    payload = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "broadcast_tx_sync",
                          "params": {"tx": base64.b64encode(tx).decode()}}).encode()
    request = urllib.request.Request(url, data=payload,  # noqa: S310 - loopback
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as resp:  # noqa: S310 - loopback
            return _result(resp.read())
    except urllib.error.HTTPError as exc:
        return _result(exc.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise RpcError(f"{url} broadcast_tx_sync: {exc}") from exc
