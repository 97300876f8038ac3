"""Transactional outbox, relay and idempotent consumer; Kafka sits behind `messaging.kafka`."""

from ledgerml.shared.messaging.consumer import BatchResult, EventHandler, IdempotentConsumer
from ledgerml.shared.messaging.outbox import Outbox
from ledgerml.shared.messaging.ports import EventPublisher, EventSource, InboundRecord, OutboundRecord
from ledgerml.shared.messaging.relay import OutboxRelay

__all__ = [
    "BatchResult",
    "EventHandler",
    "EventPublisher",
    "EventSource",
    "IdempotentConsumer",
    "InboundRecord",
    "OutboundRecord",
    "Outbox",
    "OutboxRelay",
]
