"""The ledger port: what services need from the consortium ledger, whichever ledger is behind it.

`CometBftLedger` (ledgerml.shared.ledger.cometbft, docs/decisions/0003) is the adapter wired when a
ledger endpoint is configured; otherwise services get `UnconfiguredLedger`, which refuses every call
with `LedgerNotConfigured` so ledger-backed steps fail closed and say why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ledgerml.shared.errors import LedgerNotConfigured
from ledgerml.shared.identity.principal import Principal
from ledgerml.shared.ledger.contract import Fn


@dataclass(frozen=True)
class TxReceipt:
    tx_id: str
    block_number: int
    result: bytes = b""


@dataclass(frozen=True)
class ChaincodeEvent:
    tx_id: str
    block_number: int
    index: int
    name: str
    payload: bytes

    @property
    def event_id(self) -> str:
        """Stable id for the ledger→Kafka bridge: tx id + the transaction's index within its block."""
        return f"{self.tx_id}:{self.index}"


class Ledger(Protocol):
    def submit(self, function: Fn | str, args: Sequence[str], *,
               idempotency_key: str | None = None) -> TxReceipt:
        """Submit and wait for commit; raises `LedgerError` carrying the tx id. Submitting again with the
        same `idempotency_key` never writes twice: it returns the first commit's receipt."""
        ...

    def evaluate(self, function: Fn | str, args: Sequence[str]) -> bytes:
        """The function's JSON result over committed state; raises `LedgerRecordNotFound` when absent."""
        ...

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]:
        """Chaincode events of committed blocks from `start_block` on, in order, following new blocks."""
        ...


class LedgerAuthorizer(Protocol):
    """"Does a grant on the ledger allow this principal to do `action` on `resource`?" """

    def allows(self, principal: Principal, *, action: str, resource: str) -> bool: ...


class UnconfiguredLedger:
    """The adapter wired when no ledger endpoint is configured: every call refuses with
    `LedgerNotConfigured` (503). Not a stand-in ledger."""

    def submit(self, function: Fn | str, args: Sequence[str], *,
               idempotency_key: str | None = None) -> TxReceipt:
        raise LedgerNotConfigured(f"cannot submit {function}: no ledger endpoint is configured")

    def evaluate(self, function: Fn | str, args: Sequence[str]) -> bytes:
        raise LedgerNotConfigured(f"cannot evaluate {function}: no ledger endpoint is configured")

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]:
        raise LedgerNotConfigured("cannot follow chaincode events: no ledger endpoint is configured")

    def allows(self, principal: Principal, *, action: str, resource: str) -> bool:
        raise LedgerNotConfigured(f"cannot check a grant to {action} {resource}: no ledger endpoint is configured")
