"""The training service's Kafka consumer (`python -m ledgerml.training consume`) and ledger-outcome hook
(`… relay`): how ledger facts move training jobs: chaincode events from the ledger→Kafka bridge (topic
`<org>.ledger`, one envelope per event, id = tx_id:index) and the outcomes of our own ledger writes.

Both run inside the caller's database transaction (the idempotent consumer's, the relay's), touch only
the jobs table and the ledger-write outbox, and never call the network.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from ledgerml.shared.events import Envelope, topic_for
from ledgerml.shared.events.schemas import TrainingAccepted, TrainingCompleted, TrainingFailed, TrainingRequested
from ledgerml.shared.ledger import Fn
from ledgerml.shared.ledgerwrites import LedgerWrite, enqueue_ledger_write
from ledgerml.shared.messaging import IdempotentConsumer
from ledgerml.shared.messaging.kafka import KafkaEventSource, ensure_topics
from ledgerml.shared.settings import ServiceSettings
from ledgerml.training.adapters import db
from ledgerml.training.domain import FINAL, RAY_MAY_RUN, DatasetRef, Job, JobRole, JobState, fail_reason

log = logging.getLogger(__name__)
OPEN = frozenset(JobState) - FINAL


def make_ledger_event_handler(*, org: str) -> Callable[[Connection, Envelope], None]:
    """`org` is this organisation's MSP id."""

    def handle(conn: Connection, envelope: Envelope) -> None:
        data = envelope.data
        if isinstance(data, TrainingRequested):
            _requested(conn, data, org=org)
            return
        job_id = getattr(data, "job_id", None)
        job = db.get_job(conn, job_id) if isinstance(job_id, str) else None
        if job is None or job.state is JobState.NOT_OURS:
            return  # another organisation's job
        if isinstance(data, TrainingAccepted):
            db.transition(conn, job.job_id, expect={JobState.REQUESTED, JobState.CANCELLING, JobState.ACCEPTING},
                          to=JobState.ACCEPTED)
        elif isinstance(data, TrainingCompleted):
            changes: dict[str, Any] = {"model_sha256": data.model_sha256, "transcript_root": data.transcript_root}
            if job.role is JobRole.CONSUMER:
                changes["metrics"] = dict(data.metrics)
            db.transition(conn, job.job_id, expect=OPEN, to=JobState.SUCCEEDED, **changes)
        elif isinstance(data, TrainingFailed):
            _ended(conn, job, reason=data.reason)
        log.info("ledger event applied", extra={"job_id": job.job_id, "event_type": str(envelope.type)})

    return handle


def _requested(conn: Connection, data: TrainingRequested, *, org: str) -> None:
    if data.requester_org == org:
        db.record(conn, data.job_id, ledger_tx_id=data.ledger_tx_id)  # our own request, now on the ledger
        return
    now = datetime.now(UTC)
    # Whether its datasets are ours is checked by the worker (registry lookup), outside this transaction.
    db.insert_job(conn, Job(
        job_id=data.job_id, role=JobRole.EXECUTOR, state=JobState.RECEIVED, requester_org=data.requester_org,
        owner_org=None, algorithm=data.algorithm, code_hash=data.code_sha256,
        datasets=tuple(DatasetRef(d.dataset_id, d.version) for d in data.datasets), deposit=data.deposit,
        created_at=now, updated_at=now, ledger_tx_id=data.ledger_tx_id))


def _ended(conn: Connection, job: Job, *, reason: str) -> None:
    """The ledger failed, expired or cancelled the job; a run that may still be going must be stopped."""
    if job.role is JobRole.CONSUMER:
        if not db.transition(conn, job.job_id, expect={JobState.CANCELLING}, to=JobState.CANCELLED):
            db.transition(conn, job.job_id, expect=OPEN, to=JobState.FAILED, failure_reason=fail_reason(reason))
    elif job.state in RAY_MAY_RUN:
        db.transition(conn, job.job_id, expect=RAY_MAY_RUN, to=JobState.HALTING, failure_reason=fail_reason(reason))
    else:
        db.transition(conn, job.job_id, expect=OPEN - {JobState.HALTING}, to=JobState.FAILED,
                      failure_reason=fail_reason(reason))


def on_ledger_outcome(conn: Connection, write: LedgerWrite) -> None:
    """Called by the ledger-write relay, in its transaction, when one of our writes commits or is refused."""
    committed = write.state == "committed"
    refusal = f"ledger refused {write.function}: {write.error_code} {write.error_detail or ''}"
    job_id = write.subject
    if write.function == "RequestTraining" and not committed:
        db.transition(conn, job_id, expect={JobState.REQUESTED, JobState.CANCELLING}, to=JobState.REJECTED,
                      failure_reason=fail_reason(refusal))
    elif write.function == "CancelTraining":
        db.transition(conn, job_id, expect={JobState.CANCELLING},
                      to=JobState.CANCELLED if committed else JobState.REQUESTED)
    elif write.function == Fn.ACCEPT_TRAINING:
        db.transition(conn, job_id, expect={JobState.ACCEPTING},
                      to=JobState.ACCEPTED if committed else JobState.ABANDONED,
                      failure_reason=None if committed else fail_reason(refusal))
    elif write.function == Fn.SUBMIT_TRAINING_RESULT:
        if committed:
            db.transition(conn, job_id, expect={JobState.REPORTING}, to=JobState.SUCCEEDED)
        elif db.transition(conn, job_id, expect={JobState.REPORTING}, to=JobState.FAILING,
                           failure_reason=fail_reason(refusal)):
            enqueue_fail_training(conn, job_id, reason="result refused by the ledger")
    elif write.function == Fn.FAIL_TRAINING:
        db.transition(conn, job_id, expect={JobState.FAILING}, to=JobState.FAILED,
                      **({} if committed else {"failure_reason": fail_reason(refusal)}))


def enqueue_fail_training(conn: Connection, job_id: str, *, reason: str) -> LedgerWrite:
    return enqueue_ledger_write(conn, function=Fn.FAIL_TRAINING, args=[job_id, fail_reason(reason)], subject=job_id)


def build_consumers(settings: ServiceSettings, engine: Engine) -> Sequence[IdempotentConsumer]:
    """Ledger events from the ledger→Kafka bridge (`<org>.ledger`); nothing arrives until it exists."""
    topic = topic_for(settings.org, "ledger")
    ensure_topics(settings.kafka_bootstrap, [topic])
    source = KafkaEventSource(bootstrap=settings.kafka_bootstrap, group_id=f"{settings.org}-training-ledger",
                              topics=[topic], client_id=f"{settings.org}-training-ledger")
    return [IdempotentConsumer(name="training-ledger-events", engine=engine, source=source,
                               handler=make_ledger_event_handler(org=settings.msp_id))]
