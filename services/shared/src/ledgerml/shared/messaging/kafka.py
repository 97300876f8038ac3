"""The one adapter around kafka-python: deadlines, safe retries only, errors translated once here.

Retries: the idempotent producer (acks=all, enable_idempotence) retries retriable send errors itself
without duplicating within its session; anything else surfaces as `EventPublishFailed` or
`DependencyUnavailable` and the relay retries the whole batch later, which consumers deduplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata
from opentelemetry import trace

from ledgerml.shared.errors import DependencyUnavailable, EventPublishFailed
from ledgerml.shared.messaging.ports import InboundRecord, OutboundRecord
from ledgerml.shared.telemetry.context import extract_context, inject_headers

log = logging.getLogger(__name__)
tracer = trace.get_tracer("ledgerml.shared.messaging.kafka")
DEPENDENCY = "kafka"


@contextmanager
def _translated(action: str) -> Iterator[None]:
    try:
        yield
    except KafkaTimeoutError as exc:
        raise DependencyUnavailable(f"kafka {action}: {type(exc).__name__}", dependency=DEPENDENCY) from exc
    except KafkaError as exc:
        if getattr(exc, "retriable", False):
            raise DependencyUnavailable(f"kafka {action}: {type(exc).__name__}", dependency=DEPENDENCY) from exc
        raise EventPublishFailed(f"kafka {action}: {type(exc).__name__}") from exc


class KafkaPublisher:
    """Idempotent producer; `publish` returns only when every record is acknowledged by all ISRs."""

    def __init__(self, *, bootstrap: str, client_id: str, deadline_s: float = 30.0) -> None:
        self._deadline_s = deadline_s
        with _translated("connect"):
            self._producer = KafkaProducer(
                bootstrap_servers=bootstrap,
                client_id=client_id,
                acks="all",
                enable_idempotence=True,
                max_in_flight_requests_per_connection=5,
                linger_ms=5,
                request_timeout_ms=int(deadline_s * 1000 / 2),
                delivery_timeout_ms=int(deadline_s * 1000),
                max_block_ms=int(deadline_s * 1000),
                bootstrap_timeout_ms=int(deadline_s * 1000),
            )

    def publish(self, records: Sequence[OutboundRecord]) -> None:
        futures = []
        with _translated("publish"):
            for record in records:
                with tracer.start_as_current_span(
                    f"{record.topic} publish",
                    context=extract_context(record.headers),
                    kind=trace.SpanKind.PRODUCER,
                    attributes={"messaging.system": "kafka", "messaging.destination.name": record.topic},
                ):
                    headers = inject_headers(record.headers)
                    futures.append(self._producer.send(record.topic, value=record.value, key=record.key,
                                                       headers=headers))
            self._producer.flush(timeout=self._deadline_s)
            for future in futures:
                future.get(timeout=self._deadline_s)

    def close(self) -> None:
        self._producer.close(timeout=self._deadline_s)


class KafkaEventSource:
    """Consumer-group member with manual offset commits (auto-commit would commit before the effect)."""

    def __init__(self, *, bootstrap: str, group_id: str, topics: Sequence[str], client_id: str,
                 max_records: int = 100, session_timeout_s: float = 10.0) -> None:
        with _translated("connect"):
            self._consumer = KafkaConsumer(
                bootstrap_servers=bootstrap,
                group_id=group_id,
                client_id=client_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                isolation_level="read_committed",
                max_poll_records=max_records,
                session_timeout_ms=int(session_timeout_s * 1000),
                heartbeat_interval_ms=int(session_timeout_s * 1000 / 3),
            )
            # Join the group only once our metadata knows every topic; otherwise the first assignment
            # can be empty and nothing is consumed until the next metadata refresh (minutes).
            missing = [t for t in topics if not self._consumer.partitions_for_topic(t)]
            if missing:
                self._consumer.close(autocommit=False)
                raise DependencyUnavailable(f"kafka topics not found: {', '.join(missing)}",
                                            dependency=DEPENDENCY)
            self._consumer.subscribe(list(topics))

    def poll(self, timeout_s: float) -> Sequence[InboundRecord]:
        with _translated("poll"):
            batches: dict[Any, list[Any]] = self._consumer.poll(timeout_ms=int(timeout_s * 1000))
        return [
            InboundRecord(topic=r.topic, partition=r.partition, offset=r.offset, key=r.key, value=r.value,
                          headers=[(k, v or b"") for k, v in (r.headers or [])])
            for records in batches.values() for r in records
        ]

    def commit(self, records: Sequence[InboundRecord]) -> None:
        if not records:
            return
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for r in records:
            offsets[TopicPartition(r.topic, r.partition)] = OffsetAndMetadata(r.offset + 1, "", -1)
        with _translated("commit"):
            self._consumer.commit(offsets=offsets)

    def rewind(self, record: InboundRecord) -> None:
        self._consumer.seek(TopicPartition(record.topic, record.partition), record.offset)

    def close(self) -> None:
        self._consumer.close(autocommit=False)


def ensure_topics(bootstrap: str, topics: Sequence[str], *, partitions: int = 3,
                  replication_factor: int = 1, timeout_s: float = 30.0) -> None:
    """Create missing topics (idempotent), waiting until each has a leader."""
    with _translated("create topics"):
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000))
        try:
            wanted = {t: {"num_partitions": partitions, "replication_factor": replication_factor}
                      for t in topics if t not in set(admin.list_topics())}
            if wanted:
                try:
                    admin.create_topics(wanted, timeout_ms=int(timeout_s * 1000), wait_for_metadata=True)
                except TopicAlreadyExistsError:
                    log.info("topics created concurrently", extra={"count": len(wanted)})
        finally:
            admin.close()


class KafkaReadiness:
    """Readiness check: can we reach a broker and read cluster metadata within the deadline?"""

    name = DEPENDENCY

    def __init__(self, *, bootstrap: str, timeout_s: float = 3.0) -> None:
        self._bootstrap = bootstrap
        self._timeout_ms = int(timeout_s * 1000)
        self._admin: KafkaAdminClient | None = None

    def check(self) -> None:
        with _translated("readiness"):
            try:
                if self._admin is None:
                    self._admin = KafkaAdminClient(bootstrap_servers=self._bootstrap,
                                                   request_timeout_ms=self._timeout_ms,
                                                   bootstrap_timeout_ms=self._timeout_ms)
                self._admin.describe_cluster()
            except KafkaError:
                self.close()
                raise

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
