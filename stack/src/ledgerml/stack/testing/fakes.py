"""Hand-written fakes of the shared messaging and ledger ports (no MagicMock)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ledgerml.shared.errors import DependencyUnavailable
from ledgerml.shared.events import Envelope
from ledgerml.shared.ledger import ChaincodeEvent, TxReceipt
from ledgerml.shared.messaging import InboundRecord, OutboundRecord


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[OutboundRecord] = []
        self.fail = False

    def publish(self, records: Sequence[OutboundRecord]) -> None:
        if self.fail:
            raise DependencyUnavailable(dependency="kafka")
        self.published.extend(records)


class ListSource:
    """Delivers records in order; commit/rewind move a cursor like a consumer group would."""

    def __init__(self, records: list[InboundRecord] | None = None) -> None:
        self.records = records if records is not None else []
        self.position = 0
        self.committed = 0

    def poll(self, timeout_s: float) -> Sequence[InboundRecord]:
        batch = self.records[self.position:]
        self.position = len(self.records)
        return batch

    def commit(self, records: Sequence[InboundRecord]) -> None:
        if records:
            self.committed = records[-1].offset + 1

    def rewind(self, record: InboundRecord) -> None:
        self.position = record.offset


def records_of(envelopes: Sequence[Envelope | bytes], topic: str = "org1.storage") -> list[InboundRecord]:
    """Envelopes as the records a consumer would poll, offsets 0.."""
    return [InboundRecord(topic=topic, partition=0, offset=i, key=None,
                          value=e if isinstance(e, bytes) else e.to_json()) for i, e in enumerate(envelopes)]


class ScriptedLedger:
    """A `Ledger` that answers each `submit` with the next receipt of its script, or raises the next exception;
    records every submission (`calls`) and its idempotency key (`keys`)."""

    def __init__(self, *answers: TxReceipt | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, list[str]]] = []
        self.keys: list[str | None] = []

    def submit(self, function: str, args: Sequence[str], *, idempotency_key: str | None = None) -> TxReceipt:
        self.calls.append((function, list(args)))
        self.keys.append(idempotency_key)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        raise AssertionError("not used")

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]:
        raise AssertionError("not used")
