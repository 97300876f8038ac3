"""Typed events: type constants, one frozen model per type, and the envelope."""

from ledgerml.shared.events.envelope import Envelope
from ledgerml.shared.events.schemas import EVENT_MODELS, EventData
from ledgerml.shared.events.types import ChaincodeEvent, EventType, topic_for

__all__ = ["EVENT_MODELS", "ChaincodeEvent", "Envelope", "EventData", "EventType", "topic_for"]
