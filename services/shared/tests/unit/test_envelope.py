from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from ledgerml.shared.errors import EventRejected
from ledgerml.shared.events import EVENT_MODELS, Envelope, EventType, topic_for
from ledgerml.shared.events import schemas as s
from ledgerml.shared.events.types import ChaincodeEventName

from .samples import SAMPLES

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
CONTRACT = Path(__file__).resolve().parents[4] / "chaincode" / "contract.json"


@pytest.mark.parametrize("event_type", list(EventType))
def test_every_type_round_trips_through_json(event_type: EventType) -> None:
    envelope = Envelope.wrap(SAMPLES[event_type], source="org1/registry", subject="agg-1", sequence=7,
                             traceparent=TRACEPARENT)
    decoded = Envelope.from_json(envelope.to_json())
    assert decoded == envelope
    assert type(decoded.data) is EVENT_MODELS[event_type]
    assert decoded.type is event_type and decoded.key == b"agg-1"


def test_wire_format_is_cloudevents_shaped_json() -> None:
    envelope = Envelope.wrap(SAMPLES[EventType.TRAINING_JOB_FAILED], source="org2/training", subject="j1",
                             sequence=1)
    wire = json.loads(envelope.to_json())
    assert {"specversion", "id", "source", "type", "time", "subject", "traceparent", "data",
            "sequence", "datacontenttype"} == set(wire)
    assert wire["type"] == "ledgerml.training.job.failed.v1" and wire["specversion"] == "1.0"


def test_type_names_follow_the_convention() -> None:
    for event_type in EventType:
        prefix, domain, noun, verb, version = event_type.value.split(".")
        assert (prefix, version) == ("ledgerml", "v1") and (verb.endswith("ed") or verb == "read"), event_type
        assert domain in {"storage", "access", "registry", "training", "audit"} and noun


def test_models_are_frozen() -> None:
    with pytest.raises(ValidationError):
        SAMPLES[EventType.TRAINING_JOB_FAILED].reason = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("mutation", [
    {"type": "ledgerml.unknown.thing.happened.v1"},
    {"type": "ledgerml.access.grant.revoked.v1"},  # data of another type
    {"data": {"job_id": "j1"}},  # required field missing
    {"source": "Org1 / Training"},
    {"sequence": 0},
    {"traceparent": "not-a-traceparent"},
    {"surprise": 1},
])
def test_invalid_envelopes_are_rejected_with_a_code(mutation: dict[str, object]) -> None:
    wire = json.loads(Envelope.wrap(s.TrainingFailed(job_id="j1", reason="x"), source="org1/training",
                                    subject="j1", sequence=1).to_json())
    with pytest.raises(EventRejected) as caught:
        Envelope.from_json(json.dumps({**wire, **mutation}))
    assert caught.value.code == "LML-5011"


def test_not_json_is_rejected() -> None:
    with pytest.raises(EventRejected):
        Envelope.from_json(b"\x00garbage")


def test_topics_are_prefixed_by_organisation() -> None:
    assert topic_for("org1", EventType.STORAGE_VERSION_STORED.domain) == "org1.storage"
    assert topic_for("org3", EventType.AUDIT_TREE_HEAD_ANCHORED.domain) == "org3.audit"
    with pytest.raises(ValueError):
        topic_for("Org1MSP", "storage")


def test_describe_never_includes_data() -> None:
    envelope = Envelope.wrap(SAMPLES[EventType.ACCESS_GRANT_DENIED], source="org1/access-control",
                             subject="r1", sequence=3)
    assert "data" not in envelope.describe() and "no" not in envelope.describe().values()


def test_chaincode_event_names_match_the_contract() -> None:
    contract = json.loads(CONTRACT.read_text())
    names = {e["name"] if isinstance(e, dict) else e for e in contract["events"]}
    assert names == {e.value for e in ChaincodeEventName}
