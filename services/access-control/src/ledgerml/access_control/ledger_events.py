"""Turn chaincode events into projection facts: bridge envelopes (Kafka) and raw `ChaincodeEvent`s (ledger).

The bridge (`python -m ledgerml.shared.bridge`) publishes one envelope per chaincode event on
`<org>.ledger`, id = `tx_id:index`, source `<org>/ledger-bridge`, typed with the `EventType` the chaincode
event maps onto (`ledgerml.shared.bridge.mapping`: AccessGranted → `ACCESS_GRANT_ISSUED`, ...). Envelopes
from any other source on that topic are refused: only the bridge speaks for the ledger.
"""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from ledgerml.access_control.domain import Purpose, RequestState
from ledgerml.access_control.facts import (
    Answered,
    DatasetKnown,
    Fact,
    JobCharged,
    JobReleased,
    LedgerRef,
    RequestSeen,
)
from ledgerml.shared.errors import EventRejected
from ledgerml.shared.events import Envelope, EventType
from ledgerml.shared.events import schemas as ev
from ledgerml.shared.events.bridged import ledger_position, require_bridged
from ledgerml.shared.events.types import ChaincodeEventName as Name
from ledgerml.shared.ledger import ChaincodeEvent


def _purpose(value: str) -> Purpose | None:
    return Purpose(value) if value in Purpose.__members__.values() else None


def _envelope_ref(envelope: Envelope, tx_id: str | None) -> LedgerRef:
    position_tx, index = ledger_position(envelope)
    block = getattr(envelope.data, "block_number", None)  # carried by the event types this projection reads
    return LedgerRef(envelope.id, tx_id or position_tx, block if isinstance(block, int) else None, index,
                     envelope.time)


def fact_from_envelope(envelope: Envelope) -> Fact | None:
    """None for event types the projection does not need; `EventRejected` for a forged source."""
    require_bridged(envelope)
    data = envelope.data
    match envelope.type, data:
        case EventType.REGISTRY_DATASET_REGISTERED, ev.DatasetRegistered():
            return DatasetKnown(_envelope_ref(envelope, data.ledger_tx_id), data.dataset_id, data.owner_org)
        case EventType.ACCESS_REQUEST_CREATED, ev.AccessRequested():
            return RequestSeen(_envelope_ref(envelope, data.ledger_tx_id), data.request_id, data.dataset_id,
                               data.requester_org, _purpose(data.purpose), data.owner_org, data.requested_expiry,
                               data.algorithm_code_hash)
        case EventType.ACCESS_GRANT_ISSUED, ev.GrantIssued():
            return Answered(_envelope_ref(envelope, data.ledger_tx_id), data.request_id, data.dataset_id,
                            data.grantee_org, RequestState.GRANTED, data.expires_at, data.max_jobs,
                            data.compute_only)
        case EventType.ACCESS_GRANT_DENIED, ev.GrantDenied():
            return Answered(_envelope_ref(envelope, data.ledger_tx_id), data.request_id, data.dataset_id,
                            data.grantee_org, RequestState.DENIED, reason=data.reason)
        case EventType.ACCESS_GRANT_REVOKED, ev.GrantRevoked():
            # On the chaincode a grant is its request: grant id = request id.
            return Answered(_envelope_ref(envelope, data.ledger_tx_id), data.grant_id, data.dataset_id,
                            data.grantee_org, RequestState.REVOKED)
        case EventType.TRAINING_JOB_REQUESTED, ev.TrainingRequested():
            inputs = tuple((d.dataset_id, d.grant_request_id) for d in data.datasets)
            return JobCharged(_envelope_ref(envelope, data.ledger_tx_id), data.job_id, data.requester_org, inputs)
        case EventType.TRAINING_JOB_FAILED, ev.TrainingFailed():
            return JobReleased(_envelope_ref(envelope, data.ledger_tx_id), data.job_id)
    return None


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Conditions(_Payload):
    expires_at: AwareDatetime
    max_jobs: int = 0
    compute_only: bool = False


class _Request(_Payload):
    request_id: str
    dataset_id: str
    owner: str
    requester: str
    purpose: str
    status: str
    algorithm_code_hash: str = ""
    requested_expiry: AwareDatetime | None = None
    conditions: _Conditions | None = None
    reason: str = ""
    updated_at: AwareDatetime


class _Dataset(_Payload):
    id: str
    owner: str
    created_at: AwareDatetime


class _Input(_Payload):
    dataset_id: str
    grant_request_id: str = ""


class _Job(_Payload):
    job_id: str
    consumer: str = ""
    inputs: list[_Input] = []
    updated_at: AwareDatetime


class _JobEvent(_Payload):
    job: _Job


_ANSWERS = {Name.ACCESS_GRANTED: RequestState.GRANTED, Name.ACCESS_DENIED: RequestState.DENIED,
            Name.ACCESS_REVOKED: RequestState.REVOKED}
_RELEASES = (Name.TRAINING_FAILED, Name.TRAINING_EXPIRED, Name.TRAINING_CANCELLED)


def fact_from_chaincode(event: ChaincodeEvent) -> Fact | None:
    """A chaincode event's payload is the aggregate after the transaction (chaincode/internal/core)."""
    try:
        raw = json.loads(event.payload)
        return _chaincode_fact(event, raw)
    except (ValueError, ValidationError):
        raise EventRejected(f"chaincode event {event.name} at {event.event_id} has an unreadable payload") from None


def _ref(event: ChaincodeEvent, at: datetime) -> LedgerRef:
    return LedgerRef(event.event_id, event.tx_id, event.block_number, event.index, at)


def _chaincode_fact(event: ChaincodeEvent, raw: object) -> Fact | None:
    if event.name == Name.DATASET_REGISTERED:
        d = _Dataset.model_validate(raw)
        return DatasetKnown(_ref(event, d.created_at), d.id, d.owner)
    if event.name == Name.ACCESS_REQUESTED:
        r = _Request.model_validate(raw)
        return RequestSeen(_ref(event, r.updated_at), r.request_id, r.dataset_id, r.requester, _purpose(r.purpose),
                           r.owner, r.requested_expiry, r.algorithm_code_hash or None)
    if event.name in _ANSWERS:
        r = _Request.model_validate(raw)
        c = r.conditions
        return Answered(_ref(event, r.updated_at), r.request_id, r.dataset_id, r.requester, _ANSWERS[Name(event.name)],
                        c.expires_at if c else None, c.max_jobs if c else 0, c.compute_only if c else False,
                        r.reason or None)
    if event.name == Name.TRAINING_REQUESTED:
        job = _JobEvent.model_validate(raw).job
        inputs = tuple((i.dataset_id, i.grant_request_id or None) for i in job.inputs)
        return JobCharged(_ref(event, job.updated_at), job.job_id, job.consumer, inputs)
    if event.name in _RELEASES:
        job = _JobEvent.model_validate(raw).job
        return JobReleased(_ref(event, job.updated_at), job.job_id)
    return None
