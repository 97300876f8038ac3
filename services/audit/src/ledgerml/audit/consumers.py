"""Consumers: one idempotent consumer over every audited topic, and the ledger-outcome hook.

A polled batch is applied in ONE transaction: the processed-event records of its new events and their
entries commit together (a duplicate is dropped by event id, a crash never loses or doubles an entry),
and the broker offsets are committed only afterwards. If anything in the batch fails, the batch is
replayed record by record through the shared `IdempotentConsumer` path (commit what succeeds, rewind
the failing record). After each batch a head is signed and anchored once T seconds have passed.
Each transaction's adapters are bound as one `SqlAuditUnit` and handed to the use cases of `service.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select

from ledgerml.audit.adapters.bulk import among, write_rows
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.unit import SqlAuditUnit, SqlAuditUnits
from ledgerml.audit.service import AnchorPolicy, AuditLog, anchor_if_due, on_ledger_outcome, record_events
from ledgerml.audit.settings import AuditSettings
from ledgerml.audit.signing import IdentitySigner
from ledgerml.shared.errors import ConfigurationInvalid, EventRejected
from ledgerml.shared.events import Envelope
from ledgerml.shared.identity import load_identity
from ledgerml.shared.ledgerwrites import LedgerWrite
from ledgerml.shared.messaging import BatchResult, EventSource, IdempotentConsumer, InboundRecord, Outbox
from ledgerml.shared.messaging.consumer import CONSUMED
from ledgerml.shared.persistence import processed_events_table as processed
from ledgerml.shared.settings import ServiceSettings

log = logging.getLogger(__name__)
CONSUMER_NAME = "audit-log"  # the processed-event records' owner in this service's database


class _Replay:
    """Hands one already-polled batch to the shared per-record path; commits and rewinds go to the source."""

    def __init__(self, records: Sequence[InboundRecord], source: EventSource) -> None:
        self._records, self._source = list(records), source

    def poll(self, timeout_s: float) -> Sequence[InboundRecord]:
        records, self._records = self._records, []
        return records

    def commit(self, records: Sequence[InboundRecord]) -> None:
        self._source.commit(records)

    def rewind(self, record: InboundRecord) -> None:
        self._source.rewind(record)


class AuditConsumer(IdempotentConsumer):
    def __init__(self, *, name: str, engine: Engine, source: EventSource, log: AuditLog,
                 store: LogStore | None = None) -> None:
        super().__init__(name=name, engine=engine, source=source, handler=self._record)
        self._audit_name, self._audit_engine, self._audit_source = name, engine, source
        self.log, self.store = log, store or LogStore(log.log_id)  # its frontier kept in memory between batches
        self._units = SqlAuditUnits(engine, self.store)

    def _record(self, conn: Connection, envelope: Envelope) -> None:
        record_events(unit=SqlAuditUnit(conn, self.store), envelopes=[envelope], log=self.log)

    def process_batch(self, timeout_s: float = 1.0) -> BatchResult:
        records = self._audit_source.poll(timeout_s)
        result = BatchResult()
        if records:
            try:
                result = self._apply(records)
            except Exception:  # noqa: BLE001 - any failure: redo per record, which isolates and re-raises it
                log.warning("batch failed; replaying it record by record", extra={"records": len(records)})
                replay = IdempotentConsumer(name=self._audit_name, engine=self._audit_engine,
                                            source=_Replay(records, self._audit_source), handler=self._record)
                return replay.process_batch(timeout_s)
            self._audit_source.commit(records)
        anchor_if_due(units=self._units, log=self.log)
        return result

    def _apply(self, records: Sequence[InboundRecord]) -> BatchResult:
        result, envelopes = BatchResult(), []
        for record in records:
            try:
                envelopes.append(Envelope.from_json(record.value))
            except EventRejected as exc:
                log.error("event rejected", extra={"topic": record.topic, "offset": record.offset, "code": exc.code})
                result.rejected += 1
        now = datetime.now(UTC)
        with self._audit_engine.begin() as conn:
            ids = [e.id for e in envelopes]
            seen = set(conn.execute(select(processed.c.event_id).where(
                processed.c.consumer == self._audit_name, among(conn, processed.c.event_id, ids))).scalars()) \
                if ids else set()
            fresh = []
            for envelope in envelopes:
                if envelope.id in seen:
                    result.duplicates += 1
                    continue
                seen.add(envelope.id)
                fresh.append(envelope)
            if fresh:
                write_rows(conn, processed, ("consumer", "event_id", "processed_at"),
                           [(self._audit_name, e.id, now) for e in fresh])
                record_events(unit=SqlAuditUnit(conn, self.store), envelopes=fresh, log=self.log)
        result.applied = len(fresh)
        for outcome in ("applied", "duplicates", "rejected"):
            CONSUMED.labels(self._audit_name, outcome).inc(getattr(result, outcome))
        return result


def build_audit_log(settings: AuditSettings) -> AuditLog:
    if settings.identity_msp_dir is None:
        raise ConfigurationInvalid("set LEDGERML_AUDIT_IDENTITY_MSP_DIR: tree heads are signed with the audit "
                                   "service's MSP identity")
    identity = load_identity(settings.msp_id, msp_dir=settings.identity_msp_dir)
    policy = AnchorPolicy(every_entries=settings.anchor_every_entries, interval_s=settings.anchor_interval_s)
    return AuditLog(log_id=settings.effective_log_id, signer=IdentitySigner(identity), policy=policy,
                    clock=lambda: datetime.now(UTC))


def build_consumer(settings: AuditSettings, engine: Engine, source: EventSource) -> AuditConsumer:
    """The audit log's consumer on `source`: this log's store, heads signed as the audit identity."""
    return AuditConsumer(name=CONSUMER_NAME, engine=engine, source=source, log=build_audit_log(settings))


def ledger_outcome_hook(settings: AuditSettings) -> Callable[[Connection, LedgerWrite], None]:
    """The relay's hook: an anchor settled, in the relay's transaction."""
    store, outbox = LogStore(settings.effective_log_id), Outbox(org=settings.org, service="audit")

    def hook(conn: Connection, write: LedgerWrite) -> None:
        on_ledger_outcome(unit=SqlAuditUnit(conn, store, outbox=outbox), write=write)

    return hook


def build_consumers(settings: ServiceSettings, engine: Engine) -> Sequence[IdempotentConsumer]:
    """`python -m ledgerml.audit consume`: the audit log's single consumer over every audited topic."""
    if not isinstance(settings, AuditSettings):
        raise ConfigurationInvalid("the audit consumer needs AuditSettings")
    from ledgerml.shared.messaging.kafka import KafkaEventSource, ensure_topics  # only the consume command

    ensure_topics(settings.kafka_bootstrap, settings.topics)
    source = KafkaEventSource(bootstrap=settings.kafka_bootstrap, group_id=settings.effective_consumer_group,
                              topics=settings.topics, client_id=f"{settings.org}-audit-consumer",
                              max_records=settings.poll_max_records)
    return [build_consumer(settings, engine, source)]
