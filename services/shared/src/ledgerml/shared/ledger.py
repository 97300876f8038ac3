"""The ledger port. Its Fabric Gateway adapter (gRPC to a peer) is future work: Fabric cannot be
installed in this environment (docs/decisions/0002). Services wire `UnconfiguredLedger`, which refuses
every call with `LedgerNotConfigured`; no stand-in ledger exists for integration use."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ledgerml.shared.errors import LedgerNotConfigured
from ledgerml.shared.identity.principal import Principal


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
        """Stable id for the ledger→Kafka bridge: tx id + index within the block."""
        return f"{self.tx_id}:{self.index}"


class Ledger(Protocol):
    def submit(self, function: str, args: Sequence[str], *,
               transient: Mapping[str, bytes] | None = None) -> TxReceipt:
        """Endorse, order and wait for commit; raises `LedgerError` carrying the tx id."""
        ...

    def evaluate(self, function: str, args: Sequence[str]) -> bytes: ...

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]: ...


class LedgerAuthorizer(Protocol):
    """"Does a grant on the ledger allow this principal to do `action` on `resource`?" """

    def allows(self, principal: Principal, *, action: str, resource: str) -> bool: ...


class UnconfiguredLedger:
    """The adapter wired when no Fabric Gateway is configured: every call refuses with
    `LedgerNotConfigured` (503), so ledger-backed steps fail closed and say why. Not a stand-in ledger."""

    def submit(self, function: str, args: Sequence[str], *,
               transient: Mapping[str, bytes] | None = None) -> TxReceipt:
        raise LedgerNotConfigured(f"cannot submit {function}: no Fabric ledger is configured")

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        raise LedgerNotConfigured(f"cannot evaluate {function}: no Fabric ledger is configured")

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]:
        raise LedgerNotConfigured("cannot follow chaincode events: no Fabric ledger is configured")

    def allows(self, principal: Principal, *, action: str, resource: str) -> bool:
        raise LedgerNotConfigured(f"cannot check a grant to {action} {resource}: no Fabric ledger is configured")
