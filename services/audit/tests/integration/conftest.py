"""Integration fixtures: the stack's real Kafka and PostgreSQL (the shared plugin's `kafka_bootstrap`,
`fresh_postgres`, `database_url`, `consortium`), never stand-ins; the audited topics on the real broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest


@pytest.fixture
def audit_topics(kafka_bootstrap: str) -> Iterator[Callable[[str], list[str]]]:
    """Creates an organisation's audited topics on the real broker; deletes them afterwards."""
    from kafka import KafkaAdminClient

    from ledgerml.audit.settings import AUDITED_DOMAINS
    from ledgerml.shared.messaging.kafka import ensure_topics

    created: list[str] = []

    def create(org: str) -> list[str]:
        topics = [f"{org}.{domain}" for domain in AUDITED_DOMAINS]
        ensure_topics(kafka_bootstrap, topics)
        created.extend(topics)
        return topics

    yield create
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.delete_topics(created)
    finally:
        admin.close()
