"""Typed events: type constants, one frozen model per type, and the envelope."""

from ledgerml.shared.events.envelope import Envelope
from ledgerml.shared.events.schemas import EVENT_MODELS, EventData
from ledgerml.shared.events.types import ChaincodeEventName, EventType, topic_for

__all__ = ["EVENT_MODELS", "ChaincodeEventName", "Envelope", "EventData", "EventType", "topic_for"]
