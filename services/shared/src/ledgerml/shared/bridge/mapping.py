"""Chaincode event → typed Kafka event: the one mapping every `<org>.ledger` consumer relies on.

| chaincode event            | EventType                      | subject (record key) |
|----------------------------|--------------------------------|----------------------|
| DatasetRegistered          | REGISTRY_DATASET_REGISTERED    | dataset id           |
| DatasetVersionRegistered   | REGISTRY_VERSION_REGISTERED    | dataset id           |
| AccessRequested            | ACCESS_REQUEST_CREATED         | request id           |
| AccessGranted              | ACCESS_GRANT_ISSUED            | request id           |
| AccessDenied               | ACCESS_GRANT_DENIED            | request id           |
| AccessRevoked              | ACCESS_GRANT_REVOKED           | request id           |
| TrainingRequested          | TRAINING_JOB_REQUESTED         | job id               |
| TrainingAccepted           | TRAINING_JOB_ACCEPTED          | job id               |
| TrainingSucceeded          | TRAINING_JOB_COMPLETED         | job id               |
| TrainingFailed/Expired/Cancelled | TRAINING_JOB_FAILED      | job id               |
| AuditRootAnchored          | AUDIT_TREE_HEAD_ANCHORED       | log id               |
| CreditsMinted/Transferred  | (none: no consumer; skipped)   |                      |

A dataset's versions share its key, so a consumer never sees a version before its dataset. On the
chaincode a grant is its request, so grant id = request id. The envelope's time is the record's own
transaction time (block time), so an event re-published after a crash is identical to the first copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from ledgerml.shared.bridge import records as cc
from ledgerml.shared.events import schemas as ev
from ledgerml.shared.events.types import ChaincodeEventName as Name
from ledgerml.shared.ledger import ChaincodeEvent

TEXT_MAX = 4000


@dataclass(frozen=True)
class Mapped:
    data: ev.EventData
    subject: str
    time: datetime


class Skip(StrEnum):
    """Why a chaincode event produced no Kafka event (the label of the bridge's skip metric)."""

    UNMAPPED = "unmapped"  # a known chaincode event no LedgerML consumer needs (credits)
    UNKNOWN = "unknown"  # a name this bridge does not know (a newer chaincode)
    MALFORMED = "malformed"  # a payload that does not read as the chaincode's record


def map_event(event: ChaincodeEvent) -> Mapped | Skip:
    try:
        name = Name(event.name)
    except ValueError:
        return Skip.UNKNOWN
    convert = _CONVERTERS.get(name)
    if convert is None:
        return Skip.UNMAPPED
    try:
        return convert(json.loads(event.payload), event)
    except (ValueError, ValidationError):  # JSON, record or typed-event validation
        return Skip.MALFORMED


def _dataset(raw: Any, event: ChaincodeEvent) -> Mapped:
    d = cc.DatasetRecord.model_validate(raw)
    meta = _catalog_metadata(d.metadata)
    schema = meta.get("schema")
    tags = meta.get("tags")
    name = meta.get("name")
    data = ev.DatasetRegistered(
        dataset_id=d.id, owner_org=d.owner, name=(name if isinstance(name, str) and name else d.id)[:200],
        ledger_tx_id=event.tx_id, description=str(meta.get("description") or "")[:TEXT_MAX],
        tags=tuple(t for t in tags if isinstance(t, str))[:32] if isinstance(tags, list) else (),
        columns=tuple(str(c) for c in schema)[:512] if isinstance(schema, dict) else (),
        terms=d.terms[:TEXT_MAX], price_per_job=d.price_per_job, block_number=event.block_number)
    return Mapped(data, d.id, d.created_at)


def _catalog_metadata(raw: str) -> dict[str, Any]:
    """The registry writes public catalog JSON here; anything else is a dataset without metadata."""
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _version(raw: Any, event: ChaincodeEvent) -> Mapped:
    v = cc.VersionRecord.model_validate(raw)
    data = ev.DatasetVersionRegistered(
        dataset_id=v.dataset_id, version=v.version, merkle_root=v.merkle_root, size_bytes=v.size_bytes,
        chunk_count=v.chunk_count, ledger_tx_id=event.tx_id, block_number=event.block_number)
    return Mapped(data, v.dataset_id, v.created_at)


def _requested(raw: Any, event: ChaincodeEvent) -> Mapped:
    r = cc.RequestRecord.model_validate(raw)
    data = ev.AccessRequested(
        request_id=r.request_id, dataset_id=r.dataset_id, requester_org=r.requester, purpose=r.purpose,
        ledger_tx_id=event.tx_id, owner_org=r.owner, requested_expiry=cc.present(r.requested_expiry),
        algorithm_code_hash=r.algorithm_code_hash or None, block_number=event.block_number)
    return Mapped(data, r.request_id, r.updated_at)


def _granted(raw: Any, event: ChaincodeEvent) -> Mapped:
    r = cc.RequestRecord.model_validate(raw)
    if r.conditions is None:
        raise ValueError("a grant without conditions")
    data = ev.GrantIssued(
        grant_id=r.request_id, request_id=r.request_id, dataset_id=r.dataset_id, grantee_org=r.requester,
        expires_at=r.conditions.expires_at, max_jobs=r.conditions.max_jobs, compute_only=r.conditions.compute_only,
        ledger_tx_id=event.tx_id, purpose=r.purpose, block_number=event.block_number)
    return Mapped(data, r.request_id, r.updated_at)


def _denied(raw: Any, event: ChaincodeEvent) -> Mapped:
    r = cc.RequestRecord.model_validate(raw)
    data = ev.GrantDenied(request_id=r.request_id, dataset_id=r.dataset_id, grantee_org=r.requester,
                          reason=r.reason[:500], ledger_tx_id=event.tx_id, block_number=event.block_number)
    return Mapped(data, r.request_id, r.updated_at)


def _revoked(raw: Any, event: ChaincodeEvent) -> Mapped:
    r = cc.RequestRecord.model_validate(raw)
    data = ev.GrantRevoked(grant_id=r.request_id, dataset_id=r.dataset_id, grantee_org=r.requester,
                           ledger_tx_id=event.tx_id, block_number=event.block_number)
    return Mapped(data, r.request_id, r.updated_at)


def _training_requested(raw: Any, event: ChaincodeEvent) -> Mapped:
    job = cc.JobEvent.model_validate(raw).job
    datasets = tuple(ev.DatasetVersionRef(dataset_id=i.dataset_id, version=i.version, owner_org=i.owner or None,
                                          grant_request_id=i.grant_request_id or None) for i in job.inputs)
    data = ev.TrainingRequested(
        job_id=job.job_id, requester_org=job.consumer, algorithm=job.algorithm.name,
        code_sha256=job.algorithm.code_hash, datasets=datasets, deposit=job.deposit, ledger_tx_id=event.tx_id,
        hyperparameters_sha256=job.hyperparameters_hash or None, block_number=event.block_number)
    return Mapped(data, job.job_id, job.updated_at)


def _training_accepted(raw: Any, event: ChaincodeEvent) -> Mapped:
    job = cc.JobEvent.model_validate(raw).job
    return Mapped(ev.TrainingAccepted(job_id=job.job_id, executor_org=job.owner, ledger_tx_id=event.tx_id),
                  job.job_id, job.updated_at)


def _training_succeeded(raw: Any, event: ChaincodeEvent) -> Mapped:
    job = cc.JobEvent.model_validate(raw).job
    if job.result is None:
        raise ValueError("a succeeded job without a result")
    data = ev.TrainingCompleted(job_id=job.job_id, model_sha256=job.result.model_hash,
                                transcript_root=job.result.transcript_root, ledger_tx_id=event.tx_id,
                                metrics_sha256=job.result.metrics_hash or None)
    return Mapped(data, job.job_id, job.updated_at)


def _training_ended(raw: Any, event: ChaincodeEvent) -> Mapped:
    """Failed, expired and cancelled jobs all release their grants and refund; the reason says which."""
    job = cc.JobEvent.model_validate(raw).job
    reason = job.failure_reason or job.status.lower()
    return Mapped(ev.TrainingFailed(job_id=job.job_id, reason=reason[:500], ledger_tx_id=event.tx_id),
                  job.job_id, job.updated_at)


def _anchored(raw: Any, event: ChaincodeEvent) -> Mapped:
    a = cc.AnchorRecord.model_validate(raw)
    data = ev.TreeHeadAnchored(tree_size=a.tree_size, root_hash=a.root_hash, anchored_at=a.anchored_at,
                               ledger_tx_id=event.tx_id)
    return Mapped(data, a.log_id, a.anchored_at)


_CONVERTERS: dict[Name, Callable[[Any, ChaincodeEvent], Mapped]] = {
    Name.DATASET_REGISTERED: _dataset,
    Name.DATASET_VERSION_REGISTERED: _version,
    Name.ACCESS_REQUESTED: _requested,
    Name.ACCESS_GRANTED: _granted,
    Name.ACCESS_DENIED: _denied,
    Name.ACCESS_REVOKED: _revoked,
    Name.TRAINING_REQUESTED: _training_requested,
    Name.TRAINING_ACCEPTED: _training_accepted,
    Name.TRAINING_SUCCEEDED: _training_succeeded,
    Name.TRAINING_FAILED: _training_ended,
    Name.TRAINING_EXPIRED: _training_ended,
    Name.TRAINING_CANCELLED: _training_ended,
    Name.AUDIT_ROOT_ANCHORED: _anchored,
}
UNMAPPED = frozenset(Name) - set(_CONVERTERS)
