"""Ingest: one idempotent consumer over every audited topic. Each event's entry is appended in the same
transaction as its processed-event record (a duplicate is dropped by event id, a crash never loses or
doubles an entry); after each batch, a head is signed and anchored when T seconds have passed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.service import AnchorPolicy, AuditLog, anchor_if_due, record_event
from ledgerml.audit.settings import AuditSettings
from ledgerml.audit.signing import IdentitySigner
from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.events import Envelope
from ledgerml.shared.identity import load_identity
from ledgerml.shared.messaging import BatchResult, EventSource, IdempotentConsumer
from ledgerml.shared.settings import ServiceSettings


class AuditConsumer(IdempotentConsumer):
    def __init__(self, *, name: str, engine: Engine, source: EventSource, log: AuditLog) -> None:
        super().__init__(name=name, engine=engine, source=source, handler=self._record)
        self._audit_engine = engine
        self.log = log

    def _record(self, conn: Connection, envelope: Envelope) -> None:
        record_event(conn, envelope, log=self.log)

    def process_batch(self, timeout_s: float = 1.0) -> BatchResult:
        result = super().process_batch(timeout_s)
        anchor_if_due(self._audit_engine, log=self.log)
        return result


def build_audit_log(settings: AuditSettings) -> AuditLog:
    if settings.identity_msp_dir is None:
        raise ConfigurationInvalid("set LEDGERML_AUDIT_IDENTITY_MSP_DIR: tree heads are signed with the audit "
                                   "service's MSP identity")
    identity = load_identity(settings.msp_id, msp_dir=settings.identity_msp_dir)
    policy = AnchorPolicy(every_entries=settings.anchor_every_entries, interval_s=settings.anchor_interval_s)
    return AuditLog(store=LogStore(settings.effective_log_id), signer=IdentitySigner(identity), policy=policy,
                    clock=lambda: datetime.now(UTC))


def build_consumers(settings: ServiceSettings, engine: Engine) -> Sequence[IdempotentConsumer]:
    """`python -m ledgerml.audit consume`: the audit log's single consumer over every audited topic."""
    if not isinstance(settings, AuditSettings):
        raise ConfigurationInvalid("the audit consumer needs AuditSettings")
    from ledgerml.shared.messaging.kafka import KafkaEventSource, ensure_topics  # only the consume command

    ensure_topics(settings.kafka_bootstrap, settings.topics)
    source = KafkaEventSource(bootstrap=settings.kafka_bootstrap, group_id=settings.consumer_group,
                              topics=settings.topics, client_id=f"{settings.org}-audit-consumer",
                              max_records=settings.poll_max_records)
    return [AuditConsumer(name=settings.consumer_group, engine=engine, source=source, log=build_audit_log(settings))]
