"""SDK access to the consortium ledger itself, for what a member must not take on a service's word.

An auditor reads an audit log's anchor from the ledger's state with a Merkle proof checked against the
app hash of a header from a second validator; anyone reads balances, escrows, jobs and models; the
consortium's member admins mint credits together — the submitter's signature plus co-signatures of
admins of other member organisations, in one transaction (the ledger needs a majority of members).

Where the ledger is: `LEDGERML_LEDGER_RPC_URL` and `LEDGERML_LEDGER_CHAIN_ID` (and optionally
`LEDGERML_LEDGER_VERIFY_URL`), else the local stack's `stack.env` (`.run/dev` or
`LEDGERML_STACK_RUN_DIR`): the caller's organisation's validator, a second validator to verify against.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledgerml.shared.errors import ConfigurationInvalid, LedgerError, LedgerRecordNotFound
from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.shared.ledger import Fn, TxReceipt
from ledgerml.shared.ledger.cometbft import CometBftLedger
from ledgerml.shared.ledger.envelope import build_tx, random_nonce

ANCHOR_OBJECT = "lml.anchor"  # chaincode/internal/core/anchors: composite key (log id, zero-padded size)


@dataclass(frozen=True)
class LedgerEndpoint:
    rpc_url: str
    chain_id: str
    verify_url: str | None = None


def _stack_env(run_dir: Path) -> dict[str, str]:
    path = run_dir / "stack.env"
    if not path.is_file():
        return {}
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def ledger_endpoint(msp_id: str, *, env: Mapping[str, str] | None = None, run_dir: Path | None = None) -> \
        LedgerEndpoint:
    """The ledger endpoint for `msp_id`: explicit variables first, then the local stack's `stack.env`."""
    source = os.environ if env is None else env
    if source.get("LEDGERML_LEDGER_RPC_URL") and source.get("LEDGERML_LEDGER_CHAIN_ID"):
        return LedgerEndpoint(source["LEDGERML_LEDGER_RPC_URL"], source["LEDGERML_LEDGER_CHAIN_ID"],
                              source.get("LEDGERML_LEDGER_VERIFY_URL") or None)
    where = run_dir or Path(source.get("LEDGERML_STACK_RUN_DIR") or ".run/dev")
    stack = _stack_env(where)
    rpc_url, chain_id = stack.get(f"LEDGERML_LEDGER_RPC_{msp_id.upper()}"), stack.get("LEDGERML_LEDGER_CHAIN_ID")
    if not rpc_url or not chain_id:
        raise ConfigurationInvalid(f"no ledger endpoint for {msp_id}: set LEDGERML_LEDGER_RPC_URL and "
                                   f"LEDGERML_LEDGER_CHAIN_ID, or start the local stack ({where}/stack.env)")
    others = [u for u in stack.get("LEDGERML_LEDGER_RPC_URLS", "").split(",") if u and u != rpc_url]
    return LedgerEndpoint(rpc_url, chain_id, others[-1] if others else None)


def anchor_key(log_id: str, tree_size: int) -> bytes:
    """The state key of one anchor, as the chaincode composes it."""
    return f"\x00{ANCHOR_OBJECT}\x00{log_id}\x00{tree_size:020d}\x00".encode()


@dataclass(frozen=True)
class ProvenAnchor:
    """An audit log's anchored tree head as the ledger's state holds it, proven against a header."""

    log_id: str
    tree_size: int
    root_hash: str
    tx_id: str
    height: int
    verified_by: str | None


class LedgerClient:
    def __init__(self, identity: SigningIdentity, endpoint: LedgerEndpoint, *, commit_timeout_s: float = 30.0) -> None:
        self._identity = identity
        self.endpoint = endpoint
        self._ledger = CometBftLedger(rpc_url=endpoint.rpc_url, chain_id=endpoint.chain_id, identity=identity,
                                      verify_url=endpoint.verify_url, commit_timeout_s=commit_timeout_s,
                                      new_blocks=None)

    def evaluate(self, function: Fn | str, args: Sequence[str]) -> Any:
        """A core read function's JSON answer; `None` when the record does not exist."""
        try:
            raw = self._ledger.evaluate(function, args)
        except LedgerRecordNotFound:
            return None
        return json.loads(raw)

    def wait_for_height(self, height: int) -> int:
        """Wait until this client's validator has applied block `height` (a commit seen through another
        organisation's validator reaches this one a moment later), so reads after it see that block."""
        return self._ledger.wait_for_height(height)

    def balance(self, org: str) -> int:
        found = self.evaluate(Fn.GET_BALANCE, [org]) or {}
        return int(found.get("balance") or 0)

    def escrow(self, job_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.evaluate(Fn.GET_ESCROW, [job_id])
        return found

    def training_job(self, job_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.evaluate(Fn.GET_TRAINING_JOB, [job_id])
        return found

    def model(self, model_hash: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.evaluate(Fn.GET_MODEL, [model_hash])
        return found

    def latest_anchor(self, log_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.evaluate(Fn.GET_LATEST_ANCHOR, [log_id])
        return found

    def anchor(self, log_id: str, tree_size: int | None = None) -> ProvenAnchor | None:
        """The anchor of `log_id` at `tree_size` (default: the latest), read from the ledger's state with its
        Merkle proof checked against the app hash of the next header (from the verify node)."""
        if tree_size is None:
            latest = self.latest_anchor(log_id)
            if latest is None:
                return None
            tree_size = int(latest["tree_size"])
        read = self._ledger.read_key(anchor_key(log_id, tree_size), prove=True)
        if read is None:
            return None
        record = json.loads(read.value)
        if record.get("log_id") != log_id or int(record.get("tree_size", -1)) != tree_size:
            raise LedgerError(f"the ledger's anchor entry for {log_id}@{tree_size} holds another anchor")
        return ProvenAnchor(log_id, tree_size, str(record["root_hash"]), str(record.get("tx_id") or ""), read.height,
                            read.verified_by)

    def mint(self, *, to_org: str, amount: int, co_signers: Sequence[SigningIdentity]) -> TxReceipt:
        """`Mint` signed by this identity (an admin of a member organisation) and co-signed by admins of
        other member organisations; the ledger refuses it without a majority of members (LML-CC-0021)."""
        tx = build_tx(chain_id=self.endpoint.chain_id, fn=Fn.MINT, args=[to_org, str(amount)], nonce=random_nonce(),
                      signers=[self._identity, *co_signers])
        return self._ledger.broadcast(tx)

    def close(self) -> None:
        self._ledger.close()
