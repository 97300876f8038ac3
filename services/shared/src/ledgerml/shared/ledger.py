"""The ledger port. Its Fabric Gateway adapter (gRPC to a peer) is future work: Fabric cannot be
installed in this environment, and no stand-in ledger is provided for integration use."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

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
