"""The registry's consumers on real Kafka and PostgreSQL: a `VersionStored` envelope on `<org>.storage`
becomes a version with its registration enqueued; a bridge-shaped `DatasetRegistered` on `<org>.ledger`
becomes a mirrored catalog entry."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence

import pytest
from kafka import KafkaAdminClient
from sqlalchemy import Engine, select

from ledgerml.registry import service
from ledgerml.registry.adapters.catalog_store import SqlCatalog
from ledgerml.registry.adapters.db import MIGRATIONS, rejected_events_table
from ledgerml.registry.adapters.outboxes import SqlLedgerWrites
from ledgerml.registry.consumers import build_consumers
from ledgerml.registry.settings import RegistrySettings
from ledgerml.shared.events import Envelope, EventData
from ledgerml.shared.events.schemas import DatasetRegistered, VersionStored
from ledgerml.shared.identity import Principal, Role
from ledgerml.shared.ledgerwrites import ledger_writes_for
from ledgerml.shared.messaging import IdempotentConsumer, OutboundRecord
from ledgerml.shared.messaging.kafka import KafkaPublisher
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade

pytestmark = pytest.mark.integration
ROOT = "ab" * 32
OWNER = Principal("Org1MSP", Role.CLIENT, "CN=User1@org1.ledgerml.test")


@pytest.fixture
def wired(fresh_postgres: str, kafka_bootstrap: str) -> Iterator[tuple[str, Engine, Sequence[IdempotentConsumer]]]:
    org = f"reg{uuid.uuid4().hex[:8]}"
    engine = create_db_engine(fresh_postgres)
    upgrade(engine, MIGRATIONS)
    settings = RegistrySettings(database_url=fresh_postgres, kafka_bootstrap=kafka_bootstrap, org=org, msp_id="Org1MSP")
    consumers = build_consumers(settings, engine)
    try:
        yield org, engine, consumers
    finally:
        for consumer in consumers:
            consumer.close()
        engine.dispose()
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        admin.delete_topics([f"{org}.{d}" for d in ("storage", "ledger", "training")])
        admin.close()


def publish(bootstrap: str, topic: str, *events: Envelope) -> None:
    publisher = KafkaPublisher(bootstrap=bootstrap, client_id="registry-test")
    publisher.publish([OutboundRecord(topic=topic, key=e.key, value=e.to_json()) for e in events])
    publisher.close()


def envelope(data: EventData, *, source: str, subject: str, event_id: str | None = None) -> Envelope:
    return Envelope.wrap(data, source=source, subject=subject, sequence=1, event_id=event_id)


def consume_until(consumer: IdempotentConsumer, done: Callable[[], bool], timeout_s: float = 45.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "the consumer did not apply the events in time"
        consumer.process_batch(timeout_s=0.5)


def test_stored_versions_are_recorded_and_queued_for_the_ledger(wired: tuple[str, Engine, Sequence[IdempotentConsumer]],
                                                                kafka_bootstrap: str) -> None:
    org, engine, consumers = wired
    with engine.begin() as conn:
        service.register_dataset(store=SqlCatalog(conn), writes=SqlLedgerWrites(conn), principal=OWNER,
                                 registry_org="Org1MSP", auditor_orgs=("Org3MSP",), dataset_id="cxr", name="X-rays",
                                 description="", schema={"label": "string"}, terms="t", tags=[], price_per_job=1)
    stored = VersionStored(dataset_id="cxr", version="v1", merkle_root=ROOT, size_bytes=8192, chunk_count=2,
                           chunk_size=4096)
    stray = VersionStored(dataset_id="ghost", version="v1", merkle_root=ROOT, size_bytes=1, chunk_count=1,
                          chunk_size=1)
    source = f"{org}/storage"
    publish(kafka_bootstrap, f"{org}.storage", envelope(stored, source=source, subject="cxr"),
            envelope(stray, source=source, subject="ghost"))

    def refused() -> list[str]:
        with engine.connect() as conn:
            return list(conn.execute(select(rejected_events_table.c.code)).scalars())

    def version_seen() -> bool:
        with engine.connect() as conn:
            found = SqlCatalog(conn).dataset("cxr")
        return bool(found and found.versions) and bool(refused())

    consume_until(consumers[0], version_seen)
    with engine.connect() as conn:
        dataset = SqlCatalog(conn).dataset("cxr")
        writes = ledger_writes_for(conn, "cxr")
    assert dataset is not None
    (v1,) = dataset.versions
    assert (v1.version, v1.merkle_root, v1.size_bytes, v1.chunk_count, v1.chunk_size) == ("v1", ROOT, 8192, 2, 4096)
    assert (v1.ledger.state, v1.ledger.tx_id, v1.ledger.block_number) == ("pending", None, None)
    assert [(w.function, w.state) for w in writes] == [("RegisterDataset", "pending"),
                                                       ("RegisterDatasetVersion", "pending")]
    assert refused() == ["LML-7210"]


def test_ledger_events_mirror_other_organisations_datasets(wired: tuple[str, Engine, Sequence[IdempotentConsumer]],
                                                          kafka_bootstrap: str) -> None:
    org, engine, consumers = wired
    registered = DatasetRegistered(dataset_id="loans", owner_org="Org2MSP", name="Loan book", ledger_tx_id="tx7")
    publish(kafka_bootstrap, f"{org}.ledger",
            envelope(registered, source=f"{org}/ledger-bridge", subject="loans", event_id="tx7:0"))

    def mirrored() -> bool:
        with engine.connect() as conn:
            return SqlCatalog(conn).dataset("loans") is not None

    consume_until(consumers[1], mirrored)
    with engine.connect() as conn:
        entry = SqlCatalog(conn).dataset("loans")
    assert entry is not None and (entry.owner_org, entry.origin, entry.ledger.tx_id) == ("Org2MSP", "ledger", "tx7")
