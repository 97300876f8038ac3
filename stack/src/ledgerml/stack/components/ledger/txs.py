"""The stack's own ledger transactions and reads: signed envelopes (`Probe`, `ScheduleUpgrade`) sent to one
validator and confirmed by hash on another, and `/evaluate` queries."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ledgerml.stack.components.ledger import rpc
from ledgerml.stack.components.ledger.health import ProbeResult
from ledgerml.stack.pki import load_consortium
from ledgerml.stack.procs import ReadinessError, wait_until

NOT_FOUND = 2  # LML-CC-0002


def signed(pki_root: Path, chain_id: str, fn: str, args: Sequence[str], msps: Sequence[str]) -> bytes:
    """A transaction signed by the Admin of each MSP in `msps` (the first submits)."""
    from ledgerml.shared.identity.msp import load_identity
    from ledgerml.shared.ledger.envelope import build_tx, random_nonce

    orgs = load_consortium(pki_root).orgs
    signers = [load_identity(msp, msp_dir=orgs[msp].identity("Admin").msp_dir) for msp in msps]
    return build_tx(chain_id=chain_id, fn=fn, args=list(args), nonce=random_nonce(), signers=signers)


def submit(tx: bytes, *, via: tuple[int, str], seen_on: tuple[int, str], timeout_s: float, log: Path) -> ProbeResult:
    """broadcast_tx_sync to node `via`, then poll `/tx?hash=` on node `seen_on` until it is committed there.
    Raises when CheckTx or the block refuses it."""
    started = time.monotonic()
    reply = rpc.broadcast_tx_sync(via[1], tx)
    if int(reply.get("code", 0)) != 0:
        raise ReadinessError(f"ledger: node{via[0]} refused the transaction: code {reply.get('code')} "
                             f"{reply.get('codespace', '')} {reply.get('log', '')}")
    tx_id, found = str(reply["hash"]).lower(), {}

    def committed() -> bool:
        try:
            found.update(rpc.get(seen_on[1], "tx", hash=f"0x{tx_id}"))
        except rpc.RpcError:
            return False
        return True

    wait_until(committed, what=f"ledger: tx {tx_id} on node{seen_on[0]}", timeout_s=timeout_s, log=log)
    result = found.get("tx_result") or {}
    if isinstance(result, dict) and int(result.get("code", 0)) != 0:
        raise ReadinessError(f"ledger: tx {tx_id} failed in block {found.get('height')}: code {result.get('code')} "
                             f"{result.get('log', '')}")
    return ProbeResult(tx_id, int(str(found["height"])), via[0], seen_on[0], time.monotonic() - started)


def evaluate(url: str, fn: str, args: Sequence[str]) -> Any:
    """A core read function's result as of the node's last block; None when the record does not exist."""
    data = json.dumps({"fn": fn, "args": list(args)}).encode()
    response = rpc.get(url, "abci_query", path='"/evaluate"', data=f"0x{data.hex()}")["response"]
    code = int(response.get("code", 0))
    if code == NOT_FOUND:
        return None
    if code != 0:
        raise ReadinessError(f"ledger: {fn}{tuple(args)} on {url}: code {code} {response.get('log', '')}")
    return json.loads(base64.b64decode(response.get("value") or ""))
