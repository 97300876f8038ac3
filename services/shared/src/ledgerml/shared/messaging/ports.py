"""What the outbox relay and the idempotent consumer need from a message broker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class OutboundRecord:
    topic: str
    key: bytes
    value: bytes
    headers: Headers = field(default_factory=list)


@dataclass(frozen=True)
class InboundRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Headers = field(default_factory=list)


class EventPublisher(Protocol):
    def publish(self, records: Sequence[OutboundRecord]) -> None:
        """Return once every record is acknowledged by the broker; raise otherwise."""
        ...


class EventSource(Protocol):
    def poll(self, timeout_s: float) -> Sequence[InboundRecord]: ...

    def commit(self, records: Sequence[InboundRecord]) -> None:
        """Mark these records consumed; called only after their effect is committed."""
        ...

    def rewind(self, record: InboundRecord) -> None:
        """Deliver `record` again on the next poll (its effect failed)."""
        ...
