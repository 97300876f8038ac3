"""The projection consumer (`python -m ledgerml.access_control consume`) and its ledger replay.

Normal path: the ledger→Kafka bridge's envelopes on `<org>.ledger` (`python -m ledgerml.shared.bridge`,
one per organisation, following its validator). The runtime polls with a 0.2 s timeout and a poll
returns as soon as a record arrives, so a committed revocation is applied within milliseconds of
reaching Kafka. After each poll that drained the topic the consumer stamps `polled_at`; decisions
trust grants only while that stamp is fresh (1 s by default), so a stopped or stuck consumer fails
closed instead of serving old grants.

Recovery path: `rebuild_projection` replays every chaincode event from block 0 through the `Ledger`
port after data loss; `follow_ledger` resumes from the checkpoint (block and index of the last applied
event). Both share the processed-event ids (`tx_id:index`) with the Kafka path, so no event applies twice.

The ledger-write outcome hook (`… relay`) is here too: when one of this service's ledger writes commits or
is rejected, the request record and its history say so. A commit settles the local record at once; the
chaincode event that follows through the bridge feeds the decision projection (decisions never rest on a
receipt alone) and repeats the same state, which the order-tolerant rules of `projector` make harmless.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from ledgerml.access_control.adapters import projection as proj
from ledgerml.access_control.adapters import requests as repo
from ledgerml.access_control.domain import PROJECTION, Answer, RequestState, merged_state
from ledgerml.access_control.ledger_events import fact_from_chaincode, fact_from_envelope
from ledgerml.access_control.projector import apply_fact
from ledgerml.shared.errors import EventRejected
from ledgerml.shared.events import Envelope, topic_for
from ledgerml.shared.ledger import ChaincodeEvent, Fn, Ledger
from ledgerml.shared.ledgerwrites import LedgerWrite
from ledgerml.shared.messaging import BatchResult, EventSource, IdempotentConsumer
from ledgerml.shared.messaging.kafka import KafkaEventSource, ensure_topics
from ledgerml.shared.persistence import insert_ignoring_duplicates, processed_events_table
from ledgerml.shared.settings import ServiceSettings

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
POLL_TIMEOUT_S = 0.2
MAX_RECORDS = 100


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ProjectionConsumer(IdempotentConsumer):
    def __init__(self, *, engine: Engine, source: EventSource, my_org: str, clock: Clock = _utcnow,
                 max_records: int = MAX_RECORDS) -> None:
        super().__init__(name=PROJECTION, engine=engine, source=source, handler=self._apply)
        self._engine = engine
        self._my_org = my_org
        self._clock = clock
        self._max_records = max_records

    def _apply(self, conn: Connection, envelope: Envelope) -> None:
        try:
            fact = fact_from_envelope(envelope)
        except EventRejected as exc:
            log.error("ledger event refused", extra={**envelope.describe(), "code": exc.code})
            return
        if fact is not None:
            apply_fact(conn, fact, my_org=self._my_org)

    def process_batch(self, timeout_s: float = POLL_TIMEOUT_S) -> BatchResult:
        started = self._clock()
        result = super().process_batch(timeout_s)
        # A short batch means the topic was drained as of `started`: the projection is that fresh.
        if result.applied + result.duplicates + result.rejected < self._max_records:
            with self._engine.begin() as conn:
                proj.mark_polled(conn, PROJECTION, started)
        return result


def build_consumers(settings: ServiceSettings, engine: Engine) -> Sequence[IdempotentConsumer]:
    topic = topic_for(settings.org, "ledger")
    ensure_topics(settings.kafka_bootstrap, [topic])  # the bridge may not have created it yet
    source = KafkaEventSource(bootstrap=settings.kafka_bootstrap, group_id=f"{settings.org}-{PROJECTION}",
                              topics=[topic], client_id=f"{settings.org}-{PROJECTION}", max_records=MAX_RECORDS)
    return [ProjectionConsumer(engine=engine, source=source, my_org=settings.msp_id)]


def _apply_chaincode(engine: Engine, event: ChaincodeEvent, my_org: str) -> None:
    with engine.begin() as conn:
        first = insert_ignoring_duplicates(conn, processed_events_table, {
            "consumer": PROJECTION, "event_id": event.event_id, "processed_at": _utcnow()})
        if not first:
            return
        try:
            fact = fact_from_chaincode(event)
        except EventRejected as exc:
            log.error("chaincode event refused", extra={"event_id": event.event_id, "code": exc.code})
            return
        if fact is not None:
            apply_fact(conn, fact, my_org=my_org, in_block_order=True)


def follow_ledger(engine: Engine, ledger: Ledger, *, my_org: str,
                  stop: Callable[[], bool] = lambda: False) -> int:
    """Apply chaincode events after the checkpoint; returns how many events were read."""
    with engine.connect() as conn:
        checkpoint = proj.get_checkpoint(conn, PROJECTION)
    start = checkpoint.last_block if checkpoint and checkpoint.last_block is not None else 0
    done = (start, checkpoint.last_index if checkpoint and checkpoint.last_index is not None else -1) \
        if checkpoint and checkpoint.last_block is not None else None
    seen = 0
    for event in ledger.events(start_block=start):
        if stop():
            break
        if done is not None and (event.block_number, event.index) <= done:
            continue  # already applied before the restart
        _apply_chaincode(engine, event, my_org)
        seen += 1
    return seen


def rebuild_projection(engine: Engine, ledger: Ledger, *, my_org: str,
                       stop: Callable[[], bool] = lambda: False) -> int:
    """After data loss: forget the projection and replay the ledger from block 0."""
    events = ledger.events(start_block=0)  # fails (503 today) before anything is cleared
    with engine.begin() as conn:
        proj.clear_projection(conn, consumer=PROJECTION)
    seen = 0
    for event in events:
        if stop():
            break
        _apply_chaincode(engine, event, my_org)
        seen += 1
    return seen


ANSWERS: dict[str, Answer] = {Fn.GRANT_ACCESS: Answer.GRANT, Fn.DENY_ACCESS: Answer.DENY,
                              Fn.REVOKE_ACCESS: Answer.REVOKE}
_TARGET = {Answer.GRANT: RequestState.GRANTED, Answer.DENY: RequestState.DENIED, Answer.REVOKE: RequestState.REVOKED}


def on_ledger_outcome(conn: Connection, write: LedgerWrite) -> None:
    if write.function != Fn.REQUEST_ACCESS and write.function not in ANSWERS:
        return
    record = repo.get_request(conn, write.subject)
    if record is None:
        return
    at = write.updated_at
    if write.function == Fn.REQUEST_ACCESS:
        state = RequestState.REJECTED if write.state == "rejected" else record.state
        changes: dict[str, object] = {"state": state, "updated_at": at}
        if write.state == "rejected":
            changes["reason"] = f"{write.error_code}: {write.error_detail}"[:500]
        repo.update_request(conn, record.request_id, **changes)
        repo.add_history(conn, record.request_id, at=at, event=f"request:{write.state}", state=state,
                         actor="ledger-relay", detail=write.error_code, write_id=write.id, tx_id=write.tx_id,
                         block_number=write.block_number)
        return
    answer = ANSWERS[write.function]
    changes = {"pending_answer": None, "updated_at": at}
    state = record.state
    if write.state == "committed":
        state = merged_state(record.state, _TARGET[answer])
        changes["state"] = state
        if answer is Answer.GRANT and state is RequestState.GRANTED:
            conditions = json.loads(write.args[1])
            changes |= {"expires_at": datetime.fromisoformat(conditions["expires_at"]),
                        "max_jobs": conditions["max_jobs"], "compute_only": conditions["compute_only"]}
        elif answer is not Answer.GRANT:
            changes["reason"] = write.args[1]
    repo.update_request(conn, record.request_id, **changes)
    repo.add_history(conn, record.request_id, at=at, event=f"{answer}:{write.state}", state=state,
                     actor="ledger-relay", detail=write.error_code, write_id=write.id, tx_id=write.tx_id,
                     block_number=write.block_number)
