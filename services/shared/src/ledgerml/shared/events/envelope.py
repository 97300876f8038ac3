"""The CloudEvents-shaped envelope every Kafka record carries, as JSON on the wire."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationError,
    model_validator,
)

from ledgerml.shared.errors import EventRejected
from ledgerml.shared.events.schemas import EVENT_MODELS, EventData
from ledgerml.shared.events.types import EventType

_MODELS_BY_NAME: dict[str, type[EventData]] = {t.value: m for t, m in EVENT_MODELS.items()}
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


class Envelope(BaseModel):
    """`source` is `<org>/<service>`; `subject` is the aggregate id and the Kafka record key;
    `sequence` counts a producer's events without gaps so the audit service can spot a lost one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=128)
    source: str = Field(pattern=r"^[a-z0-9-]+/[a-z0-9-]+$")
    type: EventType
    time: AwareDatetime
    subject: str = Field(min_length=1, max_length=256)
    sequence: int = Field(ge=1)
    traceparent: str | None = Field(default=None, pattern=TRACEPARENT_PATTERN)
    datacontenttype: Literal["application/json"] = "application/json"
    data: SerializeAsAny[EventData]

    @model_validator(mode="before")
    @classmethod
    def _typed_data(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and isinstance(raw.get("data"), dict):
            model = _MODELS_BY_NAME.get(str(raw.get("type")))
            if model is not None:
                raw = {**raw, "data": model.model_validate(raw["data"])}
        return raw

    @model_validator(mode="after")
    def _data_matches_type(self) -> Self:
        if self.data.event_type is not self.type:
            raise ValueError(f"data is a {self.data.event_type} payload but type is {self.type}")
        return self

    @classmethod
    def wrap(
        cls,
        data: EventData,
        *,
        source: str,
        subject: str,
        sequence: int,
        traceparent: str | None = None,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> Envelope:
        return cls(
            id=event_id or str(uuid.uuid4()),
            source=source,
            type=data.event_type,
            time=time or datetime.now(UTC),
            subject=subject,
            sequence=sequence,
            traceparent=traceparent,
            data=data,
        )

    @property
    def key(self) -> bytes:
        """Kafka record key: the aggregate id, so one aggregate's events stay ordered."""
        return self.subject.encode()

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) or "<root>" for e in exc.errors())
            raise EventRejected(f"not a valid LedgerML event (fields: {fields})") from None

    def describe(self) -> dict[str, object]:
        """What may be logged about an event: metadata, never `data`."""
        return {"event_id": self.id, "event_type": str(self.type), "subject": self.subject,
                "source": self.source, "sequence": self.sequence}
