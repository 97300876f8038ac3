"""Hand-written fakes of the shared messaging ports (no MagicMock)."""

from __future__ import annotations

from collections.abc import Sequence

from ledgerml.shared.errors import DependencyUnavailable
from ledgerml.shared.events import Envelope
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
