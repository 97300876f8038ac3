"""Hand-written fakes for the messaging ports."""

from __future__ import annotations

from collections.abc import Sequence

from ledgerml.shared.errors import DependencyUnavailable
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

    def __init__(self, records: list[InboundRecord]) -> None:
        self._records = records
        self.position = 0
        self.committed = 0

    def poll(self, timeout_s: float) -> Sequence[InboundRecord]:
        batch = self._records[self.position:]
        self.position = len(self._records)
        return batch

    def commit(self, records: Sequence[InboundRecord]) -> None:
        if records:
            self.committed = records[-1].offset + 1

    def rewind(self, record: InboundRecord) -> None:
        self.position = record.offset
